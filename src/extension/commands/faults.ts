/**
 * Set Connection Faults…: a fault plan on what a TCP client or accepted client, a server (its clients) or a UDP socket sends
 * from now on, typed the way `sockdbg` takes it (`--chunk random:1-7 --seed 42 --delay 20:5`; docs/relay.md).
 */
import * as vscode from 'vscode';
import type { FaultOptions } from '../../core/relay/faults';
import { faultSpecsOf, senderFaultPlan, senderFaultText } from '../../core/relay/faultArgs';
import type { ConnectionInfo } from '../../core/types';
import { capabilities } from '../../shared/connections';
import { CommandOptionsError } from '../commandOptions';
import { isClosed } from '../format';
import { connectionLabel } from '../treeItems';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

/** `socketDebugger.setFaults` → true once the plan applies (read it back from `registry.get(id).faults`) */
export interface SetFaultsOptions {
  id: string;
  /** the plan as `sockdbg` options, e.g. "--chunk 3 --gap 10"; "" or absent: no faults */
  faults?: string;
}

/** the plan `text` asks for on `info` (undefined: none); throws FaultSpecError */
function planOf(text: string, info: ConnectionInfo): FaultOptions | undefined {
  const plan = senderFaultPlan(faultSpecsOf(text), capabilities(info.kind).transport === 'udp');
  return Object.keys(plan).length > 0 ? plan : undefined;
}

export function faultCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.setFaults'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const takesFaults = (c: ConnectionInfo): boolean => capabilities(c.kind).takesFaults && !isClosed(c);

  return {
    'socketDebugger.setFaults': {
      arg: 'target',
      check: (o) => {
        const id = kit.mustId(o);
        if (o.faults !== undefined && typeof o.faults !== 'string') throw new CommandOptionsError('"faults" must be a string of sockdbg fault options, e.g. "--chunk 3 --gap 10"');
        const faults = typeof o.faults === 'string' ? o.faults : '';
        try {
          planOf(faults, kit.must(id));
        } catch (e) {
          throw new CommandOptionsError(`"faults": ${errorMessage(e)}`);
        }
        return { id, faults };
      },
      run: async (inv) => {
        const t = await kit.target(inv, takesFaults, l10n.t('Set the faults of which connection?'));
        if (!t) return false;
        const info = kit.must(t.id);
        if (!capabilities(info.kind).takesFaults) {
          const msg = l10n.t('{0} sends through its UDP socket: set the faults there.', connectionLabel(info));
          if (!t.interactive) throw new CommandOptionsError(msg);
          void kit.showError(msg);
          return false;
        }
        let text: string | undefined;
        if (inv.via === 'api') text = inv.options.faults ?? '';
        else {
          const udp = capabilities(info.kind).transport === 'udp';
          text = await vscode.window.showInputBox({
            title: l10n.t('Faults on what {0} sends', connectionLabel(info)),
            prompt: udp
              ? l10n.t('sockdbg options: --delay MS[:JITTER] --rate BYTES/S --seed N (datagrams are kept whole); empty: no faults')
              : l10n.t('sockdbg options, e.g. --chunk random:1-7 --seed 42 --gap 2 --delay 20:5 --drip 1/10 --rate 2000 --reset-after N --half-close N; empty: no faults'),
            value: senderFaultText(info.faults),
            ignoreFocusOut: true,
            validateInput: (s) => {
              try {
                planOf(s, info);
                return undefined;
              } catch (e) {
                return errorMessage(e);
              }
            },
          });
          if (text === undefined) return false;
        }
        const plan = planOf(text, info);
        await registry.setFaults(info.id, plan);
        const now = registry.get(info.id)?.faults;
        log.info(now ? `${info.id}: faults on what it sends: ${senderFaultText(now)}` : `${info.id}: no faults`);
        if (t.interactive) vscode.window.setStatusBarMessage(now ? l10n.t('{0}: faults {1}', info.id, senderFaultText(now)) : l10n.t('{0}: no faults', info.id), 5000);
        return true;
      },
    },
  };
}
