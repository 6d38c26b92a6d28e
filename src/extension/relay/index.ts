/**
 * Relays in VS Code, a thin adapter over src/core/relay: the Relays view and the commands to start and stop a relay,
 * hold / release / inject into a lane and reset / cut a pair. Every command takes an options object (scripts, tests)
 * or a tree node; from the palette it prompts.
 */
import * as vscode from 'vscode';
import { TcpRelay, UdpRelay, RelayView, type FaultOptions, type Lane } from '../../core/relay';
import { parseHostPort } from '../../shared/format';
import { errorMessage } from '../../shared/errors';
import { RelaysTreeProvider, type RelayNode } from './tree';
import { relayPairId, type RelayLanes } from '../composer/relayLanes';

export const RELAY_COMMANDS = {
  start: 'socketDebugger.relay.start',
  stop: 'socketDebugger.relay.stop',
  hold: 'socketDebugger.relay.hold',
  release: 'socketDebugger.relay.release',
  inject: 'socketDebugger.relay.inject',
  reset: 'socketDebugger.relay.reset',
  cut: 'socketDebugger.relay.cut',
  openComposer: 'socketDebugger.relay.openComposer',
} as const;

/** `socketDebugger.relay.start` → resolves with the relay id (r1, r2 …) and the port it listens on */
export interface RelayStartOptions {
  /** 0 = any free port */
  port: number;
  host?: string;
  to: { host: string; port: number };
  udp?: boolean;
  framing?: string;
  /** how the composer shows payloads as text (default utf-8) */
  encoding?: string;
  faults?: FaultOptions;
}

/** the other commands: a relay, and a pair and lane where they act on one */
export interface RelayTarget {
  relay: string;
  pair?: string;
  lane?: Lane;
  /** inject: the bytes as UTF-8 text … */
  text?: string;
  /** … or as hex */
  hex?: string;
}

export interface RelayService {
  readonly relays: ReadonlyMap<string, RelayView>;
}

/** what the Relays view hands its pairs to: the composer's relay lanes, and opening the composer on a pair */
export interface RelayHooks {
  lanes: RelayLanes;
  openComposer(id: string): void;
}

export function registerRelays(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, hooks: RelayHooks): RelayService {
  const relays = new Map<string, RelayView>();
  let next = 1;
  const tree = new RelaysTreeProvider(relays);
  context.subscriptions.push(tree, vscode.window.createTreeView('socketDebugger.relays', { treeDataProvider: tree }));
  context.subscriptions.push({ dispose: () => void Promise.all([...relays.values()].map((v) => v.relay.close())) });

  const view = (relay: string): RelayView => {
    const v = relays.get(relay);
    if (!v) throw new Error(vscode.l10n.t('No relay {0}', relay));
    return v;
  };
  const target = (arg: RelayNode | RelayTarget | undefined): RelayTarget => {
    if (!arg) throw new Error(vscode.l10n.t('Pick a relay, pair or lane in the Relays view'));
    return 'kind' in arg ? { relay: arg.relay, ...('pair' in arg ? { pair: arg.pair } : {}), ...('lane' in arg ? { lane: arg.lane } : {}) } : arg;
  };
  const pairOf = (t: RelayTarget): string => {
    if (t.pair === undefined) throw new Error(vscode.l10n.t('Pick a pair of relay {0}', t.relay));
    return t.pair;
  };
  const laneOf = (t: RelayTarget): Lane => {
    if (t.lane !== 'c2s' && t.lane !== 's2c') throw new Error(vscode.l10n.t('Pick a lane (c2s or s2c)'));
    return t.lane;
  };

  async function start(opts?: RelayStartOptions): Promise<{ id: string; port: number } | undefined> {
    let o = opts;
    if (!o) {
      const to = await vscode.window.showInputBox({ title: vscode.l10n.t('New Relay'), prompt: vscode.l10n.t('Server to forward to (host:port)'), validateInput: (v) => (parseHostPort(v) ? undefined : vscode.l10n.t('host:port, e.g. 127.0.0.1:8080')) });
      const hp = to !== undefined ? parseHostPort(to) : undefined;
      if (!hp) return undefined;
      const port = await vscode.window.showInputBox({ title: vscode.l10n.t('New Relay'), prompt: vscode.l10n.t('Port to listen on (0 = any free port)'), value: '0', validateInput: (v) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? undefined : vscode.l10n.t('a port 0-65535')) });
      if (port === undefined) return undefined;
      o = { port: Number(port), to: { host: hp.address, port: hp.port } };
    }
    const options = { host: o.host ?? '127.0.0.1', port: o.port, upstream: o.to, ...(o.framing !== undefined ? { framing: o.framing } : {}), ...(o.faults ? { faults: o.faults } : {}) };
    const relay = o.udp ? new UdpRelay(options) : new TcpRelay(options);
    const id = `r${next++}`;
    const v = new RelayView(relay);
    relay.onEvent((e) => {
      if (e.type === 'upstream-error' || e.type === 'error' || e.type === 'framing-error') log.warn(`${id}: ${e.message}`);
      else if (e.type === 'open') log.info(`${id} ${e.pair}: ${e.client.address}:${e.client.port} relayed to ${e.upstream.address}:${e.upstream.port}`);
    });
    v.onDidChange(() => tree.refresh());
    let port: number;
    try {
      port = (await relay.listen()).port;
    } catch (err) {
      v.dispose();
      throw new Error(vscode.l10n.t('Cannot start the relay: {0}', errorMessage(err)));
    }
    relays.set(id, v);
    hooks.lanes.add(id, v, o.encoding ?? 'utf-8');
    tree.refresh();
    return { id, port };
  }

  const reg = (id: string, fn: (arg: RelayNode | RelayTarget | undefined) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  context.subscriptions.push(vscode.commands.registerCommand(RELAY_COMMANDS.start, start));
  reg(RELAY_COMMANDS.stop, async (arg) => {
    const t = target(arg);
    const v = view(t.relay);
    relays.delete(t.relay);
    hooks.lanes.remove(t.relay);
    await v.relay.close();
    v.dispose();
    tree.refresh();
  });
  reg(RELAY_COMMANDS.hold, (arg) => {
    const t = target(arg);
    view(t.relay).hold(pairOf(t), laneOf(t));
  });
  reg(RELAY_COMMANDS.release, (arg) => {
    const t = target(arg);
    view(t.relay).release(pairOf(t), laneOf(t));
  });
  reg(RELAY_COMMANDS.reset, (arg) => {
    const t = target(arg);
    view(t.relay).reset(pairOf(t));
  });
  reg(RELAY_COMMANDS.cut, (arg) => {
    const t = target(arg);
    view(t.relay).cut(pairOf(t));
  });
  reg(RELAY_COMMANDS.inject, async (arg) => {
    const t = target(arg);
    let bytes: Buffer | undefined;
    if (t.hex !== undefined) bytes = Buffer.from(t.hex.replace(/\s+/g, ''), 'hex');
    else if (t.text !== undefined) bytes = Buffer.from(t.text, 'utf8');
    else {
      const text = await vscode.window.showInputBox({ title: vscode.l10n.t('Inject into {0} {1}', pairOf(t), laneOf(t)), prompt: vscode.l10n.t('Text to write into the lane (UTF-8)') });
      if (text === undefined) return;
      bytes = Buffer.from(text, 'utf8');
    }
    view(t.relay).inject(pairOf(t), laneOf(t), bytes);
  });
  reg(RELAY_COMMANDS.openComposer, (arg) => {
    const t = target(arg);
    view(t.relay);
    hooks.openComposer(relayPairId(t.relay, pairOf(t)));
  });
  return { relays };
}
