// examples/tutorial: its scenarios test the tutorial's Python programs (spawned) through `sockdbg run`, and its rule
// files stand in for the tutorial's servers in front of the tutorial's own clients — all on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cli, listeningPort, pythonFile, killAll, freePort, CLI, type Proc } from './test/harness';

const EXAMPLES = resolve(dirname(CLI), '../examples/tutorial');

describe('examples/tutorial', function () {
  this.timeout(30000);
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());

  it('every scenario passes with sockdbg run (the tutorial programs spawned on free ports)', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const v of ['TCP_SERVER_PORT', 'UDP_SERVER_PORT', 'TIME_SERVER_PORT', 'CMD_SERVER_PORT', 'CHAT_SERVER_PORT']) env[v] = String(await freePort());
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.sockdbg.yaml')).map((f) => join(EXAMPLES, f));
    const run = cli(['run', ...files, '--json'], { env });
    const r = await run.exit(25000);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; status?: string; message?: string; output?: string });
    const failed = events.filter((e) => e.type === 'scenario' && e.status !== 'passed');
    assert.deepEqual(failed, [], r.stderr);
    assert.equal(r.code, 0);
    assert.deepEqual(
      events.filter((e) => e.type === 'scenario').map((e) => e.name),
      [
        'tcp server says hi and offers baozi',
        'tcp client sends its name, then asks about lunch',
        'udp server answers bye',
        'udp client says hello',
        'chat server answers with what its user types',
        'command server answers with a JSON header',
        'time server formats the time',
      ],
    );
  });

  async function mock(kind: 'tcp' | 'udp', rules: string): Promise<{ srv: Proc; port: string }> {
    const srv = cli(kind === 'tcp' ? ['tcp', 'listen', '--port', '0', '--rules', join(EXAMPLES, rules), '--quiet'] : ['udp', 'bind', '--port', '0', '--rules', join(EXAMPLES, rules)]);
    return { srv, port: String(await listeningPort(srv)) };
  }

  it('echo and upper-case rules answer the tutorial tcp client', async () => {
    const echo = await mock('tcp', 'echo.sockdbg.yaml');
    const a = await pythonFile(join(EXAMPLES, 'tcp_client.py'), [echo.port]).exit();
    assert.equal(a.stdout, "b'wyb'\n中午吃什么\n", a.stderr);
    const upper = await mock('tcp', 'upper.sockdbg.yaml');
    const b = await pythonFile(join(EXAMPLES, 'tcp_client.py'), [upper.port]).exit();
    assert.equal(b.stdout, "b'WYB'\n中午吃什么\n", b.stderr);
  });

  it('the command-server rules answer the tutorial client with JSON-header frames and canned GBK output', async () => {
    const { port } = await mock('tcp', 'cmd-server.sockdbg.yaml');
    const client = pythonFile(join(EXAMPLES, 'cmd_client.py'), [port]);
    client.child.stdin?.write('dir\nfoo\n');
    await client.waitLine((l) => l.includes('C:\\Users\\wyb 的目录'));
    await client.waitLine((l) => l.includes("'foo' 不是内部或外部命令"));
    assert.match(client.stdout, /^输入命令>>返回的消息: 驱动器 C 中的卷没有标签。/);
  });

  it('the time rules answer the tutorial time client; the chat rules answer the tutorial chat client', async () => {
    const time = await mock('udp', 'time.sockdbg.yaml');
    const tc = pythonFile(join(EXAMPLES, 'time_client.py'), [time.port]);
    tc.child.stdin?.write('%Y\n');
    await tc.waitLine((l) => l.endsWith(String(new Date().getFullYear())));
    const chat = await mock('udp', 'chat.sockdbg.yaml');
    const cc = pythonFile(join(EXAMPLES, 'chat_client.py'), [chat.port]);
    cc.child.stdin?.end('在吗\n吃饭\n');
    const out = await cc.exit();
    // input()'s prompt has no newline: each answer follows a prompt; EOF on stdin ends the client
    assert.match(out.stdout, /^老王: 你好老王！\n老王: 收到 #2\n老王: $/);
  });
});
