/**
 * `sockdbg hmac`: Python's `hmac.new(key, msg, digestmod).digest()` on the command line, to check by hand what the
 * tutorial's check_conn programs (section 六) send. Also the warning printed for a short key (--allow-short-key).
 */
import { parseHexArg, optString, expectPositionals, type OptionDefs } from '../args';
import { errorMessage } from '../../shared/errors';
import { UsageError, EXIT_OK } from '../errors';
import type { CommandContext } from '../context';
import { parseOrHelp } from '../dispatch';
import { hmac, parseDigest, MIN_KEY_BYTES, type ExecDigest } from '../../core/exec/protocol';

const OPTIONS: OptionDefs = {
  key: { type: 'string', short: 'k' },
  'key-hex': { type: 'string' },
  digest: { type: 'string', short: 'd' },
  hex: { type: 'string', short: 'x' },
  repr: { type: 'boolean' },
};

/** The warning for a key under MIN_KEY_BYTES (accepted only with --allow-short-key); undefined for a strong key. */
export function shortKeyWarning(key: Uint8Array): string | undefined {
  if (key.length >= MIN_KEY_BYTES) return undefined;
  return (
    `sockdbg: WARNING: the key is only ${key.length} byte${key.length === 1 ? '' : 's'} (--allow-short-key). ` +
    `A key this short can be guessed by anyone who sees one challenge and its answer; ` +
    `use it only with the tutorial's check_conn programs, and at least ${MIN_KEY_BYTES} random bytes for anything else.\n`
  );
}

/** Python's repr() of a bytes object: b'...' (or b"..." when it holds ' and no "). */
export function pythonBytesRepr(data: Uint8Array): string {
  const hasSingle = data.includes(0x27);
  const quote = hasSingle && !data.includes(0x22) ? '"' : "'";
  let out = '';
  for (const b of data) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (quote === "'" && b === 0x27) out += "\\'";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${out}${quote}`;
}

export function runHmac(argv: string[], ctx: CommandContext): number {
  const cmd = 'hmac';
  const args = parseOrHelp(cmd, argv, OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 0, 1, 'MESSAGE');
  const keyText = optString(args, 'key');
  const keyHex = optString(args, 'key-hex');
  if ((keyText === undefined) === (keyHex === undefined)) throw new UsageError('give exactly one of --key TEXT or --key-hex HEX', cmd);
  const key = keyText !== undefined ? Buffer.from(keyText, 'utf8') : parseHexArg(keyHex ?? '', cmd, '--key-hex');
  const msgHex = optString(args, 'hex');
  const text = args.positionals[0];
  if ((text === undefined) === (msgHex === undefined)) throw new UsageError('give the MESSAGE as text or with --hex HEX (one of them)', cmd);
  const message = text !== undefined ? Buffer.from(text, 'utf8') : parseHexArg(msgHex ?? '', cmd, '--hex');
  let digest: ExecDigest;
  try {
    digest = parseDigest(optString(args, 'digest') ?? 'md5');
  } catch (err) {
    throw new UsageError(errorMessage(err), cmd);
  }
  const mac = hmac(digest, key, message);
  ctx.stdout.write((args.values.repr === true ? pythonBytesRepr(mac) : mac.toString('hex')) + '\n');
  return EXIT_OK;
}
