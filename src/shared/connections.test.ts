/** The kinds' capability table, the questions built on it, and the tree menus of package.json that follow it. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONNECTION_KINDS,
  REGISTRY_KINDS,
  CONNECTION_STATES,
  KIND_CAPABILITIES,
  canHalfClose,
  canSend,
  framesPerSend,
  isClosedState,
  isConnectionKind,
  isConnectionState,
  isContainer,
  menuContext,
  type ConnectionKind,
  type ConnectionState,
} from './connections';

const c = (kind: ConnectionKind, state: ConnectionState) => ({ kind, state });

describe('shared/connections', () => {
  it('declares capabilities for every kind, and only containers send to children', () => {
    assert.deepEqual(Object.keys(KIND_CAPABILITIES).sort(), [...CONNECTION_KINDS].sort());
    for (const k of CONNECTION_KINDS) {
      const caps = KIND_CAPABILITIES[k];
      if (caps.sendsToChildren) assert.ok(caps.container, k);
      if (caps.needsDestination) assert.ok(caps.takesDestination, k);
      if (caps.canHalfClose) assert.equal(caps.transport, 'tcp', k);
      for (const s of caps.sendStates) assert.ok(!isClosedState(s), `${k} sends when ${s}`);
    }
  });

  it('canSend: sockets while open or half-closed, UDP while not closed, a server only with an open client', () => {
    const table: Array<[ConnectionKind, ConnectionState, boolean]> = [
      ['tcp-client', 'open', true],
      ['tcp-client', 'half-closed', true],
      ['tcp-client', 'connecting', false],
      ['tcp-client', 'reconnecting', false],
      ['tcp-client', 'closed', false],
      ['tcp-peer', 'open', true],
      ['tcp-peer', 'error', false],
      ['udp', 'listening', true],
      ['udp', 'closed', false],
      ['udp-peer', 'open', true],
      ['udp-peer', 'closed', false],
      ['tcp-server', 'listening', false], // no clients
      ['tcp-server', 'closed', false],
    ];
    for (const [kind, state, want] of table) assert.equal(canSend(c(kind, state)), want, `${kind} ${state}`);
    const clients = [c('tcp-peer', 'closed'), c('tcp-peer', 'open')];
    assert.equal(canSend(c('tcp-server', 'listening'), clients), true);
    assert.equal(canSend(c('tcp-server', 'listening'), clients.slice(0, 1)), false);
    assert.equal(canSend(c('tcp-server', 'closed'), clients), false);
  });

  it('framesPerSend: one, or one per open or half-closed client of a server', () => {
    assert.equal(framesPerSend(c('tcp-client', 'open')), 1);
    assert.equal(framesPerSend(c('udp', 'listening'), [c('udp-peer', 'open')]), 1);
    assert.equal(framesPerSend(c('tcp-server', 'listening'), [c('tcp-peer', 'open'), c('tcp-peer', 'half-closed'), c('tcp-peer', 'closed')]), 2);
  });

  it('canHalfClose: open TCP sockets only', () => {
    assert.equal(canHalfClose(c('tcp-client', 'open')), true);
    assert.equal(canHalfClose(c('tcp-peer', 'open')), true);
    assert.equal(canHalfClose(c('tcp-peer', 'half-closed')), false);
    assert.equal(canHalfClose(c('tcp-server', 'listening')), false);
    assert.equal(canHalfClose(c('udp-peer', 'open')), false);
  });

  it('recognises kinds and states, and containers', () => {
    assert.ok(CONNECTION_KINDS.every(isConnectionKind));
    assert.ok(CONNECTION_STATES.every(isConnectionState));
    assert.equal(isConnectionKind('tls'), false);
    assert.equal(isConnectionState('opened'), false);
    assert.deepEqual(CONNECTION_KINDS.filter((kind) => isContainer({ kind })), ['tcp-server', 'udp']);
  });
});

describe('shared/connections: the tree menus in package.json', () => {
  // out/src/shared → the repository's package.json
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
  const items = pkg.contributes.menus['view/item/context']!;
  /** does the menu entry of `command` show on a row with context value `v`? (every entry of it must agree) */
  function shows(command: string, v: string): boolean {
    const entries = items.filter((m) => m.command === command);
    assert.ok(entries.length > 0, command);
    const answers = entries.map((m) => {
      const re = /viewItem =~ \/(.*)\/$/.exec(m.when ?? '');
      assert.ok(re, `${command}: ${m.when}`);
      return new RegExp(re[1]!).test(v);
    });
    assert.ok(answers.every((a) => a === answers[0]), `${command}: its entries disagree on "${v}"`);
    return answers[0]!;
  }

  it('offer Send and Send FIN exactly where the capabilities say, and close/remove by state', () => {
    for (const kind of REGISTRY_KINDS) {
      for (const state of CONNECTION_STATES) {
        const v = menuContext({ kind, state });
        const caps = KIND_CAPABILITIES[kind];
        assert.equal(shows('socketDebugger.send', v), caps.canSend && caps.sendStates.includes(state), v);
        assert.equal(shows('socketDebugger.halfClose', v), canHalfClose({ kind, state }), v);
        assert.equal(shows('socketDebugger.remove', v), isClosedState(state), v);
        assert.equal(shows('socketDebugger.stopServer', v), kind === 'tcp-server' && state === 'listening', v);
        assert.equal(shows('socketDebugger.openComposer', v), !isClosedState(state), v);
        // the menus added for protocol files, conversations and sessions follow the same context values
        const attachable = (kind === 'tcp-server' && state === 'listening') || (kind === 'udp' && state === 'listening') || (kind === 'tcp-client' && ['open', 'half-closed', 'connecting', 'reconnecting'].includes(state));
        assert.equal(shows('socketDebugger.protocol.attach', v), attachable, v);
        // Send on Accept and Reply to Last Peer: offered where the capabilities the commands ask say
        assert.equal(shows('socketDebugger.sendOnAccept', v), caps.acceptsClients && state === 'listening', v);
        assert.equal(shows('socketDebugger.replyToLastPeer', v), caps.answersPeers && state === 'listening', v);
        assert.equal(shows('socketDebugger.saveSession', v), true, v);
      }
    }
  });
});
