/** The programmatic options' checks, outside VS Code: every message the extension-host tests rely on, word for word. */
import * as assert from 'node:assert/strict';
import {
  CommandOptionsError,
  checkBindOptions,
  checkChangeFramingOptions,
  checkConnectOptions,
  checkDestination,
  checkId,
  checkListenOptions,
  checkSaveOptions,
  checkSendOptions,
  parseTyped,
  tcpClientOptions,
  type OptionDefaults,
} from './commandOptions';

const defaults: OptionDefaults = {
  defaultHost: '127.0.0.1',
  defaultFraming: 'raw',
  defaultEncoding: 'utf-8',
  tcpClientConnectTimeoutMs: 10_000,
  tcpClientNoDelay: true,
  tcpClientKeepAlive: false,
  tcpClientAutoReconnect: false,
  udpBroadcast: false,
};

function rejects(f: () => unknown, message: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CommandOptionsError, String(e));
    assert.equal(e.code, 'INVALID_OPTIONS');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('extension/commandOptions', () => {
  it('create commands: defaults from the settings, canonical framing and encoding', () => {
    assert.deepEqual(checkListenOptions({ port: 0 }, defaults), { create: { port: 0, host: '127.0.0.1', framing: 'raw', encoding: 'utf-8' }, openComposer: undefined });
    const l = checkListenOptions({ port: 9000, host: '::1', framing: 'length:!I', encoding: 'GBK', label: 'x', openComposer: true }, defaults);
    assert.equal(l.create.framing, 'length:!I');
    assert.equal(l.create.encoding, 'gbk');
    assert.equal(l.create.label, 'x');
    assert.equal(l.openComposer, true);
    assert.deepEqual(checkConnectOptions({ port: 80 }, defaults).create, { port: 80, host: '127.0.0.1', framing: 'raw', encoding: 'utf-8', timeoutMs: 10_000, noDelay: true, keepAlive: false });
    assert.deepEqual(checkConnectOptions({ port: 80, reconnect: true }, { ...defaults }).create.reconnect, {});
    assert.deepEqual(checkConnectOptions({ port: 80 }, { ...defaults, tcpClientAutoReconnect: true }).create.reconnect, {});
    assert.equal(checkConnectOptions({ port: 80, reconnect: false }, { ...defaults, tcpClientAutoReconnect: true }).create.reconnect, undefined);
    assert.deepEqual(checkBindOptions({}, defaults).create, { port: 0, host: '127.0.0.1', framing: 'raw', encoding: 'utf-8', broadcast: false });
    assert.equal(checkBindOptions({ broadcast: true }, defaults).create.broadcast, true);
    assert.equal(checkBindOptions({}, { ...defaults, udpBroadcast: true }).create.broadcast, true);
  });

  it('create commands: the messages of bad options', () => {
    rejects(() => checkListenOptions({ port: 70000 }, defaults), 'port must be an integer from 0 to 65535 (got 70000)');
    rejects(() => checkConnectOptions({ port: 0 }, defaults), 'port must be an integer from 1 to 65535 (got 0)');
    rejects(() => checkListenOptions({ port: 0, encoding: 'nope' }, defaults), /unknown encoding/);
    rejects(() => checkListenOptions({ port: 0, framing: 'length:' }, defaults), /^bad framing "length:": /);
    rejects(() => checkListenOptions({ port: 0, host: 7 }, defaults), 'host must be a string (got number)');
    const connect = (o: Record<string, unknown>) => () => checkConnectOptions({ port: 80, ...o }, defaults);
    rejects(connect({ reconnect: 'yes' }), 'reconnect must be true, false or {initialDelayMs, maxDelayMs, maxAttempts} (got "yes")');
    rejects(connect({ reconnect: [1] }), /^reconnect must be true, false or/);
    rejects(connect({ reconnect: { retries: 3 } }), 'reconnect has unknown key "retries" (allowed: initialDelayMs, maxDelayMs, maxAttempts)');
    rejects(connect({ reconnect: { initialDelayMs: -1 } }), 'reconnect.initialDelayMs must be a positive number of milliseconds up to 2147483647 (got -1)');
    rejects(connect({ reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }), 'reconnect.maxDelayMs (10) must not be less than reconnect.initialDelayMs (1000)');
    rejects(connect({ reconnect: { maxAttempts: 1.5 } }), 'reconnect.maxAttempts must be a whole number from 1 (got 1.5)');
    rejects(connect({ noDelay: 'on' }), 'noDelay must be true or false (got "on")');
    rejects(connect({ keepAlive: 1 }), 'keepAlive must be true or false (got 1)');
    rejects(connect({ timeoutMs: 0 }), /^timeoutMs must be a positive number of milliseconds/);
    rejects(connect({ timeoutMs: 3e9 }), /^timeoutMs must be a positive number of milliseconds/);
    rejects(() => checkBindOptions({ port: 0, broadcast: 'yes' }, defaults), 'broadcast must be true or false (got "yes")');
    assert.deepEqual(tcpClientOptions(defaults, { timeoutMs: 250, reconnect: { maxAttempts: 3 } }), { timeoutMs: 250, noDelay: true, keepAlive: false, reconnect: { maxAttempts: 3 } });
  });

  it('send: exactly one payload, in the given or the connection\'s encoding; a destination where one is needed', () => {
    const conn = { encoding: 'gbk' };
    assert.deepEqual(checkSendOptions({ text: '中' }, conn, false).payload, Buffer.from([0xd6, 0xd0]));
    assert.deepEqual(checkSendOptions({ text: '中', encoding: 'utf-8' }, conn, false).payload, Buffer.from('中'));
    assert.deepEqual(checkSendOptions({ hex: '01 02 ff' }, conn, false).payload, Buffer.from([1, 2, 255]));
    assert.deepEqual(checkSendOptions({ base64: 'AQI=' }, conn, false).payload, Buffer.from([1, 2]));
    assert.deepEqual(checkSendOptions({ escapes: 'a\\x00\\n' }, conn, false).payload, Buffer.from('a\0\n'));
    assert.deepEqual(checkSendOptions({ text: 'x', to: '127.0.0.1:9', framed: false }, conn, true), { payload: Buffer.from('x'), to: { address: '127.0.0.1', port: 9 }, framed: false });
    rejects(() => checkSendOptions({}, conn, false), 'give exactly one of text, hex, base64 or escapes (got none)');
    rejects(() => checkSendOptions({ text: 'a', hex: '01' }, conn, false), 'give exactly one of text, hex, base64 or escapes (got text, hex)');
    rejects(() => checkSendOptions({ hex: 'zz' }, conn, false), /^hex: /);
    rejects(() => checkSendOptions({ text: 'nowhere' }, conn, true), 'sending on a UDP socket needs a destination: to: {address, port} or "host:port"');
    rejects(() => checkSendOptions({ text: 'x', framed: 'no' }, conn, false), 'framed must be true or false (got "no")');
  });

  it('destinations, ids, save and change-framing options', () => {
    assert.deepEqual(checkDestination('[::1]:53'), { address: '::1', port: 53 });
    assert.deepEqual(checkDestination({ address: '127.0.0.1', port: 7 }), { address: '127.0.0.1', port: 7 });
    assert.equal(checkDestination(undefined), undefined);
    rejects(() => checkDestination('nohost'), 'to must be "host:port" (got "nohost")');
    rejects(() => checkDestination({ address: '127.0.0.1', port: 0 }), 'to.port must be an integer from 1 to 65535 (got 0)');
    rejects(() => checkDestination(42), 'to must be {address, port} or "host:port"');
    assert.equal(checkId({ id: 'c1' }), 'c1');
    rejects(() => checkId({}), 'options.id (the connection id, e.g. "c1") is required');
    assert.deepEqual(checkSaveOptions({ path: '/tmp/x.bin', format: 'hex' }), { path: '/tmp/x.bin', format: 'hex' });
    rejects(() => checkSaveOptions({ format: 'pcap' }), 'format must be "raw" or "hex"');
    assert.deepEqual(checkChangeFramingOptions({ framing: 'line' }), { framing: 'line' });
    rejects(() => checkChangeFramingOptions({}), 'give framing and/or encoding');
    rejects(() => checkChangeFramingOptions({ encoding: 'klingon' }), /unknown encoding/);
    rejects(() => checkChangeFramingOptions({ framing: 'length:q9' }), /^bad framing "length:q9": /);
  });

  it('interactive input: hex:, b64:, otherwise text with escapes', () => {
    assert.deepEqual(parseTyped('hex: 01 02', 'utf-8'), Buffer.from([1, 2]));
    assert.deepEqual(parseTyped('b64: AQI=', 'utf-8'), Buffer.from([1, 2]));
    assert.deepEqual(parseTyped('hi\\r\\n', 'utf-8'), Buffer.from('hi\r\n'));
    assert.deepEqual(parseTyped('中', 'gbk'), Buffer.from([0xd6, 0xd0]));
  });
});
