// What the dashboard's browser tests share: Chromium started inside the LAN's server host (the
// DP's address exists only there), the page opened with a token, text polled without evaluating
// in the page (its CSP forbids that), and screenshots kept only when CASTPOINT_SCREENSHOTS is set.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Ctx } from './e2e-helpers';

const SHOTS = process.env['CASTPOINT_SCREENSHOTS'];

/** Headless Chromium (Debian's) run through `ip netns exec` in the server host of the LAN. */
export async function chromiumInLan(c: Ctx): Promise<Browser> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
  const wrapper = path.join(c.work, 'chromium-in-lan.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${c.lan.server.ns} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launch({
    executablePath: wrapper,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The dashboard with `token`, connected, its role known, on `view`. */
export async function openDashboard(browser: Browser, c: Ctx, token: string, view = 'live'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${c.dp.url}/#token=${encodeURIComponent(token)}`);
  await page.waitForSelector('#conn.ok', { timeout: 20_000 });
  await page.waitForSelector('body[data-role]', { timeout: 10_000 });
  if (view !== 'live') await page.click(`nav button[data-view="${view}"]`);
  return page;
}

export async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Polls an element's text until `ok` holds. (page.waitForFunction evaluates its predicate in the
 * page, which the dashboard's CSP forbids; textContent is read through the DevTools protocol.)
 */
export async function waitForText(page: Page, selector: string, ok: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = (await page.textContent(selector, { timeout: timeoutMs })) ?? '';
    if (ok(text)) return text;
    if (Date.now() > end) throw new Error(`${selector}: the text stayed ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
