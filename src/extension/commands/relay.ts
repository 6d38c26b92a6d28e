/**
 * The relay commands (socketDebugger.relay.*): start (prompts: server, port, framing, faults, recording), stop, set
 * faults, export the recording as pcapng, hold / release / inject into a lane, reset / cut a pair, and open a pair in
 * the Packet Composer. Each takes a Relays view row, an options object (relay/options.ts), or prompts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeFaults, LANES, type Lane } from '../../core/relay';
import { relayPairId } from '../composer/relayLanes';
import { checkRelayExport, checkRelayFaults, checkRelayStart, checkRelayTarget, parseRelayTargetId, type RelayTarget } from '../relay/options';
import { promptFaults, promptNewRelay } from '../relay/prompts';
import { formatEndpoint } from '../../shared/format';
import type { CommandKit } from './kit';
import { readConfig } from '../config';
import type { CommandSpecs, Invocation } from './table';

type RelayIds = 'start' | 'stop' | 'hold' | 'release' | 'inject' | 'reset' | 'cut' | 'openComposer' | 'setFaults' | 'exportPcap';
type RelaySpecs = Pick<CommandSpecs, `socketDebugger.relay.${RelayIds}`>;

export function relayCommands(kit: CommandKit): RelaySpecs {
  const relays = kit.cx.relays;
  const l10n = vscode.l10n;

  /** a path option or answer: absolute as it is, relative to the first workspace folder */
  const inWorkspace = (p: string): string => {
    if (path.isAbsolute(p)) return p;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error(l10n.t('Open a folder, or give an absolute path for {0}', p));
    return path.join(folder.uri.fsPath, p);
  };

  /** palette: pick a relay, pair or lane of the running relays */
  async function pick(needs: 'relay' | 'pair' | 'lane', placeHolder: string): Promise<RelayTarget | undefined> {
    const items: Array<vscode.QuickPickItem & { target: RelayTarget }> = [];
    for (const [relay, view] of relays.views) {
      const s = view.snapshot();
      if (needs === 'relay') items.push({ label: relay, description: `${formatEndpoint(s.local) ?? ''} → ${s.upstream.host}:${s.upstream.port}`, target: { relay } });
      for (const p of needs === 'relay' ? [] : s.pairs.filter((x) => x.state === 'open')) {
        if (needs === 'pair') items.push({ label: `${relay} ${p.id}`, description: formatEndpoint(p.client) ?? '', target: { relay, pair: p.id } });
        else for (const lane of LANES) items.push({ label: `${relay} ${p.id} ${lane}`, description: formatEndpoint(p.client) ?? '', target: { relay, pair: p.id, lane } });
      }
    }
    if (items.length === 0) {
      void vscode.window.showInformationMessage(needs === 'relay' ? l10n.t('No relay is running.') : l10n.t('No relay has an open pair.'));
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true }))?.target;
  }

  async function target(inv: Invocation<RelayTarget>, needs: 'relay' | 'pair' | 'lane', placeHolder: string): Promise<RelayTarget | undefined> {
    const t = inv.via === 'api' ? inv.options : inv.via === 'tree' ? parseRelayTargetId(inv.id) : await pick(needs, placeHolder);
    if (!t) return undefined;
    relays.get(t.relay);
    if (needs !== 'relay' && t.pair === undefined) throw new Error(l10n.t('Pick a pair of relay {0}', t.relay));
    if (needs === 'lane' && t.lane === undefined) throw new Error(l10n.t('Pick a lane (c2s or s2c)'));
    return t;
  }
  const pairOf = (t: RelayTarget): string => t.pair ?? '';
  const laneOf = (t: RelayTarget): Lane => t.lane ?? 'c2s';

  const onPair = (needs: 'pair' | 'lane', placeHolder: () => string, act: (t: RelayTarget) => void) => ({
    arg: 'relay' as const,
    check: checkRelayTarget,
    run: async (inv: Invocation<RelayTarget>): Promise<void> => {
      const t = await target(inv, needs, placeHolder());
      if (t) act(t);
    },
  });

  return {
    'socketDebugger.relay.start': {
      arg: 'create',
      check: checkRelayStart,
      run: async (inv) => {
        let o = inv.via === 'api' ? inv.options : undefined;
        if (!o) {
          const a = await promptNewRelay();
          if (!a) return undefined;
          o = { port: a.port, to: a.to, framing: a.framing, ...(a.faults ? { faults: a.faults } : {}), ...(a.record !== undefined ? { record: a.record } : {}), ...(a.pcap !== undefined ? { pcap: a.pcap } : {}) };
        }
        // a protocol file: the one given, or from the palette the socketDebugger.protocolFile setting's
        const protocolFile = o.protocolFile ?? (inv.via === 'api' ? undefined : readConfig().protocolFile);
        const files = {
          ...(o.record !== undefined ? { record: inWorkspace(o.record) } : {}),
          ...(o.pcap !== undefined ? { pcap: inWorkspace(o.pcap) } : {}),
          ...(protocolFile ? { protocolFile: inWorkspace(protocolFile) } : {}),
        };
        return relays.start({ ...o, ...files });
      },
    },
    'socketDebugger.relay.stop': {
      arg: 'relay',
      check: checkRelayTarget,
      run: async (inv) => {
        const t = await target(inv, 'relay', l10n.t('Stop which relay?'));
        if (t) await relays.stop(t.relay);
      },
    },
    'socketDebugger.relay.hold': onPair('lane', () => l10n.t('Hold which lane?'), (t) => relays.view(t.relay).hold(pairOf(t), laneOf(t))),
    'socketDebugger.relay.release': onPair('lane', () => l10n.t('Release which lane?'), (t) => relays.view(t.relay).release(pairOf(t), laneOf(t))),
    'socketDebugger.relay.reset': onPair('pair', () => l10n.t('Reset which pair?'), (t) => relays.view(t.relay).reset(pairOf(t))),
    'socketDebugger.relay.cut': onPair('pair', () => l10n.t('Cut which pair?'), (t) => relays.view(t.relay).cut(pairOf(t))),
    'socketDebugger.relay.openComposer': onPair('pair', () => l10n.t('Open which pair in the Packet Composer?'), (t) => void kit.cx.openComposer(relayPairId(t.relay, pairOf(t)))),
    'socketDebugger.relay.inject': {
      arg: 'relay',
      check: checkRelayTarget,
      run: async (inv) => {
        const t = await target(inv, 'lane', l10n.t('Inject into which lane?'));
        if (!t) return undefined;
        let bytes: Buffer;
        if (t.hex !== undefined) bytes = Buffer.from(t.hex.replace(/\s+/g, ''), 'hex');
        else if (t.text !== undefined) bytes = Buffer.from(t.text, 'utf8');
        else {
          const text = await vscode.window.showInputBox({ title: l10n.t('Inject into {0} {1}', pairOf(t), laneOf(t)), prompt: l10n.t('Text to write into the lane (UTF-8)'), ignoreFocusOut: true });
          if (text === undefined) return undefined;
          bytes = Buffer.from(text, 'utf8');
        }
        relays.view(t.relay).inject(pairOf(t), laneOf(t), bytes);
        return bytes.length;
      },
    },
    'socketDebugger.relay.setFaults': {
      arg: 'relay',
      check: checkRelayFaults,
      run: async (inv) => {
        if (inv.via === 'api') {
          relays.setFaults(inv.options.relay, inv.options.faults);
          return describeFaults(inv.options.faults);
        }
        const t = await target(inv.via === 'tree' ? inv : { via: 'palette' }, 'relay', l10n.t('Set the faults of which relay?'));
        if (!t) return undefined;
        const relay = relays.view(t.relay).relay;
        const f = await promptFaults({ title: l10n.t('Set Faults of {0}', t.relay), step: 1, total: 1 }, relay.faults, relay.proto === 'udp');
        if (f === 'cancel') return undefined;
        relays.setFaults(t.relay, f.faults);
        const text = describeFaults(f.faults);
        void vscode.window.showInformationMessage(text ? l10n.t('Relay {0}: faults {1}', t.relay, text) : l10n.t('Relay {0}: no faults', t.relay));
        return text;
      },
    },
    'socketDebugger.relay.exportPcap': {
      arg: 'relay',
      check: checkRelayExport,
      run: async (inv) => {
        const t = inv.via === 'api' ? inv.options : await target(inv.via === 'tree' ? inv : { via: 'palette' }, 'relay', l10n.t('Export the recording of which relay?'));
        if (!t) return undefined;
        const record = relays.get(t.relay).record;
        let out = inv.via === 'api' && inv.options.path !== undefined ? inWorkspace(inv.options.path) : undefined;
        if (out === undefined) {
          const suggested = (record ?? `${t.relay}.jsonl`).replace(/(\.jsonl?)?$/, '.pcapng');
          const uri = await vscode.window.showSaveDialog({ title: l10n.t('Export Recording as pcapng'), defaultUri: vscode.Uri.file(suggested), filters: { pcapng: ['pcapng'] } });
          if (!uri) return undefined;
          out = uri.fsPath;
        }
        const packets = relays.exportPcap(t.relay, out);
        kit.log.info(`${t.relay}: recording exported as pcapng to ${out} (${packets} packets)`);
        if (inv.via !== 'api') void vscode.window.showInformationMessage(l10n.t('Wrote {0} packets to {1}.', packets, out));
        return out;
      },
    },
  };
}
