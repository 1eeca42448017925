import { testIo } from '../testing/cli-io';
import { startElapsedLine } from './elapsed-line';

describe('the elapsed-time line', () => {
  it('redraws in place with the time since it started, and erases itself', () => {
    const io = testIo(undefined, { errIsTty: true });
    io.clock.t = 0;
    const line = startElapsedLine(io, 'importing win11');
    for (const t of [250, 500, 12_300]) {
      io.clock.t = t;
      if (t === 12_300) line.detail('1.2 GiB of 3.0 GiB (40%)');
      for (const tick of io.ticking) tick();
    }
    line.stop();
    expect(io.stderr).toEqual([
      '\r| importing win11: 0.0 s\x1b[K',
      '\r/ importing win11: 0.3 s\x1b[K',
      '\r- importing win11: 0.5 s\x1b[K',
      '\r\\ importing win11: 1.2 GiB of 3.0 GiB (40%), 12.3 s\x1b[K',
      '\r\x1b[K',
    ]);
    expect(io.ticking.size).toBe(0);
  });

  it('draws nothing when stderr is not a terminal (a pipe or a log)', () => {
    const io = testIo(undefined, { errIsTty: false });
    startElapsedLine(io, 'importing win11').stop();
    expect(io.stderr).toEqual([]);
    expect(io.ticking.size).toBe(0);
  });
});
