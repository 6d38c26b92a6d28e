// `npm test`: installs what the tests need, then typecheck, lint, build, unit tests (mocha, real sockets on
// loopback) and the suites that run inside a real VS Code (code-server + Chromium, see scripts/vscode-test.mjs).
// SOCKDBG_TEST_SUITES picks suites: a comma list of unit, exthost, ui (default: all).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = new Set((process.env.SOCKDBG_TEST_SUITES || 'unit,exthost,ui').split(',').map((s) => s.trim()));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const t0 = Date.now();

function run(title, cmd, args, opts = {}) {
  const t = Date.now();
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`✖ ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.log(`✔ ${title} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

// 1. dependencies: install when node_modules is missing or older than the lockfile.
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules/.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  run('npm ci', npm, ['ci', '--no-audit', '--no-fund']);
}

run('typecheck (extension, core, cli)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
run('typecheck (shared: no Node, no DOM)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'src/shared/tsconfig.json']);
if (existsSync(join(root, 'src/webview/main.ts'))) {
  run('typecheck (webview)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'src/webview/tsconfig.json']);
}
run('lint', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), 'src', 'scripts']);
run('build', process.execPath, [join(root, 'scripts/build.mjs')]);
if (suites.has('unit')) {
  run('unit tests (mocha)', process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), '--config', '.mocharc.unit.json']);
}
const vscodeSuites = ['exthost', 'ui'].filter((s) => suites.has(s));
if (vscodeSuites.length && existsSync(join(root, 'scripts/vscode-test.mjs'))) {
  run(`real VS Code suites (${vscodeSuites.join(', ')})`, process.execPath, [join(root, 'scripts/vscode-test.mjs'), ...vscodeSuites]);
}
console.log(`\nall suites passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
