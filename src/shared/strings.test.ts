/**
 * The webview's strings: every t('…') in src/webview is listed in WEBVIEW_STRINGS and translated to Chinese in the
 * extension's l10n bundle (l10n/bundle.l10n.zh-cn.json), which the composer embeds in its page.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WEBVIEW_STRINGS } from './strings';

const webviewDir = path.resolve(__dirname, '../../../src/webview');
const zhBundle = path.resolve(__dirname, '../../../l10n/bundle.l10n.zh-cn.json');

/** string literals inside t(…) calls (including both branches of a ternary) */
function usedStrings(): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(webviewDir).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(webviewDir, f), 'utf8');
    for (const call of src.matchAll(/\bt\(((?:[^()]|\([^()]*\))*)\)/g)) {
      for (const lit of call[1].matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)) {
        const v = (lit[1] ?? lit[2]).replace(/\\(.)/g, '$1');
        // comparisons inside the call (f.dir === 'in') are not messages
        if (v.length > 2 && !/^(in|out)$/.test(v)) out.add(v);
      }
    }
  }
  return out;
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();

describe('webview strings (l10n)', () => {
  it('lists every string the webview passes to t()', function () {
    if (!fs.existsSync(webviewDir)) this.skip();
    const listed = new Set(WEBVIEW_STRINGS);
    const used = usedStrings();
    assert.ok(used.size > 100);
    for (const s of used) assert.ok(listed.has(s), `WEBVIEW_STRINGS lacks ${JSON.stringify(s)}`);
  });

  it('has a Chinese translation of each in l10n/bundle.l10n.zh-cn.json, with the same placeholders', () => {
    const bundle = JSON.parse(fs.readFileSync(zhBundle, 'utf8')) as Record<string, unknown>;
    for (const s of WEBVIEW_STRINGS) {
      const zh = bundle[s];
      assert.equal(typeof zh, 'string', `no zh-cn translation for ${JSON.stringify(s)}`);
      assert.deepEqual(placeholders(String(zh)), placeholders(s), s);
    }
  });
});
