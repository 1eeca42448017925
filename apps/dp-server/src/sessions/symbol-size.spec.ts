import { DATA_PACKET_OVERHEAD } from '@castpoint/wire';
import { autoSymbolSize, fitsMtu, MAX_AUTO_SYMBOL_SIZE, sessionSymbolSize, type SymbolSizeSetting } from './symbol-size';

describe('symbol size per session', () => {
  it.each<[name: string, setting: SymbolSizeSetting, linkMtu: number, receivers: number[], expected: number]>([
    ['standard Ethernet everywhere: 1400, as before', 'auto', 1500, [1500, 1500], 1400],
    ['jumbo frames everywhere: 8900', 'auto', 9000, [9000, 9000, 9000], 8900],
    ['one receiver at 1500 among jumbo ones: 1400', 'auto', 9000, [9000, 1500, 9000], 1400],
    ['jumbo receivers behind a DP link of 1500: 1400', 'auto', 1500, [9000, 9000], 1400],
    ['no receiver known yet (an admin start): an agent is assumed at 1500', 'auto', 9000, [], 1400],
    ['a 4000-byte MTU: the largest multiple of 100 that fits (3922 -> 3900)', 'auto', 9000, [4000], 3900],
    ['a 1280-byte MTU (a tunnel): 1200', 'auto', 9000, [1280], 1200],
    ['a loopback-sized MTU: capped at 8900', 'auto', 65_536, [65_535], MAX_AUTO_SYMBOL_SIZE],
    ['a reported MTU below the IPv4 minimum counts as 576', 'auto', 1500, [100], 400],
    ['a fixed size is used as it is, whatever the MTUs', 4000, 1500, [1500], 4000],
    ['a fixed 1400 with jumbo receivers', 1400, 9000, [9000], 1400],
  ])('%s', (_name, setting, linkMtu, receivers, expected) => {
    expect(sessionSymbolSize(setting, linkMtu, receivers)).toBe(expected);
  });

  it.each([576, 1280, 1500, 4000, 8978, 9000, 16_000])('an auto symbol for MTU %i makes a packet that fits it', (mtu) => {
    const size = autoSymbolSize(mtu);
    expect(size + DATA_PACKET_OVERHEAD).toBeLessThanOrEqual(mtu);
    expect(fitsMtu(size, mtu)).toBe(true);
  });

  it.each<[symbolSize: number, mtu: number, fits: boolean]>([
    [1400, 1500, true],
    [1422, 1500, true],
    [1423, 1500, false],
    [8900, 1500, false],
    [8900, 8978, true],
    [8900, 8977, false],
    [8900, 65_536, true],
  ])('symbols of %i bytes fit an MTU of %i: %s', (symbolSize, mtu, fits) => {
    expect(fitsMtu(symbolSize, mtu)).toBe(fits);
  });
});
