// Entry point of the `sockdbg` CLI (bundled by esbuild to dist/cli.js with a shebang).
import { run } from './cli';
import { processContext } from './context';
import { errorMessage } from '../shared/errors';

function flushAndExit(code: number): void {
  // stdout/stderr may be pipes: let pending writes drain before exiting
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `sockdbg … | head` closes the pipe: stop quietly
  if (err.code === 'EPIPE') process.exit(0);
});

run(process.argv.slice(2), processContext()).then(flushAndExit, (err: unknown) => {
  process.stderr.write(`sockdbg: internal error: ${errorMessage(err)}\n`);
  flushAndExit(3);
});
