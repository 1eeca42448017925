// The technician's screen through the Reporter: an 80-column console, a whole run from header to
// verdict. Every line is checked against the width, whatever the DP or the run put in it.
import { AgentError, EXIT } from '../errors';
import { NOT_SAFE, VERIFIED } from './advice';
import { RateMeter, type ProgressSnapshot } from './progress';
import { Reporter, type OutputSink } from './reporter';
import { clockTime, formatBytes, wrap } from './screen';

const T0 = Date.UTC(2026, 11, 6, 14, 2, 0); // 14:02:00 UTC
const GiB = 1024 ** 3;

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  state: 'receiving',
  bytesDone: 0,
  totalBytes: 3 * GiB,
  chunksDone: 0,
  totalChunks: 3072,
  repairedSymbols: 0,
  badPackets: 0,
  ...over,
});

function console80(): OutputSink & { screen(): string[]; text(): string } {
  const all: string[] = [];
  return {
    columns: 80,
    out: (t) => all.push(t),
    err: (t) => all.push(t),
    // What a console shows: \r starts the line again, \x1b[K erases the rest (the reporter's own).
    screen: () => all.join('').replaceAll('\u001b[K', '').split(/[\r\n]/).filter((l) => l !== ''),
    text: () => all.join(''),
  };
}

const LONG = 'x'.repeat(300);
const header = { image: 'win11-edu-2026-12', server: 'http://10.0.0.5:8080', target: '/dev/sda' };

function wholeRun(o: { verbose?: boolean; message?: string; image?: string; target?: string } = {}): ReturnType<typeof console80> {
  const c = console80();
  const r = new Reporter(c, { mode: 'tty', utc: true, ...(o.verbose ? { verbose: true } : {}) });
  r.header({ ...header, ...(o.image ? { image: o.image } : {}), ...(o.target ? { target: o.target } : {}) }, T0);
  const msg = o.message === undefined ? {} : { message: o.message };
  r.update(snap({ state: 'requesting', totalBytes: 0, ...msg }), T0);
  r.tick(T0);
  const wait = { reason: 'scheduled session has not started yet', startsAtMs: T0 + 180_000, clientsWaiting: 2, minClients: 5, nextAskMs: T0 + 5000 };
  r.update(snap({ state: 'waiting', totalBytes: 0, wait, ...msg }), T0 + 1000);
  r.tick(T0 + 1000);
  r.update(snap({ state: 'reconnecting', totalBytes: 0, message: o.message ?? 'The DP at http://10.0.0.5:8080 cannot be reached: nothing listens on 10.0.0.5:8080 (ECONNREFUSED)' }), T0 + 2000);
  r.tick(T0 + 2000);
  r.session(42, 'autocast multicast 239.192.0.7:5000, encrypted');
  for (let i = 0; i <= 10; i++) {
    const t = T0 + 3000 + i * 1000;
    r.update(snap({ bytesDone: i * 100 * 1024 ** 2, sessionId: 42, repairedSymbols: i * 1000, ...msg }), t);
    r.tick(t);
  }
  r.note('The DP sent this client to unicast download (client limit reached (200 of 200 receiving)); downloading the missing chunks by unicast');
  r.update(snap({ state: 'fallback', bytesDone: 2 * GiB, ...msg }), T0 + 20_000);
  r.tick(T0 + 20_000);
  r.update(snap({ state: 'verifying', bytesDone: 3 * GiB, ...msg }), T0 + 30_000);
  r.tick(T0 + 30_000);
  r.detail('wrote 130 chunks by direct I/O and 0 through the page cache');
  r.update(snap({ state: 'done', bytesDone: 3 * GiB }), T0 + 148_000);
  r.flush(T0 + 148_000);
  r.verified(T0 + 148_000);
  return c;
}

describe("the technician's screen (80 columns)", () => {
  it('a header names the image, the DP, the target and the session, with the local start time', () => {
    const lines = wholeRun().screen();
    expect(lines.slice(0, 3)).toEqual([
      'castpoint-agent: deploying image win11-edu-2026-12, started 14:02:00',
      '  DP      http://10.0.0.5:8080',
      '  target  /dev/sda',
    ]);
    expect(lines).toContain('  session 42: autocast multicast 239.192.0.7:5000, encrypted');
  });

  it('while waiting: until when and how many clients, and no percent, rate or ETA', () => {
    const waiting = wholeRun().screen().find((l) => l.startsWith('waiting'));
    expect(waiting).toMatch(/^waiting: starts 14:05:00 \(in 2:59\), 2 of 5 clients; scheduled session has not +…$/);
    expect(waiting).not.toMatch(/%|ETA|B\/s/);
  });

  it('while reconnecting: the cause, without repeating the DP address the header shows', () => {
    expect(wholeRun().screen()).toContain('reconnecting: nothing listens on 10.0.0.5:8080 (ECONNREFUSED)');
  });

  it('a long note is wrapped at words, not cut', () => {
    const lines = wholeRun().screen();
    const at = lines.findIndex((l) => l.startsWith('castpoint-agent: The DP sent this client'));
    expect(lines.slice(at, at + 2).join(' ').replace(/ {2,}/g, ' ')).toContain('(200 of 200 receiving)); downloading the missing');
  });

  it('while receiving: state, percent, rate and ETA', () => {
    const bars = wholeRun().screen().filter((l) => l.startsWith('[') && l.endsWith('receiving'));
    expect(bars.at(-1)).toMatch(/^\[#+-+\] +32\.5% +104\.9 MB\/s +ETA 0:21 +repaired 10000 +receiving$/);
  });

  it('ends with the verdict, without the write details (those need --verbose)', () => {
    const c = wholeRun();
    expect(c.screen().slice(-3)).toEqual([VERIFIED, '  win11-edu-2026-12 (3.0 GiB) is on /dev/sda.', '  Finished 14:04:28, took 2:28, 21.8 MB/s.']);
    expect(c.text()).not.toContain('direct I/O');
    expect(wholeRun({ verbose: true }).text()).toContain('castpoint-agent: wrote 130 chunks by direct I/O and 0 through the page cache');
  });

  it.each([
    ['plain', {}],
    ['a long DP message', { message: LONG }],
    ['a 128-character image name and a deep target path', { image: 'i'.repeat(128), target: `/mnt/${'deep/'.repeat(40)}disk.img`, message: LONG }],
  ])('no line is wider than 80 columns: %s', (_name, o) => {
    const lines = wholeRun(o).screen();
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(l.length).toBeLessThan(80);
  });

  it('a failure says it is not safe to reboot, why, what to do and when, within 80 columns', () => {
    const c = console80();
    const r = new Reporter(c, { mode: 'tty', utc: true });
    r.header(header, T0);
    r.update(snap({ bytesDone: GiB }), T0 + 1000);
    r.tick(T0 + 1000);
    const err = new AgentError('dp-unreachable', `The DP at http://10.0.0.5:8080 cannot be reached: nothing listens on 10.0.0.5:8080 (ECONNREFUSED), and it did not come back within 600 s ${LONG}`);
    r.update(snap({ bytesDone: GiB, state: 'failed', message: err.message }), T0 + 61_000);
    r.flush(T0 + 61_000);
    r.error(err, EXIT.dpUnreachable, T0 + 61_000);
    const lines = c.screen();
    expect(lines).toContain('stopped at 33.3% (1.0 GiB of 3.0 GiB)');
    const at = lines.indexOf(`${NOT_SAFE} (exit 3, dp-unreachable)`);
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '  The DP at http://10.0.0.5:8080 cannot be reached: nothing listens on',
      '  10.0.0.5:8080 (ECONNREFUSED), and it did not come back within 600 s',
    ]);
    expect(lines.join('\n')).toMatch(/What to do: Check that castpoint-dp runs at that address/);
    expect(lines.at(-1)).toBe('  Stopped 14:03:01 after 1:01.');
    for (const l of lines) expect(l.length).toBeLessThan(80);
  });

  it('JSON mode keeps one line per state with every field, the final one carrying the verdict and exit code', () => {
    const out: string[] = [];
    const r = new Reporter({ out: (t) => out.push(t), err: () => undefined }, { mode: 'json' });
    r.header(header, T0); // nothing on stdout: JSON lines only
    r.update(snap({ state: 'waiting', totalBytes: 0, message: 'scheduled', wait: { startsAtMs: T0 + 60_000, clientsWaiting: 2, minClients: 5 } }), T0);
    r.tick(T0);
    r.update(snap({ state: 'failed', bytesDone: 5, exit: EXIT.targetRefused, message: 'disk too small' }), T0 + 10);
    r.flush(T0 + 10);
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ state: 'waiting', etaSeconds: null, startsAt: '2026-12-06T14:03:00.000Z', clientsWaiting: 2, minClients: 5 });
    expect(lines[1]).toMatchObject({ state: 'failed', verdict: NOT_SAFE, exitCode: 5, advice: expect.stringMatching(/^Check the target/) as string });
  });
});

describe('screen helpers', () => {
  it('ETA is null, not 0, while the image size is unknown', () => {
    const m = new RateMeter();
    m.sample(0, 0);
    m.sample(1000, 0);
    expect(m.rates(0)).toEqual({ bytesPerSec: 0, etaSeconds: null, percent: 0 });
  });

  it('local times: the clock time today, the date too on another day', () => {
    expect(clockTime(T0, T0, { utc: true })).toBe('14:02:00');
    expect(clockTime(T0 + 86_400_000, T0, { utc: true })).toBe('2026-12-07 14:02');
    expect(clockTime(T0, T0)).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it.each([
    [17, '17 B'],
    [512 * 1024, '512.0 KiB'],
    [3 * GiB, '3.0 GiB'],
  ])('formatBytes(%d) = %s', (n, s) => expect(formatBytes(n)).toBe(s));

  it('wraps words within the width, cutting a word longer than a line', () => {
    const lines = wrap(`a ${'b'.repeat(100)} c`, '  ', 40);
    expect(lines).toEqual(['  a', `  ${'b'.repeat(37)}`, `  ${'b'.repeat(37)}`, `  ${'b'.repeat(26)} c`]);
  });
});
