/* global process */
// Baseline for bench/04: the smallest Node program that receives TCP into a file (socket.pipe(file)).
// usage: node pipe-to-file.mjs HOST PORT FILE
import * as net from 'node:net';
import { createWriteStream } from 'node:fs';

const [host, port, file] = process.argv.slice(2);
const out = createWriteStream(file, { flags: 'a' });
net.createServer((s) => s.pipe(out, { end: false })).listen(Number(port), host, () => process.stdout.write('listening\n'));
