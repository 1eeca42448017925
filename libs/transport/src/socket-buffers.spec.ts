import { cappedWarning } from './socket-buffers';

describe('cappedWarning', () => {
  it.each([
    // kind, requested, reported by the socket, kernel max, expected code or undefined
    ['recv', 4_194_304, 8_388_608, 33_554_432, undefined],
    ['recv', 8_388_608, 425_984, 212_992, 'RECV_BUFFER_CAPPED'],
    ['send', 1_048_576, 425_984, 212_992, 'SEND_BUFFER_CAPPED'],
    ['recv', 100_000, 100_000, undefined, undefined],
    ['recv', 100_000, 4608, undefined, 'RECV_BUFFER_CAPPED'],
  ] as const)('%s %d reported as %d (max %p): %p', (kind, requested, actual, max, code) => {
    const w = cappedWarning(kind, requested, actual, max);
    expect(w?.code).toBe(code);
    if (w) {
      expect(w).toMatchObject({ requested, actual });
      expect(w.message).toContain(kind === 'recv' ? 'net.core.rmem_max' : 'net.core.wmem_max');
      if (max !== undefined) expect(w.kernelMax).toBe(max);
    }
  });
});
