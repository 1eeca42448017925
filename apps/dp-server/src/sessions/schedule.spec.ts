import { parseGroupRange, parsePortRange } from '../config/parse';
import { allocateGroupPort } from './allocator';
import { retryAfterMs, scheduleFor, startReason } from './schedule';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const base = { multicastOnly: false, encrypt: false, mode: 'scheduled' as const, slowPolicy: { kind: 'same-speed' as const } };

describe('scheduled start', () => {
  it('starts on min clients, on the start time, or at max wait, whichever comes first', () => {
    const sched = scheduleFor({ ...base, minClients: 3, startDelaySec: 60, maxWaitSec: 30 }, T0);
    expect(sched).toEqual({ startsAtMs: T0 + 60_000, deadlineMs: T0 + 30_000, minClients: 3 });
    const s = { ...sched, waiting: 2 };
    expect(startReason(s, T0 + 10_000)).toBeUndefined();
    expect(startReason({ ...s, waiting: 3 }, T0 + 10_000)).toBe('min-clients');
    expect(startReason(s, T0 + 30_000)).toBe('max-wait');
    expect(startReason({ startsAtMs: T0 + 60_000, waiting: 0 }, T0 + 60_000)).toBe('start-time');
  });

  it('starts at once when a scheduled image sets no condition', () => {
    expect(startReason({ ...scheduleFor(base, T0), waiting: 1 }, T0)).toBe('immediate');
  });

  it('uses an absolute start-at as given', () => {
    expect(scheduleFor({ ...base, startAt: '2026-11-24T01:00:00+01:00' }, T0).startsAtMs).toBe(Date.parse('2026-11-24T00:00:00.000Z'));
  });

  it('asks agents to retry within 0.25..2 s, sooner when the start is near', () => {
    expect(retryAfterMs({ startsAtMs: T0 + 700 }, T0)).toBe(700);
    expect(retryAfterMs({}, T0)).toBe(2000);
    expect(retryAfterMs({ deadlineMs: T0 + 10 }, T0)).toBe(250);
  });
});

describe('allocateGroupPort', () => {
  const range = parseGroupRange('239.255.0.0/30');
  const ports = parsePortRange('63000-63001');

  it('gives the lowest free group and port, never one a live session holds', () => {
    const a = allocateGroupPort(range, ports, []);
    expect(a).toEqual({ group: '239.255.0.1', port: 63000 });
    const b = allocateGroupPort(range, ports, [a]);
    expect(b).toEqual({ group: '239.255.0.2', port: 63001 });
    expect(allocateGroupPort(range, ports, [b])).toEqual({ group: '239.255.0.1', port: 63000 });
  });

  it('fails with DP_RANGE_EXHAUSTED when a range is used up', () => {
    const a = allocateGroupPort(range, ports, []);
    const b = allocateGroupPort(range, ports, [a]);
    expect(() => allocateGroupPort(range, ports, [a, b])).toThrow(expect.objectContaining({ code: 'DP_RANGE_EXHAUSTED' }));
  });
});
