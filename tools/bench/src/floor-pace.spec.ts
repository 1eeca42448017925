const { allowedDatagrams, wireBytes } = require('../bin/floor-pace.cjs') as {
  allowedDatagrams: (elapsedSeconds: number, rateBps: number, bitsPerDatagram: number, total: number) => number;
  wireBytes: (payload: number) => number;
};

describe('the floor sender\'s pacing', () => {
  const bits = wireBytes(1450) * 8;

  it('lets 475 Mbit/s worth of 1450-byte datagrams out per second, one at once', () => {
    expect(wireBytes(1450)).toBe(1496);
    expect(allowedDatagrams(0, 475e6, bits, 1e6)).toBe(1);
    expect(allowedDatagrams(1, 475e6, bits, 1e6)).toBe(Math.floor(475e6 / bits) + 1);
    // 200 MiB of payload takes ~3.6 s at 95% of 500 Mbit/s: not all of it after 1 s.
    const total = Math.ceil((200 * 2 ** 20) / 1400);
    expect(allowedDatagrams(1, 475e6, bits, total)).toBeLessThan(total / 3);
    expect(allowedDatagrams(4, 475e6, bits, total)).toBe(total);
  });

  it('is unpaced without a rate', () => {
    expect(allowedDatagrams(0, 0, bits, 1234)).toBe(1234);
  });
});
