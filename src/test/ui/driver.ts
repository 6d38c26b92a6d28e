/**
 * A small driver for UI tests in the real VS Code workbench (code-server in headless Chromium, via playwright-core).
 * UI test files (`src/test/ui/*.test.ts`) run with mocha in Node, started by scripts/vscode-test.mjs, which sets:
 *   SOCKDBG_CS_URL     the code-server base URL (http://127.0.0.1:PORT), trusted workspace
 *   SOCKDBG_CS_WS      the workspace folder opened in the workbench
 *   SOCKDBG_EXT_PATH   the extension under development (the repo root; loaded as extensionDevelopmentPath)
 *   SOCKDBG_ARTIFACTS  where screenshots go (.test-artifacts/)
 *   SOCKDBG_CHROMIUM   the browser executable
 *   SOCKDBG_CS_INSTALLED  '1' for installed-*.test.ts: the server has the extension installed from its .vsix, and
 *                      windows open without the development payload; SOCKDBG_CS_DIR is that server's folder
 *                      (ud/ = user data, ext/ = extensions)
 *
 * Typical use:
 *   const wb = await startWorkbench();            // opens the workbench with the extension loaded
 *   await wb.runCommand('Socket Debugger: New TCP Server…');
 *   await wb.fillQuickInput('0');                  // answers a QuickInput prompt
 *   await wb.pickQuickItem('raw');                 // picks a QuickPick item by its label
 *   const rows = await wb.treeRows();              // rows of the Connections tree
 *   const inner = wb.webview();                    // FrameLocator inside the (first ready) webview
 *   await wb.screenshot('tree');                   // .test-artifacts/tree.png
 *   await wb.close();
 * and `screenshotOnFailure(() => wb)` in a `describe` saves a screenshot of every failing test.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

export interface UiEnv {
  url: string;
  workspace: string;
  extensionPath: string;
  artifacts: string;
  chromium: string;
}

/** The environment scripts/vscode-test.mjs provides; throws a clear error when run outside it. */
export function uiEnv(): UiEnv {
  const url = process.env.SOCKDBG_CS_URL;
  const workspace = process.env.SOCKDBG_CS_WS;
  if (!url || !workspace) {
    throw new Error('UI tests run under scripts/vscode-test.mjs (npm test, or node scripts/vscode-test.mjs ui): SOCKDBG_CS_URL/SOCKDBG_CS_WS are not set');
  }
  const extensionPath = process.env.SOCKDBG_EXT_PATH ?? path.resolve(__dirname, '../../../..');
  return {
    url,
    workspace,
    extensionPath,
    artifacts: process.env.SOCKDBG_ARTIFACTS ?? path.join(extensionPath, '.test-artifacts'),
    chromium: process.env.SOCKDBG_CHROMIUM ?? '/usr/bin/chromium',
  };
}

export interface WorkbenchOptions {
  /** folder to open (default: SOCKDBG_CS_WS) */
  folder?: string;
  viewport?: { width: number; height: number };
  /** wait until the Socket Debugger activity-bar entry is there (default true) */
  waitForExtension?: boolean;
}

export interface Workbench {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly env: UiEnv;
  /** Opens the command palette (F1) and runs the command with this exact title ("Category: Title"). */
  runCommand(title: string): Promise<void>;
  /**
   * Types into the open QuickInput box (replacing its value) and presses Enter, then waits until the widget hides
   * or moves on to another step. `expect`: first wait until the widget shows this text (e.g. the step's prompt, or a quick pick's placeholder).
   */
  fillQuickInput(value: string, expect?: string | RegExp): Promise<void>;
  /**
   * Answers code-server's open/save dialog (a QuickInput holding a path) with `file`: waits for the dialog's own
   * path to be in the box (typed earlier, it is appended to), replaces it, and presses Enter until the dialog takes it.
   */
  fillFileDialog(file: string, expect?: string | RegExp): Promise<void>;
  /** Picks the QuickPick row whose text contains `label` (then waits like fillQuickInput). */
  pickQuickItem(label: string, expect?: string | RegExp): Promise<void>;
  /** The visible QuickInput's validation / message text ('' when none). */
  quickInputMessage(): Promise<string>;
  /** Shows the Socket Debugger view container (activity bar). */
  showSocketDebugger(): Promise<void>;
  /**
   * New TCP Server… from the palette on any free port of 127.0.0.1, with this framing (a preset's label) and
   * encoding, as a user answers the four prompts; resolves with its port and tree row.
   */
  newTcpServer(framing?: string, encoding?: string): Promise<{ port: number; row: Locator }>;
  /** Drags the side bar's sash until the side bar is `width` px wide (resolves with the width it got). */
  setSideBarWidth(width: number): Promise<number>;
  /** Text of each visible row of the Connections tree. */
  treeRows(): Promise<string[]>;
  /** A locator for the Connections tree row containing `text`. */
  treeRow(text: string): Locator;
  /** Messages in the notification center (opens it; toasts do not show headless). */
  notifications(): Promise<string[]>;
  /** The content frame of the ready webview (the n-th when several are open, default the last). */
  webview(index?: number): FrameLocator;
  /**
   * Saves a PNG into the artifacts folder (optionally only the `clip` rectangle of the page); returns its path.
   * `docs`: a picture the documentation shows — with SOCKDBG_UPDATE_SCREENSHOTS=1 it is written to docs/images too.
   */
  screenshot(name: string, clip?: { x: number; y: number; width: number; height: number }, opts?: { docs?: boolean }): Promise<string>;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 120);
}

export async function startWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  const env = uiEnv();
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-ui-chrome-'));
  const context = await chromium.launchPersistentContext(udd, {
    executablePath: env.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const authority = new URL(env.url).host;
  const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${authority}${env.extensionPath}`]]);
  const folder = options.folder ?? env.workspace;
  const installed = process.env.SOCKDBG_CS_INSTALLED === '1';
  try {
    await page.goto(`${env.url}/?folder=${encodeURIComponent(folder)}${installed ? '' : `&payload=${encodeURIComponent(payload)}`}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    if (options.waitForExtension !== false) {
      await page.locator('.activitybar [aria-label*="Socket Debugger"]').first().waitFor({ timeout: 60000 });
    }
  } catch (e) {
    await page.screenshot({ path: path.join(ensureDir(env.artifacts), 'startWorkbench-failure.png') }).catch(() => undefined);
    await context.close().catch(() => undefined);
    fs.rmSync(udd, { recursive: true, force: true });
    throw e;
  }

  const quickInput = page.locator('.quick-input-widget');
  /** the widget's visible text (title, prompt, validation, items), '' when hidden */
  const quickInputText = async (): Promise<string> => ((await quickInput.isVisible()) ? await quickInput.innerText().catch(() => '') : '');
  /** waits (≤ 15 s) until the widget's text or its input's placeholder contains `expect` */
  const quickInputShows = async (expect: string | RegExp): Promise<void> => {
    const matches = (t: string) => (typeof expect === 'string' ? t.includes(expect) : expect.test(t));
    const end = Date.now() + 15000;
    for (;;) {
      const text = await quickInputText();
      const placeholder = text === '' ? '' : ((await quickInput.locator('input').first().getAttribute('placeholder').catch(() => null)) ?? '');
      if (text !== '' && (matches(text) || matches(placeholder))) return;
      if (Date.now() > end) throw new Error(`the quick input did not show ${String(expect)} (it shows: ${text || 'nothing'}${placeholder ? ` / placeholder: ${placeholder}` : ''})`);
      await page.waitForTimeout(50);
    }
  };
  /** after Enter/click: wait (≤ 5 s) until the widget is hidden or shows another step, so the next call sees it */
  const quickInputChanged = async (before: string): Promise<void> => {
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      const now = await quickInputText();
      if (now === '' || now !== before) return;
      await page.waitForTimeout(50);
    }
  };
  const wb: Workbench = {
    page,
    context,
    env,
    async runCommand(title) {
      await page.keyboard.press('F1');
      const input = quickInput.locator('input');
      await input.waitFor({ state: 'visible' });
      await input.fill('>' + title);
      await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
    },
    async fillQuickInput(value, expect) {
      if (expect !== undefined) await quickInputShows(expect);
      const input = quickInput.locator('input');
      await input.waitFor({ state: 'visible' });
      await input.fill(value);
      const before = await quickInputText();
      await page.keyboard.press('Enter');
      await quickInputChanged(before);
    },
    async fillFileDialog(file, expect) {
      if (expect !== undefined) await quickInputShows(expect);
      const input = quickInput.locator('input');
      await input.waitFor({ state: 'visible' });
      // the dialog fills in its starting folder a moment after it shows
      for (let i = 0; i < 40 && !(await input.inputValue()).includes('/'); i++) await page.waitForTimeout(100);
      for (let attempt = 0; attempt < 5; attempt++) {
        await input.fill(file);
        if ((await input.inputValue()) !== file) continue;
        await page.keyboard.press('Enter');
        // an Enter that comes while the dialog still checks the typed path is not taken
        for (let i = 0; i < 10; i++) {
          await page.waitForTimeout(200);
          if (!(await quickInput.isVisible()) || (await input.inputValue()) !== file) return;
        }
      }
      throw new Error(`the file dialog did not take ${file}: it shows "${await input.inputValue()}"`);
    },
    async pickQuickItem(label, expect) {
      if (expect !== undefined) await quickInputShows(expect);
      const row = quickInput.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ timeout: 15000 });
      const before = await quickInputText();
      await row.click();
      await quickInputChanged(before);
    },
    async quickInputMessage() {
      const msg = quickInput.locator('.quick-input-message');
      return (await msg.count()) ? (await msg.first().innerText()).trim() : '';
    },
    async showSocketDebugger() {
      // already showing: a click on the activity-bar entry of the visible container would hide it
      const title = page.locator('.sidebar .composite.title', { hasText: /Socket/ }).first();
      if (!(await title.isVisible())) {
        const entry = page.locator('.activitybar [aria-label*="Socket Debugger"]').first();
        const checked = await entry.getAttribute('aria-checked').catch(() => null);
        const selected = await entry.locator('xpath=..').getAttribute('class').catch(() => '');
        if (checked !== 'true' && !(selected ?? '').includes('checked')) await entry.click();
      }
      // a container with one view hides that view's header: wait for the sidebar title and the view's body
      await title.waitFor({ timeout: 15000 });
      await page.locator('.sidebar .pane-body').first().waitFor({ timeout: 15000 });
    },
    async newTcpServer(framing = 'length:i', encoding = 'utf-8') {
      await wb.showSocketDebugger();
      await wb.runCommand('Socket Debugger: New TCP Server…');
      await wb.fillQuickInput('0', 'Port');
      await wb.fillQuickInput('127.0.0.1', 'Address to listen on');
      await wb.pickQuickItem(framing, 'How are messages cut');
      await wb.pickQuickItem(encoding, 'How are bytes shown');
      // the server's row reads "TCP :PORT" (its host, 127.0.0.1, is in the tooltip)
      const row = wb.treeRow('TCP :');
      await row.waitFor({ timeout: 20000 });
      const port = Number(/TCP :(\d+)/.exec(await row.innerText())?.[1]);
      if (!(port > 0)) throw new Error(`no port in the server row "${await row.innerText()}"`);
      return { port, row };
    },
    async setSideBarWidth(width) {
      const sidebar = page.locator('.part.sidebar');
      for (let attempt = 0; attempt < 3; attempt++) {
        const box = await sidebar.boundingBox();
        if (!box) throw new Error('no side bar');
        if (Math.abs(box.width - width) <= 1) return box.width;
        const edge = box.x + box.width;
        // the vertical sash on the side bar's right edge
        let dragged = false;
        for (const sash of await page.locator('.monaco-sash.vertical').all()) {
          const b = await sash.boundingBox();
          if (!b || Math.abs(b.x + b.width / 2 - edge) > 6 || b.height < box.height / 2) continue;
          const y = b.y + b.height / 2;
          await page.mouse.move(b.x + b.width / 2, y);
          await page.mouse.down();
          await page.mouse.move(box.x + width, y, { steps: 8 });
          await page.mouse.up();
          dragged = true;
          break;
        }
        if (!dragged) throw new Error('no sash on the side bar\'s edge');
        await page.waitForTimeout(200);
      }
      return (await sidebar.boundingBox())?.width ?? 0;
    },
    async treeRows() {
      const rows = page.locator('.pane-body .monaco-list-row');
      return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    },
    treeRow(text) {
      return page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
    },
    async notifications() {
      await wb.runCommand('Notifications: Show Notifications');
      const items = page.locator('.notifications-center .notification-list-item-message');
      await page.waitForTimeout(300);
      return (await items.allInnerTexts()).map((t) => t.trim());
    },
    webview(index) {
      const frames = page.locator('iframe.webview.ready');
      const outer = index === undefined ? frames.last() : frames.nth(index);
      return outer.contentFrame().frameLocator('iframe#active-frame');
    },
    async screenshot(name, clip, opts) {
      const file = path.join(ensureDir(env.artifacts), `${safeName(name)}.png`);
      await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
      if (opts?.docs && process.env.SOCKDBG_UPDATE_SCREENSHOTS) fs.copyFileSync(file, path.join(env.extensionPath, 'docs/images', `${safeName(name)}.png`));
      return file;
    },
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(udd, { recursive: true, force: true });
    },
  };
  return wb;
}

function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Registers an `afterEach` that saves `failure-<test title>.png` when a test failed. Call inside `describe`. */
export function screenshotOnFailure(get: () => Workbench | undefined): void {
  afterEach(async function () {
    const test = this.currentTest;
    const wb = get();
    if (!wb || !test || test.state !== 'failed') return;
    const file = await wb.screenshot(`failure-${test.fullTitle()}`).catch(() => undefined);
    if (file) console.log(`    screenshot: ${file}`);
  });
}

/** The lines a peer process (a Python program) prints, as they come; `next()` fails after `timeoutMs` with its stderr. */
export function outputLines(p: ChildProcessWithoutNullStreams): { next(timeoutMs?: number): Promise<string> } {
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l);
      else queue.push(l);
    }
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    next(timeoutMs = 20000) {
      const q = queue.shift();
      if (q !== undefined) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`the peer process printed nothing in time; stderr: ${err}`)), timeoutMs);
        waiters.push((l) => {
          clearTimeout(t);
          resolve(l);
        });
      });
    },
  };
}
