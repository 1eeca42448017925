import { formatBytes, formatDuration } from './human';

describe('human sizes and durations', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [2 * (1 << 20) + 300_000, '2.3 MiB'],
    [1024 * 1024 * 1024 - 1, '1.0 GiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
    [3221225472 + 200 * 1024 ** 2, '3.2 GiB'],
    [5 * 1024 ** 4, '5.0 TiB'],
  ])('%d bytes is %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [400, '0.4 s'],
    [17_600, '17.6 s'],
    [125_000, '2 min 05 s'],
    [3_725_000, '1 h 02 min'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
