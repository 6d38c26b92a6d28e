/** errors.ts: the message and code of any thrown value. */
import * as assert from 'node:assert/strict';
import { errorCode, errorMessage } from './errors';

describe('shared/errors', () => {
  it('reads the message of errors, error-like objects and anything else', () => {
    assert.equal(errorMessage(new TypeError('bad')), 'bad');
    assert.equal(errorMessage({ message: 'from a plain object' }), 'from a plain object');
    assert.equal(errorMessage('text'), 'text');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(errorMessage(null), 'null');
  });

  it('reads an errno-style code, or undefined', () => {
    assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
    assert.equal(errorCode({ code: 7 }), undefined);
    assert.equal(errorCode(new Error('x')), undefined);
    assert.equal(errorCode('ECONNREFUSED'), undefined);
  });
});
