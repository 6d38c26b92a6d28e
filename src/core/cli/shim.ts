// Writes the small `sockdbg` launchers that the extension puts on PATH in VS Code's integrated terminals: a POSIX
// shell script and a Windows .cmd that run the CLI bundled with the extension, on the system's Node (20 or newer)
// when there is one, otherwise on the editor's own runtime (ELECTRON_RUN_AS_NODE makes an Electron binary act as Node).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CliShimTarget {
  /** absolute path of the bundled CLI (dist/cli.js inside the installed extension) */
  cli: string;
  /** absolute path of the editor's runtime (the extension host's process.execPath) */
  runtime: string;
}

const HEADER = 'sockdbg: the command line of the Socket Debugger extension (written by the extension; edits are overwritten)';

/** a string as one single-quoted POSIX shell word */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function posixShim(t: CliShimTarget): string {
  return [
    '#!/bin/sh',
    `# ${HEADER}`,
    `cli=${shQuote(t.cli)}`,
    'if [ ! -f "$cli" ]; then',
    '  echo "sockdbg: $cli is gone (the extension was updated or removed); open the Socket Debugger view once to refresh this command" >&2',
    '  exit 2',
    'fi',
    'if command -v node >/dev/null 2>&1 && [ "$(node -p \'+process.versions.node.split(".")[0] >= 20\' 2>/dev/null)" = true ]; then',
    '  exec node "$cli" "$@"',
    'fi',
    `ELECTRON_RUN_AS_NODE=1 exec ${shQuote(t.runtime)} "$cli" "$@"`,
    '',
  ].join('\n');
}

export function windowsShim(t: CliShimTarget): string {
  // cmd.exe: paths in double quotes (they cannot contain a double quote on Windows); %* passes the arguments on
  return [
    '@echo off',
    `rem ${HEADER}`,
    'setlocal',
    `if not exist "${t.cli}" (`,
    `  echo sockdbg: "${t.cli}" is gone ^(the extension was updated or removed^); open the Socket Debugger view once to refresh this command 1>&2`,
    '  exit /b 2',
    ')',
    'where node >nul 2>nul',
    'if %errorlevel%==0 (',
    `  node "${t.cli}" %*`,
    ') else (',
    '  set ELECTRON_RUN_AS_NODE=1',
    `  "${t.runtime}" "${t.cli}" %*`,
    ')',
    'exit /b %errorlevel%',
    '',
  ].join('\r\n');
}

/** writes `sockdbg` (mode 0755) and `sockdbg.cmd` into `dir`, leaving files that already say the same untouched */
export function writeCliShims(dir: string, target: CliShimTarget): { posix: string; windows: string } {
  mkdirSync(dir, { recursive: true });
  const posix = join(dir, 'sockdbg');
  const windows = join(dir, 'sockdbg.cmd');
  const put = (file: string, text: string): void => {
    let old: string | undefined;
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) writeFileSync(file, text);
  };
  put(posix, posixShim(target));
  chmodSync(posix, 0o755);
  put(windows, windowsShim(target));
  return { posix, windows };
}
