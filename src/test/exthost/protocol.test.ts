import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionPath, getApi, python, waitFor, type PythonPeer } from './helpers';
import { reportResult, type ResultSink } from '../../extension/protocol/report';
import type { ScenarioResult } from '../../core/scenario/runner';
import { UPPER_SERVER, upperScenarios } from '../protocolPeers';


function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the tests need a workspace folder');
  return f.uri.fsPath;
}

function scenarioFile(port: string): string {
  return `# scenarios for the extension-host suite\n${upperScenarios(port)}`;
}

describe('protocol files: schema, Test Explorer, CodeLens', () => {
  let peer: PythonPeer | undefined;
  const written: string[] = [];
  afterEach(() => {
    peer?.kill();
    peer = undefined;
    for (const f of written.splice(0)) fs.rmSync(f, { force: true });
  });

  it('contributes the JSON Schema for *.sockdbg.yaml and *.sockdbg.json, shipped with the extension', () => {
    const root = extensionPath();
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { yamlValidation: Array<{ fileMatch: string[]; url: string }>; jsonValidation: Array<{ fileMatch: string; url: string }> } };
    assert.deepEqual(pkg.contributes.yamlValidation[0].fileMatch, ['*.sockdbg.yaml', '*.sockdbg.yml']);
    assert.equal(pkg.contributes.jsonValidation[0].fileMatch, '*.sockdbg.json');
    const schema = JSON.parse(fs.readFileSync(path.join(root, pkg.contributes.yamlValidation[0].url), 'utf8')) as { properties: Record<string, unknown> };
    assert.deepEqual(Object.keys(schema.properties).sort(), ['encoding', 'framing', 'limits', 'messages', 'rules', 'scenarios', 'send-framing', 'vars']);
    assert.match(fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!dist\/schemas\/\*\.json$/m);
  });

  it('lists the scenarios of a workspace file at their lines; runs them with results, a diff on failure', async () => {
    const api = await getApi();
    peer = python(UPPER_SERVER, [], 30000);
    const port = (await peer.firstLine).trim();
    const file = path.join(workspaceDir(), 'exthost.sockdbg.yaml');
    fs.writeFileSync(file, scenarioFile(port));
    written.push(file);
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('socketDebugger.protocol.refreshScenarios');
    const items = await waitFor('the scenarios in the Test Explorer', () => {
      const list = api.protocol.tests.scenarioItems(uri);
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(items.map((i) => [i.label, i.range?.start.line]), [['upper answers', 2], ['expects lower case', 8]]);
    assert.equal(api.protocol.tests.controller.items.get(uri.toString())?.error, undefined);

    const pass = await vscode.commands.executeCommand<ScenarioResult[]>('socketDebugger.protocol.runScenario', { file: uri.toString(), name: 'upper answers' });
    assert.deepEqual(pass.map((r) => r.status), ['passed']);
    const both = await vscode.commands.executeCommand<ScenarioResult[]>('socketDebugger.protocol.runScenario', { file });
    assert.deepEqual(both.map((r) => [r.name, r.status]), [['upper answers', 'passed'], ['expects lower case', 'failed']]);

    // what the Test Explorer gets for the failure: a diff of expected and actual at the failing step's line
    const calls: Array<[string, vscode.TestMessage | undefined]> = [];
    const sink: ResultSink = {
      passed: () => calls.push(['passed', undefined]),
      failed: (_i, m) => calls.push(['failed', Array.isArray(m) ? m[0] : (m as vscode.TestMessage)]),
      errored: (_i, m) => calls.push(['errored', Array.isArray(m) ? m[0] : (m as vscode.TestMessage)]),
      appendOutput: () => undefined,
    };
    reportResult(sink, items[1], both[1]);
    const [kind, msg] = calls[0];
    assert.equal(kind, 'failed');
    assert.equal(msg?.expectedOutput, 'text hello');
    assert.equal(msg?.actualOutput, '"HELLO"');
    assert.equal(msg?.location?.range.start.line, 12, 'the expect step of the second scenario');
    assert.equal(String(msg?.message), 'Step 2 (line 13): text hello');
  });

  it('a file with an error shows it on its item (line:col); CodeLens offers "Run scenario" on each scenario', async () => {
    const api = await getApi();
    const bad = path.join(workspaceDir(), 'broken.sockdbg.yaml');
    fs.writeFileSync(bad, "rules:\n  - when: {regex: '(x'}\n");
    written.push(bad);
    const item = await api.protocol.tests.load(vscode.Uri.file(bad));
    const err = item?.error;
    assert.match(typeof err === 'string' ? err : String(err?.value), /broken\.sockdbg\.yaml:2:19: bad regex/);

    const good = path.join(workspaceDir(), 'lens.sockdbg.yaml');
    fs.writeFileSync(good, scenarioFile('9'));
    written.push(good);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(good));
    const lenses = await waitFor('code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l.length >= 3 ? l : undefined;
    });
    const titles = lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command]);
    assert.deepEqual(titles, [
      [2, '$(run-all) Run all scenarios', 'socketDebugger.protocol.runScenario'],
      [2, '$(play) Run scenario', 'socketDebugger.protocol.runScenario'],
      [8, '$(play) Run scenario', 'socketDebugger.protocol.runScenario'],
    ]);
    assert.deepEqual(lenses[2].command?.arguments, [{ file: doc.uri.toString(), name: 'expects lower case' }]);
  });
});

describe('protocol files attached to connections', () => {
  const written: string[] = [];
  afterEach(() => {
    for (const f of written.splice(0)) fs.rmSync(f, { force: true });
  });

  /** A tutorial-style client: sends each argv message, prints each reply (one recv per send). */
  const CLIENT = `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
for msg in sys.argv[2:]:
    sk.send(msg.encode('utf-8'))
    print(sk.recv(1024).decode('utf-8'))
sk.close()
`;

  it('a server with a protocol file answers by its rules, counts hits in the tree and applies edits live', async () => {
    const api = await getApi();
    const file = path.join(workspaceDir(), 'attached.sockdbg.yaml');
    fs.writeFileSync(file, "rules:\n  - name: greet\n    when: {regex: '^hi (\\w+)$'}\n    reply: {text: 'hello {{1}} #{{seq}}'}\n");
    written.push(file);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0, openComposer: false });
    try {
      await vscode.commands.executeCommand('socketDebugger.protocol.attach', { id, file });
      const port = api.registry.get(id)?.local?.port;
      const out = await python(CLIENT, [String(port), 'hi bob', 'hi amy']).done;
      assert.equal(out, 'hello bob #1\nhello amy #2\n');
      assert.deepEqual(api.protocol.attachments.get(id)?.hits, [2]);
      // the composer marks the frames the rules sent as auto-replies
      const peerId = api.registry.list().find((c) => c.parentId === id)?.id ?? '';
      const sent = api.registry.history(peerId).frames.filter((f) => f.direction === 'out');
      assert.deepEqual(sent.map((f) => api.protocol.attachments.annotate(peerId, f)), ['auto-reply: greet (line 2)', 'auto-reply: greet (line 2)']);
      const section = api.protocol.attachments;
      assert.equal(section.get(id)?.file.rules.rules[0].name, 'greet');

      // an edit applies to the next frames; a broken edit leaves the running rules as they were
      fs.writeFileSync(file, "rules:\n  - name: shout\n    when: {any: true}\n    reply: {text: '{{text|upper}}'}\n");
      await waitFor('the reloaded rules', () => section.get(id)?.file.rules.rules[0]?.name === 'shout', 10000);
      assert.equal(await python(CLIENT, [String(port), 'hey']).done, 'HEY\n');
      fs.writeFileSync(file, "rules:\n  - when: {regex: '(x'}\n");
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(section.get(id)?.file.rules.rules[0]?.name, 'shout');
      assert.equal(await python(CLIENT, [String(port), 'still']).done, 'STILL\n');

      await vscode.commands.executeCommand('socketDebugger.protocol.detach', { id });
      assert.equal(section.get(id), undefined);
    } finally {
      await vscode.commands.executeCommand('socketDebugger.stopServer', { id });
    }
  });

  it('a UDP socket with a protocol file answers each peer by its rules, with per-peer sequence numbers', async () => {
    const api = await getApi();
    const file = path.join(workspaceDir(), 'udp-attached.sockdbg.yaml');
    fs.writeFileSync(file, "rules:\n  - when: {any: true}\n    reply: {text: 'got {{text}} #{{seq}}'}\n");
    written.push(file);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, openComposer: false });
    try {
      await vscode.commands.executeCommand('socketDebugger.protocol.attach', { id, file });
      const port = api.registry.get(id)?.local?.port;
      // the tutorial's UDP client shape: sendto, recvfrom — two clients, each with its own sequence
      const client = `
import socket, sys
sk = socket.socket(type=socket.SOCK_DGRAM)
for msg in sys.argv[2:]:
    sk.sendto(msg.encode('utf-8'), ('127.0.0.1', int(sys.argv[1])))
    ret, addr = sk.recvfrom(1024)
    print(ret.decode('utf-8'))
sk.close()
`;
      assert.equal(await python(client, [String(port), 'a', 'b']).done, 'got a #1\ngot b #2\n');
      assert.equal(await python(client, [String(port), 'c']).done, 'got c #1\n');
      assert.deepEqual(api.protocol.attachments.get(id)?.hits, [3]);
    } finally {
      await vscode.commands.executeCommand('socketDebugger.closeSocket', { id });
    }
  });

  it('attaching a file with an error fails with its line:col and attaches nothing', async () => {
    const api = await getApi();
    const file = path.join(workspaceDir(), 'bad-attach.sockdbg.yaml');
    fs.writeFileSync(file, "rules:\n  - when: {text: a}\n    reply: {text: '{{nope}}'}\n");
    written.push(file);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0, openComposer: false });
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.protocol.attach', { id, file })), /bad-attach\.sockdbg\.yaml:3:19: \{\{nope\}\}: unknown macro 'nope'/);
      assert.equal(api.protocol.attachments.get(id), undefined);
    } finally {
      await vscode.commands.executeCommand('socketDebugger.stopServer', { id });
    }
  });
});

describe('[restricted] protocol files', () => {
  it('a scenario that spawns a program does not run in a restricted workspace', async () => {
    const api = await getApi();
    const file = path.join(workspaceDir(), 'spawn.sockdbg.yaml');
    fs.writeFileSync(file, "scenarios:\n  - name: spawns\n    listen: tcp 0\n    spawn: python3 -c 'print(1)'\n    steps:\n      - expect: {text: x, timeout: 1s}\n");
    try {
      await api.protocol.tests.load(vscode.Uri.file(file));
      const results = await vscode.commands.executeCommand<ScenarioResult[]>('socketDebugger.protocol.runScenario', { file, name: 'spawns' });
      assert.deepEqual(results, [], 'nothing ran');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
