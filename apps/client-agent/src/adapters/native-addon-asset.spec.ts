// The Linux single executable's native packet crypto: written out from its asset and handed to
// libs/wire, or node:crypto with the reason when the executable carries none.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSessionKey, loadNativeAddon, usePacketCryptoEngine } from '@castpoint/wire';
import type { SeaModule } from '../win32/koffi-native';
import { NATIVE_ADDON_ASSET, packetCryptoDetail, useNativeAddonAsset } from './native-addon-asset';

const built = path.resolve(__dirname, '../../../../dist/native/castpoint-native.node');

function sea(assets: Record<string, Uint8Array>): SeaModule {
  return {
    isSea: () => true,
    getRawAsset: (key) => {
      const bytes = assets[key];
      if (bytes === undefined) throw new Error(`no asset ${key}`);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

describe('useNativeAddonAsset', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'castpoint-native-asset-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    usePacketCryptoEngine(loadNativeAddon());
  });

  (process.platform === 'linux' && existsSync(built) ? it : it.skip)('writes the asset out, loads it, and new session keys sign with it', () => {
    usePacketCryptoEngine({ unavailable: 'reset by the test' });
    useNativeAddonAsset(sea({ [NATIVE_ADDON_ASSET]: readFileSync(built) }), 'linux', dir);
    expect(packetCryptoDetail()).toBe('packet crypto: native add-on');
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^castpoint-native-[0-9a-f]{16}\.node$/);
    // The key's PacketMac took the engine: a tag it makes verifies (and a changed byte does not).
    const mac = createSessionKey(Buffer.alloc(32, 9), false).mac;
    const packet = Buffer.alloc(100, 3);
    mac?.sign(packet, 84, 16);
    expect(mac?.verify(packet, 84, 16)).toBe(true);
    packet[0] = 4;
    expect(mac?.verify(packet, 84, 16)).toBe(false);
  });

  it('says node:crypto, and why, for an executable without the asset', () => {
    useNativeAddonAsset(sea({}), 'linux', dir);
    expect(packetCryptoDetail()).toBe(`packet crypto: node:crypto (this executable carries no ${NATIVE_ADDON_ASSET} (built without a C compiler))`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves the engine alone outside a single executable and off Linux', () => {
    usePacketCryptoEngine({ unavailable: 'chosen before' });
    useNativeAddonAsset(undefined, 'linux', dir);
    useNativeAddonAsset(sea({}), 'win32', dir);
    expect(packetCryptoDetail()).toBe('packet crypto: node:crypto (chosen before)');
  });
});
