/**
 * System tools some tests compare against (tshark, socat): found on PATH, or installed with apt-get when we are
 * root, the way scripts/vscode-test.mjs installs chromium. Not root: the caller skips, saying why. Root but the
 * install fails: an error naming the package, so the test fails instead of skipping silently.
 */
import { spawnSync } from 'node:child_process';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** true when `tool` can be run; false (not root, cannot install) so the caller may skip; throws when an install as root failed */
export function ensureTool(tool: string, aptPackage: string): boolean {
  if (onPath(tool)) return true;
  if (!isRoot() || !onPath('apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): number | null =>
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', aptPackage], { env, stdio: 'ignore', timeout: 600_000 }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore', timeout: 600_000 });
    const status = install();
    if (status !== 0) throw new Error(`'${tool}' is missing and 'apt-get install -y ${aptPackage}' failed (exit ${String(status)}): install it and run again`);
  }
  if (!onPath(tool)) throw new Error(`'apt-get install -y ${aptPackage}' ran but '${tool}' is still not on PATH`);
  return true;
}
