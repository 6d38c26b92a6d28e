/**
 * No runtime import cycle in src/: every import that survives compilation (not `import type`, not only type names) is
 * followed, and a cycle fails the test with its path. A cycle makes a module see the other's exports undefined while
 * both load.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../../../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** the relative module specifiers of `file` that are imported (or re-exported) at run time */
export function runtimeImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const c = st.importClause;
      if (c?.isTypeOnly) continue;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      if (c && !c.name && named && named.length > 0 && named.every((e) => e.isTypeOnly)) continue;
      out.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) && !st.isTypeOnly) {
      const named = st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : undefined;
      if (named && named.length > 0 && named.every((e) => e.isTypeOnly)) continue;
      out.push(st.moduleSpecifier.text);
    }
  }
  return out.filter((s) => s.startsWith('.'));
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [base + '.ts', path.join(base, 'index.ts')].find((p) => fs.existsSync(p));
}

/** every cycle found by a depth-first walk, as "a.ts -> b.ts -> a.ts" */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].map((p) => path.relative(root, p)).join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('lint: no runtime import cycles in src/', () => {
  it('finds none', () => {
    const graph = new Map<string, string[]>();
    for (const f of sourceFiles(path.join(root, 'src'))) {
      const deps = runtimeImports(f, fs.readFileSync(f, 'utf8')).map((s) => resolve(f, s)).filter((p): p is string => p !== undefined);
      graph.set(f, deps);
    }
    assert.ok(graph.size > 50, `read ${graph.size} files`);
    assert.deepEqual(cycles(graph), []);
  });

  it('reports a planted cycle, and ignores type-only imports', () => {
    const a = path.join(root, 'src/core/a.ts');
    const b = path.join(root, 'src/core/b.ts');
    const c = path.join(root, 'src/core/c.ts');
    assert.deepEqual(runtimeImports(a, "import { x } from './b';\nimport type { T } from './c';\nimport { type U } from './c';\nexport type { V } from './c';\n"), ['./b']);
    const graph = new Map([[a, [b]], [b, [c]], [c, [a]]]);
    assert.deepEqual(cycles(graph), ['src/core/a.ts -> src/core/b.ts -> src/core/c.ts -> src/core/a.ts']);
    assert.deepEqual(cycles(new Map([[a, [b]], [b, [c]], [c, []]])), []);
  });
});
