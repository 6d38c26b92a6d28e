/**
 * The programmatic surface: option objects of the commands (`vscode.commands.executeCommand(id, options)`) and the
 * object `activate` returns (`vscode.extensions.getExtension('socket-debugger.socket-debugger').activate()`).
 * The option types and their checks are in commandOptions.ts; each command's types in commands/table.ts.
 * Documented in README.md (section "Programmatic use") and docs/extension-internals.md.
 */
import type * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';
import type { ConnectionsTreeProvider } from './tree';
import type { TreeSection } from './services';
import type { ProtocolApi } from './protocol';

export const COMMANDS = {
  listen: 'socketDebugger.tcp.listen',
  connect: 'socketDebugger.tcp.connect',
  bind: 'socketDebugger.udp.bind',
  openComposer: 'socketDebugger.openComposer',
  send: 'socketDebugger.send',
  replyToLastPeer: 'socketDebugger.replyToLastPeer',
  sendOnAccept: 'socketDebugger.sendOnAccept',
  sendFile: 'socketDebugger.sendFile',
  disconnect: 'socketDebugger.disconnect',
  stopServer: 'socketDebugger.stopServer',
  closeClient: 'socketDebugger.closeClient',
  closeSocket: 'socketDebugger.closeSocket',
  halfClose: 'socketDebugger.halfClose',
  remove: 'socketDebugger.remove',
  clearClosed: 'socketDebugger.clearClosed',
  closeAll: 'socketDebugger.closeAll',
  copyAddress: 'socketDebugger.copyAddress',
  clearHistory: 'socketDebugger.clearHistory',
  resetCounters: 'socketDebugger.resetCounters',
  saveReceived: 'socketDebugger.saveReceived',
  saveSession: 'socketDebugger.saveSession',
  changeFraming: 'socketDebugger.changeFraming',
  showLog: 'socketDebugger.showLog',
  relayStart: 'socketDebugger.relay.start',
  relayStop: 'socketDebugger.relay.stop',
  relayHold: 'socketDebugger.relay.hold',
  relayRelease: 'socketDebugger.relay.release',
  relayInject: 'socketDebugger.relay.inject',
  relayReset: 'socketDebugger.relay.reset',
  relayCut: 'socketDebugger.relay.cut',
  relayOpenComposer: 'socketDebugger.relay.openComposer',
  relaySetFaults: 'socketDebugger.relay.setFaults',
  relayExportPcap: 'socketDebugger.relay.exportPcap',
  cancelConnect: 'socketDebugger.cancelConnect',
  // the saved packet library (commands/packets.ts)
  packetsSend: 'socketDebugger.packets.send',
  packetsSave: 'socketDebugger.packets.save',
  packetsOpen: 'socketDebugger.packets.open',
  packetsRemove: 'socketDebugger.packets.remove',
  // faults on what a connection sends (commands/faults.ts)
  setFaults: 'socketDebugger.setFaults',
} as const;

export type {
  BindOptions,
  ChangeFramingOptions,
  ConnectOptions,
  IdOptions,
  ListenOptions,
  SaveOptions,
  SaveSessionOptions,
  SendCommandOptions,
  SendFileCommandOptions,
  SendOnAcceptOptions,
} from './commandOptions';
export type { SendFileSummary } from './commands/sendFile';
export { CommandOptionsError } from './commandOptions';
export type { CommandTypes } from './commands/table';

/** What `activate` returns (tests and other extensions). */
export interface SocketDebuggerApi {
  readonly version: 1;
  readonly registry: ConnectionRegistry;
  /** the Connections tree's data provider (tests read its children and items) */
  readonly tree: ConnectionsTreeProvider;
  addTreeSection<T>(section: TreeSection<T>): vscode.Disposable;
  /** how many times commands showed an error notification (tests) */
  readonly errorsShown: ReadonlyArray<string>;
  /** protocol files: the scenarios' Test Explorer controller (src/extension/protocol) */
  readonly protocol: ProtocolApi;
}
