/**
 * New TCP Server / New TCP Client / New UDP Socket: programmatic creation from checked options, or the QuickInput
 * flow (port, host, framing, encoding) with "Try Another Port", "Retry" and "Change Address…" on failure.
 */
import * as vscode from 'vscode';
import type { ConnectionInfo } from '../../core/types';
import { probeBind } from '../../core/portProbe';
import { isClosedState } from '../../shared/connections';
import { connectionLabel } from '../treeItems';
import { checkBindOptions, checkConnectOptions, checkListenOptions, tcpClientOptions } from '../commandOptions';
import { formatHostPort } from '../../shared/format';
import { readConfig } from '../config';
import { pickEncoding, pickFraming, promptHost, promptPort } from '../prompts';
import { errorCode, errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

const DEFAULT_PORT = 8888;

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
  /** servers and UDP sockets: what holds a port, said at the port step */
  inUse?: (port: number, host: string) => Promise<string | undefined>;
}): Promise<EndpointAnswers | undefined> {
  const cfg = readConfig();
  const { title } = p;
  // the host comes after the port: the port is checked on the host that will be proposed
  const probeHost = p.givenHost ?? p.hostDefault ?? cfg.defaultHost;
  const inUse = p.inUse;
  const askPort = (step: number) => promptPort({ title, step, total: 4 }, p.port, p.allowZero, inUse && ((port) => inUse(port, probeHost)));
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

const nextPort = (port: number): number => (port === 65535 ? 0 : port + 1);

export function createCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.tcp.listen' | 'socketDebugger.tcp.connect' | 'socketDebugger.udp.bind'> {
  const { registry } = kit;
  const l10n = vscode.l10n;

  /** shows a create failure; offers "Try Another Port" when the port is taken or forbidden; true when picked */
  async function offerAnotherPort(message: string, e: unknown): Promise<boolean> {
    const again = l10n.t('Try Another Port');
    const code = errorCode(e);
    const actions = code === 'EADDRINUSE' || code === 'EACCES' ? [again] : [];
    return (await kit.showError(message, ...actions)) === again;
  }

  /**
   * A server or UDP socket from the palette: port, address, framing, encoding; on a taken or forbidden port, offers
   * the next one. `key` names the remembered last port.
   */
  /** what holds a port on a host now: one of ours (named), or another program; undefined when it is free */
  async function portHolder(kind: 'tcp' | 'udp', port: number, host: string): Promise<string | undefined> {
    const code = await probeBind(kind, host, port);
    if (code === undefined) return undefined;
    const where = formatHostPort(host, port);
    if (code !== 'EADDRINUSE') return l10n.t('{0} cannot be bound now ({1}).', where, code);
    const ours = registry.list().find((c) => c.local?.port === port && (kind === 'tcp' ? c.kind === 'tcp-server' : c.kind === 'udp') && !isClosedState(c.state));
    return ours ? l10n.t('Port {0} is in use by {1} ({2}): pick another.', port, ours.id, connectionLabel(ours)) : l10n.t('Port {0} is in use on {1} by another program: pick another.', port, host);
  }

  async function bindInteractive(
    key: 'listen' | 'bind',
    text: { title: string; hostPrompt: string; failed: (where: string, why: string) => string },
    create: (a: EndpointAnswers) => Promise<ConnectionInfo>,
    prefill: Partial<EndpointAnswers>,
  ): Promise<string | undefined> {
    const a = await promptEndpoint({
      title: text.title,
      first: 'port',
      port: prefill.port ?? kit.lastPort(key, DEFAULT_PORT),
      allowZero: true,
      hostPrompt: text.hostPrompt,
      givenHost: prefill.host,
      framing: prefill.framing,
      encoding: prefill.encoding,
      inUse: (port, host) => portHolder(key === 'listen' ? 'tcp' : 'udp', port, host),
    });
    if (!a) return undefined;
    try {
      const info = await create(a);
      kit.rememberPort(key, a.port);
      return await kit.created(info, true, undefined);
    } catch (e) {
      if (await offerAnotherPort(text.failed(formatHostPort(a.host, a.port), errorMessage(e)), e)) {
        return bindInteractive(key, text, create, { ...a, port: nextPort(a.port) });
      }
      return undefined;
    }
  }

  const listenInteractive = (): Promise<string | undefined> =>
    bindInteractive(
      'listen',
      {
        title: l10n.t('New TCP Server'),
        hostPrompt: l10n.t('Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)'),
        failed: (where, why) => l10n.t('Could not start the TCP server on {0}: {1}', where, why),
      },
      (a) => registry.listenTcp(a),
      {},
    );

  const udpInteractive = (): Promise<string | undefined> =>
    bindInteractive(
      'bind',
      {
        title: l10n.t('New UDP Socket'),
        hostPrompt: l10n.t('Address to bind to (127.0.0.1: this machine only; 0.0.0.0: every interface)'),
        failed: (where, why) => l10n.t('Could not bind the UDP socket to {0}: {1}', where, why),
      },
      (a) => registry.bindUdp({ ...a, broadcast: readConfig().udpBroadcast }),
      {},
    );

  function suggestedConnectPort(): number {
    const server = registry.list().find((c) => c.kind === 'tcp-server' && c.state === 'listening' && c.local);
    return server?.local?.port ?? kit.lastPort('connect', DEFAULT_PORT);
  }

  async function connectInteractive(prefill: Partial<EndpointAnswers>): Promise<string | undefined> {
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
      const options = { ...a, ...tcpClientOptions(readConfig()) };
      const info = first
        ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: l10n.t('Connecting to {0}…', formatHostPort(a.host, a.port)) }, () => registry.connectTcp(options))
        : await registry.connectTcp(options);
      if (first) kit.rememberPort('connect', a.port);
      return await kit.created(info, true, undefined);
    } catch (e) {
      const retry = l10n.t('Retry');
      const change = l10n.t('Change Address…');
      const where = formatHostPort(a.host, a.port);
      // canceled by the user (Cancel Connect, Close All): said as it is, not as a failure
      const picked =
        errorCode(e) === 'ECANCELED'
          ? await vscode.window.showInformationMessage(l10n.t('Canceled the connect to {0}.', where), retry, change)
          : await kit.showError(l10n.t('Could not connect to {0}: {1}', where, errorMessage(e)), retry, change);
      if (picked === retry) return connectAttempt(a, false);
      if (picked === change) return connectInteractive(a);
      return undefined;
    }
  }

  return {
    'socketDebugger.tcp.listen': {
      arg: 'create',
      check: (o) => checkListenOptions(o, readConfig()),
      run: async (inv) => (inv.via === 'api' ? kit.created(await registry.listenTcp(inv.options.create), false, inv.options.openComposer) : listenInteractive()),
    },
    'socketDebugger.tcp.connect': {
      arg: 'create',
      check: (o) => checkConnectOptions(o, readConfig()),
      run: async (inv) => (inv.via === 'api' ? kit.created(await registry.connectTcp(inv.options.create), false, inv.options.openComposer) : connectInteractive({})),
    },
    'socketDebugger.udp.bind': {
      arg: 'create',
      check: (o) => checkBindOptions(o, readConfig()),
      run: async (inv) => (inv.via === 'api' ? kit.created(await registry.bindUdp(inv.options.create), false, inv.options.openComposer) : udpInteractive()),
    },
  };
}
