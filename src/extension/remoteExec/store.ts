/**
 * Remote-exec agents known to this VS Code: host, port, digest and encoding in globalState; the key only in
 * SecretStorage (never in settings, state or logs). The local agent (Start Local Agent) lives in memory only.
 */
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { ExecDigest } from '../../core/exec/protocol';
import { formatHostPort } from '../../shared/format';
import { normalizeEncoding } from '../../core/codec/encoding';

export interface AgentRecord {
  id: string;
  host: string;
  port: number;
  digest: ExecDigest;
  /** iconv-lite encoding of the agent's output (e.g. gbk for a Chinese Windows console) */
  encoding: string;
  label?: string;
  /** the user confirmed running commands on this agent */
  confirmed: boolean;
  /** the in-process agent started by "Start Local Agent" (not persisted) */
  local?: boolean;
}

const AGENTS_KEY = 'socketDebugger.remoteExec.agents';
const RECENT_KEY = 'socketDebugger.remoteExec.recentCommands';
const MAX_RECENT = 20;

export function secretKeyName(id: string): string {
  return `socketDebugger.remoteExec.key.${id}`;
}

export class AgentStore implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly localAgents = new Map<string, { record: AgentRecord; key: Buffer }>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  dispose(): void {
    this.changeEmitter.dispose();
  }

  list(): AgentRecord[] {
    const saved = this.context.globalState.get<AgentRecord[]>(AGENTS_KEY, []);
    return [...[...this.localAgents.values()].map((l) => l.record), ...saved.filter(isAgentRecord).map((a) => ({ ...a, encoding: storedEncoding(a.encoding), confirmed: a.confirmed === true }))];
  }

  get(id: string): AgentRecord | undefined {
    return this.list().find((a) => a.id === id);
  }

  async add(a: Omit<AgentRecord, 'id' | 'confirmed'>, key: Buffer): Promise<AgentRecord> {
    const record: AgentRecord = { ...a, id: randomUUID(), confirmed: false };
    await this.context.secrets.store(secretKeyName(record.id), key.toString('base64'));
    const saved = this.context.globalState.get<AgentRecord[]>(AGENTS_KEY, []).filter(isAgentRecord);
    await this.context.globalState.update(AGENTS_KEY, [...saved, record]);
    this.changeEmitter.fire();
    return record;
  }

  addLocal(a: Omit<AgentRecord, 'id' | 'confirmed' | 'local'>, key: Buffer): AgentRecord {
    const record: AgentRecord = { ...a, id: `local-${randomUUID()}`, confirmed: true, local: true };
    this.localAgents.set(record.id, { record, key });
    this.changeEmitter.fire();
    return record;
  }

  async key(id: string): Promise<Buffer | undefined> {
    const local = this.localAgents.get(id);
    if (local) return local.key;
    const b64 = await this.context.secrets.get(secretKeyName(id));
    return b64 ? Buffer.from(b64, 'base64') : undefined;
  }

  async markConfirmed(id: string): Promise<void> {
    const saved = this.context.globalState.get<AgentRecord[]>(AGENTS_KEY, []).filter(isAgentRecord);
    await this.context.globalState.update(
      AGENTS_KEY,
      saved.map((a) => (a.id === id ? { ...a, confirmed: true } : a)),
    );
    this.changeEmitter.fire();
  }

  /** Replaces a saved agent's key (SecretStorage); false for an unknown or local agent. */
  async setKey(id: string, key: Buffer): Promise<boolean> {
    const saved = this.context.globalState.get<AgentRecord[]>(AGENTS_KEY, []).filter(isAgentRecord);
    if (!saved.some((a) => a.id === id)) return false;
    await this.context.secrets.store(secretKeyName(id), key.toString('base64'));
    this.changeEmitter.fire();
    return true;
  }

  /** Removes the agent and deletes its key. */
  async forget(id: string): Promise<boolean> {
    if (this.localAgents.delete(id)) {
      this.changeEmitter.fire();
      return true;
    }
    const saved = this.context.globalState.get<AgentRecord[]>(AGENTS_KEY, []).filter(isAgentRecord);
    const rest = saved.filter((a) => a.id !== id);
    await this.context.secrets.delete(secretKeyName(id));
    if (rest.length === saved.length) return false;
    await this.context.globalState.update(AGENTS_KEY, rest);
    this.changeEmitter.fire();
    return true;
  }

  recentCommands(): string[] {
    return this.context.globalState.get<string[]>(RECENT_KEY, []).filter((c) => typeof c === 'string');
  }

  async rememberCommand(command: string): Promise<void> {
    const list = [command, ...this.recentCommands().filter((c) => c !== command)].slice(0, MAX_RECENT);
    await this.context.globalState.update(RECENT_KEY, list);
  }
}

/** An encoding saved by any version ('utf8' before normalizeEncoding named it 'utf-8', or none) under its one name. */
function storedEncoding(name: string | undefined): string {
  try {
    return normalizeEncoding(name || 'utf-8');
  } catch {
    return 'utf-8';
  }
}

function isAgentRecord(v: unknown): v is AgentRecord {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Partial<AgentRecord>;
  return typeof a.id === 'string' && typeof a.host === 'string' && typeof a.port === 'number' && typeof a.digest === 'string';
}

export function agentAddress(a: Pick<AgentRecord, 'host' | 'port'>): string {
  return formatHostPort(a.host, a.port);
}

export function agentLabel(a: AgentRecord): string {
  return a.label || agentAddress(a);
}
