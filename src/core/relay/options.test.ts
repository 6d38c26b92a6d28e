// The fault options as text, the one validation `sockdbg relay` and the extension's prompts share.
import * as assert from 'node:assert/strict';
import { checkFaultOption, describeFaults, faultSpecs, FaultOptionError, parseFaultSpecs, FAULT_OPTION_NAMES, type FaultSpecs } from './options';

describe('relay: fault options as text', () => {
  it('parses every option, and writes each back to text that parses to the same options', () => {
    const specs: FaultSpecs = { chunk: 'random:1-7', seed: '42', delay: '5:2', drip: '1/10', rate: '1000', gap: '3', lane: 's2c', 'reset-after': '100', 'half-close': 'c2s:4', drop: 'both' };
    const f = parseFaultSpecs(specs);
    assert.deepEqual(f, {
      chunk: { kind: 'random', min: 1, max: 7 },
      seed: 42,
      delay: { ms: 5, jitter: 2 },
      drip: { bytes: 1, everyMs: 10 },
      rate: 1000,
      gapMs: 3,
      lanes: ['s2c'],
      resetAfter: 100,
      halfClose: { lane: 'c2s', after: 4 },
      drop: ['c2s', 's2c'],
    });
    assert.deepEqual(Object.keys(faultSpecs(f)).sort(), [...FAULT_OPTION_NAMES].sort());
    assert.deepEqual(parseFaultSpecs(faultSpecs(f)), f);
    for (const chunk of ['3', 'split:2,5', 'merge:30']) assert.deepEqual(parseFaultSpecs(faultSpecs(parseFaultSpecs({ chunk }))), parseFaultSpecs({ chunk }));
    assert.equal(describeFaults({ chunk: { kind: 'fixed', size: 3 }, seed: 7 }), '--chunk 3 --seed 7');
    assert.equal(describeFaults(undefined), '');
  });

  it('names the bad option, refuses stream faults for UDP, and checks one option for a prompt', () => {
    assert.throws(() => parseFaultSpecs({ chunk: 'random:9-2' }), (e: unknown) => e instanceof FaultOptionError && e.option === 'chunk' && /^bad --chunk 'random:9-2': in random:A-B, B must be ≥ A/.test(e.message));
    assert.throws(() => parseFaultSpecs({ delay: 'soon' }), /bad --delay 'soon'/);
    assert.throws(() => parseFaultSpecs({ drop: 'up' }), /bad --drop 'up': a lane is c2s/);
    assert.throws(() => parseFaultSpecs({ chunk: '3', drip: '1/1' }, true), /--chunk, --drip act on TCP streams, not with --udp/);
    assert.deepEqual(parseFaultSpecs({ delay: '10', drop: 'c2s' }, true), { delay: { ms: 10, jitter: 0 }, drop: ['c2s'] });
    assert.equal(checkFaultOption('chunk', '0'), "chunk size must be a whole number ≥ 1, got '0'");
    assert.equal(checkFaultOption('chunk', 'merge'), undefined);
  });
});
