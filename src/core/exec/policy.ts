/**
 * What a restricted (allowlisted) key may choose besides the command line: the working directory, and the
 * environment every command gets (no agent key, repository config hooks off, a marker to find the whole tree).
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Set in every command's environment to a per-session token; the agent finds leftover processes by it. */
export const SESSION_MARKER_VAR = 'SOCKDBG_EXEC_SESSION';

/**
 * Git settings forced for commands of a restricted agent (GIT_CONFIG_COUNT has the precedence of `git -c`, above
 * any repository's .git/config): no fsmonitor or hook programs, no pager or editor, no ext:: transport.
 */
export const HARDENED_GIT_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.pager', 'cat'],
  ['core.editor', 'false'],
  ['core.askPass', ''],
  ['protocol.ext.allow', 'never'],
  ['diff.external', ''],
];

export interface ChildEnvOptions {
  base: NodeJS.ProcessEnv;
  /** names never passed on (the variable the key came from) */
  drop: readonly string[];
  /** a restricted agent: no GIT_* from the agent's environment, repository config hooks disabled */
  hardened: boolean;
  /** the request's "env" (only accepted without an allowlist) */
  extra?: Record<string, string>;
  marker: string;
}

export function childEnv(o: ChildEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(o.base)) {
    if (v === undefined || o.drop.includes(k)) continue;
    if (o.hardened && k.toUpperCase().startsWith('GIT_')) continue;
    env[k] = v;
  }
  if (o.hardened) {
    env.GIT_CONFIG_NOSYSTEM = '1';
    env.GIT_TERMINAL_PROMPT = '0';
    env.GIT_PAGER = 'cat';
    env.GIT_CONFIG_COUNT = String(HARDENED_GIT_CONFIG.length);
    HARDENED_GIT_CONFIG.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  }
  if (o.extra) Object.assign(env, o.extra);
  for (const k of o.drop) delete env[k];
  env[SESSION_MARKER_VAR] = o.marker;
  return env;
}

/** `roots` resolved once (symlinks followed); a root that does not exist is an error for the operator. */
export function resolveRoots(roots: readonly string[]): string[] {
  return roots.map((r) => {
    try {
      return realpathSync.native(resolve(r));
    } catch {
      throw new Error(`allowed working directory not found: ${r}`);
    }
  });
}

export type CwdVerdict = { ok: true; cwd: string | undefined } | { ok: false; message: string };

/**
 * Where a restricted request may run: its "cwd" (symlinks followed) must be `agentCwd` itself or lie inside one of
 * `roots`. No "cwd" runs in the agent's own directory. The answer never says whether a refused path exists.
 */
export function checkCwd(cwd: string | undefined, agentCwd: string, roots: readonly string[]): CwdVerdict {
  if (cwd === undefined) return { ok: true, cwd: undefined };
  const refused: CwdVerdict = {
    ok: false,
    message: `the agent does not run commands in ${JSON.stringify(cwd)}: allowed are its own directory${roots.length ? ' and --allow-cwd roots' : ''}`,
  };
  let real: string;
  try {
    real = realpathSync.native(resolve(agentCwd, cwd));
  } catch {
    return refused;
  }
  if (real === agentCwd) return { ok: true, cwd: real };
  for (const root of roots) {
    const rel = relative(root, real);
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) return { ok: true, cwd: real };
  }
  return refused;
}
