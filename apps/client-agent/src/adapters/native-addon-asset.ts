// The native add-on of the packet cryptography (HMAC, AES-GCM) inside the Linux single executable.
// Run as a bundle, the agent finds castpoint-native.node itself (libs/wire native-addon.ts looks beside the bundle and in
// dist/native); a single executable has no files beside it, so scripts/package.mjs puts the add-on
// in as an asset, and here it is written to a temporary file (named by its hash, as koffi's is) and
// handed to libs/wire. Without the asset (an executable built where there was no C compiler) the
// agent says so in its details and seals and checks packets with node:crypto.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNativeAddon, packetCryptoEngine, usePacketCryptoEngine } from '@castpoint/wire';
import { materialize, seaModule, type SeaModule } from '../win32/koffi-native';

/** The asset name, shared with scripts/package.mjs. */
export const NATIVE_ADDON_ASSET = 'castpoint-native-linux-x64.node';

/** In a Linux single executable, loads the add-on from its asset (before any session key is made). */
export function useNativeAddonAsset(sea: SeaModule | undefined = seaModule(), platform: NodeJS.Platform = process.platform, dir: string = path.join(tmpdir(), 'castpoint-agent')): void {
  if (sea === undefined || platform !== 'linux') return;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(sea.getRawAsset(NATIVE_ADDON_ASSET));
  } catch {
    usePacketCryptoEngine({ unavailable: `this executable carries no ${NATIVE_ADDON_ASSET} (built without a C compiler)` });
    return;
  }
  usePacketCryptoEngine(loadNativeAddon(materialize(bytes, dir, 'castpoint-native')));
}

/** One line for the details: which engine seals and checks packets, and why not the native one. */
export function packetCryptoDetail(): string {
  const mac = packetCryptoEngine();
  return mac.engine === 'native' ? 'packet crypto: native add-on' : `packet crypto: node:crypto (${mac.detail})`;
}
