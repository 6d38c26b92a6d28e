/** format.ts: endpoints, sizes, times and plurals as every layer prints them. */
import * as assert from 'node:assert/strict';
import {
  compactEndpoint,
  formatByteSize,
  formatClockTime,
  formatDateTime,
  formatElapsed,
  formatEndpoint,
  formatExactSize,
  formatHostPort,
  formatTimestamp,
  groupDigits,
  isLoopbackHost,
  parseHostPort,
  parsePort,
  plural,
} from './format';

describe('shared/format', () => {
  it('writes host:port with IPv6 addresses in brackets', () => {
    assert.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
    assert.equal(formatHostPort('::1', 80), '[::1]:80');
    assert.equal(formatHostPort('::ffff:127.0.0.1', 8888), '[::ffff:127.0.0.1]:8888');
    assert.equal(formatHostPort('localhost', 0), 'localhost:0');
    assert.equal(formatEndpoint({ address: '::1', port: 9 }), '[::1]:9');
    assert.equal(formatEndpoint(undefined), undefined);
  });

  it('compact endpoints: the port alone on loopback or the home host, host:port otherwise', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost', 'LocalHost']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', 'example.test', '127.0.0.1.example.test', '::ffff:0.0.0.0']) assert.equal(isLoopbackHost(h), false, h);
    assert.equal(compactEndpoint({ address: '127.0.0.1', port: 53144 }), ':53144');
    assert.equal(compactEndpoint({ address: '::1', port: 80 }), ':80');
    assert.equal(compactEndpoint({ address: 'example.test', port: 80 }), 'example.test:80');
    assert.equal(compactEndpoint({ address: 'example.test', port: 80 }, 'example.test'), ':80');
    assert.equal(compactEndpoint({ address: 'example.test', port: 80 }, 'other.test'), 'example.test:80');
    assert.equal(compactEndpoint({ address: '0.0.0.0', port: 8888 }), '0.0.0.0:8888');
    assert.equal(compactEndpoint({ address: 'fe80::1', port: 9 }), '[fe80::1]:9'); // loopback-guard: text only, never sent
  });

  it('elapsed time: seconds, then minutes and seconds, then hours and minutes', () => {
    assert.equal(formatElapsed(0), '0 s');
    assert.equal(formatElapsed(999), '0 s');
    assert.equal(formatElapsed(-5), '0 s');
    assert.equal(formatElapsed(59_999), '59 s');
    assert.equal(formatElapsed(65_000), '1 min 5 s');
    assert.equal(formatElapsed(3_600_000 + 3 * 60_000 + 7_000), '1 h 3 min');
  });

  it('parses what formatHostPort writes, and nothing malformed', () => {
    for (const [host, port] of [['127.0.0.1', 8888], ['::1', 80], ['example.test', 65535]] as const) {
      assert.deepEqual(parseHostPort(formatHostPort(host, port)), { address: host, port });
    }
    for (const bad of ['127.0.0.1', '[::1]80', '[::1]', 'host:0', 'host:65536', 'a b:1', '']) assert.equal(parseHostPort(bad), undefined, bad);
    assert.equal(parsePort(' 0 '), 0);
    assert.equal(parsePort('65535'), 65535);
    assert.equal(parsePort('65536'), undefined);
    assert.equal(parsePort('8e3'), undefined);
  });

  it('sizes: approximate for people, exact for limits', () => {
    assert.equal(formatByteSize(0), '0 B');
    assert.equal(formatByteSize(1023), '1023 B');
    assert.equal(formatByteSize(1536), '1.5 KiB');
    assert.equal(formatByteSize(200 * 1024), '200 KiB');
    assert.equal(formatByteSize(16 * 2 ** 20), '16.0 MiB');
    assert.equal(formatByteSize(3 * 2 ** 40), '3.0 TiB');
    assert.equal(formatByteSize(2 ** 60), '1048576 TiB');
    assert.equal(formatExactSize(16 * 2 ** 20), '16 MiB');
    assert.equal(formatExactSize(64 * 1024), '64 KiB');
    assert.equal(formatExactSize(2 ** 30), '1 GiB');
    assert.equal(formatExactSize(1000), '1,000 bytes');
    assert.equal(formatExactSize(1000, true), '1,000-byte');
    assert.equal(formatExactSize(1 << 20, true), '1 MiB');
    assert.equal(groupDigits(1_000_000_000), '1,000,000,000');
    assert.equal(groupDigits(999), '999');
  });

  it('times: local clock, local date and time, ISO and relative', () => {
    const t = new Date(2026, 10, 29, 3, 4, 5, 67).getTime();
    assert.equal(formatClockTime(t), '03:04:05.067');
    assert.equal(formatDateTime(t), '2026-11-29 03:04:05.067');
    assert.equal(formatTimestamp(t, 'time'), '03:04:05.067');
    assert.equal(formatTimestamp(t, 'iso'), new Date(t).toISOString());
    assert.equal(formatTimestamp(t, 'relative', t - 1250), '+1.250');
  });

  it('plurals', () => {
    assert.equal(plural(1, 'byte'), '1 byte');
    assert.equal(plural(0, 'byte'), '0 bytes');
    assert.equal(plural(2, 'match', 'matches'), '2 matches');
  });
});
