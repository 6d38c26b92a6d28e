/** Loads a *.sockdbg.yaml file: YAML → schema check → messages, rules and scenarios, every error with line:col. */
import { readFileSync } from 'node:fs';
import { RuleSet, type RuleSpec } from '../rules/engine';
import { compileScenarios, type Scenario, type ScenarioSpec } from '../scenario/compile';
import { ProtocolFileError } from './errors';
import { ProtocolModel, type ProtocolDoc } from './model';
import { YamlSource } from './yaml';

export interface ProtocolFile {
  readonly file: string;
  readonly model: ProtocolModel;
  readonly rules: RuleSet;
  readonly scenarios: readonly Scenario[];
}

/** Parses and compiles protocol-file text; `file` names it in errors. Throws ProtocolFileError. */
export function parseProtocolFile(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ProtocolFile {
  const src = YamlSource.parse(text, file);
  if (src.data === null || src.data === undefined) throw new ProtocolFileError('EPROTO_SCHEMA', 'the file is empty: give messages:, rules: or scenarios:', { file, line: 1, col: 1 });
  src.validate();
  const doc = src.data as ProtocolDoc;
  const model = new ProtocolModel(src, doc);
  const rules = RuleSet.compile(model, (doc.rules ?? []) as RuleSpec[]);
  const scenarios = compileScenarios(model, (doc.scenarios ?? []) as ScenarioSpec[], env);
  return { file, model, rules, scenarios };
}

/** Reads and compiles a protocol file. Throws ProtocolFileError (EPROTO_READ when it cannot be read). */
export function loadProtocolFile(path: string, env: NodeJS.ProcessEnv = process.env): ProtocolFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
    throw new ProtocolFileError('EPROTO_READ', `cannot read protocol file: ${why}`, { file: path, line: 1, col: 1 });
  }
  return parseProtocolFile(text, path, env);
}
