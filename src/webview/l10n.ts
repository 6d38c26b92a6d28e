/**
 * Localized UI strings. The extension embeds the translations of every string the webview shows (the English
 * text is the key; see WEBVIEW_STRINGS in src/shared/protocol.ts) as JSON in the page, in
 * `<script type="application/json" id="sockdbg-l10n">`, so they are there before the UI is built.
 */
let table: Record<string, string> = {};
try {
  const el = document.getElementById('sockdbg-l10n');
  const parsed: unknown = el?.textContent ? JSON.parse(el.textContent) : undefined;
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') table[k] = v;
  }
} catch {
  table = {};
}

/** The translation of `message` with `{0}`, `{1}`… replaced by `args`. */
export function t(message: string, ...args: Array<string | number>): string {
  const s = table[message] ?? message;
  return args.length === 0 ? s : s.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}
