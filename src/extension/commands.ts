/**
 * The commands. Each works three ways:
 *  - from the palette (no argument): prompts with QuickInput (and picks a connection when it needs one);
 *  - from the tree (argument: a tree node): acts on that connection, prompting only for what is missing;
 *  - programmatically (argument: an options object, see api.ts): no prompts, resolves with a result and rejects
 *    with a clear Error on bad options or a socket failure (no notification).
 * Interactive failures become notifications with an action where one helps ("Try Another Port", "Retry").
 */
import * as vscode from 'vscode';
import { encodeText, normalizeEncoding } from '../core/codec/encoding';
import { parseBase64, parseHex } from '../core/codec/binaryInput';
import { parseEscapes } from '../core/codec/input';
import type { ConnectionRegistry } from '../core/registry';
import { normalizeFramingSpec } from '../core/framing';
import type { ConnectionInfo, ConnectionKind, TcpConnectOptions } from '../core/types';
import { COMMANDS, type BindOptions, type ConnectOptions, type ListenOptions } from './api';
import { readConfig } from './config';
import { toHex } from '../shared/bytes';
import { errorCode, errorMessage } from '../shared/errors';
import { formatByteSize, formatDateTime, formatEndpoint, formatHostPort, parseHostPort } from '../shared/format';
import { isClosed, primaryAddress } from './format';
import { pickConnection, pickEncoding, pickFraming, promptHost, promptHostPort, promptPort } from './prompts';
import { connectionLabel, isConnectionNode, type ConnectionsTreeProvider } from './tree';

export interface CommandContext {
  readonly context: vscode.ExtensionContext;
  readonly registry: ConnectionRegistry;
  readonly log: vscode.LogOutputChannel;
  readonly tree: ConnectionsTreeProvider;
  readonly treeView: vscode.TreeView<unknown> | undefined;
  /** opens the packet composer (on a connection when given) */
  openComposer(id?: string): Promise<void>;
  /** messages of the error notifications shown so far (tests) */
  readonly errorsShown: string[];
}

const DEFAULT_PORT = 8888;

/** Thrown for bad programmatic options. */
export class CommandOptionsError extends Error {
  override readonly name = 'CommandOptionsError';
}

function isPlainOptions(arg: unknown): arg is Record<string, unknown> {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !isConnectionNode(arg) && !(arg instanceof vscode.Uri);
}

function checkPort(v: unknown, allowZero: boolean, what = 'port'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535 || (!allowZero && v === 0)) {
    throw new CommandOptionsError(`${what} must be an integer from ${allowZero ? 0 : 1} to 65535 (got ${JSON.stringify(v)})`);
  }
  return v;
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new CommandOptionsError(`${key} must be a string (got ${typeof v})`);
  return v;
}

function optBoolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new CommandOptionsError(`${key} must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

/** validated framing + encoding (defaults from the settings) */
function framingAndEncoding(o: Record<string, unknown>): { framing: string; encoding: string } {
  const cfg = readConfig();
  const framingIn = optString(o, 'framing') ?? cfg.defaultFraming;
  const encodingIn = optString(o, 'encoding') ?? cfg.defaultEncoding;
  let framing: string;
  let encoding: string;
  try {
    framing = normalizeFramingSpec(framingIn);
  } catch (e) {
    throw new CommandOptionsError(`bad framing "${framingIn}": ${errorMessage(e)}`);
  }
  try {
    encoding = normalizeEncoding(encodingIn);
  } catch (e) {
    throw new CommandOptionsError(errorMessage(e));
  }
  return { framing, encoding };
}

/** longest timer Node accepts (a larger delay would fire at once) */
const MAX_TIMER_MS = 2_147_483_647;

function positiveMs(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_TIMER_MS) {
    throw new CommandOptionsError(`${what} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (got ${JSON.stringify(v)})`);
  }
  return v;
}

const RECONNECT_KEYS = ['initialDelayMs', 'maxDelayMs', 'maxAttempts'] as const;

/** `reconnect`: true (backoff defaults), false, or {initialDelayMs?, maxDelayMs?, maxAttempts?}; undefined when not given */
function reconnectOption(v: unknown): TcpConnectOptions['reconnect'] | false | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v ? {} : false;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new CommandOptionsError(`reconnect must be true, false or {initialDelayMs, maxDelayMs, maxAttempts} (got ${JSON.stringify(v)})`);
  }
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(RECONNECT_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new CommandOptionsError(`reconnect has unknown key ${JSON.stringify(unknown[0])} (allowed: ${RECONNECT_KEYS.join(', ')})`);
  const rc: NonNullable<TcpConnectOptions['reconnect']> = {};
  if (o.initialDelayMs !== undefined) rc.initialDelayMs = positiveMs(o.initialDelayMs, 'reconnect.initialDelayMs');
  if (o.maxDelayMs !== undefined) rc.maxDelayMs = positiveMs(o.maxDelayMs, 'reconnect.maxDelayMs');
  if (rc.maxDelayMs !== undefined && rc.maxDelayMs < (rc.initialDelayMs ?? 500)) {
    throw new CommandOptionsError(`reconnect.maxDelayMs (${rc.maxDelayMs}) must not be less than reconnect.initialDelayMs (${rc.initialDelayMs ?? 500})`);
  }
  if (o.maxAttempts !== undefined) {
    if (typeof o.maxAttempts !== 'number' || !Number.isSafeInteger(o.maxAttempts) || o.maxAttempts < 1) {
      throw new CommandOptionsError(`reconnect.maxAttempts must be a whole number from 1 (got ${JSON.stringify(o.maxAttempts)})`);
    }
    rc.maxAttempts = o.maxAttempts;
  }
  return rc;
}

/**
 * The socket options of a new TCP client: the socketDebugger.tcpClient.* settings, overridden by the programmatic
 * options (`timeoutMs`, `noDelay`, `keepAlive`, `reconnect`) when given.
 */
function tcpClientOptions(o: Record<string, unknown> = {}): Pick<TcpConnectOptions, 'timeoutMs' | 'noDelay' | 'keepAlive' | 'reconnect'> {
  const cfg = readConfig();
  const timeoutMs = o.timeoutMs === undefined || o.timeoutMs === null ? cfg.tcpClientConnectTimeoutMs : positiveMs(o.timeoutMs, 'timeoutMs');
  const noDelay = optBoolean(o, 'noDelay') ?? cfg.tcpClientNoDelay;
  const keepAlive = optBoolean(o, 'keepAlive') ?? cfg.tcpClientKeepAlive;
  const rc = reconnectOption(o.reconnect) ?? (cfg.tcpClientAutoReconnect ? {} : false);
  return { timeoutMs, noDelay, keepAlive, ...(rc ? { reconnect: rc } : {}) };
}

export function registerCommands(cx: CommandContext): vscode.Disposable[] {
  const { registry, log, context } = cx;
  const l10n = vscode.l10n;

  // ---- helpers ------------------------------------------------------------------------------

  async function showError(message: string, ...actions: string[]): Promise<string | undefined> {
    cx.errorsShown.push(message);
    log.error(message);
    const showLog = l10n.t('Show Log');
    const picked = await vscode.window.showErrorMessage(message, ...actions, showLog);
    if (picked === showLog) log.show(true);
    return picked;
  }

  function lastPort(key: string, fallback: number): number {
    const v = context.globalState.get<number>(`socketDebugger.lastPort.${key}`);
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : fallback;
  }
  function rememberPort(key: string, port: number): void {
    void context.globalState.update(`socketDebugger.lastPort.${key}`, port);
  }

  function must(id: string): ConnectionInfo {
    const info = registry.get(id);
    if (!info) throw new CommandOptionsError(`no connection with id "${id}"`);
    return info;
  }

  async function afterCreate(info: ConnectionInfo, interactive: boolean, openComposer: boolean | undefined): Promise<void> {
    if (interactive && cx.treeView) {
      await cx.tree.settled();
      const node = { type: 'connection' as const, id: info.id };
      // the provider hands out one node object per id; reveal by that object
      const children = await cx.tree.getChildren();
      const same = children.find((n) => n.type === 'connection' && n.id === info.id) ?? node;
      await Promise.resolve(cx.treeView.reveal(same, { select: true, focus: false })).then(undefined, () => undefined);
    }
    if (openComposer ?? (interactive && readConfig().autoOpenComposer)) await cx.openComposer(info.id);
  }

  /**
   * Resolves the connection a node command acts on: the tree node, `{id}` / "id" programmatically, or a pick
   * among `candidates` from the palette. Returns undefined when the user cancels.
   */
  async function target(arg: unknown, filter: (c: ConnectionInfo) => boolean, placeHolder: string): Promise<{ id: string; options: Record<string, unknown>; interactive: boolean } | undefined> {
    if (isConnectionNode(arg)) {
      must(arg.id);
      return { id: arg.id, options: {}, interactive: true };
    }
    if (typeof arg === 'string') {
      must(arg);
      return { id: arg, options: {}, interactive: false };
    }
    if (isPlainOptions(arg)) {
      const id = arg.id;
      if (typeof id !== 'string') throw new CommandOptionsError('options.id (the connection id, e.g. "c1") is required');
      must(id);
      return { id, options: arg, interactive: false };
    }
    const id = await pickConnection(registry.list().filter(filter), placeHolder);
    return id === undefined ? undefined : { id, options: {}, interactive: true };
  }

  const kinds =
    (...ks: ConnectionKind[]) =>
    (c: ConnectionInfo) =>
      ks.includes(c.kind) && !isClosed(c);

  // ---- create -------------------------------------------------------------------------------

  /** the log line of a new server, client or UDP socket */
  function createdMessage(info: ConnectionInfo): string {
    switch (info.kind) {
      case 'tcp-server':
        return `TCP server ${info.id} listening on ${formatEndpoint(info.local) ?? ''} (framing ${info.framing}, encoding ${info.encoding})`;
      case 'tcp-client':
        return `TCP client ${info.id} connected to ${formatEndpoint(info.remote) ?? ''} from ${formatEndpoint(info.local) ?? ''}`;
      default:
        return `UDP socket ${info.id} bound to ${formatEndpoint(info.local) ?? ''}`;
    }
  }

  /** the common tail of every create: log, reveal in the tree / open the composer, return the id */
  async function created(info: ConnectionInfo, interactive: boolean, openComposer: boolean | undefined): Promise<string> {
    log.info(createdMessage(info));
    await afterCreate(info, interactive, openComposer);
    return info.id;
  }

  /** the options every programmatic create shares (validated before anything is created) */
  function createOptions(o: Record<string, unknown>, port: number): { port: number; host: string; framing: string; encoding: string; label?: string } {
    const host = optString(o, 'host') ?? readConfig().defaultHost;
    const fe = framingAndEncoding(o);
    const label = optString(o, 'label');
    return { port, host, ...fe, ...(label ? { label } : {}) };
  }

  interface EndpointAnswers {
    host: string;
    port: number;
    framing: string;
    encoding: string;
  }

  /**
   * The four-step QuickInput flow of the create commands: port and host (in `first` order), then framing and
   * encoding (not asked when prefilled). `givenHost` skips the host step; otherwise it is asked with `hostDefault`
   * (default: the defaultHost setting). Returns undefined when the user cancels a step.
   */
  async function promptEndpoint(p: {
    title: string;
    first: 'port' | 'host';
    port: number;
    allowZero: boolean;
    hostPrompt: string;
    hostDefault?: string;
    givenHost?: string;
    framing?: string;
    encoding?: string;
  }): Promise<EndpointAnswers | undefined> {
    const cfg = readConfig();
    const { title } = p;
    const askPort = (step: number) => promptPort({ title, step, total: 4 }, p.port, p.allowZero);
    const askHost = async (step: number) => p.givenHost ?? (await promptHost({ title, step, total: 4 }, p.hostDefault ?? cfg.defaultHost, p.hostPrompt));
    let port: number | undefined;
    let host: string | undefined;
    if (p.first === 'port') {
      port = await askPort(1);
      if (port === undefined) return undefined;
      host = await askHost(2);
      if (host === undefined) return undefined;
    } else {
      host = await askHost(1);
      if (host === undefined) return undefined;
      port = await askPort(2);
      if (port === undefined) return undefined;
    }
    const framing = p.framing ?? (await pickFraming({ title, step: 3, total: 4 }, cfg.defaultFraming));
    if (framing === undefined) return undefined;
    const encoding = p.encoding ?? (await pickEncoding({ title, step: 4, total: 4 }, cfg.defaultEncoding));
    if (encoding === undefined) return undefined;
    return { host, port, framing, encoding };
  }

  /** shows a create failure; offers "Try Another Port" when the port is taken or forbidden; true when picked */
  async function offerAnotherPort(message: string, e: unknown): Promise<boolean> {
    const again = l10n.t('Try Another Port');
    const code = errorCode(e);
    const actions = code === 'EADDRINUSE' || code === 'EACCES' ? [again] : [];
    return (await showError(message, ...actions)) === again;
  }

  const nextPort = (port: number): number => (port === 65535 ? 0 : port + 1);

  async function listen(arg: unknown): Promise<string | undefined> {
    if (isPlainOptions(arg)) {
      const o = createOptions(arg, checkPort(arg.port, true));
      const openComposer = optBoolean(arg, 'openComposer');
      return created(await registry.listenTcp(o), false, openComposer);
    }
    return listenInteractive({});
  }

  async function listenInteractive(prefill: Partial<ListenOptions>): Promise<string | undefined> {
    const a = await promptEndpoint({
      title: l10n.t('New TCP Server'),
      first: 'port',
      port: prefill.port ?? lastPort('listen', DEFAULT_PORT),
      allowZero: true,
      hostPrompt: l10n.t('Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)'),
      givenHost: prefill.host,
      framing: prefill.framing,
      encoding: prefill.encoding,
    });
    if (!a) return undefined;
    try {
      const info = await registry.listenTcp(a);
      rememberPort('listen', a.port);
      return await created(info, true, undefined);
    } catch (e) {
      if (await offerAnotherPort(l10n.t('Could not start the TCP server on {0}: {1}', formatHostPort(a.host, a.port), errorMessage(e)), e)) {
        return listenInteractive({ ...a, port: nextPort(a.port) });
      }
      return undefined;
    }
  }

  async function connect(arg: unknown): Promise<string | undefined> {
    if (isPlainOptions(arg)) {
      const o = createOptions(arg, checkPort(arg.port, false));
      const socketOptions = tcpClientOptions(arg);
      const openComposer = optBoolean(arg, 'openComposer');
      return created(await registry.connectTcp({ ...o, ...socketOptions }), false, openComposer);
    }
    return connectInteractive({});
  }

  function suggestedConnectPort(): number {
    const server = registry.list().find((c) => c.kind === 'tcp-server' && c.state === 'listening' && c.local);
    return server?.local?.port ?? lastPort('connect', DEFAULT_PORT);
  }

  async function connectInteractive(prefill: Partial<ConnectOptions>): Promise<string | undefined> {
    const a = await promptEndpoint({
      title: l10n.t('New TCP Client'),
      first: 'host',
      port: prefill.port ?? suggestedConnectPort(),
      allowZero: false,
      hostPrompt: l10n.t('Host to connect to'),
      hostDefault: prefill.host,
      framing: prefill.framing,
      encoding: prefill.encoding,
    });
    if (!a) return undefined;
    return connectAttempt(a, true);
  }

  /** connects (with a window progress on the first attempt); on failure offers "Retry" and "Change Address…" */
  async function connectAttempt(a: EndpointAnswers, first: boolean): Promise<string | undefined> {
    try {
      // the socketDebugger.tcpClient.* settings, read at each attempt
      const options = { ...a, ...tcpClientOptions() };
      const info = first
        ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: l10n.t('Connecting to {0}…', formatHostPort(a.host, a.port)) }, () => registry.connectTcp(options))
        : await registry.connectTcp(options);
      if (first) rememberPort('connect', a.port);
      return await created(info, true, undefined);
    } catch (e) {
      const retry = l10n.t('Retry');
      const change = l10n.t('Change Address…');
      const picked = await showError(l10n.t('Could not connect to {0}: {1}', formatHostPort(a.host, a.port), errorMessage(e)), retry, change);
      if (picked === retry) return connectAttempt(a, false);
      if (picked === change) return connectInteractive(a);
      return undefined;
    }
  }

  async function bind(arg: unknown): Promise<string | undefined> {
    if (isPlainOptions(arg)) {
      const o = createOptions(arg, checkPort(arg.port ?? 0, true));
      const broadcast = optBoolean(arg, 'broadcast') ?? readConfig().udpBroadcast;
      const openComposer = optBoolean(arg, 'openComposer');
      return created(await registry.bindUdp({ ...o, broadcast }), false, openComposer);
    }
    return bindInteractive({});
  }

  async function bindInteractive(prefill: Partial<BindOptions>): Promise<string | undefined> {
    const a = await promptEndpoint({
      title: l10n.t('New UDP Socket'),
      first: 'port',
      port: prefill.port ?? lastPort('bind', DEFAULT_PORT),
      allowZero: true,
      hostPrompt: l10n.t('Address to bind to (127.0.0.1: this machine only; 0.0.0.0: every interface)'),
      givenHost: prefill.host,
      framing: prefill.framing,
      encoding: prefill.encoding,
    });
    if (!a) return undefined;
    try {
      const info = await registry.bindUdp({ ...a, broadcast: readConfig().udpBroadcast });
      rememberPort('bind', a.port);
      return await created(info, true, undefined);
    } catch (e) {
      if (await offerAnotherPort(l10n.t('Could not bind the UDP socket to {0}: {1}', formatHostPort(a.host, a.port), errorMessage(e)), e)) {
        return bindInteractive({ ...a, port: nextPort(a.port) });
      }
      return undefined;
    }
  }

  // ---- send ---------------------------------------------------------------------------------

  const sendable = (c: ConnectionInfo) =>
    (c.kind === 'tcp-server' && c.state === 'listening' && registry.children(c.id).some((p) => !isClosed(p))) ||
    ((c.kind === 'tcp-peer' || c.kind === 'tcp-client') && (c.state === 'open' || c.state === 'half-closed')) ||
    (c.kind === 'udp' && c.state === 'listening') ||
    (c.kind === 'udp-peer' && !isClosed(c));

  function payloadFromOptions(o: Record<string, unknown>, info: ConnectionInfo): Buffer {
    const given = ['text', 'hex', 'base64', 'escapes'].filter((k) => o[k] !== undefined);
    if (given.length !== 1) throw new CommandOptionsError(`give exactly one of text, hex, base64 or escapes (got ${given.length ? given.join(', ') : 'none'})`);
    const enc = optString(o, 'encoding') ?? info.encoding;
    const key = given[0]!;
    const value = optString(o, key)!;
    try {
      switch (key) {
        case 'hex':
          return parseHex(value);
        case 'base64':
          return parseBase64(value);
        case 'escapes':
          return parseEscapes(value, enc);
        default:
          return encodeText(value, enc);
      }
    } catch (e) {
      throw new CommandOptionsError(`${key}: ${errorMessage(e)}`);
    }
  }

  /** interactive input: "hex: 01 02", "b64: AQI=", otherwise text with escapes in the connection's encoding */
  function parseTyped(s: string, enc: string): Buffer {
    const m = /^(hex|b64|base64):\s?/i.exec(s);
    if (m) return m[1]!.toLowerCase() === 'hex' ? parseHex(s.slice(m[0].length)) : parseBase64(s.slice(m[0].length));
    if (enc === 'hex' || enc === 'base64') return encodeText(s, enc);
    return parseEscapes(s, enc);
  }

  function toOption(v: unknown): { address: string; port: number } | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string') {
      const hp = parseHostPort(v);
      if (!hp) throw new CommandOptionsError(`to must be "host:port" (got ${JSON.stringify(v)})`);
      return hp;
    }
    if (typeof v === 'object' && v !== null && typeof (v as { address?: unknown }).address === 'string') {
      return { address: (v as { address: string }).address, port: checkPort((v as { port?: unknown }).port, false, 'to.port') };
    }
    throw new CommandOptionsError('to must be {address, port} or "host:port"');
  }

  async function send(arg: unknown): Promise<number | undefined> {
    const t = await target(arg, sendable, l10n.t('Send to which connection?'));
    if (!t) return undefined;
    const info = must(t.id);
    if (!t.interactive) {
      const payload = payloadFromOptions(t.options, info);
      const to = toOption(t.options.to);
      const framed = optBoolean(t.options, 'framed');
      if (info.kind === 'udp' && !to) throw new CommandOptionsError('sending on a UDP socket needs a destination: to: {address, port} or "host:port"');
      await registry.send(t.id, payload, { ...(to ? { to } : {}), ...(framed !== undefined ? { framed } : {}) });
      log.info(`sent ${payload.length} bytes on ${t.id} (${primaryAddress(info)})`);
      return payload.length;
    }
    let to: { address: string; port: number } | undefined;
    if (info.kind === 'udp') {
      const peer = registry.children(info.id).find((p) => !isClosed(p));
      to = await promptHostPort(l10n.t('Send from {0}', connectionLabel(info)), peer ? primaryAddress(peer) : '127.0.0.1:8888');
      if (!to) return undefined;
    }
    const enc = info.encoding;
    const text = await vscode.window.showInputBox({
      title: l10n.t('Send to {0}', connectionLabel(info)),
      prompt: l10n.t('Text in {0} with escapes (\\n, \\x00, \\u4e2d); "hex: 01 02 ff" for bytes; "b64: …" for base64. Framing {1} is applied.', enc, info.framing),
      ignoreFocusOut: true,
      validateInput: (s) => {
        try {
          parseTyped(s, enc);
          return undefined;
        } catch (e) {
          return errorMessage(e);
        }
      },
    });
    if (text === undefined) return undefined;
    const payload = parseTyped(text, enc);
    try {
      await registry.send(t.id, payload, to ? { to } : {});
      log.info(`sent ${payload.length} bytes on ${t.id} (${primaryAddress(info)})`);
      vscode.window.setStatusBarMessage(l10n.t('Sent {0} to {1}', formatByteSize(payload.length), to ? formatEndpoint(to) : connectionLabel(info)), 4000);
      return payload.length;
    } catch (e) {
      void showError(l10n.t('Could not send to {0}: {1}', connectionLabel(info), errorMessage(e)));
      return undefined;
    }
  }

  // ---- close --------------------------------------------------------------------------------

  function closer(kindsFilter: (c: ConnectionInfo) => boolean, placeHolder: () => string, what: string) {
    return async (arg: unknown): Promise<boolean> => {
      const t = await target(arg, kindsFilter, placeHolder());
      if (!t) return false;
      const info = must(t.id);
      try {
        await registry.close(t.id);
        log.info(`${what} ${t.id} (${primaryAddress(info)})`);
        return true;
      } catch (e) {
        if (!t.interactive) throw e;
        void showError(l10n.t('Could not close {0}: {1}', connectionLabel(info), errorMessage(e)));
        return false;
      }
    };
  }

  async function halfClose(arg: unknown): Promise<boolean> {
    const t = await target(arg, (c) => (c.kind === 'tcp-peer' || c.kind === 'tcp-client') && c.state === 'open', l10n.t('Send FIN (half-close) on which connection?'));
    if (!t) return false;
    const info = must(t.id);
    try {
      await registry.end(t.id);
      log.info(`half-closed ${t.id} (${primaryAddress(info)})`);
      return true;
    } catch (e) {
      if (!t.interactive) throw e;
      void showError(l10n.t('Could not half-close {0}: {1}', connectionLabel(info), errorMessage(e)));
      return false;
    }
  }

  async function remove(arg: unknown): Promise<boolean> {
    const t = await target(arg, () => true, l10n.t('Remove which connection?'));
    if (!t) return false;
    await registry.remove(t.id);
    cx.tree.schedule(undefined);
    return true;
  }

  async function clearClosed(): Promise<number> {
    let n = 0;
    for (const c of registry.list()) {
      if (isClosed(c) && registry.get(c.id)) {
        await registry.remove(c.id);
        n++;
      }
    }
    cx.tree.schedule(undefined);
    return n;
  }

  async function closeAll(): Promise<void> {
    await registry.closeAll();
    log.info('closed every connection');
  }

  // ---- the rest -----------------------------------------------------------------------------

  async function copyAddress(arg: unknown): Promise<string | undefined> {
    const t = await target(arg, () => true, l10n.t('Copy the address of which connection?'));
    if (!t) return undefined;
    const address = primaryAddress(must(t.id));
    try {
      await vscode.env.clipboard.writeText(address);
      if (t.interactive) vscode.window.setStatusBarMessage(l10n.t('Copied {0}', address), 3000);
    } catch (e) {
      log.warn(`could not write to the clipboard: ${errorMessage(e)}`);
    }
    return address;
  }

  async function clearHistory(arg: unknown): Promise<boolean> {
    const t = await target(arg, () => true, l10n.t('Clear the history of which connection?'));
    if (!t) return false;
    registry.clearHistory(t.id);
    for (const ch of registry.children(t.id)) registry.clearHistory(ch.id);
    log.info(`cleared the history of ${t.id}`);
    return true;
  }

  const hasData = (c: ConnectionInfo) => c.kind !== 'tcp-server' && c.stats.bytesIn > 0;

  function renderReceived(id: string, format: 'raw' | 'hex'): { bytes: Uint8Array; count: number; dropped: number } {
    const h = registry.history(id);
    const chunks = h.chunks.filter((c) => c.direction === 'in');
    if (format === 'raw') {
      const bytes = Buffer.concat(chunks.map((c) => c.data));
      return { bytes, count: bytes.length, dropped: h.droppedChunks };
    }
    const lines = chunks.map((c) => `${formatDateTime(c.time)}  ${c.remote ? formatEndpoint(c.remote) + '  ' : ''}${String(c.data.length).padStart(6)}  ${toHex(c.data, ' ')}`);
    const total = chunks.reduce((n, c) => n + c.data.length, 0);
    return { bytes: Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8'), count: total, dropped: h.droppedChunks };
  }

  async function saveReceived(arg: unknown): Promise<string | undefined> {
    const t = await target(arg, hasData, l10n.t('Save the data received on which connection?'));
    if (!t) return undefined;
    const info = must(t.id);
    if (info.kind === 'tcp-server') {
      const msg = `connection ${t.id} is a server; save the data of one of its clients`;
      if (!t.interactive) throw new CommandOptionsError(msg);
      void showError(l10n.t('{0} is a server: save the data of one of its clients instead.', connectionLabel(info)));
      return undefined;
    }
    let uri: vscode.Uri | undefined;
    const p = optString(t.options, 'path');
    if (p !== undefined) uri = /^[a-z][\w+.-]+:\/\//i.test(p) ? vscode.Uri.parse(p) : vscode.Uri.file(p);
    else {
      const base = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = `${t.id}-${primaryAddress(info).replace(/[^\w.-]+/g, '_')}.bin`;
      uri = await vscode.window.showSaveDialog({
        title: l10n.t('Save Received Data'),
        ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
        filters: { [l10n.t('Raw bytes')]: ['bin', 'dat'], [l10n.t('Hex dump (one line per chunk)')]: ['txt', 'hex'] },
      });
      if (!uri) return undefined;
    }
    const fmtOpt = t.options.format;
    if (fmtOpt !== undefined && fmtOpt !== 'raw' && fmtOpt !== 'hex') throw new CommandOptionsError('format must be "raw" or "hex"');
    const format: 'raw' | 'hex' = fmtOpt ?? (/\.(txt|hex)$/i.test(uri.path) ? 'hex' : 'raw');
    const { bytes, count, dropped } = renderReceived(t.id, format);
    try {
      await vscode.workspace.fs.writeFile(uri, bytes);
    } catch (e) {
      if (!t.interactive) throw e;
      void showError(l10n.t('Could not save {0}: {1}', uri.fsPath, errorMessage(e)));
      return undefined;
    }
    log.info(`saved ${count} received bytes of ${t.id} to ${uri.fsPath} (${format})${dropped ? `; ${dropped} older chunks had already left the history` : ''}`);
    if (t.interactive) {
      const msg = dropped
        ? l10n.t('Saved {0} to {1}. The {2} oldest chunks had already left the history (see the socketDebugger.history settings).', formatByteSize(count), uri.fsPath, dropped)
        : l10n.t('Saved {0} to {1}.', formatByteSize(count), uri.fsPath);
      void vscode.window.showInformationMessage(msg);
    }
    return uri.scheme === 'file' ? uri.fsPath : uri.toString();
  }

  async function changeFraming(arg: unknown): Promise<{ framing: string; encoding: string } | undefined> {
    const t = await target(arg, (c) => !isClosed(c), l10n.t('Change framing/encoding of which connection?'));
    if (!t) return undefined;
    const info = must(t.id);
    if (!t.interactive) {
      const framing = optString(t.options, 'framing');
      const encoding = optString(t.options, 'encoding');
      if (framing === undefined && encoding === undefined) throw new CommandOptionsError('give framing and/or encoding');
      if (framing !== undefined) {
        try {
          registry.setFraming(t.id, framing);
        } catch (e) {
          throw new CommandOptionsError(`bad framing "${framing}": ${errorMessage(e)}`);
        }
      }
      if (encoding !== undefined) {
        try {
          registry.setEncoding(t.id, encoding);
        } catch (e) {
          throw new CommandOptionsError(errorMessage(e));
        }
      }
    } else {
      const title = l10n.t('Framing and Encoding of {0}', connectionLabel(info));
      const framing = await pickFraming({ title, step: 1, total: 2 }, info.framing);
      if (framing === undefined) return undefined;
      const encoding = await pickEncoding({ title, step: 2, total: 2 }, info.encoding);
      if (encoding === undefined) return undefined;
      try {
        if (framing !== info.framing) registry.setFraming(t.id, framing);
        if (encoding !== info.encoding) registry.setEncoding(t.id, encoding);
      } catch (e) {
        void showError(l10n.t('Could not change the framing of {0}: {1}', connectionLabel(info), errorMessage(e)));
        return undefined;
      }
    }
    const now = must(t.id);
    log.info(`${t.id}: framing ${now.framing}, encoding ${now.encoding}`);
    return { framing: now.framing, encoding: now.encoding };
  }

  async function openComposer(arg: unknown): Promise<void> {
    let id: string | undefined;
    if (isConnectionNode(arg)) id = arg.id;
    else if (typeof arg === 'string') id = arg;
    else if (isPlainOptions(arg) && arg.id !== undefined) {
      if (typeof arg.id !== 'string') throw new CommandOptionsError('options.id must be a connection id string');
      must(arg.id);
      id = arg.id;
    }
    await cx.openComposer(id);
  }

  /** wraps a handler: programmatic errors propagate (logged); interactive unexpected errors become notifications */
  const wrap =
    <R>(name: string, fn: (arg: unknown) => Promise<R>) =>
    async (arg: unknown): Promise<R | undefined> => {
      try {
        return await fn(arg);
      } catch (e) {
        if (e instanceof CommandOptionsError || isPlainOptions(arg) || typeof arg === 'string') {
          log.warn(`${name}: ${errorMessage(e)}`);
          throw e;
        }
        void showError(l10n.t('{0} failed: {1}', name, errorMessage(e)));
        return undefined;
      }
    };

  const reg = <R>(id: string, fn: (arg: unknown) => Promise<R>) => vscode.commands.registerCommand(id, wrap(id, fn));
  return [
    reg(COMMANDS.listen, listen),
    reg(COMMANDS.connect, connect),
    reg(COMMANDS.bind, bind),
    reg(COMMANDS.send, send),
    reg(COMMANDS.disconnect, closer(kinds('tcp-client'), () => l10n.t('Disconnect which client?'), 'disconnected')),
    reg(COMMANDS.stopServer, closer(kinds('tcp-server'), () => l10n.t('Stop which server?'), 'stopped server')),
    reg(COMMANDS.closeClient, closer(kinds('tcp-peer', 'udp-peer'), () => l10n.t('Close which client?'), 'closed client')),
    reg(COMMANDS.closeSocket, closer(kinds('udp'), () => l10n.t('Close which UDP socket?'), 'closed UDP socket')),
    reg(COMMANDS.halfClose, halfClose),
    reg(COMMANDS.remove, remove),
    reg(COMMANDS.clearClosed, clearClosed),
    reg(COMMANDS.closeAll, closeAll),
    reg(COMMANDS.copyAddress, copyAddress),
    reg(COMMANDS.clearHistory, clearHistory),
    reg(COMMANDS.saveReceived, saveReceived),
    reg(COMMANDS.changeFraming, changeFraming),
    reg(COMMANDS.openComposer, openComposer),
    reg(COMMANDS.showLog, async () => log.show()),
  ];
}
