// The floor-auth tool's tag (tools/bench/bin/floor-mac.cjs) is castpoint's own PacketMac, taken
// from a bundle the bench's build makes. That bundle once lost a name floor-auth used (the engine's,
// moved inside wire), and every floor-auth run died at its first key while the unit tests, which
// never load the bundle, passed: this loads it as the tool does.
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

const floorMacFile = path.resolve(__dirname, '../../tools/bench/bin/floor-mac.cjs');
const bundle = path.resolve(__dirname, '../../dist/tools/bench/floor-crypto.cjs');

interface FloorMac {
  readonly engine: string;
  sign(buf: Buffer, at: number): void;
  verify(buf: Buffer, at: number): boolean;
}

describe('the floor-auth tag', () => {
  it('signs and checks with the built PacketMac, on the native engine where it is built', () => {
    if (!existsSync(bundle)) throw new Error('the bench is not built: run `npm run build` (npm test does it first)');
    const { floorMac } = require(floorMacFile) as { floorMac: (tagBytes: number) => FloorMac };
    const mac = floorMac(16);
    const packet = Buffer.alloc(34 + 1400 + 16, 7);
    mac.sign(packet, packet.length - 16);
    const want = createHmac('sha256', Buffer.alloc(32, 0x5a)).update(packet.subarray(0, packet.length - 16)).digest().subarray(0, 16);
    expect(packet.subarray(packet.length - 16)).toEqual(want);
    expect(mac.verify(packet, packet.length - 16)).toBe(true);
    packet[40] = (packet[40] as number) ^ 1;
    expect(mac.verify(packet, packet.length - 16)).toBe(false);
    // The wire build makes the add-on on Linux x64 (packet-mac.spec says so); floor-auth must use it.
    if (process.platform === 'linux' && process.arch === 'x64') expect(mac.engine).toBe('native');
  });
});
