/* global process, Buffer, performance */
// Child process for bench/03: opens COUNT TCP connections to HOST PORT (BATCH connects in flight at a time),
// reports over IPC when all are open, then on {go} each client writes SIZE deterministic bytes, reads the echo
// back and compares it byte for byte; reports {verified}. Exits when the server has closed every connection.
// usage: node clients.mjs HOST PORT COUNT SIZE BATCH
import * as net from 'node:net';
import { procMemory } from './common.mjs';

const [host, portS, countS, sizeS, batchS] = process.argv.slice(2);
const port = Number(portS);
const count = Number(countS);
const size = Number(sizeS);
const batch = Number(batchS || 200);

function payloadFor(i) {
  const b = Buffer.alloc(size);
  let x = (i * 2654435761) >>> 0;
  for (let k = 0; k < size; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[k] = x >>> 24;
  }
  return b;
}

const sockets = [];
let closed = 0;
let failed = 0;
let firstError = '';

function connectOne(i) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setNoDelay(true);
    const st = { s, i, got: [], gotLen: 0, done: false, ok: false };
    s.once('connect', () => resolve(true));
    s.on('error', (err) => {
      failed++;
      if (!firstError) firstError = `${err.code ?? ''} ${err.message}`;
      resolve(false);
    });
    s.on('data', (d) => {
      st.got.push(d);
      st.gotLen += d.length;
      if (st.gotLen >= size && !st.done) {
        st.done = true;
        st.ok = st.gotLen === size && Buffer.concat(st.got).equals(payloadFor(i));
        st.got = [];
        pending--;
        if (pending === 0) finish();
      }
    });
    s.on('close', () => {
      closed++;
      if (closed === sockets.length) {
        process.send?.({ type: 'closed', closed }, () => process.exit(0));
      }
    });
    sockets.push(st);
  });
}

let pending = 0;
let t0 = 0;
function finish() {
  const ok = sockets.filter((x) => x.ok).length;
  process.send({ type: 'verified', ok, bad: sockets.length - ok, bytes: ok * size, ms: performance.now() - t0, peak: procMemory().peak });
}

process.on('message', (m) => {
  if (m.type === 'go') {
    t0 = performance.now();
    pending = sockets.length;
    for (const st of sockets) st.s.write(payloadFor(st.i));
  }
});

const start = performance.now();
for (let i = 0; i < count; i += batch) {
  const n = Math.min(batch, count - i);
  await Promise.all(Array.from({ length: n }, (_, k) => connectOne(i + k)));
  if (failed > 0) break;
}
process.send({ type: 'connected', n: sockets.length - failed, failed, firstError, ms: performance.now() - start });
