import { AgentError } from '../errors';
import { formatError, formatEta, formatJsonLine, formatProgressBar, formatRate } from './format';
import { RateMeter, type ProgressSnapshot } from './progress';
import { Reporter, type OutputSink } from './reporter';

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  state: 'receiving',
  bytesDone: 0,
  totalBytes: 100_000_000,
  chunksDone: 0,
  totalChunks: 96,
  repairedSymbols: 0,
  badPackets: 0,
  ...over,
});

function sink(columns?: number): OutputSink & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (t) => outs.push(t), err: (t) => errs.push(t), ...(columns === undefined ? {} : { columns }) };
}

describe('RateMeter', () => {
  it('computes goodput over the window, percent and ETA', () => {
    const m = new RateMeter(5000);
    m.sample(0, 0);
    m.sample(1000, 10_000_000);
    m.sample(2000, 20_000_000);
    expect(m.rates(100_000_000)).toEqual({ bytesPerSec: 10_000_000, etaSeconds: 8, percent: 20 });
  });

  it('forgets samples older than the window so a stall shows as rate 0 and unknown ETA', () => {
    const m = new RateMeter(2000);
    m.sample(0, 0);
    m.sample(1000, 50_000_000);
    for (let t = 2000; t <= 6000; t += 1000) m.sample(t, 50_000_000);
    expect(m.rates(100_000_000)).toEqual({ bytesPerSec: 0, etaSeconds: null, percent: 50 });
  });

  it('reports ETA 0 when done, and 0% while the size is unknown', () => {
    const m = new RateMeter();
    m.sample(0, 0);
    m.sample(500, 1000);
    expect(m.rates(1000).etaSeconds).toBe(0);
    expect(new RateMeter().rates(0).percent).toBe(0);
  });
});

describe('formatters', () => {
  it.each([
    [0, '0 B/s'],
    [999, '999 B/s'],
    [1500, '1.5 kB/s'],
    [112_400_000, '112.4 MB/s'],
    [1_250_000_000, '1.25 GB/s'],
  ])('formatRate(%d) = %s', (bps, s) => expect(formatRate(bps)).toBe(s));

  it.each([
    [null, '--:--'],
    [0, '0:00'],
    [42, '0:42'],
    [61, '1:01'],
    [3723, '1:02:03'],
  ])('formatEta(%p) = %s', (sec, s) => expect(formatEta(sec)).toBe(s));

  it('draws a bar with percent, rate, ETA, repaired symbols and state within the width', () => {
    const line = formatProgressBar(snap({ repairedSymbols: 310 }), { percent: 47.5, bytesPerSec: 112_400_000, etaSeconds: 42 }, 100);
    expect(line).toMatch(/^\[#+-+\] +47\.5% +112\.4 MB\/s +ETA 0:42 +repaired 310 +receiving$/);
    expect(line.length).toBeLessThan(100);
    const bar = /^\[(#*)(-*)\]/.exec(line);
    expect(bar?.[1]?.length).toBe(Math.floor(0.475 * ((bar?.[1]?.length ?? 0) + (bar?.[2]?.length ?? 0))));
    expect(formatProgressBar(snap(), { percent: 0, bytesPerSec: 0, etaSeconds: null }, 40).length).toBeLessThanOrEqual(39);
    const fallback = snap({ state: 'fallback', message: 'The DP sent this client to unicast download (client limit)' });
    const withNote = formatProgressBar(fallback, { percent: 50, bytesPerSec: 1e6, etaSeconds: 5 }, 100);
    expect(withNote).toMatch(/^\[#{6}-{6}\] +50\.0% +1\.0 MB\/s +ETA 0:05 +repaired 0 +fallback \(The DP sent this .*…\)$/);
    expect(withNote.length).toBeLessThanOrEqual(99);
    // On 80 columns a note would be cut to a few letters: left out, the bar keeps its width.
    const noRoom = formatProgressBar(fallback, { percent: 50, bytesPerSec: 1e6, etaSeconds: 5 }, 80);
    expect(noRoom).toMatch(/^\[#{10,}-{10,}\] +50\.0% +1\.0 MB\/s +ETA 0:05 +repaired 0 +fallback$/);
    expect(noRoom.length).toBeLessThanOrEqual(79);
    // A terminal that reports 0 columns (a pty without a size) still gets a bar.
    expect(formatProgressBar(snap(), { percent: 10, bytesPerSec: 0, etaSeconds: null }, 0)).toMatch(/^\[#+-+\] +10\.0%/);
  });

  it('adds the CPU seconds used so far when the caller measures them, in hundredths', () => {
    const line = JSON.parse(formatJsonLine(snap(), { percent: 1, bytesPerSec: 0, etaSeconds: null }, 0, 1.2345)) as { cpuSeconds?: number };
    expect(line.cpuSeconds).toBe(1.23);
    const out = sink();
    let cpu = 0.5;
    const r = new Reporter(out, { mode: 'json', cpuSeconds: () => cpu });
    r.update(snap(), 0);
    r.tick(0);
    cpu = 0.75;
    r.tick(1000);
    expect(out.outs.join('').trim().split('\n').map((l) => (JSON.parse(l) as { cpuSeconds: number }).cpuSeconds)).toEqual([0.5, 0.75]);
  });

  it('writes one JSON object with the same fields', () => {
    const line = formatJsonLine(snap({ bytesDone: 5, repairedSymbols: 3, message: 'x' }), { percent: 1.5, bytesPerSec: 7, etaSeconds: 9 }, Date.UTC(2026, 0, 2));
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T00:00:00.000Z',
      state: 'receiving',
      percent: 1.5,
      rateBps: 7,
      etaSeconds: 9,
      repairedSymbols: 3,
      chunksDone: 0,
      totalChunks: 96,
      bytesDone: 5,
      totalBytes: 100_000_000,
      badPackets: 0,
      message: 'x',
    });
    expect(line).not.toContain('\n');
  });

  it('prints an error as one plain sentence plus exit and error codes', () => {
    const s = formatError(new AgentError('image-unknown', 'The DP does not know the image "x"\n  at line'), 4);
    expect(s).toBe('castpoint-agent: The DP does not know the image "x" at line. (exit 4, image-unknown)');
    expect(s.split('\n')).toHaveLength(1);
  });
});

describe('Reporter', () => {
  it('JSON mode: at most one line per second, each a complete JSON object on stdout', () => {
    const out = sink();
    const r = new Reporter(out, { mode: 'json' });
    for (let t = 0; t <= 3000; t += 100) {
      r.update(snap({ bytesDone: t * 1000 }), t);
      r.tick(t);
    }
    expect(out.outs).toHaveLength(4); // t = 0, 1000, 2000, 3000
    const lines = out.outs.map((l) => JSON.parse(l) as { percent: number; rateBps: number });
    expect(lines.map((l) => l.percent)).toEqual([0, 1, 2, 3]);
    expect(lines[3]?.rateBps).toBe(1_000_000);
    expect(out.outs.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out.errs).toEqual([]);
  });

  it('TTY mode: redraws the bar in place with \\r and ends it with a newline before a note', () => {
    const out = sink(80);
    const r = new Reporter(out, { mode: 'tty' });
    r.update(snap({ bytesDone: 50_000_000 }), 0);
    r.tick(0);
    r.tick(100); // within the redraw period: nothing
    r.update(snap({ bytesDone: 60_000_000 }), 300);
    r.tick(300);
    expect(out.outs).toHaveLength(2);
    expect(out.outs.every((l) => l.startsWith('\r[') && !l.includes('\n'))).toBe(true);
    expect(out.outs[1]).toContain('60.0%');
    r.note('receiving multicast on eth0');
    expect(out.outs[2]).toBe('\n');
    expect(out.errs).toEqual(['castpoint-agent: receiving multicast on eth0\n']);
  });

  it('flush emits the final state even within the period', () => {
    const out = sink();
    const r = new Reporter(out, { mode: 'json' });
    r.update(snap(), 0);
    r.tick(0);
    r.update(snap({ state: 'done', bytesDone: 100_000_000 }), 10);
    r.flush(10);
    expect(out.outs).toHaveLength(2);
    expect(JSON.parse(out.outs[1] ?? '')).toMatchObject({ state: 'done', percent: 100 });
  });

  it('strips escape sequences and control characters from text it did not write (kick details, DP messages)', () => {
    // What an insider put in a kick's detail: clear the screen, retitle the window, a fake line.
    const evil = 'slow \x1b[2J\x1b[1;1H\x1b]0;pwned\x07client\r\x9b31mdone\x7f';
    const out = sink(200);
    const r = new Reporter(out, { mode: 'tty' });
    r.note(`kicked (${evil})`);
    r.error(new AgentError('session-failed', `The DP stopped this client (${evil})`), 7);
    r.update(snap({ message: evil }), 0);
    r.tick(0);
    const json = sink();
    const j = new Reporter(json, { mode: 'json' });
    j.update(snap({ message: evil }), 0);
    j.tick(0);
    // The bar's own \r and erase-to-end-of-line are the reporter's, not the DP's.
    const bars = out.outs.map((l) => l.replace(/^\r/, '').replace('\u001b[K', ''));
    for (const text of [...out.errs, ...bars, JSON.parse(json.outs[0] ?? '{}').message as string]) {
      // eslint-disable-next-line no-control-regex
      expect(text.replace(/\n$/, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(out.errs[0]).toBe('castpoint-agent: kicked (slow client done )\n');
    expect(out.errs[1]).toBe('castpoint-agent: The DP stopped this client (slow client done ). (exit 7, session-failed)\n');
  });
});
