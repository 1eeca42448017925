// PacketMac's two engines (node:crypto and the native add-on) against node:crypto's createHmac,
// and the add-on's loader. The add-on is built by `nx run wire:build` (native/build.mjs), which
// the test target depends on: on Linux x64 it must be there (CI installs a compiler and has Node's
// headers), so a build that silently stopped making it fails here.
import { createHmac, randomBytes } from 'node:crypto';
import { buildSync } from 'esbuild';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNativeAddon, nativeAddonCandidates, selfTestNativeAddon, type NativeAddon } from './native-addon';
import { PacketMac } from './packet-mac';

const load = loadNativeAddon();
const expectNative = process.platform === 'linux' && process.arch === 'x64';

function reference(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

describe('the native add-on', () => {
  it(expectNative ? 'is built and loads on Linux x64' : 'is optional off Linux x64', () => {
    if (expectNative) expect(load).toEqual({ addon: expect.anything(), file: expect.stringContaining('castpoint-native.node') });
    else expect(load).toHaveProperty('unavailable');
  });
});

const engines: Array<[string, () => NativeAddon | null]> = [['node:crypto', () => null]];
if ('addon' in load) engines.push(['native', () => load.addon]);

describe.each(engines)('PacketMac on %s', (_name, engine) => {
  // Lengths around SHA-256's 64-byte blocks and padding boundary (55/56), a 1450-byte datagram and
  // a jumbo one; keys shorter than, equal to and longer than a block.
  const lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1434, 2047, 2048, 2049, 8934];
  const keys = [Buffer.alloc(1, 7), randomBytes(32), randomBytes(64), randomBytes(65), randomBytes(131)];

  it.each(lengths)('tags %i bytes as HMAC-SHA-256 does, for every key size', (length) => {
    for (const key of keys) {
      const mac = new PacketMac(key, engine());
      const packet = Buffer.concat([randomBytes(length), Buffer.alloc(32)]);
      mac.sign(packet, length, 32);
      expect(packet.subarray(length).toString('hex')).toBe(reference(key, packet.subarray(0, length)).toString('hex'));
      expect(mac.verify(packet, length, 32)).toBe(true);
    }
  });

  it('reads a view at its own offset, and writes only the tag', () => {
    const key = randomBytes(32);
    const mac = new PacketMac(key, engine());
    const backing = randomBytes(3000);
    const before = Buffer.from(backing);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 77, 1450);
    mac.sign(view, 1434, 16);
    expect(Buffer.from(view.subarray(1434)).toString('hex')).toBe(reference(key, view.subarray(0, 1434)).subarray(0, 16).toString('hex'));
    // Nothing outside [77 + 1434, 77 + 1450) changed.
    expect(backing.subarray(0, 77 + 1434).equals(before.subarray(0, 77 + 1434))).toBe(true);
    expect(backing.subarray(77 + 1450).equals(before.subarray(77 + 1450))).toBe(true);
    expect(mac.verify(view, 1434, 16)).toBe(true);
  });

  it('refuses a tag after any one byte of the packet or the tag changed', () => {
    const mac = new PacketMac(randomBytes(32), engine());
    const packet = randomBytes(200);
    mac.sign(packet, 184, 16);
    for (let i = 0; i < packet.length; i++) {
      packet[i] = (packet[i] as number) ^ 0x40;
      expect(mac.verify(packet, 184, 16)).toBe(false);
      packet[i] = (packet[i] as number) ^ 0x40;
    }
    expect(mac.verify(packet, 184, 16)).toBe(true);
  });

  it("refuses another key's tag", () => {
    const packet = randomBytes(100);
    new PacketMac(randomBytes(32), engine()).sign(packet, 84, 16);
    expect(new PacketMac(randomBytes(32), engine()).verify(packet, 84, 16)).toBe(false);
  });

  it('says false for a tag that does not fit, and will not sign one', () => {
    const mac = new PacketMac(randomBytes(32), engine());
    const packet = randomBytes(40);
    expect(mac.verify(packet, 30, 16)).toBe(false);
    expect(mac.verify(packet, 0, 33)).toBe(false);
    expect(() => mac.sign(packet, 30, 16)).toThrow(RangeError);
    expect(() => mac.sign(randomBytes(64), 0, 33)).toThrow(RangeError);
  });
});

describe('the two engines', () => {
  (engines.length === 2 ? it : it.skip)('check each other’s tags', () => {
    const key = randomBytes(32);
    const js = new PacketMac(key, null);
    const native = new PacketMac(key, engines[1]?.[1]() ?? null);
    for (const length of [20, 1450, 8950]) {
      const a = randomBytes(length);
      const b = Buffer.from(a);
      js.sign(a, length - 16, 16);
      native.sign(b, length - 16, 16);
      expect(b.equals(a)).toBe(true);
      expect(native.verify(a, length - 16, 16)).toBe(true);
      expect(js.verify(b, length - 16, 16)).toBe(true);
    }
  });
});

describe('loadNativeAddon', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'castpoint-native-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is turned off by CASTPOINT_NATIVE=0', () => {
    expect(loadNativeAddon(undefined, { CASTPOINT_NATIVE: '0' })).toEqual({ unavailable: 'turned off (CASTPOINT_NATIVE=0)' });
  });

  it('is Linux only', () => {
    expect(loadNativeAddon(undefined, {}, 'win32')).toEqual({ unavailable: 'built for Linux only (this is win32)' });
  });

  it('says where it looked when there is no file', () => {
    const file = path.join(dir, 'castpoint-native.node');
    expect(loadNativeAddon(file, {})).toEqual({ unavailable: `no castpoint-native.node (looked in ${file})` });
  });

  it('refuses a file that is not a shared object, with the loader’s reason', () => {
    const file = path.join(dir, 'castpoint-native.node');
    writeFileSync(file, 'not an ELF file');
    const got = loadNativeAddon(file, {});
    expect(got).toEqual({ unavailable: expect.stringContaining(`${file} did not load:`) });
  });

  (process.platform === 'linux' ? it : it.skip)('refuses a shared object that is another add-on', () => {
    // koffi's Linux binary: a real N-API add-on, without create/sign/verify.
    const koffi = path.resolve(__dirname, '../../../node_modules/koffi/build/koffi/linux_x64/koffi.node');
    const file = path.join(dir, 'castpoint-native.node');
    copyFileSync(koffi, file);
    const got = loadNativeAddon(file, {});
    expect('unavailable' in got && got.unavailable).toMatch(/is not castpoint's add-on|did not load/);
  });

  it('looks beside the code first, then in the build’s dist/native', () => {
    expect(nativeAddonCandidates('/x/dist/apps/dp-server/main.cjs')).toEqual([
      '/x/dist/apps/dp-server/castpoint-native.node',
      '/x/dist/native/castpoint-native.node',
      '/x/dist/native/castpoint-native.node',
      '/x/dist/apps/native/castpoint-native.node',
    ]);
    expect(nativeAddonCandidates('/x/libs/wire/src/native-addon.ts')[2]).toBe('/x/dist/native/castpoint-native.node');
    // The transport lab's tools (dist/transport-bench/send-cpu.cjs) sit one level under dist.
    expect(nativeAddonCandidates('/x/dist/transport-bench/send-cpu.cjs')[3]).toBe('/x/dist/native/castpoint-native.node');
  });

  it('has nowhere to look, and says so, for code that was not loaded from a file', () => {
    expect(nativeAddonCandidates(null)).toEqual([]);
  });

  it('makes session keys in code bundled and evaluated from a string (as rogue-nacker.cjs runs wire)', () => {
    // No __filename there: looking for the add-on beside it threw, and the tool died making its key.
    const out = buildSync({
      stdin: { contents: "export { createSessionKey, packetCryptoEngine } from './index';", resolveDir: __dirname, loader: 'ts' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });
    const m: { exports: Record<string, (...args: unknown[]) => unknown> } = { exports: {} };
    new Function('module', 'exports', 'require', out.outputFiles[0]?.text ?? '')(m, m.exports, require);
    const key = m.exports['createSessionKey']?.(new Uint8Array(32), false) as { mac: PacketMac };
    const packet = Buffer.alloc(64);
    key.mac.sign(packet, 48, 16);
    expect(key.mac.verify(packet, 48, 16)).toBe(true);
    expect(m.exports['packetCryptoEngine']?.()).toEqual({ engine: 'node:crypto', detail: 'no castpoint-native.node to look for: this code was not loaded from a file' });
  });

  it('self-tests against RFC 4231: an add-on with a wrong digest is refused', () => {
    const wrong: NativeAddon = {
      create: () => undefined,
      sign: (_s, packet, tagAt, size) => packet.fill(1, tagAt, tagAt + size),
      verify: () => true,
      aeadCreate: () => undefined,
      aeadSeal: () => undefined,
      aeadOpen: () => true,
    };
    expect(selfTestNativeAddon(wrong)).toMatch(/^RFC 4231 vector 1 gave 0101/);
    if ('addon' in load) {
      expect(selfTestNativeAddon(load.addon)).toBeUndefined();
      // A right HMAC beside an AES-GCM that seals nothing is refused too.
      const realAddon = load.addon;
      expect(selfTestNativeAddon({ ...realAddon, aeadSeal: () => undefined })).toBe('node:crypto refused what it sealed');
      const lax: NativeAddon['aeadOpen'] = (state, packet, nonceAt, headerSize, tagAt, out) => {
        realAddon.aeadOpen(state, packet, nonceAt, headerSize, tagAt, out);
        return true;
      };
      expect(selfTestNativeAddon({ ...realAddon, aeadOpen: lax })).toBe('it opened a packet with a changed header byte');
    }
  });
});
