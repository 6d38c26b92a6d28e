// The .vsix shows what its README shows: `npm run package` runs once, in a temporary copy of the tree (so the
// worktree's dist/ is untouched), and the packaged README's pictures and relative links must resolve inside it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { brokenLinks, isRelative, parseMarkdown, type FileTree } from './markdown';

const ROOT = path.join(__dirname, '../../../..');
/** top-level entries the packaging does not need: dependencies (linked instead), outputs, caches, test machinery */
const NOT_COPIED = new Set(['node_modules', '.git', 'out', 'dist', 'test-env', '.ci', '.test-artifacts', 'bench-results', '.vscode-test']);
/** where vsce puts the extension's files inside the .vsix */
const EXT = 'extension/';
/** vsce stores README.md as readme.md (and CHANGELOG.md as changelog.md), which is what the installed extension has */
const README = 'readme.md';

/** Copies what `npm run package` reads into a fresh folder, with node_modules linked, not copied. */
function copyForPackaging(dest: string): void {
  for (const e of fs.readdirSync(ROOT, { withFileTypes: true })) {
    if (NOT_COPIED.has(e.name) || e.name.endsWith('.vsix')) continue;
    fs.cpSync(path.join(ROOT, e.name), path.join(dest, e.name), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'junction');
}

/** Every file of a zip archive, by its path in the archive. */
function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The extension's files inside the .vsix as a FileTree. */
function vsixTree(files: Map<string, Buffer>): FileTree {
  const folders = new Set<string>();
  for (const name of files.keys()) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return {
    kind: (rel) => (files.has(EXT + rel) ? 'file' : folders.has(EXT + rel) ? 'folder' : undefined),
    read: (rel) => files.get(EXT + rel)?.toString('utf8'),
  };
}

describe('the packaged .vsix', function () {
  let work: string;
  let files: Map<string, Buffer>;

  before(async function () {
    this.timeout(240_000);
    work = fs.mkdtempSync(path.join(tmpdir(), 'sockdbg-vsix-'));
    copyForPackaging(work);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['run', 'package'], { cwd: work, encoding: 'utf8', timeout: 200_000, shell: process.platform === 'win32' });
    assert.equal(r.status, 0, `npm run package failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    const vsix = fs.readdirSync(work).filter((f) => f.endsWith('.vsix'));
    assert.equal(vsix.length, 1, `one .vsix built: ${vsix.join(', ')}`);
    files = await readZip(path.join(work, vsix[0]!));
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the README unchanged: relative links are not rewritten to a repository', () => {
    const packaged = files.get(EXT + README)?.toString('utf8');
    assert.equal(packaged, fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  });

  it("every picture and relative link of the packaged README resolves inside the .vsix", () => {
    const readme = parseMarkdown(files.get(EXT + README)?.toString('utf8') ?? '');
    const images = readme.links.filter((l) => l.image && isRelative(l.href));
    assert.ok(images.length >= 3, 'the README shows pictures');
    for (const img of images) {
      const png = files.get(EXT + img.href);
      assert.ok(png && png.subarray(1, 4).toString('latin1') === 'PNG', `${img.href} is packaged as a PNG`);
    }
    assert.deepEqual(brokenLinks(vsixTree(files), [README]), []);
  });

  it("ships the webview's codicons and the bundles, and no node_modules or source maps", () => {
    const css = files.get(`${EXT}dist/webview/codicons/codicon.css`)?.toString('utf8');
    assert.ok(css, 'codicon.css is packaged');
    assert.match(css, /codicon\.ttf/, 'codicon.css loads its font');
    assert.ok(files.has(`${EXT}dist/webview/codicons/codicon.ttf`), 'codicon.ttf is packaged');
    for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/webview/main.js', 'dist/webview/main.css', 'package.json']) {
      assert.ok(files.has(EXT + f), `${f} is packaged`);
    }
    const stray = [...files.keys()].filter((f) => f.includes('/node_modules/') || f.endsWith('.map'));
    assert.deepEqual(stray, []);
    const manifest = JSON.parse(files.get(`${EXT}package.json`)!.toString('utf8')) as { dependencies?: Record<string, string> };
    assert.equal(manifest.dependencies?.['@vscode/codicons'], undefined, '@vscode/codicons is a devDependency');
  });
});
