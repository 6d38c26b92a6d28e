/** The webview's shared state: connections, traffic store, selection, persisted drafts, and the host link. */
import { INPUT_MODES, parseDraft, parseFramingChoice, type ConnSummary, type Dir, type Draft, type FramingChoice, type HostToWebview, type InitMessage, type InputMode, type WebviewToHost } from '../shared/protocol';
import { TrafficStore, type StoredChunk, type StoredFrame } from './store';
import { t } from './l10n';
import type { TimestampFormat } from '../shared/format';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface SentEntry {
  draft: Draft;
  framing: FramingChoice;
  time: number;
}

/** Everything restored with setState when the panel comes back. */
export interface Persisted {
  v: 1;
  mode: InputMode;
  text: string;
  hex: string;
  escapes: string;
  /** Message mode: `name {field: value, …}` */
  message: string;
  /** Message mode: the form built from the layout, or the text */
  messageView: 'form' | 'text';
  /** the form's message, and the values typed per message name */
  messageName: string;
  messageValues: Record<string, Record<string, string>>;
  structFormat: string;
  structValues: string;
  jsonHeader: string;
  jsonBody: string;
  /** '' = the target connection's encoding */
  encoding: string;
  framing: FramingChoice;
  targetIds: string[];
  /** follow the newest open connection until the user picks a target */
  targetAuto: boolean;
  multi: boolean;
  udpHost: string;
  udpPort: string;
  repeatOn: boolean;
  repeatInterval: number;
  repeatCount: number;
  filterText: string;
  filterConn: string;
  view: 'text' | 'hex' | 'both';
  /** the user picked `view` (otherwise the displayMode setting applies) */
  viewSet: boolean;
  sent: SentEntry[];
  /** '' = follow the selection */
  inspConn: string;
  inspDir: InspStream;
  /** the stream inspector folded to its toolbar (compact: more room for the log beside the code) */
  inspCollapsed: boolean;
}

/** what the stream inspector shows: a direction, or (`|w`) a relay lane's writes after faults */
export type InspStream = Dir | 'in|w' | 'out|w';

export function isInspStream(v: unknown): v is InspStream {
  return v === 'in' || v === 'out' || v === 'in|w' || v === 'out|w';
}

export function baseDir(v: InspStream): Dir {
  return v.startsWith('in') ? 'in' : 'out';
}

export const DEFAULT_STATE: Persisted = {
  v: 1,
  mode: 'text',
  text: '',
  hex: '',
  escapes: '',
  message: '',
  messageView: 'form',
  messageName: '',
  messageValues: {},
  structFormat: 'i',
  structValues: '',
  jsonHeader: '{"cmd": "dir"}',
  jsonBody: '',
  encoding: '',
  framing: { kind: 'connection' },
  targetIds: [],
  targetAuto: true,
  multi: false,
  udpHost: '127.0.0.1',
  udpPort: '',
  repeatOn: false,
  repeatInterval: 500,
  repeatCount: 10,
  filterText: '',
  filterConn: '',
  view: 'text',
  viewSet: false,
  sent: [],
  inspConn: '',
  inspDir: 'in',
  inspCollapsed: false,
};

export const MAX_SENT_HISTORY = 50;

type AppEvent = 'connections' | 'data' | 'reset' | 'selection' | 'init' | 'settings';

export class App {
  state: Persisted;
  readonly store = new TrafficStore();
  conns = new Map<string, ConnSummary>();
  connList: ConnSummary[] = [];
  encodings: { id: string; label: string }[] = [];
  framings: InitMessage['framings'] = [];
  settings: InitMessage['settings'] = { displayMode: 'both', timestampFormat: 'time', maxFrames: 100_000 };
  initialTarget: string | undefined;
  /** epoch ms of the first frame seen (relative timestamps) */
  origin = 0;
  selectedFrame: StoredFrame | undefined;
  selectedChunk: StoredChunk | undefined;
  /** frames the host skipped during floods */
  skipped = 0;
  private listeners = new Map<AppEvent, Array<() => void>>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  readonly hostHandlers: Array<(m: HostToWebview) => void> = [];

  constructor(private readonly vscode: VsCodeApi) {
    this.state = { ...DEFAULT_STATE, ...restore(vscode.getState()) };
  }

  post(m: WebviewToHost): void {
    this.vscode.postMessage(m);
  }

  on(e: AppEvent, cb: () => void): void {
    const l = this.listeners.get(e) ?? [];
    l.push(cb);
    this.listeners.set(e, l);
  }

  emit(e: AppEvent): void {
    for (const cb of this.listeners.get(e) ?? []) cb();
  }

  saveState(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => this.flushState(), 250);
  }

  /** saves now (a discrete choice such as folding a section; and when the page is hidden, before it is torn down) */
  flushState(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.vscode.setState(this.state);
  }

  get timestampFormat(): TimestampFormat {
    return this.settings.timestampFormat;
  }

  /** a connection's id as the Connections tree shows it (c2) */
  shortId(id: string): string {
    return id;
  }

  describe(c: ConnSummary): string {
    const parent = c.parentId ? this.conns.get(c.parentId) : undefined;
    switch (c.kind) {
      case 'tcp-server':
        return t('TCP server {0}', c.local ?? c.label);
      case 'tcp-peer':
        return `${c.remote ?? c.label}${parent ? ` › ${parent.local ?? parent.label}` : ''}`;
      case 'tcp-client':
        return t('TCP client → {0}', c.remote ?? c.label);
      case 'udp':
        return t('UDP {0}', c.local ?? c.label);
      case 'udp-peer':
        return t('UDP peer {0}', c.remote ?? c.label);
      case 'relay-pair':
        return t('relay {0}', c.label);
    }
  }

  /** bumped on every selection change (rows cache their rendering by it) */
  selectionVersion = 0;

  selectFrame(f: StoredFrame | undefined): void {
    this.selectionVersion++;
    this.selectedFrame = f;
    this.selectedChunk = undefined;
    this.emit('selection');
  }

  selectChunk(c: StoredChunk | undefined): void {
    this.selectionVersion++;
    this.selectedChunk = c;
    this.selectedFrame = undefined;
    this.emit('selection');
  }
}

function sentEntry(u: unknown): SentEntry[] {
  if (typeof u !== 'object' || u === null) return [];
  const e = u as Record<string, unknown>;
  const draft = parseDraft(e.draft);
  const framing = parseFramingChoice(e.framing);
  return draft && framing && typeof e.time === 'number' ? [{ draft, framing, time: e.time }] : [];
}

/** the Message form's typed values: text by field by message, nothing else */
function formValues(u: unknown): Persisted['messageValues'] | undefined {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return undefined;
  const out: Persisted['messageValues'] = {};
  for (const [name, vals] of Object.entries(u).slice(0, 50)) {
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals)) continue;
    out[name] = Object.fromEntries(Object.entries(vals).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return out;
}

/** fields whose JavaScript type alone does not make them valid: checked with the protocol's own parsers */
const SANITIZE: { [K in keyof Persisted]?: (v: unknown) => Persisted[K] | undefined } = {
  mode: (v) => INPUT_MODES.find((m) => m === v),
  view: (v) => (v === 'text' || v === 'hex' || v === 'both' ? v : undefined),
  inspDir: (v) => (isInspStream(v) ? v : undefined),
  framing: parseFramingChoice,
  messageView: (v) => (v === 'form' || v === 'text' ? v : undefined),
  messageValues: formValues,
  targetIds: (v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined),
  sent: (v) => (Array.isArray(v) ? v.flatMap(sentEntry).slice(-MAX_SENT_HISTORY) : undefined),
};

/** Accepts a previously saved state only field by field (an old or foreign shape never breaks the panel). */
function restore(u: unknown): Partial<Persisted> {
  if (typeof u !== 'object' || u === null) return {};
  const o = u as Record<string, unknown>;
  if (o.v !== 1) return {};
  const out: Partial<Persisted> = {};
  const d = DEFAULT_STATE as unknown as Record<string, unknown>;
  for (const k of Object.keys(DEFAULT_STATE) as Array<keyof Persisted>) {
    const v = o[k];
    const def = d[k];
    if (v === undefined) continue;
    const sanitize = SANITIZE[k];
    const ok = sanitize ? sanitize(v) : typeof v === typeof def ? v : undefined;
    if (ok !== undefined) (out as Record<string, unknown>)[k] = ok;
  }
  return out;
}
