// The packet library file: what is read, what is refused (and said), and the text written back.
import * as assert from 'node:assert/strict';
import { packetLibraryText, packetSummary, parsePacketLibrary, withPacket, type SavedPacket } from './packets';

describe('shared/packets', () => {
  const login: SavedPacket = { name: 'login', draft: { mode: 'text', text: 'wyb', encoding: 'utf-8' }, framing: { kind: 'connection' } };
  const size: SavedPacket = { name: 'size prefix', draft: { mode: 'struct', format: '<i', values: '8' }, framing: { kind: 'raw' }, to: { host: '127.0.0.1', port: 9000 } };

  it('round-trips through its text', () => {
    const text = packetLibraryText([login, size]);
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(parsePacketLibrary(JSON.parse(text)), { packets: [login, size], problems: [] });
  });

  it('leaves out bad entries and says which and why', () => {
    const lib = parsePacketLibrary({
      packets: [
        login,
        { name: 'login', draft: { mode: 'hex', text: '00' } },
        { name: ' padded', draft: { mode: 'hex', text: '00' } },
        { name: 'no draft' },
        { name: 'bad mode', draft: { mode: 'exec', text: 'rm -rf /' } },
        { name: 'bad framing', draft: { mode: 'hex', text: '00' }, framing: { kind: 'spec' } },
        { name: 'bad to', draft: { mode: 'hex', text: '00' }, to: { host: 'x', port: 70000 } },
        { name: 'defaults', draft: { mode: 'hex', text: '0a' } },
        7,
      ],
    });
    assert.deepEqual(
      lib.packets.map((p) => p.name),
      ['login', 'defaults'],
    );
    assert.deepEqual(lib.packets[1].framing, { kind: 'connection' });
    assert.equal(lib.problems.length, 7);
    assert.match(lib.problems[0], /^packet 2 \("login"\): the name is used by an earlier packet$/);
    assert.match(lib.problems[3], /packet 5 \("bad mode"\): "draft" is not a valid draft/);
    assert.match(lib.problems[5], /"to" must be/);
    assert.match(lib.problems[6], /^packet 9: not an object$/);
    assert.deepEqual(parsePacketLibrary([]).problems, ['the file must be a JSON object with a "packets" array']);
  });

  it('adds a packet or replaces the one of the same name in place', () => {
    const changed = { ...login, draft: { mode: 'hex' as const, text: 'ff' } };
    assert.deepEqual(
      withPacket([login, size], changed).map((p) => [p.name, p.draft.mode]),
      [
        ['login', 'hex'],
        ['size prefix', 'struct'],
      ],
    );
    assert.equal(withPacket([login], size).length, 2);
  });

  it('summarizes a packet on one line', () => {
    assert.equal(packetSummary(login.draft), 'text: wyb');
    assert.equal(packetSummary(size.draft), 'struct <i: 8');
    assert.equal(packetSummary({ mode: 'json', header: '{"cmd": "dir"}', body: '', encoding: 'gbk' }), 'json {"cmd": "dir"} + ');
  });
});
