/**
 * The relay prompts: New Relay as a multi-step QuickInput (server, port, framing, faults, recording) and Set Faults on a
 * running relay. Each fault's text is checked as the user types with the CLI's own parser (core/relay/options).
 */
import * as vscode from 'vscode';
import { checkFaultOption, faultSpecs, parseFaultSpecs, FAULT_OPTION_NAMES, STREAM_ONLY_FAULTS, type FaultOptionName, type FaultOptions, type FaultSpecs } from '../../core/relay';
import { parseHostPort, parsePort } from '../../shared/format';
import { pickFraming, stepTitle, type Step } from '../prompts';

/** what each fault option means, and an example of its text */
function faultHelp(name: FaultOptionName): { detail: string; example: string } {
  switch (name) {
    case 'chunk':
      return { detail: vscode.l10n.t('cut the stream into pieces: N · random:A-B · split:K[,K…] · merge[:MS]'), example: 'random:1-7' };
    case 'seed':
      return { detail: vscode.l10n.t('seed of the random choices: the same seed repeats a run exactly'), example: '42' };
    case 'delay':
      return { detail: vscode.l10n.t('hold each read MS ms, ± a random JITTER: MS[:JITTER]'), example: '200:50' };
    case 'drip':
      return { detail: vscode.l10n.t('BYTES bytes every MS ms: BYTES/MS'), example: '1/10' };
    case 'rate':
      return { detail: vscode.l10n.t('bandwidth cap in bytes per second'), example: '1000' };
    case 'gap':
      return { detail: vscode.l10n.t('least time between two pieces in ms (default 2)'), example: '2' };
    case 'lane':
      return { detail: vscode.l10n.t('the lanes chunk, delay, drip and rate act on: c2s, s2c or both'), example: 's2c' };
    case 'reset-after':
      return { detail: vscode.l10n.t('after N bytes forwarded, reset (RST) both peers'), example: '100' };
    case 'half-close':
      return { detail: vscode.l10n.t('send FIN on a lane after N bytes: LANE[:N]'), example: 's2c:10' };
    case 'drop':
      return { detail: vscode.l10n.t("discard a lane's data: c2s, s2c or both"), example: 'c2s' };
  }
}

interface FaultPick extends vscode.QuickPickItem {
  name: FaultOptionName;
}

/**
 * The fault steps: a pick of the options (current ones ticked), then one input per picked option. `step` is the
 * pick's step; the inputs follow it. Resolves with the faults (undefined: none) or 'cancel'.
 */
export async function promptFaults(step: Step, current: FaultOptions | undefined, udp: boolean): Promise<{ faults: FaultOptions | undefined; steps: number } | 'cancel'> {
  const now = faultSpecs(current);
  const names = FAULT_OPTION_NAMES.filter((n) => !udp || !STREAM_ONLY_FAULTS.includes(n));
  const items: FaultPick[] = names.map((name) => ({ name, label: `--${name}`, description: now[name] ?? '', detail: faultHelp(name).detail, picked: now[name] !== undefined }));
  const picked = await vscode.window.showQuickPick(items, {
    title: stepTitle(step),
    placeHolder: vscode.l10n.t('Faults to inject (none: the relay is a plain pipe)'),
    canPickMany: true,
    ignoreFocusOut: true,
    matchOnDetail: true,
  });
  if (!picked) return 'cancel';
  const specs: FaultSpecs = {};
  const total = step.total + picked.length;
  for (let i = 0; i < picked.length; i++) {
    const name = picked[i].name;
    const help = faultHelp(name);
    const value = await vscode.window.showInputBox({
      title: stepTitle({ ...step, step: step.step + 1 + i, total }),
      prompt: `--${name}: ${help.detail}`,
      value: now[name] ?? help.example,
      ignoreFocusOut: true,
      validateInput: (s) => checkFaultOption(name, s.trim()),
    });
    if (value === undefined) return 'cancel';
    specs[name] = value.trim();
  }
  const faults = parseFaultSpecs(specs, udp);
  return { faults: Object.keys(faults).length ? faults : undefined, steps: picked.length };
}

/** the recording step: none, a file in the workspace, or a file and a live pcapng beside it */
async function promptRecording(step: Step): Promise<{ record?: string; pcap?: string } | 'cancel'> {
  const items: Array<vscode.QuickPickItem & { how: 'none' | 'record' | 'pcap' }> = [
    { how: 'none', label: vscode.l10n.t('No recording') },
    { how: 'record', label: vscode.l10n.t('Record to a file in the workspace'), detail: vscode.l10n.t('both lanes, timestamps and chunk boundaries (JSON lines): replay it with sockdbg replay, export it as pcapng') },
    { how: 'pcap', label: vscode.l10n.t('Record, and write pcapng as it runs'), detail: vscode.l10n.t('the recording and a .pcapng beside it for Wireshark') },
  ];
  const how = await vscode.window.showQuickPick(items, { title: stepTitle(step), placeHolder: vscode.l10n.t('Record the conversation?'), ignoreFocusOut: true });
  if (!how) return 'cancel';
  if (how.how === 'none') return {};
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = await vscode.window.showInputBox({
    title: stepTitle({ ...step, step: step.step + 1, total: step.total + 1 }),
    prompt: vscode.l10n.t('Recording file (relative to the workspace folder)'),
    value: `relay-${stamp}.jsonl`,
    ignoreFocusOut: true,
    validateInput: (s) => (s.trim() === '' ? vscode.l10n.t('Enter a file name') : undefined),
  });
  if (file === undefined) return 'cancel';
  const record = file.trim();
  return how.how === 'pcap' ? { record, pcap: record.replace(/(\.jsonl?)?$/, '.pcapng') } : { record };
}

export interface NewRelayAnswers {
  to: { host: string; port: number };
  port: number;
  framing: string;
  faults?: FaultOptions;
  record?: string;
  pcap?: string;
}

/** New Relay from the palette or the view: server, port, framing, faults, recording */
export async function promptNewRelay(): Promise<NewRelayAnswers | undefined> {
  const title = vscode.l10n.t('New Relay');
  const total = 5;
  const to = await vscode.window.showInputBox({
    title: stepTitle({ title, step: 1, total }),
    prompt: vscode.l10n.t('Server to forward to (host:port)'),
    ignoreFocusOut: true,
    validateInput: (v) => (parseHostPort(v) ? undefined : vscode.l10n.t('host:port, e.g. 127.0.0.1:8080')),
  });
  const hp = to !== undefined ? parseHostPort(to) : undefined;
  if (!hp) return undefined;
  const portText = await vscode.window.showInputBox({
    title: stepTitle({ title, step: 2, total }),
    prompt: vscode.l10n.t('Port to listen on (0 = any free port)'),
    value: '0',
    ignoreFocusOut: true,
    validateInput: (v) => (parsePort(v) !== undefined ? undefined : vscode.l10n.t('a port 0-65535')),
  });
  const port = portText !== undefined ? parsePort(portText) : undefined;
  if (port === undefined) return undefined;
  const framing = await pickFraming({ title, step: 3, total }, 'raw');
  if (framing === undefined) return undefined;
  const f = await promptFaults({ title, step: 4, total }, undefined, false);
  if (f === 'cancel') return undefined;
  const rec = await promptRecording({ title, step: 5 + f.steps, total: total + f.steps });
  if (rec === 'cancel') return undefined;
  return { to: { host: hp.address, port: hp.port }, port, framing, ...(f.faults ? { faults: f.faults } : {}), ...rec };
}
