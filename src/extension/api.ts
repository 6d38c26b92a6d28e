/**
 * The programmatic surface: option objects of the commands (`vscode.commands.executeCommand(id, options)`) and the
 * object `activate` returns (`vscode.extensions.getExtension('socket-debugger.socket-debugger').activate()`).
 * Documented in README.md (section "Programmatic use").
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
  saveReceived: 'socketDebugger.saveReceived',
  changeFraming: 'socketDebugger.changeFraming',
  showLog: 'socketDebugger.showLog',
} as const;

interface CommonOptions {
  /** framing spec (see the framing grammar), default: setting socketDebugger.defaultFraming */
  framing?: string;
  /** encoding id, default: setting socketDebugger.defaultEncoding */
  encoding?: string;
  /** a label shown in the tree instead of the address */
  label?: string;
  /** open the packet composer on the new connection (default: setting socketDebugger.autoOpenComposer) */
  openComposer?: boolean;
}

/** `socketDebugger.tcp.listen` → resolves with the new server's connection id */
export interface ListenOptions extends CommonOptions {
  /** 0 = any free port (read it back from `registry.get(id).local.port`) */
  port: number;
  /** default: setting socketDebugger.defaultHost */
  host?: string;
}

/** `socketDebugger.tcp.connect` → resolves with the new client's connection id once connected */
export interface ConnectOptions extends CommonOptions {
  port: number;
  host?: string;
  /** connect timeout; default: setting socketDebugger.tcpClient.connectTimeout (10 s) */
  timeoutMs?: number;
  /**
   * reconnect with exponential backoff after an unexpected close; the id stays, its state is 'reconnecting'
   * in between. true = defaults (500 ms doubling up to 30 000 ms, unlimited attempts). Default: setting
   * socketDebugger.tcpClient.autoReconnect
   */
  reconnect?: boolean | { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** TCP_NODELAY; default: setting socketDebugger.tcpClient.noDelay (true) */
  noDelay?: boolean;
  /** SO_KEEPALIVE; default: setting socketDebugger.tcpClient.keepAlive (false) */
  keepAlive?: boolean;
}

/** `socketDebugger.udp.bind` → resolves with the new socket's connection id */
export interface BindOptions extends CommonOptions {
  port: number;
  host?: string;
  /** SO_BROADCAST; default: setting socketDebugger.udp.broadcast (false) */
  broadcast?: boolean;
}

/** `socketDebugger.send` → resolves with the number of payload bytes (before framing) */
export interface SendCommandOptions {
  id: string;
  /** text, encoded with `encoding` (default: the connection's encoding) */
  text?: string;
  /** hex bytes, e.g. "01 02 ff" */
  hex?: string;
  base64?: string;
  /** text with escapes (\n, \x00, \u4e2d …), encoded with `encoding` */
  escapes?: string;
  encoding?: string;
  /** apply the connection's framing (default true) */
  framed?: boolean;
  /** UDP socket: destination, {address, port} or "host:port" */
  to?: { address: string; port: number } | string;
}

/** `disconnect`, `stopServer`, `closeClient`, `closeSocket`, `halfClose`, `remove`, `copyAddress`, `clearHistory`, `openComposer` */
export interface IdOptions {
  id: string;
}

/** `socketDebugger.saveReceived` → resolves with the file path written */
export interface SaveOptions {
  id: string;
  /** file path or URI string; without it a save dialog asks */
  path?: string;
  /** raw: the received bytes as they are; hex: one line per received chunk (time, length, hex). Default raw
   * (hex when the file name ends with .txt or .hex) */
  format?: 'raw' | 'hex';
}

/** `socketDebugger.changeFraming` → resolves with {framing, encoding} now in force */
export interface ChangeFramingOptions {
  id: string;
  framing?: string;
  encoding?: string;
}

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
