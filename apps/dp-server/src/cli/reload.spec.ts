import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSettings } from '../config/settings';
import { ADMIN, CLIENT, harnessPerTest, type Harness } from '../testing/harness';
import { applyReload } from './reload';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function settingsOf(h: Harness, flags: Record<string, unknown> = {}) {
  return resolveSettings({ flags: { 'data-dir': join(h.dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1', 'admin-token': ADMIN, 'client-token': CLIENT, 'image-root': h.dir, ...flags } });
}

function tokenFile(h: Harness, name: string, token: string): string {
  const f = join(h.dir, name);
  writeFileSync(f, `${token}\n`);
  chmodSync(f, 0o600);
  return f;
}

describe('reload (SIGHUP)', () => {
  const make = harnessPerTest();
  const status = async (h: Harness, token: string) => (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: bearer(token) })).statusCode;

  it('rotates tokens at once: the old ones are refused, the new ones let in', async () => {
    const h = await make();
    const oldViewer = h.app.dp.access.get().viewer;
    const running = settingsOf(h);
    const next = settingsOf(h, { 'admin-token': undefined, 'admin-token-file': tokenFile(h, 'admin.new', 'rotated-admin-token-0001'), 'viewer-token-file': tokenFile(h, 'viewer.new', 'rotated-viewer-token-001') });
    expect(applyReload(h.app.dp, running, next)).toEqual({ applied: ['admin token', 'viewer token'], needRestart: [] });
    expect(await status(h, ADMIN)).toBe(403);
    expect(await status(h, oldViewer)).toBe(403);
    expect(await status(h, 'rotated-admin-token-0001')).toBe(200);
    expect(await status(h, 'rotated-viewer-token-001')).toBe(200);
    // The admin token is kept in state.json like one given at start.
    expect(h.app.dp.store.state.tokens.admin).toBe('rotated-admin-token-0001');
  });

  it('reads a replaced DATA_DIR/operator.token again', async () => {
    const h = await make();
    writeFileSync(join(h.dir, 'data', 'operator.token'), 'operator-replaced-by-hand-01\n', { mode: 0o600 });
    expect(applyReload(h.app.dp, settingsOf(h), settingsOf(h)).applied).toEqual(['operator token']);
    expect(await status(h, 'operator-replaced-by-hand-01')).toBe(200);
  });

  it('names the settings that need a restart, and changes nothing when the new tokens clash', async () => {
    const h = await make();
    const running = settingsOf(h);
    // A max-rate now set also moves where sessions start (start-rate auto: probe -> cap).
    expect(applyReload(h.app.dp, running, settingsOf(h, { 'max-rate': '100mbit', listen: '127.0.0.1:9999' }))).toEqual({ applied: [], needRestart: ['listen', 'max-rate', 'start-rate'] });
    expect(applyReload(h.app.dp, running, settingsOf(h, { 'start-rate': 'cap' }))).toEqual({ applied: [], needRestart: ['start-rate'] });
    const viewer = h.app.dp.access.get().viewer;
    expect(() => applyReload(h.app.dp, running, settingsOf(h, { 'operator-token-file': tokenFile(h, 'op.same', viewer) }))).toThrow(/operator and viewer tokens are the same/);
    expect(h.app.dp.access.get().viewer).toBe(viewer);
    expect(await status(h, ADMIN)).toBe(200);
  });
});
