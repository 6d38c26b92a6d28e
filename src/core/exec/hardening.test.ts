/**
 * The attacks and faults of issue 7 (remote exec), reproduced over loopback against both agents — `sockdbg agent`
 * (ExecAgent) and examples/python/agent.py — with the same scenario each time.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ExecAgent } from './agent';
import { ExecClientError, runRemote, type RemoteExecOptions } from './client';
import { FailureTracker, MAX_FAILURE_DELAY_MS, FAILURE_MEMORY_MS, PendingHandshakes } from './admission';
import { KEY, fakeAgent, rawAuthenticated, startProxy, tempDir, waitFor, waitGone } from './testUtil';
import { isProcessAlive } from './processTree';

const EXAMPLES = join(__dirname, '../../../../examples/python');
const SECURITY_DOC = join(__dirname, '../../../../docs/remote-exec-security.md');

/** The safe example allowlist of docs/remote-exec-security.md (the test checks the page shows exactly these). */
const SAFE_ALLOW = ['git status( --short| --porcelain| -s| -b)*', 'git log( -[1-9][0-9]?| --oneline| --stat)*', 'ls( -[lah]+)?', 'df -h', 'uptime'];

type Kind = 'node' | 'python';

interface StartOptions {
  allow?: string[];
  allowCwd?: string[];
  cwd?: string;
  maxSessions?: number;
  timeoutSec?: number;
  maxPending?: number;
  keyEnv?: string;
  audit?: string;
}

interface Under {
  port: number;
  log(): string;
  close(): Promise<void>;
}

async function startUnder(kind: Kind, o: StartOptions = {}): Promise<Under> {
  const keyEnv = o.keyEnv ?? 'SOCKDBG_HARDENING_KEY';
  if (kind === 'node') {
    const lines: string[] = [];
    process.env[keyEnv] = KEY.toString();
    const agent = new ExecAgent({
      key: KEY,
      killGraceMs: 500,
      log: (l) => lines.push(l),
      dropEnv: [keyEnv],
      ...(o.allow ? { allow: o.allow.map((a) => new RegExp(a)) } : {}),
      ...(o.allowCwd ? { allowCwd: o.allowCwd } : {}),
      ...(o.cwd ? { cwd: o.cwd } : {}),
      ...(o.maxSessions ? { maxSessions: o.maxSessions } : {}),
      ...(o.timeoutSec ? { timeoutSec: o.timeoutSec } : {}),
      ...(o.maxPending ? { maxPending: o.maxPending, maxPendingPerAddress: o.maxPending } : {}),
    });
    const addr = await agent.listen();
    return {
      port: addr.port,
      log: () => lines.join('\n'),
      close: async () => {
        await agent.close();
        delete process.env[keyEnv];
      },
    };
  }
  const args = [join(EXAMPLES, 'agent.py'), '--port', '0', '--key-env', keyEnv];
  for (const a of o.allow ?? []) args.push('--allow', a);
  for (const d of o.allowCwd ?? []) args.push('--allow-cwd', d);
  if (o.maxSessions) args.push('--max-sessions', String(o.maxSessions));
  if (o.timeoutSec) args.push('--timeout', String(o.timeoutSec));
  if (o.maxPending) args.push('--max-pending', String(o.maxPending));
  if (o.audit) args.push('--audit', o.audit);
  const child: ChildProcess = spawn('python3', args, { cwd: o.cwd ?? process.cwd(), env: { ...process.env, [keyEnv]: KEY.toString() }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(err) || child.exitCode !== null, 'agent.py to listen');
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
  if (!m) throw new Error(`agent.py did not start: ${err}`);
  return {
    port: Number(m[1]),
    log: () => err,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function opts(port: number, o: Partial<RemoteExecOptions>): RemoteExecOptions {
  return { host: '127.0.0.1', port, key: KEY, ...o } as RemoteExecOptions;
}

async function output(o: RemoteExecOptions): Promise<{ out: string; code: number | null; signal: string | null; cancelled: boolean; timedOut: boolean }> {
  let out = '';
  const r = await runRemote(o, { onStdout: (b) => void (out += b.toString()) });
  return { out, code: r.exitCode, signal: r.signal, cancelled: r.cancelled, timedOut: r.timedOut };
}

async function refused(p: Promise<unknown>, remoteCode = 'not-allowed'): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ExecClientError, String(e));
    assert.equal(e.remoteCode, remoteCode, e.message);
    return e.message;
  }
  assert.fail('expected the agent to refuse');
}

/** A repository whose .git/config runs a program (core.fsmonitor) that leaves `marker` behind. */
function hostileRepo(root: string, marker: string): string {
  const repo = join(root, 'hostile-repo');
  mkdirSync(repo, { recursive: true });
  const clean = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root };
  execFileSync('git', ['init', '-q', repo], { env: clean });
  const hook = join(root, 'fsmonitor.sh');
  writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
  chmodSync(hook, 0o755);
  execFileSync('git', ['-C', repo, 'config', 'core.fsmonitor', hook], { env: clean });
  writeFileSync(join(repo, 'file.txt'), 'x\n');
  return repo;
}

/** Runs `setsid sh -c 'echo $$ > pidFile; exec sleep 300'` in the background of `tail` (the command's own part). */
function orphanCommand(pidFile: string, tail: string): string[] {
  return ['sh', '-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' & ${tail}`];
}

async function orphanPid(pidFile: string): Promise<number> {
  await waitFor(() => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')), 'the setsid child to start');
  return Number(readFileSync(pidFile, 'utf8'));
}

describe('remote exec hardening (issue 7), both agents', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  let n = 0;
  const fresh = (name: string): string => join(tmp.dir, `${name}-${++n}`);

  for (const kind of ['node', 'python'] as Kind[]) {
    describe(`${kind} agent`, () => {
      let u: Under | undefined;
      afterEach(async () => {
        await u?.close();
        u = undefined;
      });

      it('1. an allowlisted key cannot pick a hostile repository as cwd (core.fsmonitor), and git hooks stay off where allowed', async () => {
        const root = fresh('cwd-root');
        mkdirSync(root);
        const marker = join(root, 'fsmonitor-ran');
        const repo = hostileRepo(root, marker);
        // the attack works on a plain git: this test can fail
        execFileSync('git', ['-C', repo, 'status', '--short'], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root }, stdio: 'ignore' });
        assert.ok(existsSync(marker), 'precondition: plain git status runs core.fsmonitor');
        execFileSync('rm', [marker]);

        u = await startUnder(kind, { allow: SAFE_ALLOW, cwd: tmp.dir });
        const msg = await refused(runRemote(opts(u.port, { argv: ['git', 'status'], cwd: repo })));
        assert.match(msg, /does not run commands in/);
        await refused(runRemote(opts(u.port, { argv: ['git', 'status'], cwd: '../..' })));
        assert.equal(existsSync(marker), false);
        await u.close();

        // the operator allows that tree: git runs there, but not the repository's fsmonitor program
        u = await startUnder(kind, { allow: SAFE_ALLOW, cwd: tmp.dir, allowCwd: [root] });
        const r = await output(opts(u.port, { argv: ['git', 'status', '--short'], cwd: repo }));
        assert.equal(r.code, 0);
        assert.match(r.out, /file\.txt/);
        assert.equal(existsSync(marker), false, 'core.fsmonitor ran');
      });

      it('1. the documented safe allowlist refuses writing files, -c and other programs (nothing is written)', async () => {
        const doc = readFileSync(SECURITY_DOC, 'utf8');
        for (const a of SAFE_ALLOW) assert.ok(doc.includes(`--allow '${a}'`), `docs/remote-exec-security.md shows --allow '${a}'`);
        u = await startUnder(kind, { allow: SAFE_ALLOW, cwd: tmp.dir });
        const out = fresh('written');
        for (const argv of [
          ['git', 'log', '-1', `--output=${out}`],
          ['git', 'log', '-1', '--output', out],
          ['git', '-c', `core.pager=touch ${out}`, 'log'],
          ['git', 'status', `--upload-pack=touch ${out}`],
          ['git', '--exec-path=/tmp', 'status'],
          ['ls', '-la', '>', out],
        ]) {
          await refused(runRemote(opts(u.port, { argv })));
        }
        await refused(runRemote(opts(u.port, { argv: ['git', 'status'], env: { GIT_DIR: tmp.dir } })));
        assert.equal(existsSync(out), false);
        assert.equal((await output(opts(u.port, { argv: ['git', 'log', '-1', '--oneline'] }))).code !== null, true);
      });

      it('2. wrong-key spam from an address does not lock out the right key from that address', async () => {
        u = await startUnder(kind);
        const port = u.port;
        const wrong = Buffer.from('wrong-key-wrong-key-wrong-key');
        await Promise.all(
          Array.from({ length: 12 }, () => runRemote(opts(port, { key: wrong, argv: ['true'] })).then(() => assert.fail('a wrong key got in'), (e: unknown) => assert.equal((e as ExecClientError).code, 'refused'))),
        );
        // a delay before every connection of that address would exceed this client's own handshake limit
        const r = await output(opts(port, { argv: ['echo', 'still in'], connectTimeoutMs: MAX_FAILURE_DELAY_MS + 1500 }));
        assert.equal(r.out, 'still in\n');
      });

      it('3. idle unauthenticated sockets beyond the cap evict the oldest, and a legitimate client gets in', async () => {
        u = await startUnder(kind, { maxPending: 8 });
        const net = await import('node:net');
        const idle: Array<{ s: import('node:net').Socket; closed: Promise<void> }> = [];
        try {
          for (let i = 0; i < 20; i++) {
            const s = net.connect(u.port, '127.0.0.1');
            s.on('error', () => undefined);
            const closed = new Promise<void>((r) => s.once('close', () => r()));
            await new Promise<void>((r) => s.once('data', () => r())); // its challenge
            idle.push({ s, closed });
          }
          await Promise.all(idle.slice(0, 12).map((x) => x.closed)); // the 12 oldest made room
          const r = await output(opts(u.port, { argv: ['echo', 'in'] }));
          assert.equal(r.out, 'in\n');
        } finally {
          for (const x of idle) x.s.destroy();
        }
      });

      it('4. --key-env: the key is not in the environment of the commands', async () => {
        u = await startUnder(kind, { keyEnv: 'SOCKDBG_AGENT_KEY_UNDER_TEST' });
        const r = await output(opts(u.port, { argv: ['sh', '-c', 'echo "${SOCKDBG_AGENT_KEY_UNDER_TEST-absent}"; env'] }));
        assert.match(r.out, /^absent\n/);
        assert.ok(!r.out.includes(KEY.toString()), 'the key reached the command');
      });

      it('5. a setsid grandchild is killed on cancel, and the agent is not busy afterwards', async () => {
        u = await startUnder(kind, { maxSessions: 1 });
        const pidFile = fresh('orphan-cancel');
        const ac = new AbortController();
        const run = output(opts(u.port, { argv: orphanCommand(pidFile, 'wait'), signal: ac.signal }));
        const pid = await orphanPid(pidFile);
        ac.abort();
        assert.equal((await run).cancelled, true);
        await waitGone(pid);
        assert.equal((await output(opts(u.port, { argv: ['echo', 'next'] }))).out, 'next\n');
      });

      it('5. a setsid grandchild is killed on the agent timeout and on hang-up', async () => {
        u = await startUnder(kind, { maxSessions: 1, timeoutSec: 0.5 });
        const pidFile = fresh('orphan-timeout');
        const r = await output(opts(u.port, { argv: orphanCommand(pidFile, 'wait') }));
        assert.equal(r.timedOut, true);
        await waitGone(await orphanPid(pidFile));
        await u.close();
        u = await startUnder(kind, { maxSessions: 1 });
        const proxy = await startProxy(u.port);
        const hangUpFile = fresh('orphan-hangup');
        const run = runRemote(opts(proxy.port, { argv: orphanCommand(hangUpFile, 'wait') }));
        const pid = await orphanPid(hangUpFile);
        await proxy.close();
        await assert.rejects(run);
        await waitGone(pid);
        assert.equal((await output(opts(u.port, { argv: ['echo', 'next'] }))).out, 'next\n');
      });

      it('5. a command that exits while a setsid child holds its pipes is reported, and the agent is free', async () => {
        u = await startUnder(kind, { maxSessions: 1 });
        const pidFile = fresh('orphan-exit');
        let pid = 0;
        try {
          const r = await output(opts(u.port, { argv: orphanCommand(pidFile, `while [ ! -s ${pidFile} ]; do sleep 0.05; done; echo main done; exit 7`) }));
          pid = await orphanPid(pidFile);
          assert.equal(r.code, 7);
          assert.equal(r.out, 'main done\n');
          assert.ok(isProcessAlive(pid), 'a normal exit leaves what the command started alone');
          assert.equal((await output(opts(u.port, { argv: ['echo', 'next'] }))).out, 'next\n');
        } finally {
          if (pid) process.kill(pid, 'SIGKILL');
        }
      });

      it('7. a client that half-closes after "exec" has hung up: the command is killed and an exit frame still comes', async () => {
        u = await startUnder(kind);
        const reply = await rawAuthenticated(u.port, Buffer.from(JSON.stringify({ type: 'exec', argv: ['sleep', '30'], total_size: 0 })), true);
        const text = reply.toString('latin1');
        assert.match(text, /"type": ?"started"/);
        assert.match(text, /"type": ?"exit"/);
        assert.match(text, /"signal": ?"SIGTERM"/);
      });

      it('8. control characters of a refused argv are escaped in the log', async () => {
        u = await startUnder(kind, { allow: ['ls'] });
        await refused(runRemote(opts(u.port, { argv: ['echo', 'x\u001b[2J\n2026-01-01T00:00:00 FAKE accepted\u009b'] })));
        await waitFor(() => /not allowed/.test(u?.log() ?? ''), 'the log line');
        const log = u.log();
        assert.ok(!log.includes('\u001b') && !log.includes('\u009b'), 'raw control characters in the log');
        assert.ok(!/\n2026-01-01T00:00:00 FAKE/.test(log), 'a forged log line');
        assert.match(log, /\\u001b\[2J\\n2026/);
      });
    });
  }

  describe('Python agent and client (and the key handling of sockdbg)', () => {
    it('8. rejects NaN, Infinity and true as "timeout"', async () => {
      const u = await startUnder('python');
      try {
        for (const t of ['NaN', 'Infinity', 'true', '-Infinity']) {
          const reply = await rawAuthenticated(u.port, Buffer.from(`{"type": "exec", "argv": ["true"], "timeout": ${t}, "total_size": 0}`));
          assert.match(reply.toString('latin1'), /"code": "bad-request".*timeout/, t);
          assert.doesNotMatch(reply.toString('latin1'), /"started"/, t);
        }
      } finally {
        await u.close();
      }
    });

    it('8. creates the audit log with mode 0600', async () => {
      const audit = fresh('audit.jsonl');
      const u = await startUnder('python', { audit });
      try {
        await output(opts(u.port, { argv: ['true'] }));
      } finally {
        await u.close();
      }
      assert.equal(statSync(audit).mode & 0o777, 0o600);
    });

    it('8. a key file that is not UTF-8 is a clear error, one readable by others a warning (agent and client)', () => {
      const bad = fresh('bad-key');
      writeFileSync(bad, Buffer.concat([KEY, Buffer.from([0xff, 0xfe])]), { mode: 0o600 });
      const open = fresh('open-key');
      writeFileSync(open, KEY);
      chmodSync(open, 0o644);
      for (const script of ['agent.py', 'client.py']) {
        const args = script === 'agent.py' ? ['--port', '0', '--key-file', bad] : ['127.0.0.1', '1', '--key-file', bad, '--', 'true'];
        let err = '';
        try {
          execFileSync('python3', [join(EXAMPLES, script), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        } catch (e) {
          err = String((e as { stderr?: Buffer }).stderr);
        }
        assert.match(err, /the key is not valid UTF-8 text/, script);
        assert.doesNotMatch(err, /Traceback/, script);
      }
      let err = '';
      try {
        execFileSync('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', '1', '--key-file', open, '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        err = String((e as { stderr?: Buffer }).stderr);
      }
      assert.match(err, /WARNING: the key file .* is accessible by others \(mode 0644\)/);
    });

    it('8. a key in an environment variable that is not UTF-8 is a clear error (Python agent and client, sockdbg)', () => {
      const cli = join(__dirname, '../../../../dist/cli.js');
      const runs: Array<[string, string]> = [
        ['agent.py', `python3 ${join(EXAMPLES, 'agent.py')} --port 0 --key-env K`],
        ['client.py', `python3 ${join(EXAMPLES, 'client.py')} 127.0.0.1 1 --key-env K -- true`],
        ['sockdbg exec', `"${process.execPath}" ${cli} exec 127.0.0.1 1 --key-env K -- true`],
        ['sockdbg agent', `"${process.execPath}" ${cli} agent --port 0 --key-env K`],
      ];
      for (const [what, command] of runs) {
        // the shell puts raw bytes into the variable: 16 ASCII bytes, then 0xff 0xfe
        const r = spawnSync('sh', ['-c', `K="$(printf '${KEY.toString()}\\377\\376')" exec ${command}`], { encoding: 'utf8', timeout: 10_000 });
        assert.ok(r.status !== 0 && r.status !== null, `${what} exited ${r.status}: ${r.stderr}`);
        assert.match(r.stderr, /the key is not valid UTF-8 text/, what);
        assert.doesNotMatch(r.stderr, /Traceback/, what);
      }
    });

    it('6. client.py exits non-zero for a remote exit code outside 0-255', async () => {
      const fake = await fakeAgent({ type: 'exit', code: 256, signal: null, duration_ms: 1, timed_out: false, cancelled: false });
      try {
        const child = spawn('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(fake.port), '--key-env', 'K', '--', 'true'], { env: { ...process.env, K: KEY.toString() } });
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
        assert.equal(code, 1, err);
        assert.match(err, /exited with code 256, outside 0-255/);
      } finally {
        await fake.close();
      }
    });
  });
});

describe('remote exec admission (pure)', () => {
  it('delays only up to the cap, forgets failures after a minute of quiet and after a success', () => {
    let now = 1_000_000;
    const t = new FailureTracker(undefined, () => now);
    let last = 0;
    for (let i = 0; i < 30; i++) last = t.fail('127.0.0.1');
    assert.equal(last, MAX_FAILURE_DELAY_MS);
    assert.equal(t.count('127.0.0.1'), 30);
    now += FAILURE_MEMORY_MS + 1;
    assert.equal(t.count('127.0.0.1'), 0);
    assert.equal(t.fail('127.0.0.1'), 100);
    t.succeed('127.0.0.1');
    assert.equal(t.size, 0);
    assert.equal(new FailureTracker(() => 60_000).fail('127.0.0.1'), MAX_FAILURE_DELAY_MS, 'a configured delay is capped too');
  });

  it('evicts the oldest pending connection of the same address first, then the oldest overall', () => {
    const p = new PendingHandshakes(4, 2);
    const gone: string[] = [];
    p.add('a', () => gone.push('a1'));
    p.add('a', () => gone.push('a2'));
    p.add('a', () => gone.push('a3'));
    assert.deepEqual(gone, ['a1']);
    const rb = p.add('b', () => gone.push('b1'));
    p.add('c', () => gone.push('c1'));
    p.add('d', () => gone.push('d1'));
    assert.deepEqual(gone, ['a1', 'a2']);
    rb();
    assert.equal(p.size, 3);
  });
});
