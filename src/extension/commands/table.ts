/**
 * The typed command table: each command id maps to the options callers pass, the checked options its handler gets,
 * and the result it resolves with. `registerCommand` is the one place an argument arrives untyped: it classifies it
 * (palette, tree node, connection id, options object), runs the command's check, and hands the handler an
 * `Invocation` of checked options.
 */
import * as vscode from 'vscode';
import type { TcpConnectOptions, TcpListenOptions, UdpBindOptions } from '../../core/types';
import type { COMMANDS } from '../api';
import type {
  BindOptions,
  ChangeFramingOptions,
  CheckedSend,
  Checked,
  ConnectOptions,
  IdOptions,
  ListenOptions,
  RawOptions,
  SaveOptions,
  SaveSessionOptions,
  SendCommandOptions,
  SendFileCommandOptions,
  CheckedSendFile,
  SendOnAcceptOptions,
} from '../commandOptions';
import type { SendFileSummary } from './sendFile';
import type { SessionFormat } from '../../core/export/session';
import { CommandOptionsError } from '../commandOptions';
import { isConnectionNode, isPendingNode } from '../tree';
import type { CheckedPacket, CheckedSavePacket, PacketOptions, SavePacketOptions } from './packets';
import type { SetFaultsOptions } from './faults';
import { isRelayNode } from '../relay/tree';
import { relayTargetId, type RelayExportOptions, type RelayFaultsOptions, type RelayStartOptions, type RelayTarget } from '../relay/options';

type C = typeof COMMANDS;

/** per command: what a caller passes, what the handler gets once checked, what it resolves with */
export interface CommandTypes {
  'socketDebugger.tcp.listen': { options: ListenOptions; checked: Checked<TcpListenOptions>; result: string | undefined };
  'socketDebugger.tcp.connect': { options: ConnectOptions; checked: Checked<TcpConnectOptions>; result: string | undefined };
  'socketDebugger.udp.bind': { options: BindOptions; checked: Checked<UdpBindOptions>; result: string | undefined };
  'socketDebugger.send': { options: SendCommandOptions | string; checked: { id: string; send: CheckedSend }; result: number | undefined };
  'socketDebugger.replyToLastPeer': { options: Omit<SendCommandOptions, 'to'> | string; checked: { id: string; send: CheckedSend }; result: number | undefined };
  'socketDebugger.sendFile': { options: SendFileCommandOptions | string; checked: IdOptions & CheckedSendFile; result: SendFileSummary | undefined };
  'socketDebugger.sendOnAccept': { options: SendOnAcceptOptions | string; checked: { id: string; payload?: Buffer }; result: boolean };
  'socketDebugger.disconnect': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.stopServer': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.closeClient': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.closeSocket': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.halfClose': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.remove': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.clearClosed': { options: undefined; checked: undefined; result: number };
  'socketDebugger.closeAll': { options: undefined; checked: undefined; result: void };
  'socketDebugger.copyAddress': { options: IdOptions | string; checked: IdOptions; result: string | undefined };
  'socketDebugger.clearHistory': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.resetCounters': { options: IdOptions | string; checked: IdOptions; result: boolean };
  'socketDebugger.saveReceived': { options: SaveOptions | string; checked: IdOptions & { path?: string; format?: 'raw' | 'hex'; lane?: 'c2s' | 's2c' }; result: string | undefined };
  'socketDebugger.saveSession': { options: SaveSessionOptions | string; checked: IdOptions & { path?: string; format?: SessionFormat }; result: string | undefined };
  'socketDebugger.changeFraming': {
    options: ChangeFramingOptions | string;
    checked: IdOptions & { framing?: string; encoding?: string };
    result: { framing: string; encoding: string } | undefined;
  };
  'socketDebugger.openComposer': { options: Partial<IdOptions> | string | undefined; checked: Partial<IdOptions>; result: void };
  'socketDebugger.showLog': { options: undefined; checked: undefined; result: void };
  // the saved packet library (packets.ts)
  'socketDebugger.packets.send': { options: PacketOptions; checked: CheckedPacket; result: number | undefined };
  'socketDebugger.packets.save': { options: SavePacketOptions; checked: CheckedSavePacket; result: string | undefined };
  'socketDebugger.packets.open': { options: undefined; checked: undefined; result: void };
  'socketDebugger.packets.remove': { options: PacketOptions; checked: CheckedPacket; result: boolean };
  // faults on what a connection sends (faults.ts)
  'socketDebugger.setFaults': { options: SetFaultsOptions | string; checked: { id: string; faults: string }; result: boolean };
  'socketDebugger.relay.start': { options: RelayStartOptions; checked: RelayStartOptions; result: { id: string; port: number } | undefined };
  'socketDebugger.relay.stop': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.hold': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.release': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.inject': { options: RelayTarget; checked: RelayTarget; result: number | undefined };
  'socketDebugger.relay.reset': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.cut': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.openComposer': { options: RelayTarget; checked: RelayTarget; result: void };
  'socketDebugger.relay.setFaults': { options: RelayFaultsOptions; checked: RelayFaultsOptions; result: string | undefined };
  'socketDebugger.relay.exportPcap': { options: RelayExportOptions; checked: RelayExportOptions; result: string | undefined };
  'socketDebugger.cancelConnect': { options: IdOptions | string; checked: IdOptions; result: boolean };
}

export type CommandId = C[keyof C];

/** How a command was invoked, with its checked options. */
export type Invocation<O> =
  /** no argument (palette, keybinding): prompt for everything, pick a connection when one is needed */
  | { readonly via: 'palette' }
  /** a tree row: act on that connection (or relay row: `r1`, `r1.p1`, `r1.p1.c2s`), prompt only for what is missing */
  | { readonly via: 'tree'; readonly id: string }
  /** programmatic (options object or connection id): no prompts; resolve with a result or reject with a clear Error */
  | { readonly via: 'api'; readonly options: O };

/**
 * How the argument is read:
 * - `create`: an options object is programmatic; anything else prompts;
 * - `target`: also a tree node (checked to exist) or a connection id string (`{id}`);
 * - `composer`: like target, but a node or string id is taken as it is;
 * - `pending`: like target, for a first connect in progress (its tree row, or its id string; checked by the command);
 * - `relay`: a Relays view row (its id as `r1`, `r1.p1` or `r1.p1.c2s`) or an options object;
 * - `none`: the argument is ignored.
 */
export type ArgumentKind = 'create' | 'target' | 'composer' | 'pending' | 'relay' | 'none';

export interface CommandSpec<K extends CommandId> {
  readonly arg: ArgumentKind;
  /** checks a programmatic options object; throws CommandOptionsError */
  readonly check: (o: RawOptions) => CommandTypes[K]['checked'];
  readonly run: (inv: Invocation<CommandTypes[K]['checked']>) => Promise<CommandTypes[K]['result']>;
}

/** every command's spec: the flow modules each provide some */
export type CommandSpecs = { readonly [K in CommandId]: CommandSpec<K> };

export function isPlainOptions(arg: unknown): arg is RawOptions {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !isConnectionNode(arg) && !isPendingNode(arg) && !(arg instanceof vscode.Uri);
}

/** the one place an argument is untyped: classifies it and runs the command's check */
export function toInvocation<K extends CommandId>(spec: CommandSpec<K>, arg: unknown, exists: (id: string) => void): Invocation<CommandTypes[K]['checked']> {
  switch (spec.arg) {
    case 'none':
      return { via: 'palette' };
    case 'create':
      return isPlainOptions(arg) ? { via: 'api', options: spec.check(arg) } : { via: 'palette' };
    case 'pending':
      if (isPendingNode(arg)) return { via: 'tree', id: arg.id };
      if (typeof arg === 'string') return { via: 'api', options: spec.check({ id: arg }) };
      return isPlainOptions(arg) ? { via: 'api', options: spec.check(arg) } : { via: 'palette' };
    case 'relay':
      if (isRelayNode(arg)) return { via: 'tree', id: relayTargetId(arg) };
      return isPlainOptions(arg) ? { via: 'api', options: spec.check(arg) } : { via: 'palette' };
    case 'target':
    case 'composer':
      if (isConnectionNode(arg)) {
        if (spec.arg === 'target') exists(arg.id);
        return { via: 'tree', id: arg.id };
      }
      if (typeof arg === 'string') return { via: 'api', options: spec.arg === 'target' ? spec.check({ id: arg }) : { id: arg } };
      if (isPlainOptions(arg)) return { via: 'api', options: spec.check(arg) };
      return { via: 'palette' };
  }
}

export interface RegisterHooks {
  /** throws CommandOptionsError when there is no such connection */
  exists(id: string): void;
  log: vscode.LogOutputChannel;
  /** shows an unexpected interactive failure */
  showError(message: string): void;
}

/**
 * Registers one command. Programmatic errors (bad options, socket failures) reject the caller's promise and are
 * logged; unexpected interactive errors become a notification.
 */
export function registerCommand<K extends CommandId>(id: K, spec: CommandSpec<K>, hooks: RegisterHooks): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg: unknown): Promise<CommandTypes[K]['result'] | undefined> => {
    try {
      return await spec.run(toInvocation(spec, arg, hooks.exists));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof CommandOptionsError || isPlainOptions(arg) || typeof arg === 'string') {
        hooks.log.warn(`${id}: ${message}`);
        throw e;
      }
      hooks.showError(vscode.l10n.t('{0} failed: {1}', id, message));
      return undefined;
    }
  });
}

/** registers the whole table */
export function registerAll(specs: CommandSpecs, hooks: RegisterHooks): vscode.Disposable[] {
  return (Object.keys(specs) as CommandId[]).map(<K extends CommandId>(id: K) => registerCommand(id, specs[id] as CommandSpec<K>, hooks));
}
