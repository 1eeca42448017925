// The dashboard in headless Chromium (Debian's, through playwright-core) inside a netlab LAN, used
// as each role would: a viewer sees and cannot act; an operator sees waiting agents ("2 of 3
// clients"), starts the waiting session, follows its throughput chart, elapsed time and ETA, and
// sees the finished session's average rate and the agent requests the DP refused; an admin adds,
// edits and removes an image; the Machines, Deployments and History views read the fleet routes.
// Screenshots go to $CASTPOINT_SCREENSHOTS when set (never into the repository).
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dpCli } from '@castpoint/bench';
import { collect, describeLan } from '@castpoint/netlab';
import type { Browser, Page } from 'playwright-core';
import { chromiumInLan, openDashboard, shot, waitForText } from './dashboard-helpers';
import { agentOn, clientOf, expectVerified, lanWithImage, tearDown, type Ctx } from './e2e-helpers';

describeLan('the dashboard (headless Chromium in a netlab LAN)', () => {
  let c: Ctx | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Scheduled for 3 clients with a long wait: the two agents of the LAN wait until someone starts it.
    c = await lanWithImage({ clients: 2, sizeMiB: 24, seed: 28, full: true, maxRate: '24mbit', imageFlags: ['--mode', 'scheduled', '--min-clients', '3', '--max-wait', '3600'] });
    browser = await chromiumInLan(c);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await tearDown(c);
  });

  const ctx = (): Ctx => {
    if (!c) throw new Error('no LAN');
    return c;
  };
  const tokenOf = (role: 'operator' | 'viewer'): string => readFileSync(path.join(ctx().work, 'dp', `${role}.token`), 'utf8').trim();

  async function open(token: string, view = 'live'): Promise<Page> {
    if (!browser) throw new Error('no browser');
    return openDashboard(browser, ctx(), token, view);
  }

  it('a viewer sees the sessions and no control that acts', async () => {
    const page = await open(tokenOf('viewer'));
    expect(await page.textContent('#role')).toBe('viewer');
    expect(await page.isVisible('#start-form')).toBe(false);
    await page.click('nav button[data-view="images"]');
    await page.waitForSelector('#images tr[data-image="img"]');
    expect(await page.isVisible('#image-add')).toBe(false);
    expect(await page.isVisible('#images tr[data-image="img"] button.remove')).toBe(false);
    await shot(page, 'viewer-images');
    // The DP refuses it anyway (the page only hides what the role cannot do).
    const status = await page.evaluate<number>(`fetch('/api/v1/sessions', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('castpoint-token'), 'content-type': 'application/json' }, body: '{"image":"img"}' }).then((r) => r.status)`);
    expect(status).toBe(403);
    await page.close();
  });

  it('an operator sees the waiting agents, starts the session, follows it to its end and sees refused requests', async () => {
    const cx = ctx();
    const page = await open(tokenOf('operator'));
    expect(await page.textContent('#role')).toBe('operator');
    const agents = [0, 1].map((i) => agentOn(cx.lan, clientOf(cx, i), cx.dp, cx.work, 'img'));
    const waiting = page.locator('#sessions tr[data-state="waiting"] td.clients');
    await waitForText(page, '#sessions tr[data-state="waiting"] td.clients', (t) => t.startsWith('2 of 3 clients: '), 60_000);
    expect(await waiting.textContent()).toMatch(/^2 of 3 clients: client[12]@[0-9.]+, client[12]@[0-9.]+$/);
    expect(await page.textContent('#sessions tr[data-state="waiting"] td.start')).toMatch(/^latest /);
    // Not "No clients yet" beside "2 of 3 clients": the empty clients table says who waits.
    expect(await page.textContent('#clients-empty')).toBe('2 agents wait for a scheduled session to start (Sessions, above); they show here once it starts.');
    await shot(page, 'operator-waiting');
    // An agent with a wrong token, and one asking for an image the DP does not have: both refused and shown.
    const host = clientOf(cx, 0);
    const ask = (token: string, image: string) =>
      collect(cx.lan.spawn(host, 'curl', ['-sS', '-X', 'POST', '-H', `authorization: Bearer ${token}`, '-H', 'content-type: application/json', '-d', JSON.stringify({ image, hostname: 'stray-pc' }), `${cx.dp.url}/api/v1/agent/request`]), 10_000);
    await ask('not-a-token', 'img');
    await ask(cx.dp.clientToken, 'nosuch');
    // A name far too long: refused with a long reason, which must not widen the page.
    await ask(cx.dp.clientToken, `n${'o'.repeat(300)}`);
    await page.waitForSelector('#refusals tr[data-code="DP_IMAGE_NOT_FOUND"]', { timeout: 10_000 });
    await page.waitForSelector('#refusals tr[data-code="FORBIDDEN"]', { timeout: 10_000 });
    await page.waitForSelector('#refusals tr[data-code="BAD_REQUEST"]', { timeout: 10_000 });
    expect(await page.textContent('#refusals tr[data-code="DP_IMAGE_NOT_FOUND"]')).toContain('stray-pc');
    // A wrong token is refused before the body is read: host and image say so, not blank cells.
    expect(await page.locator('#refusals tr[data-code="FORBIDDEN"] td').allTextContents()).toEqual([expect.any(String), expect.stringMatching(/^[0-9.]+$/), '-', '-', '403 FORBIDDEN', 'the token presented is not the client token']);
    const layout = await page.evaluate<{ pageFits: boolean; cut: boolean; tooltip: number }>(`(() => {
      const note = document.querySelector('#refusals tr[data-code="BAD_REQUEST"] td.note');
      return { pageFits: document.documentElement.scrollWidth <= window.innerWidth, cut: note.scrollWidth > note.clientWidth, tooltip: note.title.length };
    })()`);
    // The long reason is cut to its cell (whole in the tooltip), and the page does not scroll sideways.
    expect(layout).toEqual({ pageFits: true, cut: true, tooltip: expect.any(Number) });
    expect(layout.tooltip).toBeGreaterThan(100);
    // Start the waiting session now, from the page.
    await page.selectOption('#start-image', 'img');
    await page.click('#start-form button[type=submit]');
    await page.waitForSelector('#sessions tr[data-state="running"]', { timeout: 20_000 });
    // The chart draws once the DP has measured a second or two of sending; ETA and elapsed show.
    await page.waitForSelector('#chart:not([hidden]) #chart-plot canvas', { timeout: 20_000 });
    await waitForText(page, '#sessions tr[data-state="running"] td.eta', (t) => t !== '', 30_000);
    expect(await page.textContent('#sessions tr[data-state="running"] td.elapsed')).toMatch(/^\d+ s$|min/);
    await shot(page, 'operator-running');
    await expectVerified(cx, agents);
    await page.waitForSelector('#sessions tr[data-state="done"]', { timeout: 20_000 });
    // An ended session shows its average rate, never "0.0 Mbit/s".
    const rate = (await page.textContent('#sessions tr[data-state="done"] td.throughput')) ?? '';
    expect(rate).toMatch(/^avg \d+\.\d Mbit\/s$/);
    expect(Number.parseFloat(rate.slice(4))).toBeGreaterThan(1);
    expect(Number.parseFloat(rate.slice(4))).toBeLessThan(30);
    await shot(page, 'operator-done');
    await page.close();
  }, 240_000);

  it('an admin adds an image (import progress), edits and removes it; an operator may not', async () => {
    const cx = ctx();
    const file = path.join(cx.work, 'dp', 'images', 'second.img');
    copyFileSync(cx.img.path, file);
    const page = await open(cx.dp.adminToken, 'images');
    await page.fill('#image-add input[name=name]', 'second');
    await page.fill('#image-add input[name=file]', file);
    await page.click('#image-add button[type=submit]');
    await page.waitForSelector('#images tr[data-image="second"]', { timeout: 60_000 });
    expect(await page.textContent('#notice')).toBe('add image second: done');
    // Closed until Edit is clicked (form.inline's display: flex once overrode the hidden attribute).
    expect(await page.isVisible('#image-edit')).toBe(false);
    await page.click('#images tr[data-image="second"] button.edit');
    await page.selectOption('#image-edit select[name=mode]', 'scheduled');
    await page.fill('#image-edit input[name=minClients]', '4');
    await page.check('#image-edit input[name=encrypt]');
    await page.click('#image-edit button[type=submit]');
    await waitForText(page, '#images tr[data-image="second"]', (t) => t.includes('scheduled (4 clients)'), 10_000);
    expect(await page.textContent('#images tr[data-image="second"]')).toContain('AES-GCM');
    await shot(page, 'admin-images');
    page.once('dialog', (d) => void d.accept());
    await page.click('#images tr[data-image="second"] button.remove');
    await page.waitForSelector('#images tr[data-image="second"]', { state: 'detached', timeout: 10_000 });
    await page.close();
    const op = await open(tokenOf('operator'), 'images');
    await op.waitForSelector('#images tr[data-image="img"]');
    expect(await op.isVisible('#images tr[data-image="img"] button.edit')).toBe(false);
    await op.close();
  }, 120_000);

  it('shows machines, deployments and their history from the fleet routes', async () => {
    const cx = ctx();
    for (const args of [
      ['machine', 'add', 'lab-pc-01', '--mac', '52:54:00:28:00:01'],
      ['collection', 'add', 'lab'],
      ['collection', 'add-member', 'lab', 'lab-pc-01'],
      ['deployment', 'add', 'lab-img', '--image', 'img', '--collection', 'lab'],
    ]) {
      const r = await dpCli(cx.lan, cx.dp, args);
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, '']);
    }
    const page = await open(tokenOf('operator'), 'machines');
    await page.waitForSelector('#machines tr[data-machine="lab-pc-01"]', { timeout: 60_000 });
    expect(await page.textContent('#machines tr[data-machine="lab-pc-01"]')).toContain('52:54:00:28:00:01');
    // Added by hand, never seen: its row says so instead of blank cells.
    expect(await page.textContent('#machines tr[data-machine="lab-pc-01"] td.seen')).toBe('never');
    expect(await page.textContent('#machines tr[data-machine="lab-pc-01"] td.last')).toBe('none yet');
    await shot(page, 'operator-machines');
    await page.click('nav button[data-view="deployments"]');
    await page.waitForSelector('#deployments tr[data-deployment="lab-img"]', { timeout: 10_000 });
    expect(await page.textContent('#deployments tr[data-deployment="lab-img"]')).toContain('required');
    expect(await page.isVisible('#deployments tr[data-deployment="lab-img"] button.rerun')).toBe(true);
    // No window set: it says so instead of an empty cell.
    expect(await page.textContent('#deployments tr[data-deployment="lab-img"] td.window')).toBe('any time');
    await shot(page, 'operator-deployments');
    await page.click('nav button[data-view="history"]');
    await page.fill('#history-filter input[name=machine]', 'lab-pc-01');
    await page.click('#history-filter button[type=submit]');
    await page.waitForSelector('#history-empty:not([hidden])', { timeout: 10_000 });
    await shot(page, 'operator-history');
    await page.close();
  }, 120_000);
});
