/** How the tree, the status bar and messages describe a connection (no `vscode` needed); the formatting is src/shared/format. */
import { formatByteSize, formatEndpoint } from '../shared/format';
import type { ConnectionInfo } from '../core/types';
import { isClosedState, isContainer } from '../shared/connections';

/** "↓ 22 B/2 ↑ 8 B/1": bytes/frames in, bytes/frames out */
export function formatCounters(info: ConnectionInfo): string {
  const s = info.stats;
  return `↓ ${formatByteSize(s.bytesIn)}/${s.framesIn} ↑ ${formatByteSize(s.bytesOut)}/${s.framesOut}`;
}

/** the address a user means by "this connection": the peer for sockets, the local one for listeners */
export function primaryAddress(info: ConnectionInfo): string {
  if (isContainer(info)) return formatEndpoint(info.local) || info.label;
  return formatEndpoint(info.remote) || formatEndpoint(info.local) || info.label;
}

export function isClosed(info: ConnectionInfo): boolean {
  return isClosedState(info.state);
}
