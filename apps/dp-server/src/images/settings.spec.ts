// Image settings on add and on change (PATCH): what a change keeps, what it clears.
import { resolveImageSettings } from './settings';

describe('resolveImageSettings', () => {
  const scheduled = resolveImageSettings({ mode: 'scheduled', minClients: 4, startDelaySec: 60, maxWaitSec: 600 });

  it('adds with defaults and refuses scheduled fields on autocast', () => {
    expect(resolveImageSettings({})).toEqual({ multicastOnly: false, encrypt: false, mode: 'autocast', slowPolicy: { kind: 'same-speed' } });
    expect(() => resolveImageSettings({ minClients: 2 })).toThrow('min-clients, start-delay, start-at and max-wait need --mode scheduled');
  });

  it('a change keeps what it does not name', () => {
    expect(resolveImageSettings({ encrypt: true }, scheduled)).toMatchObject({ encrypt: true, mode: 'scheduled', minClients: 4, startDelaySec: 60, maxWaitSec: 600 });
  });

  it('null clears a scheduled field', () => {
    const s = resolveImageSettings({ minClients: null, maxWaitSec: null }, scheduled);
    expect(s).toMatchObject({ mode: 'scheduled', startDelaySec: 60 });
    expect(s).not.toHaveProperty('minClients');
    expect(s).not.toHaveProperty('maxWaitSec');
  });

  it('switching back to autocast clears every scheduled field (it used to be refused)', () => {
    expect(resolveImageSettings({ mode: 'autocast' }, scheduled)).toEqual({ multicastOnly: false, encrypt: false, mode: 'autocast', slowPolicy: { kind: 'same-speed' } });
    // Naming one anyway is still a contradiction.
    expect(() => resolveImageSettings({ mode: 'autocast', minClients: 3 }, scheduled)).toThrow(/need --mode scheduled/);
  });

  it('start-at and start-delay replace each other; both in one change are refused', () => {
    const at = resolveImageSettings({ startAt: '2026-12-01T20:00:00Z' }, scheduled);
    expect(at).toMatchObject({ startAt: '2026-12-01T20:00:00Z', minClients: 4 });
    expect(at).not.toHaveProperty('startDelaySec');
    expect(resolveImageSettings({ startDelaySec: 30 }, at)).not.toHaveProperty('startAt');
    expect(() => resolveImageSettings({ startAt: '2026-12-01T20:00:00Z', startDelaySec: 30 }, scheduled)).toThrow('start-at and start-delay exclude each other');
  });
});
