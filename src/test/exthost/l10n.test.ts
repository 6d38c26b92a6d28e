import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionPath } from './helpers';
import { webviewStrings } from '../../extension/composer/panel';
import { WEBVIEW_STRINGS } from '../../shared/strings';

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** string literals passed to vscode.l10n.t (or the composer host's this.t) in src/extension (single- or double-quoted literals) */
function l10nStrings(root: string): Set<string> {
  const found = new Set<string>();
  for (const f of walk(path.join(root, 'src/extension'))) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\b(?:l10n\.t|this\.t)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)) {
      found.add((m[1] ?? m[2]!).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
    }
  }
  return found;
}

describe('localization', () => {
  const root = extensionPath();

  it('every %key% of package.json exists in package.nls.json and package.nls.zh-cn.json', () => {
    const pkg = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const keys = new Set([...pkg.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!));
    const en = readJson(path.join(root, 'package.nls.json'));
    const zh = readJson(path.join(root, 'package.nls.zh-cn.json'));
    assert.ok(keys.size > 20);
    for (const k of keys) {
      assert.equal(typeof en[k], 'string', `package.nls.json lacks ${k}`);
      assert.equal(typeof zh[k], 'string', `package.nls.zh-cn.json lacks ${k}`);
    }
  });

  it('every runtime string (vscode.l10n.t) has a Chinese translation with the same placeholders', function () {
    if (!fs.existsSync(path.join(root, 'src/extension'))) this.skip();
    const bundle = readJson(path.join(root, 'l10n/bundle.l10n.zh-cn.json'));
    const strings = l10nStrings(root);
    assert.ok(strings.size > 30, `found ${strings.size} strings`);
    const missing = [...strings].filter((s) => typeof bundle[s] !== 'string');
    assert.deepEqual(missing, [], 'strings without a zh-cn translation');
    for (const s of strings) {
      const ph = (x: string) => [...x.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
      assert.equal(ph(String(bundle[s])), ph(s), `placeholders differ for "${s}"`);
    }
  });

  it('the Packet Composer page gets every webview string in Chinese from the zh-cn bundle (no other table)', () => {
    const bundle = readJson(path.join(root, 'l10n/bundle.l10n.zh-cn.json'));
    const strings = Object.fromEntries(Object.entries(bundle).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const page = webviewStrings(strings);
    const untranslated = WEBVIEW_STRINGS.filter((s) => page[s] === undefined && bundle[s] !== s);
    assert.deepEqual(untranslated, [], 'webview strings the composer would show in English');
    // English (no bundle): nothing to embed, the webview shows its own strings
    assert.deepEqual(webviewStrings(undefined), {});
  });
});
