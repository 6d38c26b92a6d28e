/**
 * UI suite: nothing the composer shows is cut off in a 900 px window (issue 9, item 9), measured in the real
 * workbench — the details hexdump keeps its ASCII column in view, the inspector's `split` badge is inside its row,
 * the "Both" view shows a frame's text whole, and the target list shows its connection's whole label.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/**
 * the tutorial's struct client: two frames and the first part of a third in one write (sticky and split, the
 * largest chunk, so its bar is the widest), then the rest of the third
 */
const PY_CLIENT = `
import socket, struct, sys, time
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
msgs = [b'hello', '吃包子啊! 中午吃什么'.encode('utf-8')]
body = '一条被拆成两次发送的长消息, a long message sent in two parts'.encode('utf-8')
packet = struct.pack('i', len(body)) + body
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs) + packet[:44])
time.sleep(0.3)
sk.send(packet[44:])
sys.stdin.read(1)
sk.close()
`;

describe('UI: no text cut off in a 900 px window', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let py: ChildProcessWithoutNullStreams | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench({ viewport: { width: 900, height: 800 } });
  });
  after(async () => {
    py?.kill();
    await wb?.close();
  });

  it('keeps the hexdump ASCII column, the split badge, the Both text and the target label in view', async () => {
    const w = wb!;
    const { port } = await w.newTcpServer('length:i');
    py = spawn('python3', ['-c', PY_CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    const rows = view.locator('#log .log-row.dir-in:not([hidden])');
    await rows.filter({ hasText: 'a long message' }).first().waitFor({ timeout: 30000 });

    await view.locator('#view-both').click();
    await rows.filter({ hasText: 'a long message' }).first().click();
    await view.locator('.details pre.hexdump').waitFor({ timeout: 10000 });
    await view.locator('#inspector .insp-row.is-split:not([hidden])').first().waitFor({ timeout: 10000 });

    // every cut found is listed with its layout (so one run on the old stylesheet shows all of them), then asserted
    const problems: string[] = [];
    const check = async (layout: string): Promise<void> => {
      await w.page.waitForTimeout(800); // the webview re-lays out after a resize
      // "Both": the frame's text is whole (no element holding it is narrower than its content, or past the row)
      const cut = await rows
        .filter({ hasText: '吃包子啊! 中午吃什么' })
        .first()
        .evaluate((row) => {
          const words = '吃包子啊! 中午吃什么';
          const holders = [...row.querySelectorAll('*')].filter((e) => (e.textContent ?? '').includes(words) && ![...e.children].some((c) => (c.textContent ?? '').includes(words)));
          return holders.map((e) => ({ cls: e.className, scroll: e.scrollWidth, client: e.clientWidth, right: Math.round(e.getBoundingClientRect().right), rowRight: Math.round(row.getBoundingClientRect().right) }));
        });
      assert.ok(cut.length > 0, 'the row holds the text');
      for (const c of cut) if (!(c.scroll <= c.client + 1 && c.right <= c.rowRight + 1)) problems.push(`${layout}: the Both view cuts the text: ${JSON.stringify(c)}`);

      // the details of the long frame: every hexdump row ends with its ASCII column, and the dump needs no scrolling
      const d = await view.locator('.details pre.hexdump').evaluate((pre) => ({ scroll: pre.scrollWidth, client: pre.clientWidth, text: pre.textContent ?? '' }));
      if (d.scroll > d.client + 1) problems.push(`${layout}: the hexdump scrolls sideways (${d.scroll} > ${d.client}): its ASCII column is out of view`);
      const lines = d.text.split('\n').filter((l: string) => /^[0-9a-f]{8} /.test(l));
      assert.ok(lines.length > 0 && lines.every((l: string) => /\|[^|]*\|$/.test(l)), `every row has its ASCII column:\n${d.text}`);

      // the inspector: the split badge of the widest (sticky and split) chunk is inside its row and the list
      const b = await view
        .locator('#inspector .insp-row.is-split:not([hidden])')
        .first()
        .evaluate((row) => {
          const m = row.querySelector('.mark.split')!.getBoundingClientRect();
          const list = row.closest('.vlist')!;
          return { mark: Math.round(m.right), width: Math.round(m.width), row: Math.round(row.getBoundingClientRect().right), list: Math.round(list.getBoundingClientRect().left + list.clientWidth) };
        });
      if (!(b.width > 0 && b.mark <= b.row + 1 && b.mark <= b.list + 1)) problems.push(`${layout}: the split badge is clipped: ${JSON.stringify(b)}`);

      // the target list: the selected connection's label fits the select (measured with the select's own font)
      const t = await view.locator('#target').evaluate((sel) => {
        const doc = sel.ownerDocument;
        const cs = doc.defaultView!.getComputedStyle(sel);
        const ctx = doc.createElement('canvas').getContext('2d')!;
        ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
        const text = (sel as unknown as { selectedOptions: ArrayLike<{ text: string }> }).selectedOptions[0]?.text ?? '';
        // the dropdown arrow takes about 16 px
        return { text, need: Math.round(ctx.measureText(text).width), have: Math.round(sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16) };
      });
      assert.ok(t.text.length > 0, 'a target is selected');
      if (t.need > t.have) problems.push(`${layout}: the target list cuts "${t.text}" (${t.need} px of text in ${t.have} px)`);
    };

    // 1. a 900 px window: the composer in one column beside the sidebar
    await check('900 px window');
    await w.screenshot('composer-900px');
    // 2. the same window with the sidebar dragged wider: the composer gets about 430 px
    const sidebar = (await w.page.locator('.part.sidebar').first().boundingBox())!;
    const sashX = sidebar.x + sidebar.width;
    await w.page.mouse.move(sashX, sidebar.y + 200);
    await w.page.mouse.down();
    await w.page.mouse.move(sashX + 190, sidebar.y + 200, { steps: 8 });
    await w.page.mouse.up();
    await check('900 px window, wide sidebar');
    await w.screenshot('composer-900px-wide-sidebar');
    // 3. the default window width: two columns, the composer's column narrower than in one column
    await w.page.setViewportSize({ width: 1400, height: 900 });
    await check('1400 px window');
    assert.deepEqual(problems, []);
    py.stdin.end('q');
  });
});

