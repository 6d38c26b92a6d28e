/** QuickInput prompts used by the commands when they run from the palette or a menu. */
import * as vscode from 'vscode';
import { SUPPORTED_ENCODINGS } from '../core/codec/encoding';
import { normalizeEncoding } from '../core/codec/encoding';
import { normalizeFramingSpec } from '../core/framing';
import type { ConnectionInfo } from '../core/types';
import { errorMessage } from '../shared/errors';
import { parseHostPort, parsePort } from '../shared/format';
import { primaryAddress } from './format';
import { connectionLabel, kindLabel } from './treeItems';

export interface Step {
  title: string;
  step: number;
  total: number;
}

/** "New TCP Server (1/4)": where the user is in a multi-step flow */
export function stepTitle(step: Step): string {
  return step.total > 1 ? `${step.title} (${step.step}/${step.total})` : step.title;
}

/**
 * The port step. `inUse` (servers and UDP sockets) is asked as the user types: a port that is taken already shows a
 * warning here, before the other steps (Enter still goes on: another address may be free).
 */
export async function promptPort(step: Step, suggested: number, allowZero: boolean, inUse?: (port: number) => Promise<string | undefined>): Promise<number | undefined> {
  const v = await vscode.window.showInputBox({
    title: stepTitle(step),
    prompt: allowZero ? vscode.l10n.t('Port (1–65535; 0 picks any free port)') : vscode.l10n.t('Port (1–65535)'),
    value: String(suggested),
    valueSelection: [0, String(suggested).length],
    ignoreFocusOut: true,
    validateInput: (s) => {
      const p = parsePort(s);
      if (p === undefined || (!allowZero && p === 0)) return allowZero ? vscode.l10n.t('Enter a number from 0 to 65535.') : vscode.l10n.t('Enter a number from 1 to 65535.');
      if (!inUse || p === 0) return undefined;
      return inUse(p).then((message) => (message ? { message, severity: vscode.InputBoxValidationSeverity.Warning } : undefined));
    },
  });
  return v === undefined ? undefined : parsePort(v);
}

export async function promptHost(step: Step, value: string, prompt: string): Promise<string | undefined> {
  const v = await vscode.window.showInputBox({
    title: stepTitle(step),
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (s) => (s.trim() === '' || /\s/.test(s.trim()) ? vscode.l10n.t('Enter a host name or an IP address, e.g. 127.0.0.1') : undefined),
  });
  return v?.trim();
}

export async function promptHostPort(title: string, placeholder: string): Promise<{ address: string; port: number } | undefined> {
  const v = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Destination as host:port'),
    placeHolder: placeholder,
    ignoreFocusOut: true,
    validateInput: (s) => (parseHostPort(s) ? undefined : vscode.l10n.t('Enter host:port, e.g. 127.0.0.1:8888')),
  });
  return v === undefined ? undefined : parseHostPort(v);
}

interface ValuePick extends vscode.QuickPickItem {
  value?: string;
  custom?: boolean;
}

/** The framings users pick most, with what they mean. */
export function framingChoices(): Array<{ spec: string; description: string }> {
  return [
    { spec: 'raw', description: vscode.l10n.t('no framing: every recv chunk is one message') },
    { spec: 'line', description: vscode.l10n.t('messages end with \\n (\\r\\n accepted)') },
    { spec: 'delimiter:\\r\\n', description: vscode.l10n.t('messages end with a delimiter you choose') },
    { spec: 'length:i', description: vscode.l10n.t("4-byte length prefix, like Python's struct.pack('i', len(data))") },
    { spec: 'length:!I', description: vscode.l10n.t('4-byte big-endian (network order) length prefix') },
    { spec: 'length:!H', description: vscode.l10n.t('2-byte big-endian length prefix') },
    { spec: 'json-header', description: vscode.l10n.t("struct.pack('i') length + JSON header + body (total_size)") },
    { spec: 'fixed:1024', description: vscode.l10n.t('fixed-size messages of N bytes') },
  ];
}

export async function pickFraming(step: Step, current: string): Promise<string | undefined> {
  const items: ValuePick[] = framingChoices().map((c) => ({
    label: c.spec,
    value: c.spec,
    description: c.spec === current ? vscode.l10n.t('(current)') : undefined,
    detail: c.description,
  }));
  if (!items.some((i) => i.value === current)) items.unshift({ label: current, value: current, description: vscode.l10n.t('(current)') });
  items.push({ label: vscode.l10n.t('$(edit) Other framing spec…'), custom: true, detail: vscode.l10n.t('raw · line · delimiter:<bytes> · fixed:<n> · length:<struct fmt>[,includes-header][,adjust=<n>][,max=<bytes>] · json-header[,length=<fmt>][,size-key=<key>]') });
  const cur = items.findIndex((i) => i.value === current);
  if (cur > 0) items.unshift(...items.splice(cur, 1));
  const picked = await vscode.window.showQuickPick(items, { title: stepTitle(step), placeHolder: vscode.l10n.t('How are messages cut out of the byte stream?'), ignoreFocusOut: true, matchOnDetail: true });
  if (!picked) return undefined;
  if (!picked.custom) return picked.value;
  const v = await vscode.window.showInputBox({
    title: stepTitle(step),
    prompt: vscode.l10n.t('Framing spec'),
    value: current,
    ignoreFocusOut: true,
    validateInput: (s) => {
      try {
        normalizeFramingSpec(s);
        return undefined;
      } catch (e) {
        return errorMessage(e);
      }
    },
  });
  return v === undefined ? undefined : normalizeFramingSpec(v);
}

export async function pickEncoding(step: Step, current: string): Promise<string | undefined> {
  let cur = current;
  try {
    cur = normalizeEncoding(current);
  } catch {
    // keep what the setting says; the list still offers the valid ones
  }
  const items: ValuePick[] = SUPPORTED_ENCODINGS.map((e) => ({
    label: e.id,
    value: e.id,
    description: e.id === cur ? `${e.label} ${vscode.l10n.t('(current)')}` : e.label,
  }));
  const i = items.findIndex((x) => x.value === cur);
  if (i > 0) items.unshift(...items.splice(i, 1));
  const picked = await vscode.window.showQuickPick(items, { title: stepTitle(step), placeHolder: vscode.l10n.t('How are bytes shown as text (and text typed turned into bytes)?'), ignoreFocusOut: true, matchOnDescription: true });
  return picked?.value;
}

interface ConnectionPick extends vscode.QuickPickItem {
  id: string;
}

/** Lets the user choose one connection among `candidates`; returns its id. */
export async function pickConnection(candidates: ConnectionInfo[], placeHolder: string): Promise<string | undefined> {
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no connection for this command yet. Create one with "New TCP Server…", "New TCP Client…" or "New UDP Socket…".'));
    return undefined;
  }
  if (candidates.length === 1) return candidates[0]!.id;
  const items: ConnectionPick[] = candidates.map((c) => ({
    id: c.id,
    label: connectionLabel(c),
    description: `${c.id} · ${kindLabel(c.kind)}`,
    detail: primaryAddress(c),
  }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true, matchOnDescription: true });
  return picked?.id;
}
