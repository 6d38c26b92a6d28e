/**
 * UI suite for `npm start` (scripts/start.mjs --code-server) as a new user meets it: the URL is the last thing printed,
 * the window opens the trusted example workspace with its README and no prompts or errors, the first flow works,
 * and closing the browser tab frees the ports the window's servers held.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { uiEnv } from './driver';

const ROOT = path.join(__dirname, '../../../..');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start (code-server) as a new user meets it', function () {
  this.timeout(240000);
  let start: ChildProcess | undefined;
  let output = '';
  let ctx: BrowserContext | undefined;
  let page: Page | undefined;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-start-'));

  after(async () => {
    await ctx?.close().catch(() => undefined);
    if (start?.pid && start.exitCode === null) {
      try {
        process.kill(start.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it('prints the URL last, opens the trusted example workspace quietly, and frees ports when the tab closes', async () => {
    const env = uiEnv();
    start = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--code-server'], {
      cwd: ROOT,
      env: { ...process.env, SOCKDBG_START_DIR: profile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitUntil('the URL', async () => /payload=\S+\s*$/.test(output), 120000);
    const lines = output.trimEnd().split('\n');
    const url = lines[lines.length - 1].trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?folder=.*examples%2Fworkspace&payload=/, output);
    assert.ok(lines.length < 40, `npm start printed ${lines.length} lines:\n${output}`);

    ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-start-chrome-')), {
      executablePath: env.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    // the example README opens as the first flow; the workspace is trusted (remote exec available, no banner)
    await page.locator('.tab', { hasText: 'README.md' }).first().waitFor({ timeout: 30000 });
    await page.locator('.activitybar [aria-label*="Socket Debugger"]').first().waitFor({ timeout: 60000 });
    assert.equal(await page.locator('.monaco-workbench .banner', { hasText: /Restricted/ }).count(), 0);
    // no chat side bar
    assert.equal(await page.locator('.part.auxiliarybar').isVisible().catch(() => false), false);

    // a server on a free port, from the palette
    const port = await freePort();
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Socket Debugger: New TCP Server');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New TCP Server' }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input').fill(String(port));
    await page.keyboard.press('Enter');
    for (let i = 0; i < 3; i++) {
      await page.waitForTimeout(500);
      if (!(await page.locator('.quick-input-widget').isVisible())) break;
      await page.keyboard.press('Enter'); // host, framing, encoding: the defaults
    }
    await waitUntil(`the server on port ${port}`, () => portTaken(port), 20000);

    // nothing the user did not ask for: no notification at all
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Notifications: Show Notifications');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Notifications' }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    const notes = await page.locator('.notifications-center .notification-list-item-message').allInnerTexts();
    await page.screenshot({ path: path.join(env.artifacts, 'npm-start.png') });
    assert.deepEqual(notes, []);

    // closing the tab: the window's extension host is given up after the grace time, and its server with it
    await ctx.close();
    ctx = undefined;
    await waitUntil(`port ${port} to be freed after the tab closed`, async () => !(await portTaken(port)), 60000);

    // Ctrl+C on npm start stops code-server
    start.kill('SIGINT');
    await waitUntil('npm start to exit', async () => start!.exitCode !== null || start!.signalCode !== null, 15000);
  });
});
