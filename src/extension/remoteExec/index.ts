/**
 * Remote Exec in the extension: add/forget agents (key in SecretStorage only), run a command on one with the
 * output in a terminal, start a local agent to try it. Every command is disabled in restricted mode (manifest
 * `enablement: isWorkspaceTrusted`) and also refuses at run time. `registerRemoteExec` is called by `activate`.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { ExecAgent } from '../../core/exec/agent';
import { EXEC_DIGESTS, MIN_KEY_BYTES, parseDigest, type ExecDigest } from '../../core/exec/protocol';
import { normalizeEncoding } from '../../core/codec/encoding';
import { AgentStore, agentAddress, agentLabel, type AgentRecord } from './store';
import { RemoteExecPty, type RemoteRunOutcome } from './terminal';
import { askAfterFailedCheck, checkAgentKey } from './keys';
import type { ExtensionServices, TreeSection } from '../services';

export const REMOTE_EXEC_COMMANDS = {
  addAgent: 'socketDebugger.remoteExec.addAgent',
  changeKey: 'socketDebugger.remoteExec.changeKey',
  runCommand: 'socketDebugger.remoteExec.runCommand',
  startLocalAgent: 'socketDebugger.remoteExec.startLocalAgent',
  forgetAgent: 'socketDebugger.remoteExec.forgetAgent',
} as const;

/** What remote exec needs from the rest of the extension (a part of `ExtensionServices`; both optional). */
/** What the tree and the agent picker show beside an agent's name: address (when it has a label), digest, encoding, local. */
function agentDescription(a: AgentRecord): string {
  const parts = [...(a.label ? [agentAddress(a)] : []), a.digest, ...(a.encoding !== 'utf-8' ? [a.encoding] : []), ...(a.local ? [vscode.l10n.t('local')] : [])];
  return parts.join(' · ');
}

export type RemoteExecHost = Partial<Pick<ExtensionServices, 'log' | 'addTreeSection'>>;

/** `socketDebugger.remoteExec.addAgent` options (all optional: missing ones are asked for; the key in a password box). */
export interface AddAgentOptions {
  host?: string;
  port?: number;
  digest?: string;
  /** output encoding of the agent's commands, default utf-8 */
  encoding?: string;
  label?: string;
  /** for automation only; interactively the key is typed into a password box */
  key?: string;
  /**
   * for automation that adds an agent together with its key: it vouches for the agent, so Run Command does not ask
   * before the first command (the key's holder can run commands there anyway)
   */
  confirmed?: boolean;
  /** automation: check the key with the agent first (interactive adds always check) and refuse it when not accepted */
  verify?: boolean;
}

/**
 * `socketDebugger.remoteExec.runCommand` options; resolves with the outcome once the command has ended. Nothing in
 * them skips a question: without `agentId` the user picks the agent (even the only one), and the first command
 * sent to an agent the user has not confirmed is always shown in a modal confirmation.
 */
export interface RunCommandOptions {
  agentId?: string;
  command?: string;
  cwd?: string;
  timeoutSec?: number;
}

export interface RunCommandOutcome {
  exitCode: number | null;
  signal: string | null;
  cancelled: boolean;
  timedOut: boolean;
  error?: string;
  output: string;
}

export interface RemoteExecController {
  readonly store: AgentStore;
  /** the in-process agent of "Start Local Agent", if running */
  localAgent(): ExecAgent | undefined;
}

type AgentArg = { agentId?: string } | { type: 'section-item'; item: unknown } | AgentRecord | undefined;

function agentIdOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { agentId?: unknown; id?: unknown; type?: unknown; item?: unknown; host?: unknown };
  if (typeof o.agentId === 'string') return o.agentId;
  if (o.type === 'section-item') return agentIdOf(o.item);
  if (typeof o.id === 'string' && typeof o.host === 'string') return o.id;
  return undefined;
}

export function registerRemoteExec(context: vscode.ExtensionContext, host: RemoteExecHost = {}): RemoteExecController {
  const store = new AgentStore(context);
  const log = host.log;
  let local: { agent: ExecAgent; id: string } | undefined;
  context.subscriptions.push(store, {
    dispose: () => {
      void local?.agent.close();
      local = undefined;
    },
  });

  const requireTrust = (): boolean => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showErrorMessage(vscode.l10n.t('Remote Exec is disabled in Restricted Mode. Trust this workspace to run remote commands.'));
    log?.warn('remote exec: refused in restricted mode');
    return false;
  };

  const pickAgent = async (placeHolder: string): Promise<AgentRecord | undefined> => {
    const agents = store.list();
    if (agents.length === 0) {
      const add = vscode.l10n.t('Add Agent…');
      const startLocal = vscode.l10n.t('Start Local Agent');
      const picked = await vscode.window.showInformationMessage(vscode.l10n.t('No Remote Exec agent yet.'), add, startLocal);
      if (picked === add) await vscode.commands.executeCommand(REMOTE_EXEC_COMMANDS.addAgent);
      else if (picked === startLocal) await vscode.commands.executeCommand(REMOTE_EXEC_COMMANDS.startLocalAgent);
      return undefined;
    }
    // even a single agent is picked by the user: a command given by a caller never lands somewhere silently
    const items = agents.map((a) => ({ label: agentLabel(a), description: agentDescription(a), agent: a }));
    return (await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true }))?.agent;
  };

  const resolveAgent = async (arg: AgentArg, placeHolder: string): Promise<AgentRecord | undefined> => {
    const id = agentIdOf(arg);
    if (id !== undefined) {
      const a = store.get(id);
      if (!a) void vscode.window.showErrorMessage(vscode.l10n.t('Unknown Remote Exec agent.'));
      return a;
    }
    return pickAgent(placeHolder);
  };

  /**
   * The key: `given` (automation) or typed into a password box; with `check`, tried on the agent first — a refusal
   * offers to type it again or to save it anyway (automation: rejected with the reason).
   */
  const askKey = async (o: { title: string; given?: string; check?: { host: string; port: number; digest: ExecDigest } }): Promise<Buffer | undefined> => {
    for (;;) {
      const keyText =
        o.given ??
        (await vscode.window.showInputBox({
          title: o.title,
          prompt: vscode.l10n.t('Shared key of the agent (kept in VS Code’s secret storage only)'),
          password: true,
          ignoreFocusOut: true,
          validateInput: (s) => (Buffer.byteLength(s, 'utf8') < MIN_KEY_BYTES ? vscode.l10n.t('The key must be at least {0} bytes.', MIN_KEY_BYTES) : undefined),
        }));
      if (keyText === undefined) return undefined;
      const key = Buffer.from(keyText, 'utf8');
      if (key.length < MIN_KEY_BYTES) {
        const msg = vscode.l10n.t('The key must be at least {0} bytes.', MIN_KEY_BYTES);
        if (o.given !== undefined) throw new Error(msg);
        void vscode.window.showErrorMessage(msg);
        return undefined;
      }
      if (!o.check) return key;
      const problem = await checkAgentKey(o.check, key);
      if (problem === undefined) return key;
      log?.warn(`remote exec: ${problem}`);
      if (o.given !== undefined) throw new Error(problem);
      const next = await askAfterFailedCheck(problem);
      if (next === 'save') return key;
      if (next === undefined) return undefined;
    }
  };

  // ---- Change Key --------------------------------------------------------------------------
  const changeKey = async (arg?: AgentArg & { key?: string; verify?: boolean }): Promise<boolean> => {
    if (!requireTrust()) return false;
    const agent = await resolveAgent(arg, vscode.l10n.t('Agent whose key to change'));
    if (!agent) return false;
    if (agent.local) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The local agent makes its own key each time it starts.'));
      return false;
    }
    const given = typeof arg === 'object' && arg !== null && typeof arg.key === 'string' ? arg.key : undefined;
    const check = given === undefined || (typeof arg === 'object' && arg !== null && arg.verify === true) ? agent : undefined;
    const key = await askKey({ title: vscode.l10n.t('Remote Exec: Change Key of {0}', agentLabel(agent)), given, check });
    if (!key) return false;
    const ok = await store.setKey(agent.id, key);
    if (ok) log?.info(`remote exec: changed the key of ${agentAddress(agent)}`);
    return ok;
  };

  // ---- Add Agent ---------------------------------------------------------------------------
  const addAgent = async (opts: AddAgentOptions = {}): Promise<string | undefined> => {
    if (!requireTrust()) return undefined;
    const title = vscode.l10n.t('Remote Exec: Add Agent');
    const hostName =
      opts.host ??
      (
        await vscode.window.showInputBox({
          title,
          prompt: vscode.l10n.t('Host of the agent'),
          value: '127.0.0.1',
          ignoreFocusOut: true,
          validateInput: (s) => (s.trim() === '' || /\s/.test(s.trim()) ? vscode.l10n.t('Enter a host name or an IP address, e.g. 127.0.0.1') : undefined),
        })
      )?.trim();
    if (!hostName) return undefined;
    let port = opts.port;
    if (port === undefined) {
      const v = await vscode.window.showInputBox({
        title,
        prompt: vscode.l10n.t('Port of the agent (1–65535)'),
        value: '9700',
        ignoreFocusOut: true,
        validateInput: (s) => (/^\d+$/.test(s.trim()) && Number(s) >= 1 && Number(s) <= 65535 ? undefined : vscode.l10n.t('Enter a number from 1 to 65535.')),
      });
      if (v === undefined) return undefined;
      port = Number(v.trim());
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Invalid port: {0}', String(port)));
      return undefined;
    }
    let digest: ExecDigest;
    if (opts.digest !== undefined) {
      try {
        digest = parseDigest(opts.digest);
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
        return undefined;
      }
    } else {
      const descriptions: Record<ExecDigest, string> = {
        sha256: vscode.l10n.t('default'),
        md5: vscode.l10n.t("hmac.new(key, msg) without digestmod (old Python), like the tutorial's check_conn"),
        sha1: '',
        sha512: '',
      };
      const picked = await vscode.window.showQuickPick(
        EXEC_DIGESTS.map((d) => ({ label: d, description: descriptions[d] })),
        { title, placeHolder: vscode.l10n.t('HMAC digest the agent uses'), ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      digest = picked.label as ExecDigest;
    }
    let encoding = 'utf-8';
    if (opts.encoding !== undefined) {
      try {
        encoding = normalizeEncoding(opts.encoding);
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
        return undefined;
      }
    }
    const interactive = opts.key === undefined;
    let label = opts.label;
    if (label === undefined && interactive) {
      label = (
        await vscode.window.showInputBox({
          title,
          prompt: vscode.l10n.t('A name to tell this agent apart (optional)'),
          placeHolder: agentAddress({ host: hostName, port }),
          ignoreFocusOut: true,
        })
      )?.trim();
      if (label === undefined) return undefined;
    }
    const key = await askKey({ title, given: opts.key, check: interactive || opts.verify === true ? { host: hostName, port, digest } : undefined });
    if (!key) return undefined;
    const record = await store.add({ host: hostName, port, digest, encoding, ...(label ? { label } : {}) }, key);
    if (opts.confirmed === true) await store.markConfirmed(record.id);
    log?.info(`remote exec: added agent ${agentAddress(record)} (digest ${digest})`);
    return record.id;
  };

  // ---- Run Command -------------------------------------------------------------------------
  const pickCommand = async (): Promise<string | undefined> => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
    qp.title = vscode.l10n.t('Remote Exec: Run Command');
    qp.placeholder = vscode.l10n.t('Type a command (run by the agent’s shell) or pick a recent one');
    qp.ignoreFocusOut = true;
    const recent = store.recentCommands().map((c) => ({ label: c, description: vscode.l10n.t('recent') }));
    const refresh = (): void => {
      const typed = qp.value.trim();
      qp.items = typed && !recent.some((r) => r.label === typed) ? [{ label: typed, description: vscode.l10n.t('run') }, ...recent] : recent;
    };
    refresh();
    qp.onDidChangeValue(refresh);
    const picked = await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0]?.label ?? (qp.value.trim() || undefined));
        qp.hide();
      });
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    qp.dispose();
    return picked;
  };

  const runCommand = async (arg?: RunCommandOptions | AgentArg): Promise<RunCommandOutcome | undefined> => {
    if (!requireTrust()) return undefined;
    const opts: RunCommandOptions = typeof arg === 'object' && arg !== null && !('type' in arg) && !('host' in arg) ? (arg as RunCommandOptions) : {};
    const agent = await resolveAgent(arg as AgentArg, vscode.l10n.t('Agent to run the command on'));
    if (!agent) return undefined;
    const key = await store.key(agent.id);
    if (!key) {
      void vscode.window.showErrorMessage(vscode.l10n.t('The key of agent {0} is missing; forget the agent and add it again.', agentLabel(agent)));
      return undefined;
    }
    const command = opts.command ?? (await pickCommand());
    if (!command) return undefined;
    if (!agent.confirmed) {
      const run = vscode.l10n.t('Run');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('Run commands on the agent at {0}?', agentAddress(agent)),
        { modal: true, detail: vscode.l10n.t('This is the first command sent to this agent. Commands run there with the rights of the agent’s user.\n\n{0}', command) },
        run,
      );
      if (answer !== run) return undefined;
    }
    if (!agent.confirmed) await store.markConfirmed(agent.id);
    await store.rememberCommand(command);
    const cwd = opts.cwd ?? (agent.local ? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath : undefined);
    const pty = new RemoteExecPty(
      {
        host: agent.host,
        port: agent.port,
        key,
        digest: agent.digest,
        command,
        ...(cwd ? { cwd } : {}),
        ...(opts.timeoutSec ? { timeoutSec: opts.timeoutSec } : {}),
      },
      `${agentAddress(agent)} $ ${command}`,
      agent.encoding,
    );
    const terminal = vscode.window.createTerminal({ name: vscode.l10n.t('Remote Exec: {0}', agentLabel(agent)), pty, iconPath: new vscode.ThemeIcon('remote') });
    terminal.show();
    log?.info(`remote exec: ${agentAddress(agent)} $ ${command}`);
    const o: RemoteRunOutcome = await pty.done;
    if (o.error) log?.warn(`remote exec: ${agentAddress(agent)}: ${o.error}`);
    else log?.info(`remote exec: ${agentAddress(agent)}: exit ${o.result?.exitCode ?? o.result?.signal ?? '?'}`);
    return {
      exitCode: o.result?.exitCode ?? null,
      signal: o.result?.signal ?? null,
      cancelled: o.result?.cancelled ?? false,
      timedOut: o.result?.timedOut ?? false,
      ...(o.error !== undefined ? { error: o.error } : {}),
      output: o.output,
    };
  };

  // ---- Start Local Agent -------------------------------------------------------------------
  const startLocalAgent = async (opts: { port?: number } = {}): Promise<string | undefined> => {
    if (!requireTrust()) return undefined;
    if (local && store.get(local.id)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The local agent is already running on {0}.', agentAddress(store.get(local.id) as AgentRecord)));
      return local.id;
    }
    const key = Buffer.from(randomBytes(32).toString('base64url'), 'utf8');
    const agent = new ExecAgent({ key, host: '127.0.0.1', port: opts.port ?? 0, log: (line) => log?.info(`local agent: ${line}`) });
    let port: number;
    try {
      port = (await agent.listen()).port;
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Cannot start the local agent: {0}', (e as Error).message));
      return undefined;
    }
    const record = store.addLocal({ host: '127.0.0.1', port, digest: 'sha256', encoding: 'utf-8', label: vscode.l10n.t('Local agent') }, key);
    local = { agent, id: record.id };
    log?.info(`remote exec: local agent listening on 127.0.0.1:${port}`);
    const runNow = vscode.l10n.t('Run Command…');
    void vscode.window.showInformationMessage(vscode.l10n.t('Local agent listening on 127.0.0.1:{0}.', port), runNow).then((p) => {
      if (p === runNow) void vscode.commands.executeCommand(REMOTE_EXEC_COMMANDS.runCommand, { agentId: record.id });
    });
    return record.id;
  };

  // ---- Forget Agent ------------------------------------------------------------------------
  const forgetAgent = async (arg?: AgentArg): Promise<boolean> => {
    if (!requireTrust()) return false;
    const agent = await resolveAgent(arg, vscode.l10n.t('Agent to forget (its key is deleted)'));
    if (!agent) return false;
    if (local && local.id === agent.id) {
      await local.agent.close();
      local = undefined;
    }
    const ok = await store.forget(agent.id);
    log?.info(`remote exec: forgot agent ${agentAddress(agent)} and deleted its key`);
    return ok;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(REMOTE_EXEC_COMMANDS.addAgent, addAgent),
    vscode.commands.registerCommand(REMOTE_EXEC_COMMANDS.changeKey, changeKey),
    vscode.commands.registerCommand(REMOTE_EXEC_COMMANDS.runCommand, runCommand),
    vscode.commands.registerCommand(REMOTE_EXEC_COMMANDS.startLocalAgent, startLocalAgent),
    vscode.commands.registerCommand(REMOTE_EXEC_COMMANDS.forgetAgent, forgetAgent),
  );

  // ---- Connections tree section ------------------------------------------------------------
  if (host.addTreeSection) {
    const section: TreeSection<AgentRecord> = {
      id: 'remoteExec',
      label: vscode.l10n.t('Remote Exec Agents'),
      iconPath: new vscode.ThemeIcon('remote'),
      contextValue: 'section.remoteExec',
      description: () => String(store.list().length),
      getChildren: (element?: AgentRecord) => (element ? [] : store.list()),
      getTreeItem: (a: AgentRecord) => {
        const item = new vscode.TreeItem(agentLabel(a), vscode.TreeItemCollapsibleState.None);
        item.id = `remoteExec:${a.id}`;
        item.description = agentDescription(a);
        item.tooltip = vscode.l10n.t('Remote Exec agent {0} (digest {1}). Click to run a command.', agentAddress(a), a.digest);
        item.iconPath = new vscode.ThemeIcon(a.local ? 'vm-running' : 'remote');
        item.contextValue = 'remoteExecAgent';
        item.command = { command: REMOTE_EXEC_COMMANDS.runCommand, title: vscode.l10n.t('Run Command…'), arguments: [{ agentId: a.id }] };
        return item;
      },
      onDidChange: store.onDidChange,
      showWhenEmpty: false,
    };
    context.subscriptions.push(host.addTreeSection(section));
  }

  return { store, localAgent: () => local?.agent };
}
