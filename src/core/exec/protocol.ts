/**
 * The sockdbg remote-exec wire protocol (see docs/exec-protocol.md for the byte layouts).
 *
 * Handshake (raw bytes, no framing):
 *   1. agent  → client  nonceA: 32 random bytes                     (exactly like the seed's check_conn)
 *   2. client → agent   proofC = HMAC(key, nonceA)                    (raw digest, D bytes)
 *   3. agent  → client  status: 1 byte, 0x01 accepted / 0x00 refused (then the agent closes)
 *   4. client → agent   nonceB: 32 random bytes
 *   5. agent  → client  proofA = HMAC(key, "sockdbg-agent-proof-v1" | nonceA | nonceB)
 *   sessionKey = HMAC(key, "sockdbg-session-v1" | nonceA | nonceB)
 *
 * Frames afterwards (both directions), the seed's JSON-header style plus a MAC trailer:
 *   '<i' header length | header JSON (UTF-8, has "type" and "total_size") | body (total_size bytes) | MAC (D bytes)
 *   MAC = HMAC(sessionKey, dir | '>Q' seq | length prefix | header | body), dir = 'C' (client→agent) or 'A'.
 * This is not core/framing's json-header scheme byte for byte, so it keeps its own codec here: the header is
 * JSON.stringify's compact JSON (not Python's json.dumps spacing), every frame ends in a MAC trailer that the
 * decoder must take and check before a frame counts, and header and body have their own caps (MAX_HEADER_BYTES,
 * MAX_BODY_BYTES). The Python agent (examples/python/agent.py) speaks this same layout.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type ExecDigest = 'sha256' | 'md5' | 'sha1' | 'sha512';
export const EXEC_DIGESTS: readonly ExecDigest[] = ['sha256', 'md5', 'sha1', 'sha512'];
export const DEFAULT_DIGEST: ExecDigest = 'sha256';

export const NONCE_BYTES = 32;
export const MIN_KEY_BYTES = 16;
export const STATUS_ACCEPTED = 0x01;
export const STATUS_REFUSED = 0x00;
/** Largest header JSON accepted (bytes). */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Largest frame body accepted (bytes). Output is sent in chunks well below this. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most unread bytes a peer may have queued before the handshake completes (the handshake itself needs < 100). */
export const MAX_HANDSHAKE_BUFFER = 4096;
/** Most unread bytes a peer may have queued once frames flow (two largest frames plus a read chunk). */
export const MAX_FRAME_BUFFER = 2 * (4 + MAX_HEADER_BYTES + MAX_BODY_BYTES + 64) + 64 * 1024;
/** The largest command timeout a timer can hold (ms). */
export const MAX_TIMEOUT_MS = 0x7fffffff;
/** Shell syntax that chains, substitutes or redirects; refused in "command" when the agent has an allowlist. */
export const SHELL_CONTROL = /[;&|`$()<>\r\n]/;

export const LABEL_AGENT_PROOF = Buffer.from('sockdbg-agent-proof-v1', 'ascii');
export const LABEL_SESSION = Buffer.from('sockdbg-session-v1', 'ascii');
export const DIR_CLIENT_TO_AGENT = 0x43; // 'C'
export const DIR_AGENT_TO_CLIENT = 0x41; // 'A'

const DIGEST_SIZES: Record<ExecDigest, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

export function digestSize(digest: ExecDigest): number {
  return DIGEST_SIZES[digest];
}

/** Validates a digest name given by a user; throws a clear error otherwise. */
export function parseDigest(name: string): ExecDigest {
  const n = name.trim().toLowerCase().replace(/-/g, '');
  if ((EXEC_DIGESTS as readonly string[]).includes(n)) return n as ExecDigest;
  throw new Error(`unknown digest "${name}" (use one of: ${EXEC_DIGESTS.join(', ')})`);
}

/**
 * Refuses keys that are too short. The message never contains the key. `allowShort` (--allow-short-key) accepts any
 * non-empty key, for the tutorial's check_conn programs and their 3-byte b'wyb'.
 */
export function checkKey(key: Buffer, allowShort = false): void {
  if (allowShort && key.length > 0) return;
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`the key is too short (${key.length} bytes); use at least ${MIN_KEY_BYTES} bytes`);
  }
}

/** A key given as text (file contents or environment variable): UTF-8, one trailing newline ignored. */
export function keyFromText(text: string, allowShort = false): Buffer {
  // U+FFFD is what a decoder leaves of bytes that are not UTF-8: that key would differ from the one on the other side
  if (text.includes('\uFFFD')) throw new Error('the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`');
  const key = Buffer.from(text.replace(/\r?\n$/, ''), 'utf8');
  checkKey(key, allowShort);
  return key;
}

/** A key read as bytes (a key file): must be valid UTF-8, exactly like the Python agent and client read it. */
export function keyFromBytes(bytes: Uint8Array, allowShort = false): Buffer {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`');
  }
  return keyFromText(text, allowShort);
}

export function hmac(digest: ExecDigest, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(digest, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** The client's answer to the agent's challenge: exactly the seed's `hmac.new(key, msg, digestmod).digest()`. */
export function clientProof(digest: ExecDigest, key: Uint8Array, nonceA: Uint8Array): Buffer {
  return hmac(digest, key, nonceA);
}

/** The agent's proof; domain-separated from the client's (a label and both nonces, never a bare 32-byte message). */
export function agentProof(digest: ExecDigest, key: Uint8Array, nonceA: Uint8Array, nonceB: Uint8Array): Buffer {
  return hmac(digest, key, LABEL_AGENT_PROOF, nonceA, nonceB);
}

export function sessionKey(digest: ExecDigest, key: Uint8Array, nonceA: Uint8Array, nonceB: Uint8Array): Buffer {
  return hmac(digest, key, LABEL_SESSION, nonceA, nonceB);
}

/** Constant-time comparison; different lengths compare unequal (lengths are public). */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export class ProtocolError extends Error {
  constructor(
    readonly code: 'bad-mac' | 'too-large' | 'bad-header' | 'bad-message',
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export type FrameHeader = Record<string, unknown> & { type: string };

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

function seqBytes(seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

/** Writes authenticated frames for one direction, numbering them from 0. */
export class FrameWriter {
  private seq = 0;
  constructor(
    private readonly digest: ExecDigest,
    private readonly key: Buffer,
    private readonly dir: number,
  ) {}

  /** Returns the frame's bytes as a list (length+header, body, MAC) so that the body is not copied. */
  encode(header: Record<string, unknown> & { type: string }, body?: Uint8Array): Buffer[] {
    const b = body && body.length ? Buffer.from(body.buffer, body.byteOffset, body.length) : Buffer.alloc(0);
    if (b.length > MAX_BODY_BYTES) throw new ProtocolError('too-large', `frame body of ${b.length} bytes exceeds ${MAX_BODY_BYTES}`);
    const json = Buffer.from(JSON.stringify({ ...header, total_size: b.length }), 'utf8');
    const head = Buffer.allocUnsafe(4 + json.length);
    head.writeInt32LE(json.length, 0);
    json.copy(head, 4);
    const h = createHmac(this.digest, this.key);
    h.update(Buffer.of(this.dir));
    h.update(seqBytes(this.seq++));
    h.update(head);
    h.update(b);
    return b.length ? [head, b, h.digest()] : [head, h.digest()];
  }
}

/** A queue of received chunks from which exact byte counts are taken without re-concatenating everything. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  /** Drops every queued byte. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Removes and returns exactly n bytes; the caller checks `length >= n` first. */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError('ByteQueue.take: not enough bytes');
    this.length -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length - this.head, n - filled);
      c.copy(out, filled, this.head, this.head + k);
      filled += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }
}

/** Reads authenticated frames for one direction from a ByteQueue; throws ProtocolError on bad input. */
export class FrameReader {
  private seq = 0;
  private stage: 'len' | 'header' | 'body' | 'mac' = 'len';
  private need = 4;
  private head: Buffer = Buffer.alloc(0);
  private header: FrameHeader | undefined;
  private body: Buffer = Buffer.alloc(0);
  private readonly macLen: number;

  constructor(
    private readonly digest: ExecDigest,
    private readonly key: Buffer,
    private readonly dir: number,
    private readonly queue: ByteQueue,
  ) {
    this.macLen = digestSize(digest);
  }

  /** Bytes still needed before the next stage can progress (for diagnostics). */
  get pending(): number {
    return this.need;
  }

  /** Returns the next complete, verified frame, or undefined when more bytes are needed. */
  next(): Frame | undefined {
    const q = this.queue;
    for (;;) {
      if (q.length < this.need) return undefined;
      switch (this.stage) {
        case 'len': {
          const lenBuf = q.take(4);
          const n = lenBuf.readInt32LE(0);
          if (n <= 0 || n > MAX_HEADER_BYTES) throw new ProtocolError('bad-header', `bad header length ${n}`);
          this.head = lenBuf;
          this.stage = 'header';
          this.need = n;
          break;
        }
        case 'header': {
          const json = q.take(this.need);
          this.head = Buffer.concat([this.head, json]);
          this.header = parseHeader(json);
          const size = this.header.total_size;
          if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
            throw new ProtocolError('bad-header', 'header "total_size" must be a non-negative integer');
          }
          if (size > MAX_BODY_BYTES) throw new ProtocolError('too-large', `frame body of ${size} bytes exceeds ${MAX_BODY_BYTES}`);
          this.stage = 'body';
          this.need = size;
          break;
        }
        case 'body':
          this.body = q.take(this.need);
          this.stage = 'mac';
          this.need = this.macLen;
          break;
        case 'mac': {
          const mac = q.take(this.macLen);
          const expected = hmac(this.digest, this.key, Buffer.of(this.dir), seqBytes(this.seq), this.head, this.body);
          if (!safeEqual(mac, expected)) throw new ProtocolError('bad-mac', 'frame authentication failed (altered, replayed or reordered)');
          this.seq++;
          const frame: Frame = { header: this.header as FrameHeader, body: this.body };
          this.stage = 'len';
          this.need = 4;
          this.head = Buffer.alloc(0);
          this.body = Buffer.alloc(0);
          this.header = undefined;
          return frame;
        }
      }
    }
  }
}

function parseHeader(json: Buffer): FrameHeader {
  let v: unknown;
  try {
    v = JSON.parse(json.toString('utf8'));
  } catch {
    throw new ProtocolError('bad-header', 'frame header is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError('bad-header', 'frame header is not a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') throw new ProtocolError('bad-header', 'frame header has no "type"');
  return o as FrameHeader;
}

// ---- messages ------------------------------------------------------------------------------------------

export interface ExecRequest {
  command?: string;
  argv?: string[];
  shell: boolean;
  cwd?: string;
  env?: Record<string, string>;
  /** seconds */
  timeout?: number;
  /** when true, the client sends "stdin" frames after the request; otherwise stdin is closed after the body */
  stdinOpen: boolean;
}

/** Validates an "exec" frame header; throws ProtocolError('bad-message') with a specific reason. */
export function parseExecRequest(h: FrameHeader): ExecRequest {
  const bad = (m: string): never => {
    throw new ProtocolError('bad-message', m);
  };
  if (h.type !== 'exec') bad(`expected an "exec" request, got "${h.type}"`);
  const hasCommand = h.command !== undefined && h.command !== null;
  const hasArgv = h.argv !== undefined && h.argv !== null;
  if (hasCommand === hasArgv) bad('give exactly one of "command" or "argv"');
  const req: ExecRequest = { shell: false, stdinOpen: false };
  if (hasCommand) {
    if (typeof h.command !== 'string' || h.command.length === 0) bad('"command" must be a non-empty string');
    req.command = h.command as string;
    if (h.shell === false) bad('"command" runs through the shell; use "argv" to run without one');
    req.shell = true;
  } else {
    if (!Array.isArray(h.argv) || h.argv.length === 0 || !h.argv.every((a) => typeof a === 'string')) {
      bad('"argv" must be a non-empty array of strings');
    }
    req.argv = h.argv as string[];
    if (h.shell === true) bad('"shell": true needs "command", not "argv"');
    if ((req.argv as string[])[0] === '') bad('"argv"[0] is empty');
  }
  if (h.cwd !== undefined && h.cwd !== null) {
    if (typeof h.cwd !== 'string') bad('"cwd" must be a string');
    req.cwd = h.cwd as string;
  }
  if (h.env !== undefined && h.env !== null) {
    if (typeof h.env !== 'object' || Array.isArray(h.env)) bad('"env" must be an object of strings');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(h.env as Record<string, unknown>)) {
      if (typeof v !== 'string') bad(`"env.${k}" must be a string`);
      env[k] = v as string;
    }
    req.env = env;
  }
  if (h.timeout !== undefined && h.timeout !== null) {
    if (typeof h.timeout !== 'number' || !(h.timeout > 0)) bad('"timeout" must be a positive number of seconds');
    req.timeout = h.timeout as number;
  }
  if (h.stdin_open !== undefined && typeof h.stdin_open !== 'boolean') bad('"stdin_open" must be a boolean');
  req.stdinOpen = h.stdin_open === true;
  return req;
}

/** The command line as shown in the audit log and matched by the allowlist. */
export function commandLine(req: Pick<ExecRequest, 'command' | 'argv'>): string {
  return req.command ?? (req.argv ?? []).join(' ');
}

export type AgentErrorCode = 'bad-request' | 'not-allowed' | 'busy' | 'spawn-failed' | 'bad-mac' | 'protocol';
