/**
 * The composer webview (the real dist/webview bundle in headless Chromium) wired to the real ComposerHost and
 * ConnectionRegistry in this Node process, with a fake `acquireVsCodeApi` — no workbench, so every interaction can
 * be checked quickly: inline errors, pause with the "behind" badge, filters, copy formats, keyboard navigation,
 * repeat/stop, and state restored after the webview is recreated. Run by scripts/vscode-test.mjs with the UI suite.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ConnectionRegistry } from '../../core/registry';
import { ComposerHost } from '../../extension/composer/host';
import type { HostToWebview } from '../../shared/protocol';

const root = path.resolve(__dirname, '../../../..');
const bundle = path.join(root, 'dist/webview/main.js');

function frame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(4);
  head.writeInt32LE(body.length);
  return Buffer.concat([head, body]);
}

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('UI: the composer webview against the real host (no workbench)', function () {
  this.timeout(60000);
  let dir: string;
  let ctx: BrowserContext;
  let page: Page;
  let registry: ConnectionRegistry;
  let host: ComposerHost;
  let clip: string[];
  let state: unknown;
  let client: net.Socket;
  const received: Buffer[] = [];

  async function load(): Promise<void> {
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    await page.locator('#target option[value]').first().waitFor({ state: 'attached' });
  }

  before(async function () {
    if (!fs.existsSync(bundle)) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-webview-test-'));
    const css = pathToFileURL(path.join(root, 'dist/webview/main.css')).href;
    const codicons = pathToFileURL(path.join(root, 'dist/webview/codicons/codicon.css')).href;
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${codicons}"><link rel="stylesheet" href="${css}"></head><body><script src="${pathToFileURL(bundle).href}"></script></body></html>`,
    );
    registry = new ConnectionRegistry();
    clip = [];
    ctx = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: process.env.SOCKDBG_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
      viewport: { width: 1300, height: 800 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    host = new ComposerHost({
      registry,
      post: (m: HostToWebview) => page.evaluate((msg) => (globalThis as unknown as { __sockdbg: { handle(x: unknown): void } }).__sockdbg.handle(msg), m).catch(() => undefined),
      writeClipboard: (t) => void clip.push(t),
      bridge: { intervalMs: 10 },
    });
    await page.exposeFunction('__toHost', (m: unknown) => host.handle(m));
    await page.exposeFunction('__saveState', (s: unknown) => void (state = s));
    // the fake VS Code API: messages go to the host, state survives a reload (like vscode.setState)
    await page.addInitScript(`
      window.__stateCache = undefined;
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__toHost(m),
        getState: () => window.__stateCache,
        setState: (s) => { window.__stateCache = s; window.__saveState(s); },
      });
    `);
    const server = await registry.listenTcp({ port: 0, framing: 'length:i' });
    client = net.connect(server.local?.port ?? 0, '127.0.0.1');
    client.on('data', (d: Buffer) => received.push(d));
    await new Promise((r) => client.once('connect', r));
    await until('the peer', () => registry.children(server.id).length > 0);
    await load();
  });

  after(async () => {
    client?.destroy();
    host?.dispose();
    await ctx?.close();
    await registry?.closeAll();
    registry?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows frames, and points at bad hex and refused struct values in place', async () => {
    client.write(Buffer.concat([frame('hello'), frame('world')]));
    await page.locator('#log .log-row.dir-in:not([hidden])').nth(1).waitFor();
    await page.locator('#mode-hex').click();
    await page.locator('#f-hex').fill('48 65 6g');
    await page.locator('#draft-error mark', { hasText: 'g' }).waitFor();
    assert.match(await page.locator('#draft-error').innerText(), /position 7/);
    assert.equal(await page.locator('#f-hex').getAttribute('aria-invalid'), 'true');
    await page.locator('#mode-struct').click();
    await page.locator('#f-structFormat').fill('<hH');
    await page.locator('#f-structValues').fill('1, 70000');
    await page.locator('#draft-error mark', { hasText: '70000' }).waitFor();
    assert.match(await page.locator('#draft-error').innerText(), /value 2 \("H"\).*65535/);
    await page.locator('#f-structValues').fill('1, 2');
    await page.locator('#wire', { hasText: '04 00 00 00 01 00 02 00' }).waitFor();
  });

  it('pauses the view while recording continues, counts what is behind, and resumes', async () => {
    await page.locator('#pause').click();
    client.write(Buffer.concat([frame('a'), frame('b'), frame('c')]));
    await page.locator('#behind', { hasText: '3 behind' }).waitFor();
    assert.equal(await page.locator('#log .log-row:not([hidden])').count(), 2);
    await page.locator('#behind').click();
    await page.locator('#log .log-row:not([hidden])').nth(4).waitFor();
    assert.equal(await page.locator('#behind').isVisible(), false);
  });

  it('filters by text and hex, navigates by keyboard and copies exact formats', async () => {
    await page.locator('#filter').fill('world');
    await until('one row', async () => (await page.locator('#log .log-row:not([hidden])').count()) === 1);
    await page.locator('#filter').fill('68 65 6c');
    // the 'world' filter also left one row: wait for the hex filter's row, not just for one row
    const visible = page.locator('#log .log-row:not([hidden])');
    await until('the hello row', async () => (await visible.count()) === 1 && /hello/.test(await visible.first().innerText()));
    await page.locator('#filter').fill('');
    await until('all rows', async () => (await page.locator('#log .log-row:not([hidden])').count()) === 5);
    await page.locator('#log').focus();
    await page.keyboard.press('Home');
    await page.locator('#log .log-row[aria-selected="true"]', { hasText: 'hello' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.locator('#log .log-row[aria-selected="true"]', { hasText: 'world' }).waitFor();
    await page.locator('#copy-python').click();
    await page.locator('#copy-c').click();
    await until('two copies', () => clip.length >= 2);
    assert.deepEqual(clip.slice(-2), ["b'world'", 'const unsigned char frame_1[5] = {\n    0x77, 0x6f, 0x72, 0x6c, 0x64\n};']);
  });

  it('sends with Ctrl+Enter, repeats and stops, and restores the draft when the webview is recreated', async () => {
    // the mode tabs follow the ARIA tabs pattern: End/Home jump to the last/first mode, ← wraps around
    await page.locator('#mode-text').click();
    await page.locator('#mode-text').press('End');
    assert.equal(await page.locator('#mode-message').getAttribute('aria-selected'), 'true');
    await page.locator('#mode-message').press('Home');
    assert.equal(await page.locator('#mode-text').getAttribute('aria-selected'), 'true');
    await page.locator('#mode-text').press('ArrowLeft');
    assert.equal(await page.locator('#mode-message').getAttribute('aria-selected'), 'true');
    await page.locator('#mode-text').click();
    await page.locator('#f-text').fill('ping');
    await page.locator('#wire', { hasText: '04 00 00 00 70 69 6e 67' }).waitFor();
    received.length = 0;
    await page.locator('#f-text').press('Control+Enter');
    await until('the frame', () => Buffer.concat(received).equals(frame('ping')));
    await page.locator('#repeat-on').check();
    await page.locator('#repeat-interval').fill('200');
    await page.locator('#repeat-interval').dispatchEvent('change');
    await page.locator('#repeat-count').fill('1000');
    await page.locator('#repeat-count').dispatchEvent('change');
    received.length = 0;
    await page.locator('#send').click();
    await page.locator('#send', { hasText: 'Stop' }).waitFor();
    await until('two rounds', () => Buffer.concat(received).length >= 2 * frame('ping').length);
    await page.keyboard.press('Escape');
    await page.locator('#send', { hasText: 'Send' }).waitFor();
    const n = Buffer.concat(received).length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(Buffer.concat(received).length, n, 'stopped');
    await page.locator('#repeat-on').uncheck();
    await page.locator('#repeat-on').dispatchEvent('change');

    // the webview is destroyed and created again (as when a panel is hidden): drafts and history come back
    await page.locator('#f-text').fill('draft kept');
    await new Promise((r) => setTimeout(r, 400)); // setState is throttled
    await page.addInitScript(`window.__stateCache = ${JSON.stringify(state)};`);
    await load();
    assert.equal(await page.locator('#f-text').inputValue(), 'draft kept');
    assert.equal(await page.locator('#mode-text').getAttribute('aria-selected'), 'true');
    await page.locator('#log .log-row:not([hidden])').nth(4).waitFor();
    assert.ok((await page.locator('#history option').count()) >= 2, 'sent history restored');

    // a saved state of the wrong shape (an older version, say) keeps what is valid and never breaks the panel
    const saved = state as { sent: unknown[] };
    const bad = { ...saved, mode: 'bogus', framing: null, view: 'sideways', sent: [{ draft: { mode: 'nope' } }, ...saved.sent] };
    await page.addInitScript(`window.__stateCache = ${JSON.stringify(bad)};`);
    await load();
    assert.equal(await page.locator('#mode-text').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#f-text').inputValue(), 'draft kept');
    await page.locator('#wire', { hasText: '0a 00 00 00 64 72 61 66 74' }).waitFor();
    assert.equal(await page.locator('#history option').count(), saved.sent.length + 1, 'the valid history entries, plus the placeholder');
  });

  it('marks the unfinished last frame of a client that closed inside it (warning icon, localized label)', async () => {
    const server = registry.list().find((c) => c.kind === 'tcp-server');
    const other = net.connect(server?.local?.port ?? 0, '127.0.0.1');
    await new Promise((r) => other.once('connect', r));
    // one whole frame, then 4 + 3 bytes of a 9-byte frame, then FIN
    other.end(Buffer.concat([frame('done'), frame('cut short').subarray(0, 7)]));
    await page.locator('#filter').fill('');
    const row = page.locator('#log .log-row.incomplete');
    await row.waitFor();
    assert.match((await row.getAttribute('aria-label')) ?? '', /^7 bytes of an unfinished frame on /);
    assert.equal(await row.locator('.c-dir.codicon-warning').count(), 1);
    other.destroy();
  });
});
