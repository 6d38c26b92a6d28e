// verifyAgent: the handshake alone, as the extension's Add Agent uses it to check a key before storing it.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ExecClientError, verifyAgent } from './client';
import { KEY, startAgent, type TestAgent } from './testUtil';

describe('remote exec: verifying an agent without running anything', function () {
  this.timeout(20000);
  let a: TestAgent | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });

  const code = (e: unknown) => (e instanceof ExecClientError ? e.code : String(e));

  it('resolves with the right key and digest, and nothing runs', async () => {
    a = await startAgent({ digest: 'sha256' });
    await verifyAgent({ host: '127.0.0.1', port: a.port, key: KEY, digest: 'sha256' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.audit.filter((r) => r.command !== undefined || r.argv !== undefined).length, 0, JSON.stringify(a.audit));
  });

  it("refuses a wrong key or digest ('refused')", async () => {
    a = await startAgent({ digest: 'sha256' });
    await assert.rejects(verifyAgent({ host: '127.0.0.1', port: a.port, key: Buffer.from('another-key-0123456789'), digest: 'sha256' }), (e) => code(e) === 'refused');
    await assert.rejects(verifyAgent({ host: '127.0.0.1', port: a.port, key: KEY, digest: 'md5' }), (e) => code(e) === 'refused');
  });

  it("says 'network' when nothing listens and 'timeout' for a peer that never answers", async () => {
    const srv = net.createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await assert.rejects(verifyAgent({ host: '127.0.0.1', port, key: KEY, connectTimeoutMs: 300 }), (e) => code(e) === 'timeout');
    } finally {
      await new Promise((r) => srv.close(r));
    }
    await assert.rejects(verifyAgent({ host: '127.0.0.1', port, key: KEY }), (e) => code(e) === 'network');
  });
});
