// The documentation cannot rot: every relative link, image and #anchor of the README, CONTRIBUTING, the changelog
// and docs/ resolves, and the README stays a front page that links every user guide.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { brokenLinks, githubSlug, parseMarkdown, type FileTree } from './markdown';

const ROOT = path.join(__dirname, '../../../..');

/** A folder on disk as a FileTree. */
export function folderTree(root: string): FileTree {
  return {
    kind(rel) {
      const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
      return st?.isFile() ? 'file' : st?.isDirectory() ? 'folder' : undefined;
    },
    read(rel) {
      const file = path.join(root, rel);
      return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(file, 'utf8') : undefined;
    },
  };
}

/** The Markdown pages of the tree that readers see: the root's, and those under docs/ and examples/. */
function markdownPages(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && rel) walk(child);
      else if (e.isDirectory() && (e.name === 'docs' || e.name === 'examples')) walk(child);
      else if (e.isFile() && e.name.endsWith('.md')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** The user guides and the developer guide the README's Documentation table must link. */
const GUIDES = [
  'docs/extension.md',
  'docs/cli.md',
  'docs/framing.md',
  'docs/struct-and-encodings.md',
  'docs/remote-exec.md',
  'docs/exec-protocol.md',
  'docs/engine.md',
  'docs/benchmarks.md',
  'docs/architecture.md',
  'CONTRIBUTING.md',
];

describe('documentation links', () => {
  it('every relative link, image and #anchor of README, CONTRIBUTING, CHANGELOG, docs/ and examples/ resolves', () => {
    const pages = markdownPages(ROOT);
    for (const p of ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...GUIDES]) assert.ok(pages.includes(p), `${p} is checked`);
    assert.deepEqual(brokenLinks(folderTree(ROOT), pages), []);
  });

  it('README.md is a front page: at most 300 lines, linking every guide and showing its pictures', () => {
    const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 300, `README.md has ${lines} lines; move details to docs/`);
    const { links } = parseMarkdown(text);
    const targets = new Set(links.map((l) => l.href.split('#')[0]));
    assert.deepEqual(GUIDES.filter((g) => !targets.has(g)), [], 'guides the README does not link');
    const images = links.filter((l) => l.image).map((l) => l.href);
    assert.ok(images.length >= 3 && images.every((i) => i.startsWith('docs/images/')), `README images: ${images.join(', ')}`);
  });

  it("slugs headings the way GitHub does", () => {
    assert.equal(githubSlug('`tcp listen` — a server'), 'tcp-listen--a-server');
    assert.equal(githubSlug('Library API (`src/core/codec`)'), 'library-api-srccorecodec');
    assert.equal(githubSlug("`struct` — Python's struct module, byte for byte"), 'struct--pythons-struct-module-byte-for-byte');
    assert.equal(githubSlug('`--json` events'), '--json-events');
    assert.equal(githubSlug('黏包 (sticky packets)'), '黏包-sticky-packets');
    assert.equal(githubSlug('Figures (2-core VM)'), 'figures-2-core-vm');
    assert.equal(githubSlug('shift_jis & euc-kr!'), 'shift_jis--euc-kr');
    const { anchors } = parseMarkdown('# Tests\n\n## Tests\n\n### *Tests*\n\n## [Quick start](#x)\n\n<a id="custom"></a>\n');
    assert.deepEqual([...anchors].sort(), ['custom', 'quick-start', 'tests', 'tests-1', 'tests-2']);
  });

  it('reports planted broken links and leaves good ones and code alone', () => {
    const root = fs.mkdtempSync(path.join(tmpdir(), 'sockdbg-links-'));
    try {
      fs.mkdirSync(path.join(root, 'docs/images'), { recursive: true });
      fs.writeFileSync(path.join(root, 'docs/images/a.png'), 'png');
      fs.writeFileSync(path.join(root, 'docs/guide.md'), '# Guide\n\n## Exit codes\n\nBack to [the start](../README.md#start).\n');
      fs.writeFileSync(
        path.join(root, 'README.md'),
        [
          '# Start',
          '',
          '![ok](docs/images/a.png) [ok](docs/guide.md#exit-codes) [ok](#start) [ok](docs/) [web](https://example.com/x.md)',
          '',
          '![missing](docs/images/b.png) [missing](docs/nope.md) [anchor](docs/guide.md#exit-code) [self](#nowhere)',
          '![folder](docs/images) [up](../outside.md) [abs](/docs/guide.md) [frag on png](docs/images/a.png#x)',
          '',
          '<img src="docs/images/c.png">',
          '',
          '`[code](docs/nope.md)`',
          '',
          '```',
          '[fenced](docs/nope.md)',
          '```',
        ].join('\n'),
      );
      const problems = brokenLinks(folderTree(root), ['README.md', 'docs/guide.md']);
      assert.deepEqual(problems, [
        'README.md:5: docs/images/b.png — docs/images/b.png does not exist',
        'README.md:5: docs/nope.md — docs/nope.md does not exist',
        'README.md:5: docs/guide.md#exit-code — no heading or anchor #exit-code in docs/guide.md',
        'README.md:5: #nowhere — no heading or anchor #nowhere in README.md',
        'README.md:5: docs/images — docs/images is not a file',
        'README.md:5: ../outside.md — leaves the tree',
        'README.md:5: /docs/guide.md — absolute path (breaks outside the repository root: write it relative to the page)',
        'README.md:5: docs/images/a.png#x — #x on docs/images/a.png, which is not a Markdown page',
        'README.md:8: docs/images/c.png — docs/images/c.png does not exist',
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
