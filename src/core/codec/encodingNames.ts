// The encodings Socket Debugger speaks, their aliases, and the one name each is known by (normalizeEncoding);
// the iconv-lite codec behind each double-byte one. Text decoding is in ./encoding, encoding in ./encodeText.

export interface EncodingInfo {
  /** canonical id, accepted by every function here */
  id: string;
  /** human label for pickers */
  label: string;
  /** `text`: a character encoding; `binary`: a display form of raw bytes (hex, base64) */
  kind: 'text' | 'binary';
}

export const SUPPORTED_ENCODINGS: readonly EncodingInfo[] = [
  { id: 'utf-8', label: 'UTF-8', kind: 'text' },
  { id: 'gbk', label: 'GBK (简体中文, cp936)', kind: 'text' },
  { id: 'gb18030', label: 'GB18030 (简体中文)', kind: 'text' },
  { id: 'big5', label: 'Big5 (繁體中文)', kind: 'text' },
  { id: 'shift_jis', label: 'Shift_JIS (日本語)', kind: 'text' },
  { id: 'euc-kr', label: 'EUC-KR (한국어)', kind: 'text' },
  { id: 'utf-16le', label: 'UTF-16LE', kind: 'text' },
  { id: 'utf-16be', label: 'UTF-16BE', kind: 'text' },
  { id: 'latin1', label: 'Latin-1 (ISO-8859-1)', kind: 'text' },
  { id: 'hex', label: 'Hex', kind: 'binary' },
  { id: 'base64', label: 'Base64', kind: 'binary' },
];

/** Alias → canonical id. Keys are lowercased with `-`, `_`, spaces and dots removed. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['utf8', 'utf-8'],
  ['gbk', 'gbk'],
  ['cp936', 'gbk'],
  ['ms936', 'gbk'],
  ['windows936', 'gbk'],
  ['gb2312', 'gbk'],
  ['euccn', 'gbk'],
  ['gb18030', 'gb18030'],
  ['big5', 'big5'],
  ['big5hkscs', 'big5'],
  ['cp950', 'big5'],
  ['shiftjis', 'shift_jis'],
  ['sjis', 'shift_jis'],
  ['mskanji', 'shift_jis'],
  ['cp932', 'shift_jis'],
  ['ms932', 'shift_jis'],
  ['windows31j', 'shift_jis'],
  ['euckr', 'euc-kr'],
  ['cp949', 'euc-kr'],
  ['uhc', 'euc-kr'],
  ['ksc5601', 'euc-kr'],
  ['utf16le', 'utf-16le'],
  ['ucs2', 'utf-16le'],
  ['utf16be', 'utf-16be'],
  ['latin1', 'latin1'],
  ['latin', 'latin1'],
  ['l1', 'latin1'],
  ['iso88591', 'latin1'],
  ['iso885911987', 'latin1'],
  ['8859', 'latin1'],
  ['cp819', 'latin1'],
  ['binary', 'latin1'],
  ['hex', 'hex'],
  ['base64', 'base64'],
  ['b64', 'base64'],
]);

/** iconv-lite codec names of the double-byte encodings. */
export const DBCS_CODEC: Readonly<Record<string, string>> = {
  gbk: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5hkscs',
  shift_jis: 'shiftjis',
  'euc-kr': 'cp949',
};

export class EncodingError extends Error {
  /** the encoding involved (as given) */
  readonly encoding: string;
  /** for encode errors: the UTF-16 index in the text of the character that cannot be encoded; otherwise -1 */
  readonly index: number;
  constructor(message: string, encoding: string, index = -1) {
    super(message);
    this.name = 'EncodingError';
    this.encoding = encoding;
    this.index = index;
  }
}

/** the canonical ids (each its own normalization): every decode and encode of a frame passes one of these */
const CANONICAL: ReadonlySet<string> = new Set([...ALIASES.values()].filter((id) => ALIASES.get(id.toLowerCase().replace(/[-_\s.]/g, '')) === id));

/** Canonical id of an encoding name or alias (`UTF8`, `cp936`, `sjis`, …). Throws EncodingError if unknown. */
export function normalizeEncoding(name: string): string {
  if (CANONICAL.has(name)) return name;
  const key = String(name).trim().toLowerCase().replace(/[-_\s.]/g, '');
  const id = ALIASES.get(key);
  if (id === undefined) {
    throw new EncodingError(
      `unknown encoding '${name}'; supported: ${SUPPORTED_ENCODINGS.map((e) => e.id).join(', ')}`,
      name,
    );
  }
  return id;
}

/** True for the display forms (hex, base64) rather than character encodings. */
export function isBinaryForm(enc: string): boolean {
  const id = normalizeEncoding(enc);
  return id === 'hex' || id === 'base64';
}
