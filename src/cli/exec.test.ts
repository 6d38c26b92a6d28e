import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './cli';
import type { CommandContext } from './context';
import { KEY, fakeAgent, startAgent, tempDir, waitFor, type TestAgent } from '../core/exec/testUtil';

interface TestIO extends CommandContext {
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
    stdin: new PassThrough(),
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

/** `sockdbg exec …` and `sockdbg agent …` through the CLI's dispatcher (usage errors printed like every command's). */
const runExec = (argv: string[], io: TestIO): Promise<number> => run(['exec', ...argv], io);
const runAgent = (argv: string[], io: TestIO): Promise<number> => run(['agent', ...argv], io);

describe('sockdbg exec / sockdbg agent (src/cli/exec.ts)', function () {
  this.timeout(20_000);
  const tmp = tempDir();
  const keyFile = join(tmp.dir, 'key.txt');
  writeFileSync(keyFile, KEY.toString() + '\n', { mode: 0o600 }); // the trailing newline is ignored
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
    assert.match(io.err(), /--port is required/);
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

  it('usage errors have the shape of every other command, and --help prints the help', async () => {
    const io = testIO();
    assert.equal(await runExec(['127.0.0.1', '1', '--key-file', keyFile, '--bogus', '--', 'true'], io), 1);
    assert.equal(io.err(), "sockdbg: unknown option '--bogus'\nRun 'sockdbg exec --help' for usage.\n");
    const io2 = testIO();
    assert.equal(await runAgent(['--port', 'x', '--key-file', keyFile], io2), 1);
    assert.equal(io2.err(), "sockdbg: --port must be a port number 0-65535, got 'x'\nRun 'sockdbg agent --help' for usage.\n");
    const io3 = testIO();
    assert.equal(await runAgent(['--help'], io3), 0);
    assert.match(io3.out().toString(), /--allow-cwd DIR/);
    const io4 = testIO();
    assert.equal(await runExec(['-h'], io4), 0);
    assert.match(io4.out().toString(), /-- COMMAND \[ARG\.\.\.\]/);
  });

  it('warns about a key file others can read (like ssh), refuses a key that is not UTF-8', async () => {
    a = await startAgent();
    const open = join(tmp.dir, 'open-key.txt');
    writeFileSync(open, KEY.toString(), { mode: 0o644 });
    chmodSync(open, 0o644);
    const io = testIO();
    assert.equal(await runExec(['127.0.0.1', String(a.port), '--key-file', open, '--', 'true'], io), 0);
    assert.match(io.err(), /WARNING: the key file .* is accessible by others \(mode 0644\); run: chmod 600/);
    const latin1 = join(tmp.dir, 'latin1-key.txt');
    writeFileSync(latin1, Buffer.concat([KEY, Buffer.from([0xe9, 0xff])]), { mode: 0o600 });
    const io2 = testIO();
    assert.equal(await runExec(['127.0.0.1', String(a.port), '--key-file', latin1, '--', 'true'], io2), 1);
    assert.match(io2.err(), /^sockdbg: the key is not valid UTF-8 text/);
    const io3 = testIO();
    assert.equal(await runAgent(['--port', '0', '--key-file', latin1], io3), 1);
    assert.match(io3.err(), /not valid UTF-8/);
  });

  it('--key-env: the key is not in the environment of the commands the agent runs', async () => {
    process.env.SOCKDBG_TEST_AGENT_KEY = KEY.toString();
    const io = testIO();
    const done = runAgent(['--port', '0', '--key-env', 'SOCKDBG_TEST_AGENT_KEY'], io);
    try {
      await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(io.err()), 'the agent to listen');
      const port = io.err().match(/listening on 127\.0\.0\.1:(\d+)/)?.[1] as string;
      const c = testIO();
      assert.equal(await runExec(['127.0.0.1', port, '--key-file', keyFile, '--', 'sh', '-c', 'echo "${SOCKDBG_TEST_AGENT_KEY-absent}"; env'], c), 0);
      const out = c.out().toString();
      assert.match(out, /^absent\n/);
      assert.ok(!out.includes(KEY.toString()), 'the key reached the command');
    } finally {
      io.signal();
      assert.equal(await done, 0);
      delete process.env.SOCKDBG_TEST_AGENT_KEY;
    }
  });

  for (const host of ['0', '::0', '::']) {
    it(`warns about all interfaces for --host ${host} too (the bound address is checked, not the text)`, async () => {
      const io = testIO();
      const done = runAgent(['--port', '0', '--host', host, '--key-file', keyFile], io);
      await waitFor(() => /listening|cannot listen/.test(io.err()), 'the agent to listen');
      io.signal();
      assert.equal(await done, 0, io.err());
      assert.match(io.err(), /WARNING: the agent listens on ALL network interfaces/);
    });
  }

  it('a remote exit code outside 0-255 gives a non-zero status (256 would wrap to 0)', async () => {
    const fake = await fakeAgent({ type: 'exit', code: 256, signal: null, duration_ms: 1, timed_out: false, cancelled: false });
    try {
      const io = testIO();
      assert.equal(await runExec(['127.0.0.1', String(fake.port), '--key-file', keyFile, '--', 'true'], io), 1);
      assert.match(io.err(), /exited with code 256, outside 0-255/);
    } finally {
      await fake.close();
    }
  });
});
