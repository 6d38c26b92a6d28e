/**
 * Reads a protocol file's YAML with the `yaml` package, keeping node positions so that every later error — from
 * the JSON Schema or from compiling messages, rules and scenarios — names its line and column.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import schema from './sockdbg.schema.json';
import { ProtocolFileError, type ProtocolErrorCode, type SourcePos } from './errors';

export type YamlPath = ReadonlyArray<string | number>;

/** A parsed document plus the means to turn a path inside it into a file position. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; a YAML syntax error throws with its position. The result is not schema-checked yet. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const at = lines.linePos(first.pos[0]);
      const detail = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ProtocolFileError('EPROTO_YAML', `YAML: ${detail}`, { file, line: at.line, col: at.col });
    }
    return new YamlSource(file, doc.toJS({ maxAliasCount: 100 }) as unknown, doc, lines);
  }

  /** Position of the value at `path` (or of its key with `key`), falling back to the nearest existing parent. */
  pos(path: YamlPath, key = false): SourcePos {
    let node: unknown = this.doc.contents;
    let best: { range?: [number, number, number] | null } | undefined = node as Node;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        if (key && step === path[path.length - 1] && isScalar(pair.key)) {
          best = pair.key;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
      } else break;
      if (node && typeof node === 'object' && 'range' in node) best = node as Node;
    }
    const offset = best?.range?.[0] ?? 0;
    const at = this.lines.linePos(offset);
    return { file: this.file, line: at.line, col: at.col };
  }

  error(code: ProtocolErrorCode, path: YamlPath, detail: string, key = false): ProtocolFileError {
    return new ProtocolFileError(code, detail, this.pos(path, key));
  }

  /** Validates against sockdbg.schema.json (shipped as dist/schemas/sockdbg.schema.json); throws every problem found (the first as the error). */
  validate(): void {
    const validateFn = compiledSchema();
    if (validateFn(this.data)) return;
    const errors = pickErrors(validateFn.errors ?? []).map((e) => this.schemaError(e));
    throw new ProtocolFileError(errors[0].code, errors[0].detail, errors[0].pos, errors.slice(1, 10));
  }

  private schemaError(e: ErrorObject): ProtocolFileError {
    const path: Array<string | number> = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const where = path.length > 0 ? `'${path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${p}` : p)).join('')}'` : 'the file';
    const p = e.params as Record<string, unknown>;
    const badName = (e as { propertyName?: string }).propertyName;
    if (badName !== undefined) {
      return this.error('EPROTO_SCHEMA', [...path, badName], `bad name '${badName}' in ${where}: use letters, digits and _ (not first a digit)`, true);
    }
    switch (e.keyword) {
      case 'additionalProperties': {
        const name = String(p.additionalProperty);
        const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        return this.error('EPROTO_SCHEMA', [...path, name], `unknown key '${name}' in ${where}${known.length ? ` (known: ${known.join(', ')})` : ''}`, true);
      }
      case 'required':
        return this.error('EPROTO_SCHEMA', path, `${where} needs '${String(p.missingProperty)}'`);
      case 'enum':
        return this.error('EPROTO_SCHEMA', path, `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
      case 'anyOf': {
        const description = (e.parentSchema as { description?: string } | undefined)?.description;
        return this.error('EPROTO_SCHEMA', path, `${where} is not valid${description ? `: ${description}` : ''}`);
      }
      default:
        return this.error('EPROTO_SCHEMA', path, `${where} ${e.message ?? 'is not valid'}`);
    }
  }
}

let compiled: ReturnType<Ajv['compile']> | undefined;
function compiledSchema(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  return compiled;
}

/**
 * One error per problem: an anyOf that failed (a duration, a condition) replaces its branches' errors on the same
 * path with one message from its description; a branch's errors deeper inside an object are kept (they are the
 * real mistake, e.g. an unknown key in a condition).
 */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const deeper = (p: string) => errors.some((e) => e.keyword !== 'anyOf' && e.keyword !== 'type' && e.instancePath.startsWith(p) && (e.instancePath !== p || e.keyword === 'additionalProperties'));
  const list = errors.filter((e) => {
    if (e.keyword === 'anyOf') return !deeper(e.instancePath);
    if (e.keyword === 'propertyNames' || e.keyword === 'oneOf' || e.keyword === 'if') return false;
    if (anyOfPaths.has(e.instancePath) && e.keyword !== 'additionalProperties') return false;
    return true;
  });
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.instancePath}|${e.keyword}|${e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: unknown }).additionalProperty) : ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
