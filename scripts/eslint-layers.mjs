// The ESLint rule `layers/imports`: which layer of src/ may import which (see docs/architecture.md).
//   src/shared     → only src/shared (pure: no Node, no DOM, no npm packages)
//   src/webview    → src/webview, src/shared (browser bundle: no Node, no npm packages)
//   src/core       → src/core, src/shared, Node built-ins, the npm dependencies in package.json
//   src/cli        → src/cli, src/core, src/shared, Node built-ins, npm dependencies
//   src/extension  → src/extension, src/core, src/shared, Node built-ins, npm dependencies, vscode
// Only src/extension imports `vscode`; nothing outside it imports src/extension, nothing outside src/cli imports src/cli.
// Test files (*.test.ts and a layer's test/ folder) keep their layer's rules for src/ imports and may also use Node
// built-ins and devDependencies (node:assert, fast-check). src/test/** (the VS Code and loopback harnesses) is free.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const devDependencies = new Set(Object.keys(pkg.devDependencies ?? {}));
const builtins = new Set(builtinModules);

/** what each layer may import: layers of src/, and which kinds of bare specifiers */
export const LAYERS = {
  shared: { layers: ['shared'], node: false, npm: false, vscode: false },
  webview: { layers: ['webview', 'shared'], node: false, npm: false, vscode: false },
  core: { layers: ['core', 'shared'], node: true, npm: true, vscode: false },
  cli: { layers: ['cli', 'core', 'shared'], node: true, npm: true, vscode: false },
  extension: { layers: ['extension', 'core', 'shared'], node: true, npm: true, vscode: true },
};

/** "src/core/x.ts" → "core"; undefined outside a layer (src/test, scripts, out of src) */
function layerOf(file) {
  const rel = path.relative(path.join(root, 'src'), file).split(path.sep);
  if (rel[0] === '..' || rel.length < 2) return undefined;
  return Object.hasOwn(LAYERS, rel[0]) ? rel[0] : undefined;
}

function isTestFile(file) {
  return /\.test\.ts$/.test(file) || path.relative(root, file).split(path.sep).includes('test');
}

/** "node:fs" → "node:fs", "@scope/pkg/sub" → "@scope/pkg", "iconv-lite/x" → "iconv-lite" */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** why `spec` may not be imported from `file` (in `layer`), or undefined when it may */
function violation(file, layer, spec) {
  const rules = LAYERS[layer];
  const test = isTestFile(file);
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = path.resolve(path.dirname(file), spec);
    const to = layerOf(target);
    if (to !== undefined && rules.layers.includes(to)) return undefined;
    const where = to !== undefined ? `src/${to}` : path.relative(root, target) || '.';
    return `src/${layer} may import only ${rules.layers.map((l) => `src/${l}`).join(', ')}; '${spec}' is ${where}`;
  }
  if (spec === 'vscode') return rules.vscode ? undefined : `only src/extension may import vscode (this is src/${layer})`;
  const name = packageName(spec);
  if (spec.startsWith('node:') || builtins.has(name)) {
    return rules.node || test ? undefined : `src/${layer} is pure: no Node built-in ('${spec}')`;
  }
  if (dependencies.has(name) && rules.npm) return undefined;
  if (test && (dependencies.has(name) || devDependencies.has(name))) return undefined;
  if (!rules.npm) return `src/${layer} is pure: no npm package ('${spec}')`;
  return `'${spec}' is not a dependency in package.json`;
}

const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer of src/ imports only the layers below it (docs/architecture.md).' },
    schema: [],
    messages: { layer: '{{why}} (see docs/architecture.md).' },
  },
  create(context) {
    const file = context.filename;
    const layer = layerOf(file);
    if (layer === undefined) return {};
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const why = violation(file, layer, node.value);
      if (why) context.report({ node, messageId: 'layer', data: { why } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportEqualsDeclaration: (n) => n.moduleReference.type === 'TSExternalModuleReference' && check(n.moduleReference.expression),
      CallExpression: (n) => n.callee.type === 'Identifier' && n.callee.name === 'require' && check(n.arguments[0]),
    };
  },
};

export default { meta: { name: 'sockdbg-layers' }, rules: { imports: importsRule } };
