/** The composer's target bar: the target select, "Several", the UDP destination host/port and the target's state. */
import type { ConnSummary, Target } from '../shared/protocol';
import { capabilities, isClosedState } from '../shared/connections';
import type { App } from './app';
import { t } from './l10n';
import { h } from './util';
import { createLaneChooser } from './lanes';

/** the kinds offered as targets (closed ones stay listed, marked) */
export const sendable = (c: ConnSummary): boolean => capabilities(c.kind).canSend;
const isOpen = (c: ConnSummary | undefined): boolean => c !== undefined && !isClosedState(c.state);

export interface TargetBar {
  element: HTMLElement;
  /** rebuilds the target list from the connections, keeping (or picking) a valid target */
  fillTargets(): void;
  /** the connections currently targeted, in order */
  targetConns(): ConnSummary[];
  /** the targets and, for a kind that takes one, the destination typed in */
  currentTarget(): Target;
  /** makes `id` the one target, if it is a connection that can send */
  focus(id: string): void;
}

/**
 * `onChanged` runs after the target (and its shown state) changed; `onDestinationInput` after the UDP host or
 * port was edited and saved.
 */
export function createTargetBar(app: App, onChanged: () => void, onDestinationInput: () => void): TargetBar {
  const s = app.state;
  const targetSel = h('select', { id: 'target', 'aria-label': t('Send to') });
  const multi = h('input', { type: 'checkbox', id: 'target-multi' });
  const udpHost = h('input', { id: 'udp-host', class: 'udp-host', 'aria-label': t('UDP destination host'), placeholder: t('host'), value: s.udpHost });
  const udpPort = h('input', { id: 'udp-port', class: 'udp-port', type: 'number', min: 1, max: 65535, 'aria-label': t('UDP destination port'), placeholder: t('port'), value: s.udpPort });
  const udpTo = h('span', { class: 'udp-to', hidden: true }, h('label', { for: 'udp-host', text: t('to') }), udpHost, ':', udpPort);
  const targetState = h('span', { class: 'target-state', id: 'target-state' });
  const lane = createLaneChooser(() => onChanged());
  multi.checked = s.multi;
  const element = h(
    'div',
    { class: 'toolbar target-bar', role: 'group', 'aria-label': t('Target') },
    h('label', { for: 'target', text: t('Target') }),
    targetSel,
    h('label', { class: 'check', title: t('Select several targets (Ctrl/Shift+click)') }, multi, t('Several')),
    udpTo,
    lane.element,
    targetState,
  );

  function targetConns(): ConnSummary[] {
    return s.targetIds.map((id) => app.conns.get(id)).filter((c): c is ConnSummary => c !== undefined);
  }

  function currentTarget(): Target {
    const t: Target = { ids: s.targetIds.slice() };
    const first = targetConns()[0];
    const port = Number(udpPort.value);
    if (first && capabilities(first.kind).takesDestination && udpHost.value.trim() && Number.isInteger(port) && port > 0 && port < 65536) {
      t.to = { host: udpHost.value.trim(), port };
    }
    if (first?.kind === 'relay-pair') t.lane = lane.select.value === 's2c' ? 's2c' : 'c2s';
    return t;
  }

  function fillTargets(): void {
    const prev = new Set(s.targetIds);
    targetSel.replaceChildren();
    targetSel.multiple = s.multi;
    targetSel.size = s.multi ? 5 : 0;
    const list = app.connList.filter(sendable);
    if (list.length === 0) {
      targetSel.append(h('option', { value: '', disabled: true, selected: true, text: t('No connections yet: create one in the Connections view') }));
    }
    for (const c of list) {
      const closed = !isOpen(c);
      let label = `${app.shortId(c.id)} ${app.describe(c)}`;
      if (capabilities(c.kind).sendsToChildren) label = `${app.shortId(c.id)} ${t('All clients of {0}', c.local ?? c.label)}`;
      if (closed) label += ` (${t(c.state)})`;
      const o = h('option', { value: c.id, text: label });
      o.selected = prev.has(c.id);
      targetSel.append(o);
    }
    // keep a valid, preferably open, target; until the user picks one, follow the newest open connection
    const valid = s.targetIds.filter((id) => app.conns.has(id));
    const anyOpen = valid.some((id) => isOpen(app.conns.get(id)));
    if (!anyOpen || s.targetAuto) {
      const pick = pickDefault(list);
      if (pick && (valid.length === 0 || pick.id !== valid[0])) {
        s.targetIds = [pick.id];
        for (const o of targetSel.options) o.selected = o.value === pick.id;
      } else s.targetIds = valid;
    } else s.targetIds = valid;
    onTargetChanged();
  }

  function pickDefault(list: ConnSummary[]): ConnSummary | undefined {
    if (app.initialTarget) {
      const c = app.conns.get(app.initialTarget);
      app.initialTarget = undefined;
      if (c && sendable(c)) {
        s.targetAuto = false;
        return c;
      }
    }
    const open = list.filter(isOpen);
    const rank = (c: ConnSummary): number => (capabilities(c.kind).container ? 1 : 2);
    return open.sort((a, b) => rank(b) - rank(a) || b.openedAt - a.openedAt)[0];
  }

  function onTargetChanged(): void {
    const first = targetConns()[0];
    const isUdp = first !== undefined && capabilities(first.kind).takesDestination;
    udpTo.hidden = !isUdp;
    lane.show(first);
    if (isUdp && first.remote && !udpPort.value) {
      udpHost.placeholder = first.remote.replace(/:\d+$/, '');
      udpPort.placeholder = first.remote.replace(/^.*:/, '');
    }
    if (first) {
      const n = s.targetIds.length;
      targetState.textContent = n > 1 ? t('{0} targets', n) : t(first.state);
      targetState.className = `target-state state-${first.state}`;
    } else {
      targetState.textContent = '';
    }
    onChanged();
  }

  function focus(id: string): void {
    const c = app.conns.get(id);
    if (c && sendable(c)) {
      s.targetIds = [c.id];
      s.targetAuto = false;
      fillTargets();
    }
  }

  targetSel.addEventListener('change', () => {
    s.targetIds = [...targetSel.selectedOptions].map((o) => o.value).filter((v) => v !== '');
    s.targetAuto = false;
    onTargetChanged();
  });
  multi.addEventListener('change', () => {
    s.multi = multi.checked;
    if (!s.multi) s.targetIds = s.targetIds.slice(0, 1);
    fillTargets();
  });
  for (const inp of [udpHost, udpPort]) {
    inp.addEventListener('input', () => {
      s.udpHost = udpHost.value;
      s.udpPort = udpPort.value;
      app.saveState();
      onDestinationInput();
    });
  }

  return { element, fillTargets, targetConns, currentTarget, focus };
}
