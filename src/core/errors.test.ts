import * as assert from 'node:assert/strict';
import { SocketError, connectTimeoutError, datagramTooLargeError, toSocketError } from './errors';

function errno(code: string): Error {
  return Object.assign(new Error(`x ${code}`), { code });
}

describe('core/errors', () => {
  it('words the common failures clearly', () => {
    assert.equal(toSocketError(errno('EADDRINUSE'), 'listen', '127.0.0.1', 8888).message, 'port 8888 on 127.0.0.1 is already in use (EADDRINUSE)');
    assert.equal(toSocketError(errno('ECONNREFUSED'), 'connect', '127.0.0.1', 9).message, 'connection to 127.0.0.1:9 refused (ECONNREFUSED)');
    assert.equal(toSocketError(errno('ECONNREFUSED'), 'connect', '::1', 9).message, 'connection to [::1]:9 refused (ECONNREFUSED)');
    assert.equal(connectTimeoutError('10.0.0.1', 80, 10000).message, 'connect to 10.0.0.1:80 timed out after 10 s'); // loopback-guard: text only, never sent
    assert.equal(connectTimeoutError('10.0.0.1', 80, 1500).message, 'connect to 10.0.0.1:80 timed out after 1.5 s'); // loopback-guard: text only, never sent
    assert.equal(datagramTooLargeError(70000, 65507).message, 'UDP datagram of 70000 bytes exceeds the 65,507-byte maximum (EMSGSIZE)');
    assert.equal(toSocketError(errno('ENOTFOUND'), 'connect', 'nohost.invalid', 80).message, 'host nohost.invalid not found (ENOTFOUND)');
    assert.match(toSocketError(errno('EWEIRD'), 'send', '1.2.3.4', 5).message, /^send 1\.2\.3\.4:5 failed: x EWEIRD$/); // loopback-guard: text only, never sent
  });

  it('keeps code, address, port and cause', () => {
    const cause = errno('EADDRINUSE');
    const e = toSocketError(cause, 'listen', '0.0.0.0', 80);
    assert.ok(e instanceof SocketError && e instanceof Error);
    assert.equal(e.code, 'EADDRINUSE');
    assert.equal(e.address, '0.0.0.0');
    assert.equal(e.port, 80);
    assert.equal(e.cause, cause);
    assert.equal(e.name, 'SocketError');
    assert.equal(toSocketError(e, 'connect', 'x', 1), e);
    assert.equal(toSocketError('weird', 'connect', 'h', 1).code, 'EUNKNOWN');
  });

  it('names IPv6 addresses in brackets', () => {
    assert.match(toSocketError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'connect', '::1', 80).message, /\[::1\]:80 refused/);
  });
});
