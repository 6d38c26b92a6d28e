/**
 * Relay lanes in the composer: how a frame's direction reads when it is a relay pair's lane (arrow, colour class,
 * lane name), the inspector's choice of a lane's reads or writes (the pieces after faults), and the lane chooser of
 * the target bar. The store keeps a lane as a direction (c2s "out", s2c "in"); its writes in a stream of their own.
 */
import type { ConnSummary, Dir } from '../shared/protocol';
import type { RelayLane } from '../shared/connections';
import { t } from './l10n';
import { h } from './util';

interface Directed {
  dir: Dir;
  lane?: RelayLane;
  incomplete?: true;
  /** injected into a relay lane by the user */
  injected?: true;
}

/** the lane's name and what it carries, e.g. "c2s client → server" */
export function laneName(lane: RelayLane): string {
  return lane === 'c2s' ? t('c2s: client → server') : t('s2c: server → client');
}

/** the codicon of a log row's direction */
export function dirIcon(f: Directed): string {
  if (f.incomplete) return 'warning';
  if (f.injected) return 'insert';
  if (f.lane) return f.lane === 'c2s' ? 'arrow-right' : 'arrow-left';
  return f.dir === 'in' ? 'arrow-down' : 'arrow-up';
}

/** the tooltip of a row's direction */
export function dirTitle(f: Directed): string {
  if (f.incomplete) return t('unfinished frame: the stream ended inside it');
  if (f.injected && f.lane) return t('{0}, injected: written into the lane by you, not read from its sender', laneName(f.lane));
  if (f.lane) return laneName(f.lane);
  return f.dir === 'in' ? t('received') : t('sent');
}

/** the direction as the details pane's first words: "↓ received", "→ c2s: client → server" */
export function dirMeta(f: Directed): string {
  if (f.lane) return `${f.lane === 'c2s' ? '→' : '←'} ${laneName(f.lane)}${f.injected ? ` · ${t('injected')}` : ''}`;
  return f.dir === 'in' ? '↓ ' + t('received') : '↑ ' + t('sent');
}

/** the untranslated template of a log row's screen-reader label: bytes, connection, time, text */
export function rowLabelTemplate(f: Directed): string {
  if (f.incomplete) return '{0} bytes of an unfinished frame on {1} at {2}: {3}';
  if (f.injected && f.lane) return f.lane === 'c2s' ? 'injected {0} bytes client → server on {1} at {2}: {3}' : 'injected {0} bytes server → client on {1} at {2}: {3}';
  if (f.lane) return f.lane === 'c2s' ? '{0} bytes client → server on {1} at {2}: {3}' : '{0} bytes server → client on {1} at {2}: {3}';
  return f.dir === 'in' ? 'received {0} bytes on {1} at {2}: {3}' : 'sent {0} bytes on {1} at {2}: {3}';
}

/** a row's class for its direction: dir-in / dir-out, lane-c2s / lane-s2c (theme colours in style.css), injected */
export function dirClass(f: Directed): string {
  return `dir-${f.dir}${f.lane ? ` lane-${f.lane}` : ''}${f.injected ? ' injected' : ''}`;
}

/** the inspector's stream choices for a connection: its two directions, or a relay pair's lanes as read and as written */
export function streamOptions(c: ConnSummary | undefined): HTMLOptionElement[] {
  if (c?.kind !== 'relay-pair') return [h('option', { value: 'in', text: '↓ ' + t('received') }), h('option', { value: 'out', text: '↑ ' + t('sent') })];
  const opt = (lane: RelayLane, written: boolean): HTMLOptionElement =>
    h('option', { value: `${lane === 'c2s' ? 'out' : 'in'}${written ? '|w' : ''}`, text: `${lane === 'c2s' ? '→' : '←'} ${lane} ${written ? t('as written (after faults)') : t('as read')}` });
  return [opt('c2s', false), opt('c2s', true), opt('s2c', false), opt('s2c', true)];
}

/** the target bar's lane chooser: shown for a relay pair, the lane a send is injected into */
export function createLaneChooser(onChange: (lane: RelayLane) => void): { element: HTMLElement; select: HTMLSelectElement; show(c: ConnSummary | undefined): void } {
  const select = h(
    'select',
    { id: 'target-lane', 'aria-label': t('Lane to inject into') },
    h('option', { value: 'c2s', text: t('into c2s (to the server)') }),
    h('option', { value: 's2c', text: t('into s2c (to the client)') }),
  );
  const element = h('span', { class: 'target-lane', hidden: true }, h('label', { for: 'target-lane', text: t('Lane') }), select);
  select.addEventListener('change', () => onChange(select.value === 's2c' ? 's2c' : 'c2s'));
  return {
    element,
    select,
    show(c) {
      element.hidden = c?.kind !== 'relay-pair';
    },
  };
}
