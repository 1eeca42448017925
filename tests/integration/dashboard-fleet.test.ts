// The operator's side of machines and deployments in the dashboard (issue 24), in headless
// Chromium inside a netlab LAN, as an admin coming from FOG or Configuration Manager would use it:
// add a machine (a taken MAC refused on the form, its owner named), rename one, see the machine a
// real agent registered under "unknown machines" and approve it with a name, import a CSV file
// (the good rows added, each refused row with its reason), remove a machine, and add and remove a
// deployment from the image and collection lists. Screenshots go to $CASTPOINT_SCREENSHOTS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appBundles, dpCli } from '@castpoint/bench';
import { collect, describeLan } from '@castpoint/netlab';
import type { Browser, Page } from 'playwright-core';
import { chromiumInLan, openDashboard, shot, waitForText } from './dashboard-helpers';
import { clientOf, dpGet, lanWithImage, tearDown, type Ctx } from './e2e-helpers';

describeLan('the dashboard: machines and deployments forms (headless Chromium in a netlab LAN)', () => {
  let c: Ctx | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    c = await lanWithImage({ clients: 1, sizeMiB: 4, seed: 24, full: true, maxRate: '100mbit' });
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
  const operatorToken = (): string => readFileSync(path.join(ctx().work, 'dp', 'operator.token'), 'utf8').trim();
  const open = (token: string, view: string): Promise<Page> => {
    if (!browser) throw new Error('no browser');
    return openDashboard(browser, ctx(), token, view);
  };
  const row = (name: string): string => `#machines tr[data-machine="${name}"]`;

  it('adds, renames, approves, imports and removes machines from the Machines view', async () => {
    const cx = ctx();
    const page = await open(operatorToken(), 'machines');
    expect(await page.textContent('#role')).toBe('operator');

    // Add a machine; the same MAC again is refused on the form, naming the machine that holds it.
    await page.fill('#machine-add input[name=name]', 'lab-pc-07');
    await page.fill('#machine-add input[name=mac]', '52-54-00-29-00-07');
    await page.click('#machine-add button[type=submit]');
    await page.waitForSelector(row('lab-pc-07'), { timeout: 20_000 });
    expect(await page.textContent('#notice')).toBe('add machine lab-pc-07: done');
    expect(await page.textContent(`${row('lab-pc-07')} td.mono`)).toBe('52:54:00:29:00:07');
    await page.fill('#machine-add input[name=name]', 'lab-pc-99');
    await page.fill('#machine-add input[name=mac]', '52:54:00:29:00:07');
    await page.click('#machine-add button[type=submit]');
    await waitForText(page, '#machine-add .form-msg', (t) => t !== '', 10_000);
    expect(await page.textContent('#machine-add .form-msg')).toBe('MAC 52:54:00:29:00:07 already belongs to machine lab-pc-07');
    expect(await page.isVisible(row('lab-pc-99'))).toBe(false);
    await shot(page, 'machines-add-refused');

    // Rename it from its row; a name another machine holds is refused on the rename form.
    await page.click(`${row('lab-pc-07')} button.rename`);
    expect(await page.inputValue('#machine-edit input[name=name]')).toBe('lab-pc-07');
    await page.fill('#machine-edit input[name=name]', 'lab-pc-08');
    await page.click('#machine-edit button[type=submit]');
    await page.waitForSelector(row('lab-pc-08'), { timeout: 10_000 });
    expect(await page.isVisible(row('lab-pc-07'))).toBe(false);
    expect(await page.isVisible('#machine-edit')).toBe(false);
    await page.fill('#machine-add input[name=name]', 'lab-pc-10');
    await page.fill('#machine-add input[name=mac]', '52:54:00:29:00:10');
    await page.click('#machine-add button[type=submit]');
    await page.waitForSelector(row('lab-pc-10'), { timeout: 10_000 });
    await page.click(`${row('lab-pc-10')} button.rename`);
    await page.fill('#machine-edit input[name=name]', 'lab-pc-08');
    await page.click('#machine-edit button[type=submit]');
    await waitForText(page, '#machine-edit .form-msg', (t) => t !== '', 10_000);
    expect(await page.textContent('#machine-edit .form-msg')).toBe('a machine named lab-pc-08 already exists (MAC 52:54:00:29:00:07)');
    await page.click('#machine-edit-cancel');

    // A real agent asks the DP what to do: it registers itself as an unknown machine (nothing to do: exit 8).
    const host = clientOf(cx, 0);
    const mac = (await collect(cx.lan.spawn(host, 'cat', ['/sys/class/net/eth0/address']), 10_000)).stdout.trim();
    const unknown = `unknown-${mac.replaceAll(':', '')}`;
    const run = await collect(
      cx.lan.spawn(host, process.execPath, [appBundles().agent, 'run', '--server', cx.dp.url, '--token', cx.dp.clientToken, '--disk', 'path:/dev/castpoint-no-such-disk', '--state-dir', path.join(cx.work, host.name, 'state'), '--interface', host.ip, '--json']),
      120_000,
    );
    expect({ code: run.code, err: run.code === 8 ? '' : run.stderr.slice(-1500) }).toEqual({ code: 8, err: '' });
    // The unknown machines filter: only it, with Approve.
    await page.selectOption('#machine-filter select[name=state]', 'unknown');
    await page.waitForSelector(row(unknown), { timeout: 10_000 });
    expect(await page.locator('#machines tbody tr').count()).toBe(1);
    expect(await page.textContent('#machines-count')).toBe('1 unknown machine waiting for approval');
    expect(await page.textContent(`${row(unknown)} td.machine-state`)).toBe('unknown');
    await shot(page, 'machines-unknown');
    await page.click(`${row(unknown)} button.approve`);
    const title = (await page.textContent('#machine-edit-title')) ?? '';
    expect([title.startsWith(`Approve ${unknown} (`), title.includes(mac), title.endsWith('): keep or change its name')]).toEqual([true, true, true]);
    await shot(page, 'machines-approve-form');
    await page.fill('#machine-edit input[name=name]', 'lab-pc-09');
    await page.click('#machine-edit button[type=submit]');
    await page.waitForSelector('#machines-empty:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#machines-empty')).toBe('No unknown machine: every machine that registered itself has been approved.');
    await page.selectOption('#machine-filter select[name=state]', { label: 'all machines' });
    await page.waitForSelector(row('lab-pc-09'), { timeout: 10_000 });
    expect(await page.textContent(`${row('lab-pc-09')} td.machine-state`)).toBe('known');
    expect(await dpGet<{ name: string; state: string; macs: string[] }>(cx.lan, cx.dp, '/api/v1/machines/lab-pc-09')).toMatchObject({ state: 'known', macs: expect.arrayContaining([mac]) });

    // Import a CSV file: the good rows are added, each refused row listed with its reason.
    const csv = ['name,mac', 'lab-pc-11,52:54:00:29:00:11', 'lab-pc-12,52:54:00:29:00:07', 'lab-pc-13,52:54:00:29:00:zz', 'lab-pc-14,52:54:00:29:00:14'].join('\n');
    await page.setInputFiles('#machine-import input[name=file]', { name: 'lab.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    // The file is read into the box (the operator sees what is sent) before Import.
    for (let i = 0; i < 100 && (await page.inputValue('#machine-import textarea')) !== csv; i++) await page.waitForTimeout(100);
    expect(await page.inputValue('#machine-import textarea')).toBe(csv);
    await page.click('#machine-import button[type=submit]');
    await page.waitForSelector('#import-result:not([hidden])', { timeout: 20_000 });
    expect(await page.textContent('#import-summary')).toBe('2 machines added, 2 lines refused:');
    expect(await page.locator('#import-refused tr[data-line="3"] td').allTextContents()).toEqual(['3', 'lab-pc-12', 'DP_IDENTIFIER_TAKEN', 'MAC 52:54:00:29:00:07 already belongs to machine lab-pc-08']);
    expect(await page.locator('#import-refused tr[data-line="4"] td').allTextContents()).toEqual(['4', 'lab-pc-13', 'DP_BAD_CSV', '"52:54:00:29:00:zz" is not a MAC address']);
    await page.waitForSelector(row('lab-pc-11'), { timeout: 10_000 });
    await page.waitForSelector(row('lab-pc-14'), { timeout: 10_000 });
    await shot(page, 'machines-import');

    // Remove one, after the confirmation.
    page.once('dialog', (d) => void d.accept());
    await page.click(`${row('lab-pc-14')} button.remove`);
    await page.waitForSelector(row('lab-pc-14'), { state: 'detached', timeout: 10_000 });
    expect(await page.textContent('#notice')).toBe('remove machine lab-pc-14: done');
    await shot(page, 'machines-all');
    await page.close();
  }, 300_000);

  it('adds a deployment from the image and collection lists, shows it, and removes it', async () => {
    const cx = ctx();
    const made = await dpCli(cx.lan, cx.dp, ['collection', 'add', 'lab', '--rule', 'name:lab-*']);
    expect([made.code, made.stderr]).toEqual([0, '']);
    const page = await open(operatorToken(), 'deployments');
    await waitForText(page, '#deployment-add select[name=collection]', (t) => t.includes('lab'), 20_000);
    await waitForText(page, '#deployment-add select[name=image]', (t) => t.includes('img'), 20_000);
    expect(await page.isVisible('#deployment-add-hint')).toBe(false);
    await page.fill('#deployment-add input[name=name]', 'lab-win');
    await page.selectOption('#deployment-add select[name=image]', 'img');
    await page.selectOption('#deployment-add select[name=collection]', 'lab');
    await page.selectOption('#deployment-add select[name=purpose]', 'available');
    await page.fill('#deployment-add input[name=disk]', 'biggest');
    await page.selectOption('#deployment-add select[name=after]', 'poweroff');
    await page.fill('#deployment-add input[name=deadline]', '2031-06-30T18:00');
    await page.click('#deployment-add button[type=submit]');
    // A selector the DP cannot parse is refused on the form, with the parser's reason.
    await waitForText(page, '#deployment-add .form-msg', (t) => t !== '', 10_000);
    expect(await page.textContent('#deployment-add .form-msg')).toMatch(/disk selector "biggest"/);
    await page.fill('#deployment-add input[name=disk]', 'first-fixed');
    await page.click('#deployment-add button[type=submit]');
    await page.waitForSelector('#deployments tr[data-deployment="lab-win"]', { timeout: 10_000 });
    expect(await page.textContent('#notice')).toBe('add deployment lab-win: done');
    const cells = await page.locator('#deployments tr[data-deployment="lab-win"] td').allTextContents();
    expect(cells.slice(0, 6)).toEqual(['lab-win', 'img', 'lab', 'available', 'first-fixed', 'poweroff']);
    expect(cells[6]).toMatch(/^until .*2031/);
    const d = await dpGet<{ deadline: string; purpose: string }>(cx.lan, cx.dp, '/api/v1/deployments/lab-win');
    // datetime-local is the browser's local time: the DP gets it with its zone, as that instant.
    expect(Date.parse(d.deadline)).toBe(new Date(2031, 5, 30, 18, 0).getTime());
    await shot(page, 'deployments-new');
    page.once('dialog', (dlg) => void dlg.accept());
    await page.click('#deployments tr[data-deployment="lab-win"] button.remove');
    await page.waitForSelector('#deployments tr[data-deployment="lab-win"]', { state: 'detached', timeout: 10_000 });
    await page.close();
  }, 120_000);

  it('shows a viewer the lists without any of the forms or row actions', async () => {
    const cx = ctx();
    const page = await open(readFileSync(path.join(cx.work, 'dp', 'viewer.token'), 'utf8').trim(), 'machines');
    await page.waitForSelector(row('lab-pc-08'), { timeout: 20_000 });
    for (const sel of ['#machine-add', '#machine-import', `${row('lab-pc-08')} button.rename`, `${row('lab-pc-08')} button.remove`]) expect([sel, await page.isVisible(sel)]).toEqual([sel, false]);
    await page.click('nav button[data-view="deployments"]');
    expect(await page.isVisible('#deployment-add')).toBe(false);
    await page.close();
  }, 60_000);
});
