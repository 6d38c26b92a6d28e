// Is a local port free? Tries to bind it (TCP listen or UDP bind) and lets it go at once: the answer a prompt can
// give before the user has typed the rest of a New TCP Server / New UDP Socket. A moment later it may differ; the
// real bind still reports its own error.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export type ProbeKind = 'tcp' | 'udp';

/** the error code binding would fail with now (EADDRINUSE, EACCES, EADDRNOTAVAIL…), or undefined when it is free */
export function probeBind(kind: ProbeKind, host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const code = (e: unknown): string => (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'EUNKNOWN');
    if (kind === 'tcp') {
      const s = net.createServer();
      s.once('error', (e) => resolve(code(e)));
      s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(undefined)));
    } else {
      const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      s.once('error', (e) => {
        s.close();
        resolve(code(e));
      });
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(undefined)));
    }
  });
}
