// Reads Markdown the way GitHub renders it — its links, its images and the anchors its headings get — and checks
// that every relative link of a set of pages resolves, in a folder tree or inside a packaged .vsix.
import MarkdownIt from 'markdown-it';
import * as path from 'node:path';

export interface MarkdownLink {
  /** the link's target as written: `docs/cli.md#exit-codes`, `images/tree.png`, `#quick-start` */
  readonly href: string;
  readonly image: boolean;
  /** 1-based source line of the block holding the link */
  readonly line: number;
}

export interface MarkdownPage {
  readonly links: readonly MarkdownLink[];
  /** the `#fragment`s that lead somewhere in this page: heading slugs and explicit `id`/`name` anchors */
  readonly anchors: ReadonlySet<string>;
}

const md = new MarkdownIt({ html: true });
type Token = ReturnType<MarkdownIt['parse']>[number];

/**
 * GitHub's heading slug: lower case; every character that is not a letter, a mark, a digit, `_`, `-` or a space is
 * removed (punctuation, symbols, emoji; `` ` `` and `—` included); each space becomes `-`. A repeated slug gets
 * `-1`, `-2`, … (see `uniqueSlugs`).
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The text of an inline token as GitHub shows it (markup dropped, code spans and link texts kept). */
function plainText(inline: Token): string {
  return (inline.children ?? [])
    .map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : t.type === 'image' ? plainText(t) : ''))
    .join('');
}

const HTML_ATTR = /<(a|img)\b[^>]*?\b(href|src|id|name)\s*=\s*["']([^"']*)["']/gi;

export function parseMarkdown(text: string): MarkdownPage {
  const links: MarkdownLink[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const addHeading = (title: string): void => {
    const base = githubSlug(title);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  };
  const addHtml = (html: string, line: number): void => {
    for (const m of html.matchAll(HTML_ATTR)) {
      const attr = m[2]!.toLowerCase();
      if (attr === 'id' || attr === 'name') anchors.add(m[3]!);
      else links.push({ href: m[3]!, image: attr === 'src', line });
    }
  };
  const tokens = md.parse(text, {});
  tokens.forEach((block, i) => {
    const line = (block.map?.[0] ?? 0) + 1;
    if (block.type === 'heading_open') addHeading(plainText(tokens[i + 1]!));
    if (block.type === 'html_block') addHtml(block.content, line);
    if (block.type !== 'inline') return;
    const walk = (children: Token[]): void => {
      for (const t of children) {
        if (t.type === 'link_open') links.push({ href: t.attrGet('href') ?? '', image: false, line });
        if (t.type === 'image') {
          links.push({ href: t.attrGet('src') ?? '', image: true, line });
          walk(t.children ?? []);
        }
        if (t.type === 'html_inline') addHtml(t.content, line);
      }
    };
    walk(block.children ?? []);
  });
  return { links, anchors };
}

/** Whether `href` points into the same tree (a relative path and/or a `#fragment`), not at a URL. */
export function isRelative(href: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//');
}

/** What a link checker needs to know about a tree of files (paths are `/`-separated, from the tree's root). */
export interface FileTree {
  /** what is at `rel`: a file, a folder, or nothing */
  kind(rel: string): 'file' | 'folder' | undefined;
  /** the text of the file at `rel`, undefined when there is none */
  read(rel: string): string | undefined;
}

/**
 * Every relative link and image of the pages `files` (paths in `tree`) that does not resolve: a missing file or
 * folder, a path leaving the tree, a `#fragment` that is no anchor of its Markdown target, an image that is a folder.
 * Each problem reads `page:line: href — why`.
 */
export function brokenLinks(tree: FileTree, files: readonly string[]): string[] {
  const pages = new Map<string, MarkdownPage | undefined>();
  const page = (rel: string): MarkdownPage | undefined => {
    if (!pages.has(rel)) {
      const text = tree.read(rel);
      pages.set(rel, text === undefined ? undefined : parseMarkdown(text));
    }
    return pages.get(rel);
  };
  const problems: string[] = [];
  for (const file of files) {
    const source = page(file);
    if (!source) {
      problems.push(`${file}: no such page`);
      continue;
    }
    for (const link of source.links) {
      if (!isRelative(link.href)) continue;
      const why = resolveProblem(tree, page, file, link);
      if (why) problems.push(`${file}:${link.line}: ${link.href} — ${why}`);
    }
  }
  return problems;
}

function resolveProblem(
  tree: FileTree,
  page: (rel: string) => MarkdownPage | undefined,
  file: string,
  link: MarkdownLink,
): string | undefined {
  const hash = link.href.indexOf('#');
  const rawPath = hash < 0 ? link.href : link.href.slice(0, hash);
  const fragment = hash < 0 ? undefined : decodeURIComponent(link.href.slice(hash + 1));
  if (!rawPath && !fragment) return 'empty link';
  if (rawPath.startsWith('/')) return 'absolute path (breaks outside the repository root: write it relative to the page)';
  const target = rawPath ? path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(rawPath))).replace(/\/$/, '') : file;
  if (target === '..' || target.startsWith('../')) return 'leaves the tree';
  const kind = tree.kind(target);
  if (!kind) return `${target} does not exist`;
  if (link.image && kind !== 'file') return `${target} is not a file`;
  if (fragment === undefined) return undefined;
  if (!target.endsWith('.md')) return `#${fragment} on ${target}, which is not a Markdown page`;
  const anchors = page(target)?.anchors;
  if (!anchors?.has(fragment)) return `no heading or anchor #${fragment} in ${target}`;
  return undefined;
}
