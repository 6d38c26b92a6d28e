// Runs the real-VS-Code suites: `node scripts/vscode-test.mjs [exthost] [ui]` (default: both).
//
// The only VS Code that runs offline here is code-server (VS Code 1.139.1 with a Node extension host), driven by
// Debian's Chromium through playwright-core. This script installs and caches what it needs:
//   - chromium + libkrb5-dev via apt when missing and we are root (otherwise it names the packages and stops);
//   - Node 24 (test-env/node24) and code-server 4.139.1 (test-env/code-server), each pinned by its own lockfile,
//     installed with `npm ci`; skipped when the lockfile has not changed since the last install;
// then starts code-server on a free 127.0.0.1 port (own config + user-data-dir in a temp dir) and runs
//   - exthost: out/src/test/exthost/index.js `run()` inside the extension host (trusted workspace), then again in
//     a restricted (untrusted) workspace where only tests titled with "[restricted]" run;
//   - ui: each out/src/test/ui/*.test.js with mocha in Node; they reach the server through SOCKDBG_CS_URL etc.
//     (see src/test/ui/driver.ts).
// Everything it starts is stopped at the end, whatever happens.
//
// Environment: SOCKDBG_VERBOSE=1 prints the whole browser console; SOCKDBG_CHROMIUM overrides the browser path;
// SOCKDBG_TEST_TIMEOUT_MS bounds each extension-host run (default 300 000); SOCKDBG_KEEP_TMP=1 keeps the temp dir;
// SOCKDBG_UI_FILES=a,b runs only the UI test files whose names contain a or b.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { codeServerBin, codeServerLaunch, csDir, node24, node24Dir, waitHealthy, freePort, QUIET_SETTINGS } from './lib/code-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const argv = process.argv.slice(2);
const suites = argv.length ? argv : ['exthost', 'ui'];
const verbose = !!process.env.SOCKDBG_VERBOSE;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const artifacts = join(root, '.test-artifacts');
const t0 = Date.now();

const cleanups = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // best effort: keep cleaning up
    }
  }
}
function fail(message, code = 1) {
  console.error(`✖ ${message}`);
  return cleanup().then(() => process.exit(code));
}

const step = (msg) => console.log(`[vscode-test +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

// ---------------------------------------------------------------------------------------------- installs

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function chromiumPath() {
  if (process.env.SOCKDBG_CHROMIUM) return process.env.SOCKDBG_CHROMIUM;
  for (const c of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(c)) return c;
  return which('chromium') ?? which('chromium-browser');
}

function hasKrb5Dev() {
  // code-server's kerberos module builds against gssapi headers from libkrb5-dev
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h');
}

function lockHash(dir) {
  return createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
}
function stampPath(dir) {
  return join(dir, 'node_modules/.sockdbg-install-stamp');
}
function isInstalled(dir, probe) {
  const stamp = stampPath(dir);
  return existsSync(probe) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === lockHash(dir);
}

function ensureSystemPackages(needKrb5, needChromium = true) {
  const missing = [];
  if (needChromium && !chromiumPath()) missing.push('chromium');
  if (needKrb5 && !hasKrb5Dev()) missing.push('libkrb5-dev');
  // a CJK font, so that the tutorial's Chinese renders (and is measured) as users see it, not as boxes
  if (needChromium && !existsSync('/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc')) missing.push('fonts-wqy-zenhei');
  if (!missing.length) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) {
    console.error(`✖ the real-VS-Code tests need these system packages: ${missing.join(' ')} — install them (e.g. sudo apt-get install -y ${missing.join(' ')}) and run again`);
    process.exit(1);
  }
  step(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: verbose ? 'inherit' : ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`✖ apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
      process.exit(1);
    }
  }
}

/** process.env without the variables an outer `npm run` sets (npm_*, NODE, INIT_CWD) */
function cleanNpmEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') delete env[k];
  return env;
}

function npmCi(dir, env, label) {
  step(`installing ${label} (npm ci --prefix ${dir.slice(root.length + 1)}) …`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const logFile = join(dir, 'node_modules/.sockdbg-install.log');
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefix', dir], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(logFile, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0) {
    console.error((r.stdout + r.stderr).split('\n').slice(-40).join('\n'));
    console.error(`✖ installing ${label} failed (exit ${r.status ?? r.signal}); full log: ${logFile}`);
    process.exit(1);
  }
  writeFileSync(stampPath(dir), lockHash(dir) + '\n');
}

/** Installs (or reuses) Node 24 and code-server; `needChromium` also requires the browser. */
export function ensureTestEnv({ needChromium = true } = {}) {
  const needCodeServer = !isInstalled(csDir, codeServerBin);
  ensureSystemPackages(needCodeServer, needChromium);
  if (!isInstalled(node24Dir, join(node24, 'bin/node'))) npmCi(node24Dir, cleanNpmEnv(), 'Node 24');
  if (needCodeServer) {
    // code-server builds native modules (argon2, kerberos, node-pty, …) for the Node that runs npm: Node 24.
    // Run under `npm test`, the environment carries the outer npm's settings (npm_config_user_agent says node/v20,
    // which code-server's postinstall checks): start from a clean npm environment.
    const env = { ...cleanNpmEnv(), PATH: `${join(node24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24 };
    npmCi(csDir, env, 'code-server 4.139.1 (cold install ≈ 2 min)');
  }
}

/**
 * Under `npm test` (scripts/test.mjs) the tests were just compiled and the bundles built; run directly, this script
 * compiles and builds first so that it never tests stale output.
 */
function ensureBuilt() {
  const fresh = process.env.npm_lifecycle_event !== 'test';
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  if (fresh || !existsSync(join(root, 'out/src/test/exthost/index.js'))) {
    step('compiling tests (tsc -p tsconfig.test.json)');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: root, stdio: 'inherit' });
    // tsc still emits on type errors; npm test fails on them anyway, a direct run tests what was emitted
    if (r.status !== 0) console.warn('⚠ tsc reported errors (above); testing the emitted output anyway');
  }
  if (fresh || !existsSync(join(root, 'dist/extension.js'))) {
    step('building (scripts/build.mjs)');
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: verbose ? 'inherit' : ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------- code-server

/** Packs the built extension into a .vsix the way `npm run package` does (same vsce flags), without rebuilding. */
function packageVsix(out) {
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.package;
  const flags = script.slice(script.indexOf('vsce package') + 'vsce package'.length).trim().split(/\s+/).filter(Boolean);
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', ...flags, '-o', out], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed: ${r.stderr || r.stdout}`);
  return out;
}

/**
 * Starts one code-server; `trusted: false` leaves workspace trust on (restricted mode for a fresh folder).
 * `vsix`: install that package into the server's extensions folder first (a window then runs the installed
 * extension, as a user has it, instead of the development folder).
 */
async function startCodeServer(name, { trusted, vsix }, attempt = 1) {
  const dir = mkdtempSync(join(tmpdir(), `sockdbg-cs-${name}-`));
  if (!process.env.SOCKDBG_KEEP_TMP) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  if (vsix) {
    const r = spawnSync(join(node24, 'bin/node'), [codeServerBin, '--install-extension', vsix, '--extensions-dir', join(dir, 'ext'), '--user-data-dir', join(dir, 'ud')], { encoding: 'utf8' });
    if (r.status !== 0) await fail(`code-server could not install ${vsix}: ${r.stderr || r.stdout}`);
  }
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'README.txt'), 'Socket Debugger test workspace\n');
  if (!trusted) {
    // settings a hostile workspace could set: restrictedConfigurations must make restricted mode ignore them
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'socketDebugger.defaultHost': '0.0.0.0', 'socketDebugger.udp.broadcast': true, 'socketDebugger.displayMode': 'hex' }));
  }
  const settings = QUIET_SETTINGS;
  const extraArgs = ['--disable-getting-started-override', ...(trusted ? ['--disable-workspace-trust'] : [])];
  const { command, args, env, url } = codeServerLaunch({ dir, port: await freePort(), folder: ws, settings, extraArgs });
  const logFile = join(dir, 'code-server.log');
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logChunks = [];
  child.stdout.on('data', (d) => logChunks.push(d));
  child.stderr.on('data', (d) => logChunks.push(d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: server + extension hosts + pty hosts
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
    try {
      writeFileSync(logFile, Buffer.concat(logChunks));
    } catch {
      // temp dir removed
    }
  };
  cleanups.push(stop);
  if (!(await waitHealthy(url, child))) {
    const log = Buffer.concat(logChunks).toString('utf8');
    // the free port was taken by someone else between our check and code-server's listen: try another
    if (attempt < 3 && /EADDRINUSE/.test(log)) {
      step(`code-server (${name}): ${url} was taken meanwhile; trying another port`);
      await stop();
      return startCodeServer(name, { trusted, vsix }, attempt + 1);
    }
    console.error(log.split('\n').slice(-30).join('\n'));
    await fail(`code-server (${name}) did not come up on ${url}`);
  }
  step(`code-server (${name}${trusted ? '' : ', workspace trust on'}) up at ${url}`);
  return { url, ws, dir, stop, log: () => Buffer.concat(logChunks).toString('utf8') };
}

// ---------------------------------------------------------------------------------------------- browser

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

async function launchBrowser() {
  const { chromium } = require('playwright-core');
  const udd = mkdtempSync(join(tmpdir(), 'sockdbg-chrome-'));
  const ctx = await chromium.launchPersistentContext(udd, { executablePath: chromiumPath(), headless: true, args: chromiumArgs, viewport: { width: 1400, height: 900 } });
  const close = async () => {
    await ctx.close().catch(() => undefined);
    rmSync(udd, { recursive: true, force: true });
  };
  cleanups.push(close);
  return { ctx, close };
}

const MARK = '[sockdbg-exthost] ';
const RESULT = '[sockdbg-result] ';

/** Runs out/src/test/exthost/index.js inside the extension host of one workbench window. */
async function runExtensionHostSuite(server, mode) {
  const authority = new URL(server.url).host;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(join(root, 'out/src/test/exthost/index.js'))],
    ['extensionEnvironment', JSON.stringify({ SOCKDBG_EXTHOST_MODE: mode, SOCKDBG_TEST_WORKSPACE: server.ws })],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(server.ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const { ctx, close } = await launchBrowser();
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  let done;
  const exited = new Promise((r) => (done = r));
  let result;
  await page.exposeFunction('codeAutomationExit', (code) => done({ code }));
  page.on('console', (m) => {
    const t = m.text();
    const i = t.indexOf(MARK);
    const j = t.indexOf(RESULT);
    if (j >= 0) {
      try {
        result = JSON.parse(t.slice(j + RESULT.length).trim());
      } catch {
        // ignore a garbled line
      }
    } else if (i >= 0) {
      for (const line of t.slice(i + MARK.length).split('\n')) console.log(`  ${line}`);
    } else if (verbose) console.log('[browser]', t.slice(0, 2000));
  });
  page.on('pageerror', (e) => verbose && console.log('[pageerror]', e.message));
  const timeoutMs = Number(process.env.SOCKDBG_TEST_TIMEOUT_MS || 300000);
  await page.goto(url);
  step(`exthost (${mode}): workbench loaded`);
  const timer = setTimeout(() => done({ code: 124, timeout: true }), timeoutMs);
  const res = await exited;
  clearTimeout(timer);
  step(`exthost (${mode}): finished with exit code ${res.code}`);
  if (res.code !== 0) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `exthost-${mode}-failure.png`) }).catch(() => undefined);
    writeFileSync(join(artifacts, `code-server-${mode}.log`), server.log());
  }
  await close();
  if (res.timeout) console.error(`✖ extension-host suite (${mode}) timed out after ${timeoutMs} ms`);
  return { code: res.code, passes: result?.passes ?? 0, failures: result?.failures ?? (res.code ? 1 : 0), pending: result?.pending ?? 0 };
}

/**
 * Runs UI test files with mocha, each in its own Node process. `installed`: the files named installed-*.test.js,
 * which run against a server where the extension was installed from its .vsix (SOCKDBG_CS_INSTALLED=1 tells the
 * driver to open the window without the development payload); otherwise every other file.
 */
function runUiSuite(server, { installed = false } = {}) {
  const dir = join(root, 'out/src/test/ui');
  const only = (process.env.SOCKDBG_UI_FILES || '').split(',').map((s) => s.trim()).filter(Boolean);
  const files = (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort() : [])
    .filter((f) => f.startsWith('installed-') === installed)
    .filter((f) => !only.length || only.some((o) => f.includes(o)));
  if (!files.length) {
    step('ui: no out/src/test/ui/*.test.js — nothing to run');
    return { code: 0, passes: 0, failures: 0, pending: 0 };
  }
  mkdirSync(artifacts, { recursive: true });
  let passes = 0;
  let failures = 0;
  let pending = 0;
  for (const f of files) {
    step(`ui: ${f}`);
    const env = {
      ...process.env,
      SOCKDBG_CS_URL: server.url,
      SOCKDBG_CS_WS: server.ws,
      SOCKDBG_EXT_PATH: root,
      SOCKDBG_ARTIFACTS: artifacts,
      SOCKDBG_CHROMIUM: chromiumPath(),
      ...(installed ? { SOCKDBG_CS_INSTALLED: '1', SOCKDBG_CS_DIR: server.dir } : {}),
    };
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--timeout', '180000', '--exit', '--reporter', 'spec', join(dir, f)],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const out = r.stdout ?? '';
    process.stdout.write(out);
    const count = (re) => Number(re.exec(out)?.[1] ?? 0);
    passes += count(/(\d+) passing/);
    pending += count(/(\d+) pending/);
    const failing = count(/(\d+) failing/);
    failures += failing || (r.status === 0 ? 0 : 1);
  }
  return { code: failures ? 1 : 0, passes, failures, pending };
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  for (const s of suites) if (!['exthost', 'ui'].includes(s)) return fail(`unknown suite "${s}" (use exthost and/or ui)`);
  ensureTestEnv();
  ensureBuilt();
  step('test environment ready');
  const summary = [];
  let failed = false;
  const trusted = await startCodeServer('trusted', { trusted: true });
  if (suites.includes('exthost')) {
    step('exthost: running out/src/test/exthost in the extension host (trusted workspace)');
    const r = await runExtensionHostSuite(trusted, 'trusted');
    summary.push(['exthost', r]);
    failed ||= r.code !== 0;
  }
  if (suites.includes('ui')) {
    const r = runUiSuite(trusted);
    summary.push(['ui', r]);
    failed ||= r.code !== 0;
  }
  await trusted.stop();
  if (suites.includes('ui')) {
    const dir = join(root, 'out/src/test/ui');
    const only = (process.env.SOCKDBG_UI_FILES || '').split(',').map((s) => s.trim()).filter(Boolean);
    const wanted = (f) => f.startsWith('installed-') && f.endsWith('.test.js') && (!only.length || only.some((o) => f.includes(o)));
    if (existsSync(dir) && readdirSync(dir).some(wanted)) {
      step('ui: packing the extension (.vsix) and installing it into a fresh code-server');
      const vsix = packageVsix(join(mkdtempSync(join(tmpdir(), 'sockdbg-vsix-')), 'socket-debugger.vsix'));
      cleanups.push(() => rmSync(dirname(vsix), { recursive: true, force: true }));
      const installed = await startCodeServer('installed', { trusted: true, vsix });
      const r = runUiSuite(installed, { installed: true });
      summary.push(['ui-installed', r]);
      failed ||= r.code !== 0;
      await installed.stop();
    }
  }
  if (suites.includes('exthost')) {
    const restricted = await startCodeServer('restricted', { trusted: false });
    step('exthost: running the [restricted] tests in an untrusted workspace');
    const r = await runExtensionHostSuite(restricted, 'restricted');
    summary.push(['exthost-restricted', r]);
    failed ||= r.code !== 0;
    await restricted.stop();
  }
  await cleanup();
  let p = 0;
  let f = 0;
  for (const [name, r] of summary) {
    console.log(`  ${name}: ${r.passes} passed, ${r.failures} failed${r.pending ? `, ${r.pending} pending` : ''}`);
    p += r.passes;
    f += r.failures;
  }
  console.log(`real VS Code suites finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`vscode: ${p} passed, ${f} failed`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      void fail(`interrupted (${sig})`, 130);
    });
  }
  main().catch(async (e) => {
    console.error(e);
    await fail('vscode-test crashed');
  });
}
