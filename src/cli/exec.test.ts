import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAgent, runExec, type ExecIO } from './exec';
import { KEY, startAgent, tempDir, waitFor, type TestAgent } from '../core/exec/testUtil';

interface TestIO extends ExecIO {
  out(): Buffer;
  err(): string;
  signal(): void;
}

function testIO(): TestIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  let err = '';
  stdout.on('data', (b: Buffer) => outChunks.push(b));
  stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const handlers: Array<() => void> = [];
  return {
    stdout,
    stderr,
    onSignal(h) {
      handlers.push(h);
      return () => {
        const i = handlers.indexOf(h);
        if (i >= 0) handlers.splice(i, 1);
      };
    },
    out: () => Buffer.concat(outChunks),
    err: () => err,
    signal: () => handlers.slice().forEach((h) => h()),
  };
}

describe('sockdbg exec / sockdbg agent (src/cli/exec.ts)', function () {
  this.timeout(20_000);
  const tmp = tempDir();
  const keyFile = join(tmp.dir, 'key.txt');
  writeFileSync(keyFile, KEY.toString() + '\n'); // the trailing newline is ignored
  let a: TestAgent | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });
  after(() => tmp.cleanup());

  it('streams the remote output and exits with the remote exit code', async () => {
    a = await startAgent();
    const io = testIO();
    const code = await runExec(['127.0.0.1', String(a.port), '--key-file', keyFile, '--', 'sh', '-c', 'echo out; echo err >&2; exit 4'], io);
    assert.equal(code, 4);
    assert.equal(io.out().toString(), 'out\n');
    assert.equal(io.err(), 'err\n');
  });

  it('one command word runs through the shell, several as argv', async () => {
    a = await startAgent();
    const io = testIO();
    assert.equal(await runExec(['127.0.0.1', String(a.port), '--key-file', keyFile, '--', 'echo a | tr a b'], io), 0);
    assert.equal(io.out().toString(), 'b\n');
    const io2 = testIO();
    assert.equal(await runExec(['127.0.0.1', String(a.port), '--key-file', keyFile, '--', 'echo', 'a | tr a b'], io2), 0);
    assert.equal(io2.out().toString(), 'a | tr a b\n');
  });

  it('--encoding gbk decodes GBK output to UTF-8', async () => {
    a = await startAgent();
    const io = testIO();
    // GBK bytes, with a character split across two writes
    const script = "import sys,time; b='中文输出：你好，世界\\n'.encode('gbk'); o=sys.stdout.buffer; o.write(b[:5]); o.flush(); time.sleep(0.05); o.write(b[5:])";
    const code = await runExec(['127.0.0.1', String(a.port), '--key-file', keyFile, '--encoding', 'gbk', '--', 'python3', '-c', script], io);
    assert.equal(code, 0, io.err());
    assert.equal(io.out().toString('utf8'), '中文输出：你好，世界\n');
  });

  it('--stdin forwards standard input to the remote command', async () => {
    a = await startAgent();
    const io = testIO();
    const input = new PassThrough();
    io.stdin = input;
    input.end('line one\nline two\n');
    const code = await runExec(['127.0.0.1', String(a.port), '--key-file', keyFile, '--stdin', '--', 'wc', '-l'], io);
    assert.equal(code, 0);
    assert.equal(io.out().toString().trim(), '2');
  });

  it('a wrong key gives one line on stderr and exit 2', async () => {
    a = await startAgent();
    const io = testIO();
    process.env.SOCKDBG_TEST_WRONG_KEY = 'this-is-not-the-right-key';
    const code = await runExec(['127.0.0.1', String(a.port), '--key-env', 'SOCKDBG_TEST_WRONG_KEY', '--', 'true'], io);
    assert.equal(code, 2);
    assert.match(io.err(), /^sockdbg exec: .*refused the key.*\n$/);
  });

  it('an agent that cannot prove the key gives one line and exit 2', async () => {
    const impostor = net.createServer((s) => {
      s.on('error', () => undefined);
      s.write(Buffer.alloc(32, 7));
      let n = 0;
      s.on('data', (b: Buffer) => {
        n += b.length;
        if (n === 32) s.write(Buffer.of(1));
        else if (n === 64) s.write(Buffer.alloc(32, 9));
      });
    });
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
    const io = testIO();
    try {
      const code = await runExec(['127.0.0.1', String((impostor.address() as net.AddressInfo).port), '--key-file', keyFile, '--', 'true'], io);
      assert.equal(code, 2);
      assert.match(io.err(), /^sockdbg exec: .*failed to prove it holds the key.*\n$/);
    } finally {
      await new Promise<void>((r) => impostor.close(() => r()));
    }
  });

  it('usage errors exit 1: missing key, short key, bad digest, no command', async () => {
    const short = join(tmp.dir, 'short.txt');
    writeFileSync(short, 'short\n');
    for (const argv of [
      ['127.0.0.1', '1', '--', 'true'],
      ['127.0.0.1', '1', '--key-file', short, '--', 'true'],
      ['127.0.0.1', '1', '--key-file', keyFile, '--digest', 'sha3', '--', 'true'],
      ['127.0.0.1', '1', '--key-file', keyFile],
      ['127.0.0.1', '1', '--key-file', keyFile, '--encoding', 'klingon', '--', 'true'],
    ]) {
      const io = testIO();
      assert.equal(await runExec(argv, io), 1, argv.join(' '));
      assert.ok(!io.err().includes(KEY.toString()));
    }
    const io = testIO();
    assert.equal(await runAgent(['--key-file', keyFile], io), 1);
    assert.match(io.err(), /--port N is required/);
    const io2 = testIO();
    assert.equal(await runAgent(['--port', '0', '--key-file', short], io2), 1);
    assert.match(io2.err(), /too short/);
  });

  it('sockdbg agent serves until a signal, writes the audit log and never logs the key', async () => {
    const audit = join(tmp.dir, 'audit.jsonl');
    const io = testIO();
    const done = runAgent(['--port', '0', '--key-file', keyFile, '--audit', audit, '--allow', 'echo .*'], io);
    await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(io.err()), 'the agent to listen');
    const port = io.err().match(/listening on 127\.0\.0\.1:(\d+)/)?.[1] as string;
    const c1 = testIO();
    assert.equal(await runExec(['127.0.0.1', port, '--key-file', keyFile, '--', 'echo', 'audited'], c1), 0);
    assert.equal(c1.out().toString(), 'audited\n');
    const c2 = testIO();
    assert.equal(await runExec(['127.0.0.1', port, '--key-file', keyFile, '--', 'rm', '-rf', '/nonexistent'], c2), 2);
    assert.match(c2.err(), /not-allowed/);
    io.signal();
    assert.equal(await done, 0);
    const records = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => [r.command, r.outcome, r.exit_code ?? null]),
      [
        ['echo audited', 'exit', 0],
        ['rm -rf /nonexistent', 'not-allowed', null],
      ],
    );
    assert.ok(typeof records[0].peer === 'string' && typeof records[0].duration_ms === 'number');
    assert.ok(!io.err().includes(KEY.toString()) && !readFileSync(audit, 'utf8').includes(KEY.toString()));
  });

  it('warns loudly when the agent listens on all interfaces', async () => {
    const io = testIO();
    const done = runAgent(['--port', '0', '--host', '0.0.0.0', '--key-file', keyFile], io);
    await waitFor(() => /listening/.test(io.err()), 'the agent to listen');
    io.signal();
    assert.equal(await done, 0);
    assert.match(io.err(), /WARNING: the agent listens on ALL network interfaces/);
  });
});
