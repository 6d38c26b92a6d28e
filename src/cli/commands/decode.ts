/** `sockdbg decode FILE [--hex HEX | < bytes]`: cuts bytes into frames with the file's framing and prints their messages. */
import type { CommandContext } from '../context';
import { optFlag, optString, parseFraming, parseHexArg, type OptionDefs } from '../args';
import { parseOrHelp } from '../dispatch';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import { jsonLine } from '../output';
import { toHex } from '../../shared/bytes';
import { decodeText } from '../../core/codec/encoding';
import { createFrameDecoder, type DecodedFrame } from '../../core/framing';
import { loadProtocolFile } from '../../core/protocol/load';
import { describeMessage, messageFieldsJson } from '../../core/protocol/message';
import { readAll } from './udp';

const OPTIONS: OptionDefs = {
  hex: { type: 'string', short: 'x' },
  framing: { type: 'string' },
  json: { type: 'boolean' },
};

export async function runDecode(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'decode';
  const args = parseOrHelp(cmd, argv, OPTIONS, ctx);
  if (!args) return EXIT_OK;
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing FILE (a *.sockdbg.yaml protocol file)' : `unexpected argument '${args.positionals[1]}'`, cmd);
  const file = loadProtocolFile(args.positionals[0]);
  const framing = parseFraming(optString(args, 'framing') ?? file.model.framing, cmd);
  const hex = optString(args, 'hex');
  let bytes: Buffer;
  if (hex !== undefined) bytes = parseHexArg(hex, cmd, '--hex');
  else {
    try {
      bytes = await readAll(ctx.stdin);
    } catch (err) {
      throw new UsageError(`cannot read stdin: ${errorMessage(err)}`, cmd);
    }
  }
  const json = optFlag(args, 'json');
  const decoder = createFrameDecoder(framing);
  let frames: DecodedFrame[];
  let problem: string | undefined;
  try {
    frames = framing === 'raw' ? [{ payload: bytes, start: 0, end: bytes.length }] : decoder.push(bytes);
  } catch (err) {
    frames = [];
    problem = errorMessage(err);
  }
  for (const f of frames) {
    const m = file.model.decode(f.payload);
    if (json) {
      const ev: Record<string, unknown> = { type: 'frame', offset: f.start, len: f.payload.length, hex: toHex(f.payload) };
      if (f.header) ev.header = f.header;
      if (m) Object.assign(ev, { message: m.name, fields: messageFieldsJson(m), ...(m.checksum ? { checksum: m.checksum } : {}) });
      ctx.stdout.write(jsonLine(ev) + '\n');
    } else {
      const what = m ? describeMessage(m) : `${JSON.stringify(decodeText(f.payload, file.model.encoding))} (no message fits)`;
      ctx.stdout.write(`@${f.start} ${f.payload.length} byte${f.payload.length === 1 ? '' : 's'}: ${what}${f.header ? ` header ${JSON.stringify(f.header)}` : ''}\n`);
    }
  }
  const rest = problem === undefined && framing !== 'raw' ? decoder.flush() : Buffer.alloc(0);
  if (rest.length > 0) problem = `unfinished frame: ${rest.length} byte${rest.length === 1 ? '' : 's'} at stream offset ${bytes.length - rest.length} (${toHex(rest, ' ')})`;
  if (problem !== undefined) {
    ctx.stderr.write(`sockdbg: ${problem}\n`);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}
