/**
 * Remote exec keys in the workbench: checking a key against the agent before it is stored (the handshake alone,
 * nothing runs), Change Key…, and what a failed connection means in words a user can act on (no CLI flags).
 */
import * as vscode from 'vscode';
import { ExecClientError, verifyAgent } from '../../core/exec/client';
import type { ExecDigest } from '../../core/exec/protocol';
import { errorMessage } from '../../shared/errors';
import { agentAddress } from './store';

/** a failure to reach or authenticate with an agent, said for the user (localized) */
export function execErrorText(e: unknown, where: string): string {
  if (!(e instanceof ExecClientError)) return errorMessage(e);
  switch (e.code) {
    case 'refused':
      return vscode.l10n.t("{0} did not accept the key: the key or the HMAC digest is not the agent's. Use Change Key… on the agent, or add it again with the agent's digest.", where);
    case 'impostor':
      return vscode.l10n.t('{0} could not prove that it holds the key, so nothing was sent: it is not the agent you added, or its key changed.', where);
    case 'timeout':
      return vscode.l10n.t('{0} did not complete the handshake in time: is an agent (sockdbg agent, agent.py) listening there?', where);
    case 'network':
      return vscode.l10n.t('Cannot reach the agent at {0}: {1}', where, e.message);
    default:
      return e.message;
  }
}

/** checks the key with the agent; undefined when it was accepted, else why not (localized) */
export async function checkAgentKey(a: { host: string; port: number; digest: ExecDigest }, key: Buffer): Promise<string | undefined> {
  const where = agentAddress(a);
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking the key with {0}…', where) }, () =>
      verifyAgent({ host: a.host, port: a.port, key, digest: a.digest, connectTimeoutMs: 5000 }),
    );
    return undefined;
  } catch (e) {
    return execErrorText(e, where);
  }
}

/**
 * After a failed check: 'retry' (type the key again), 'save' (keep it: the agent may just be down now) or undefined
 * (cancel).
 */
export async function askAfterFailedCheck(problem: string): Promise<'retry' | 'save' | undefined> {
  const retry = vscode.l10n.t('Enter the Key Again');
  const save = vscode.l10n.t('Save Anyway');
  const picked = await vscode.window.showWarningMessage(problem, { modal: true }, retry, save);
  return picked === retry ? 'retry' : picked === save ? 'save' : undefined;
}
