/* global process, Buffer */
// Child process: connects to HOST PORT and writes TOTAL bytes as fast as the socket accepts them (respecting
// backpressure), from a 256 KiB block of pseudo-random bytes, then closes its side. Prints "sent N" on exit.
// usage: node sender.mjs HOST PORT TOTAL [BLOCK]
import * as net from 'node:net';
import { rng } from './common.mjs';

const [host, portS, totalS, blockS] = process.argv.slice(2);
const total = Number(totalS);
const blockSize = Number(blockS || 256 * 1024);
const r = rng(1234);
const block = Buffer.alloc(blockSize);
for (let i = 0; i < blockSize; i++) block[i] = (r() * 256) | 0;

const sock = net.connect({ host, port: Number(portS) }, () => {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(blockSize, total - sent);
      sent += n;
      if (!sock.write(n === blockSize ? block : block.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    sock.end(() => {
      process.stdout.write(`sent ${sent}\n`);
    });
  };
  pump();
});
sock.on('error', (err) => {
  process.stderr.write(`sender: ${err.message}\n`);
  process.exit(2);
});
sock.on('close', () => process.exit(0));
