// The documentation keeps up with the product: every command and setting the manifest contributes, and every option
// `sockdbg … --help` prints, is named on some page of the README or docs/.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

/** README.md and every page under docs/, as one text. */
function documentation(): string {
  const pages: string[] = [path.join(ROOT, 'README.md')];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.md')) pages.push(path.join(dir, e.name));
    }
  };
  walk(path.join(ROOT, 'docs'));
  return pages.map((p) => fs.readFileSync(p, 'utf8')).join('\n');
}

interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    configuration: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }>;
  };
}

function help(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `sockdbg ${args.join(' ')} --help exits 0: ${r.stderr}`);
  return r.stdout;
}

/** The `--option` words a help text names. */
function optionsOf(text: string): string[] {
  return [...new Set(text.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];
}

describe('documentation coverage', () => {
  const docs = documentation();
  const named = (word: string): boolean => new RegExp(`(?<![\\w.-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(docs);

  it('names every command and setting of package.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
    const config = manifest.contributes.configuration;
    const settings = (Array.isArray(config) ? config : [config]).flatMap((c) => Object.keys(c.properties));
    const commands = manifest.contributes.commands.map((c) => c.command);
    assert.ok(commands.length > 10 && settings.length > 5, 'the manifest was read');
    assert.deepEqual([...commands, ...settings].filter((id) => !named(id)), [], 'not named in README.md or docs/');
  });

  it('names no command, setting, view or context key that package.json does not know', () => {
    const manifest = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const ids = (text: string): string[] => [...text.matchAll(/socketDebugger(?:\.[A-Za-z]+)+(\.\*)?/g)].map((m) => m[0]);
    const known = new Set(ids(manifest));
    assert.ok(known.has('socketDebugger.tcp.listen') && known.has('socketDebugger.defaultFraming'), 'the manifest was read');
    // a name followed by `.*` (`socketDebugger.history.*`) is a group of settings: some id must start with it
    const stale = ids(docs).filter((id) => (id.endsWith('.*') ? ![...known].some((k) => k.startsWith(id.slice(0, -1))) : !known.has(id)));
    assert.deepEqual([...new Set(stale)], [], 'named in README.md or docs/ but not in package.json');
  });

  it('names every sockdbg subcommand and option that --help prints', () => {
    const main = help([]);
    const subcommands = [...new Set([...main.matchAll(/^\s+sockdbg ([a-z]+(?: [a-z]+)?)\b/gm)].map((m) => m[1]!))];
    assert.ok(subcommands.includes('tcp listen') && subcommands.includes('struct pack'), `subcommands: ${subcommands.join(', ')}`);
    const missing: string[] = [];
    for (const sub of subcommands) {
      if (!named(`sockdbg ${sub}`) && !named(sub)) missing.push(`sockdbg ${sub}`);
      for (const opt of optionsOf(help(sub.split(' ')))) if (!named(opt)) missing.push(`sockdbg ${sub} ${opt}`);
    }
    assert.deepEqual(missing, [], 'not named in README.md or docs/');
  });

  it('the check bites: a made-up command, setting or option is reported', () => {
    assert.ok(named('socketDebugger.tcp.listen') && named('--reply-hex'));
    assert.ok(!named('socketDebugger.tcp.listenX') && !named('--reply-he') && !named('socketDebugger.noSuchSetting'));
    assert.deepEqual(optionsOf('  --port N   --send-hex HEX, e.g. a--b or ---x'), ['--port', '--send-hex']);
  });
});
