/** Typed access to the `socketDebugger.*` settings (declared in package.json `contributes.configuration`). */
import * as vscode from 'vscode';
import { TIMESTAMP_FORMATS, type TimestampFormat } from '../shared/format';
import { DISPLAY_MODES, type DisplayMode } from '../shared/protocol';

export interface SocketDebuggerConfig {
  defaultHost: string;
  defaultEncoding: string;
  defaultFraming: string;
  historyMaxBytes: number;
  historyMaxFrames: number;
  displayMode: DisplayMode;
  timestampFormat: TimestampFormat;
  /** frames the composer's log keeps (100–1,000,000) */
  composerMaxFrames: number;
  autoOpenComposer: boolean;
  /** New TCP Client…: reconnect with backoff after an unexpected close */
  tcpClientAutoReconnect: boolean;
  /** TCP_NODELAY on new clients (default true: each send goes on the wire at once) */
  tcpClientNoDelay: boolean;
  tcpClientKeepAlive: boolean;
  /** connect timeout of new clients, in ms (setting in seconds, 1–300) */
  tcpClientConnectTimeoutMs: number;
  /** SO_BROADCAST on new UDP sockets */
  udpBroadcast: boolean;
  /** put `sockdbg` on PATH in integrated terminals */
  cliAddToPath: boolean;
  /** a protocol file (workspace-relative or absolute) attached to every new server, client and UDP socket */
  protocolFile: string | undefined;
}

export const CONFIG_SECTION = 'socketDebugger';

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function int(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : fallback;
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : fallback;
}

export function readConfig(scope?: vscode.ConfigurationScope): SocketDebuggerConfig {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
  return {
    defaultHost: str(c.get('defaultHost'), '127.0.0.1'),
    defaultEncoding: str(c.get('defaultEncoding'), 'utf-8'),
    defaultFraming: str(c.get('defaultFraming'), 'raw'),
    historyMaxBytes: int(c.get('history.maxBytes'), 64 * 1024, 1024 * 1024 * 1024, 8 * 1024 * 1024),
    historyMaxFrames: int(c.get('history.maxFrames'), 100, 1_000_000, 10_000),
    displayMode: oneOf(c.get('displayMode'), DISPLAY_MODES, 'both'),
    timestampFormat: oneOf(c.get('timestampFormat'), TIMESTAMP_FORMATS, 'time'),
    composerMaxFrames: int(c.get('composer.maxFrames'), 100, 1_000_000, 100_000),
    autoOpenComposer: c.get('autoOpenComposer') === true,
    tcpClientAutoReconnect: c.get('tcpClient.autoReconnect') === true,
    tcpClientNoDelay: c.get('tcpClient.noDelay') !== false,
    tcpClientKeepAlive: c.get('tcpClient.keepAlive') === true,
    tcpClientConnectTimeoutMs: int(c.get('tcpClient.connectTimeout'), 1, 300, 10) * 1000,
    udpBroadcast: c.get('udp.broadcast') === true,
    cliAddToPath: c.get('cli.addToPath') !== false,
    protocolFile: str(c.get('protocolFile'), '') || undefined,
  };
}
