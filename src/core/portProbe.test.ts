// probeBind over real sockets on loopback: a port someone holds is reported with the code a bind would get.
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { probeBind } from './portProbe';

describe('core/portProbe', () => {
  it('says EADDRINUSE for a TCP port held by a listener, and nothing once it is free', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    assert.equal(await probeBind('tcp', '127.0.0.1', port), 'EADDRINUSE');
    await new Promise((r) => s.close(r));
    assert.equal(await probeBind('tcp', '127.0.0.1', port), undefined);
    // the probe let it go: binding works right after
    const again = net.createServer();
    await new Promise<void>((r) => again.listen(port, '127.0.0.1', r));
    await new Promise((r) => again.close(r));
  });

  it('says EADDRINUSE for a UDP port held by a socket', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const port = s.address().port;
    assert.equal(await probeBind('udp', '127.0.0.1', port), 'EADDRINUSE');
    s.close();
    assert.equal(await probeBind('udp', '127.0.0.1', port), undefined);
  });
});
