/* global process, setTimeout, clearTimeout */
// 3. One engine server (ConnectionRegistry) holding 10 000 concurrent TCP clients started from a separate
//    process (bench/lib/clients.mjs), loopback only. All clients connect first; then every client sends 4 KiB,
//    the server echoes each chunk back (registry.send), and every client checks its echo byte for byte.
//    Prints the server's peak RSS (VmHWM). Target: < 400 MB. Baseline: the same server process's RSS before
//    any client connected.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { engine, reporter, root, procMemory, MB, fmt } from './lib/common.mjs';

const quick = !!process.env.BENCH_QUICK;
const COUNT = Number(process.env.BENCH_CLIENTS || (quick ? 1000 : 10_000));
const rep = reporter('many-clients', `${COUNT.toLocaleString('en-US')} concurrent clients, echo`);
const SIZE = 4096;
const LIMIT_MS = 120_000;

const reg = engine('core/registry');
if (reg.missing) {
  rep.skip(reg.missing);
  process.exit(0);
}
const { ConnectionRegistry } = reg.mod;

const registry = new ConnectionRegistry({});
let echoErrors = 0;
let firstEchoError = '';
registry.onDidReceiveChunk((e) => {
  if (e.chunk.direction !== 'in') return;
  registry.send(e.id, e.chunk.data, { framed: false }).catch((err) => {
    echoErrors++;
    if (!firstEchoError) firstEchoError = err instanceof Error ? err.message : String(err);
  });
});
let errors = 0;
registry.onDidError(() => errors++);

globalThis.gc?.();
const before = procMemory();
const server = await registry.listenTcp({ host: '127.0.0.1', port: 0, framing: 'raw' });
rep.log(`server ${server.local.address}:${server.local.port}, ${COUNT.toLocaleString('en-US')} clients x ${SIZE} bytes echoed; RSS before ${fmt(before.rss / MB, 0)} MB`);

const child = fork(join(root, 'bench/lib/clients.mjs'), ['127.0.0.1', String(server.local.port), String(COUNT), String(SIZE), '200'], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const timer = setTimeout(() => {
  rep.log(`timed out after ${LIMIT_MS / 1000} s`);
  child.kill();
  process.exit(1);
}, LIMIT_MS);

const openPeers = () => registry.children(server.id).filter((c) => c.state === 'open' || c.state === 'half-closed').length;

const verified = await new Promise((resolve, reject) => {
  child.on('exit', (code) => reject(new Error(`clients exited early (${code})`)));
  child.on('message', async (m) => {
    if (m.type === 'connected') {
      rep.log(`clients connected: ${m.n.toLocaleString('en-US')} in ${fmt(m.ms / 1000)} s${m.failed ? `, ${m.failed} failed (${m.firstError})` : ''}`);
      // wait until the server has accepted them all
      const t = Date.now();
      while (openPeers() < m.n && Date.now() - t < 20_000) await new Promise((r) => setTimeout(r, 50));
      const concurrent = openPeers();
      rep.log(`server holds ${concurrent.toLocaleString('en-US')} open connections; RSS ${fmt(procMemory().rss / MB, 0)} MB`);
      child.send({ type: 'go', concurrent });
      child.concurrent = concurrent;
    } else if (m.type === 'verified') {
      resolve({ ...m, concurrent: child.concurrent });
    }
  });
});
child.removeAllListeners('exit');
const childClosed = new Promise((r) => child.on('exit', r));
const stats = registry.children(server.id).reduce((a, c) => ({ in: a.in + c.stats.bytesIn, out: a.out + c.stats.bytesOut }), { in: 0, out: 0 });
await registry.closeAll();
await childClosed;
clearTimeout(timer);
const peak = procMemory().peak;
rep.log(`echo round trip of all clients: ${fmt(verified.ms / 1000)} s; server bytes in ${stats.in.toLocaleString('en-US')}, out ${stats.out.toLocaleString('en-US')}`);
rep.log(`clients intact: ${verified.ok.toLocaleString('en-US')} / ${COUNT.toLocaleString('en-US')}, corrupted or short: ${verified.bad}; echo send errors: ${echoErrors}${firstEchoError ? ` (${firstEchoError})` : ''}; registry errors: ${errors}`);
rep.log(`client process peak RSS ${fmt(verified.peak / MB, 0)} MB`);
const allGood = verified.ok === COUNT && verified.concurrent === COUNT && stats.in === COUNT * SIZE;
rep.row({
  name: `server peak RSS, ${verified.concurrent.toLocaleString('en-US')} concurrent clients, ${allGood ? 'all bytes intact' : 'DATA CHECK FAILED'}`,
  value: peak / MB,
  unit: 'MB',
  baseline: { name: 'RSS before clients', value: before.rss / MB, unit: 'MB' },
  ratio: peak / before.rss,
  target: '< 400 MB, every byte intact',
  pass: peak < 400 * MB && allGood,
});
registry.dispose();
rep.done();
process.exit(allGood ? 0 : 1);
