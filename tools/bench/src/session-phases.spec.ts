import { phasesText, sessionPhases } from './session-phases';

const t0 = Date.parse('2026-12-06T15:00:00.000Z');

describe('sessionPhases', () => {
  it('splits a run into before, during and after its session', () => {
    const p = sessionPhases([{ image: 'bench', startedAt: '2026-12-06T15:00:01.250Z', endedAt: '2026-12-06T15:00:05.500Z' }, { image: 'other', startedAt: '2026-12-06T14:00:00.000Z', endedAt: '2026-12-06T14:10:00.000Z' }], 'bench', t0, 6.0);
    expect(p).toEqual({ beforeSeconds: 1.25, sessionSeconds: 4.25, afterSeconds: 0.5, sessions: 1 });
    expect(phasesText(p)).toBe('before the session 1.25 s, session 4.25 s, after it 0.50 s');
  });

  it('spans every session of the image when the agents did not all join one', () => {
    const p = sessionPhases([{ image: 'bench', startedAt: '2026-12-06T15:00:01.000Z', endedAt: '2026-12-06T15:00:04.000Z' }, { image: 'bench', startedAt: '2026-12-06T15:00:02.000Z', endedAt: '2026-12-06T15:00:06.000Z' }], 'bench', t0, 7.0);
    expect(p).toMatchObject({ beforeSeconds: 1, sessionSeconds: 5, afterSeconds: 1, sessions: 2 });
  });

  it('knows nothing of a session that did not end or a list without one', () => {
    expect(sessionPhases([{ image: 'bench', startedAt: '2026-12-06T15:00:01.000Z', endedAt: null }], 'bench', t0, 3)).toBeUndefined();
    expect(phasesText(undefined)).toBe('session times unknown');
  });
});
