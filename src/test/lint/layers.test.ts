/**
 * The layer rule bites: ESLint (its Node API, with this repository's eslint.config.mjs) is given planted imports in
 * files of each layer and must report every wrong-way import and accept the right-way ones.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../../../..');

/** the layer rule's messages for `code` placed at `file` (relative to the repository) */
async function layerErrors(eslint: ESLint, file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('lint: layer rules (scripts/eslint-layers.mjs)', function () {
  this.timeout(60_000);
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: root });
  });

  const wrong: Array<[string, string, RegExp]> = [
    ['src/core/planted.ts', "import { x } from '../extension/x';\nexport const y = x;\n", /src\/core may import only src\/core, src\/shared; '..\/extension\/x' is src\/extension/],
    ['src/core/codec/planted.ts', "import { x } from '../../cli/output';\nexport const y = x;\n", /'..\/..\/cli\/output' is src\/cli/],
    ['src/core/planted.ts', "import { x } from '../webview/util';\nexport const y = x;\n", /is src\/webview/],
    ['src/core/planted.ts', "import * as vscode from 'vscode';\nexport const y = vscode;\n", /only src\/extension may import vscode/],
    ['src/core/planted.ts', "export { x } from '../extension/format';\n", /is src\/extension/],
    ['src/core/planted.ts', "export async function f(): Promise<unknown> {\n  return import('../cli/cli');\n}\n", /is src\/cli/],
    ['src/core/planted.ts', "import { x } from 'left-pad';\nexport const y = x;\n", /'left-pad' is not a dependency/],
    ['src/webview/planted.ts', "import { x } from '../core/codec/encoding';\nexport const y = x;\n", /src\/webview may import only src\/webview, src\/shared; '..\/core\/codec\/encoding' is src\/core/],
    ['src/webview/planted.ts', "import * as fs from 'node:fs';\nexport const y = fs;\n", /src\/webview is pure: no Node built-in/],
    ['src/webview/planted.ts', "import * as iconv from 'iconv-lite';\nexport const y = iconv;\n", /src\/webview is pure: no npm package/],
    ['src/shared/planted.ts', "import type { Endpoint } from '../core/types';\nexport type E = Endpoint;\n", /src\/shared may import only src\/shared; '..\/core\/types' is src\/core/],
    ['src/shared/planted.ts', "import { Buffer } from 'buffer';\nexport const y = Buffer;\n", /src\/shared is pure: no Node built-in/],
    ['src/extension/planted.ts', "import { x } from '../cli/output';\nexport const y = x;\n", /src\/extension may import only src\/extension, src\/core, src\/shared; '..\/cli\/output' is src\/cli/],
    ['src/extension/planted.ts', "import { x } from '../webview/util';\nexport const y = x;\n", /is src\/webview/],
    ['src/cli/planted.ts', "import { x } from '../extension/format';\nexport const y = x;\n", /src\/cli may import only src\/cli, src\/core, src\/shared; '..\/extension\/format' is src\/extension/],
    ['src/cli/planted.ts', "import * as vscode from 'vscode';\nexport const y = vscode;\n", /only src\/extension may import vscode/],
    // a test keeps its layer's rules for src/ imports
    ['src/core/planted.test.ts', "import { x } from '../cli/output';\nexport const y = x;\n", /is src\/cli/],
  ];
  for (const [file, code, expected] of wrong) {
    it(`reports ${JSON.stringify(code.split('\n')[0])} in ${file}`, async () => {
      const errors = await layerErrors(eslint, file, code);
      assert.equal(errors.length, 1, `expected one layer error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0], expected);
    });
  }

  it('accepts right-way imports', async () => {
    const right: Array<[string, string]> = [
      ['src/core/planted.ts', "import * as net from 'node:net';\nimport * as iconv from 'iconv-lite';\nimport { toHex } from '../shared/bytes';\nimport { SocketError } from './errors';\nexport const y = [net, iconv, toHex, SocketError];\n"],
      ['src/core/codec/planted.ts', "import { formatHostPort } from '../../shared/format';\nimport { parseHex } from './binaryInput';\nexport const y = [formatHostPort, parseHex];\n"],
      ['src/webview/planted.ts', "import { hexdump } from '../shared/bytes';\nimport { h } from './util';\nexport const y = [hexdump, h];\n"],
      ['src/shared/planted.ts', "import { toHex } from './bytes';\nexport const y = toHex;\n"],
      ['src/extension/planted.ts', "import * as vscode from 'vscode';\nimport { ConnectionRegistry } from '../core/registry';\nimport { errorMessage } from '../shared/errors';\nexport const y = [vscode, ConnectionRegistry, errorMessage];\n"],
      ['src/cli/commands/planted.ts', "import * as fs from 'node:fs';\nimport { ConnectionRegistry } from '../../core/registry';\nimport { plural } from '../../shared/format';\nimport { UsageError } from '../errors';\nexport const y = [fs, ConnectionRegistry, plural, UsageError];\n"],
      // tests may use Node built-ins and devDependencies
      ['src/shared/planted.test.ts', "import * as assert from 'node:assert/strict';\nimport * as fc from 'fast-check';\nexport const y = [assert, fc];\n"],
    ];
    for (const [file, code] of right) assert.deepEqual(await layerErrors(eslint, file, code), [], file);
  });
});
