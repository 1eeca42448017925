// The packet MAC's native add-on inside the Linux single executable. Run as a bundle, the agent
// finds castpoint-native.node itself (libs/wire native-mac.ts looks beside the bundle and in
// dist/native); a single executable has no files beside it, so scripts/package.mjs puts the add-on
// in as an asset, and here it is written to a temporary file (named by its hash, as koffi's is) and
// handed to libs/wire. Without the asset (an executable built where there was no C compiler) the
// agent says so in its details and signs and checks packets with node:crypto.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNativeMac, packetMacEngine, usePacketMacEngine } from '@castpoint/wire';
import { materialize, seaModule, type SeaModule } from '../win32/koffi-native';

/** The asset name, shared with scripts/package.mjs. */
export const NATIVE_MAC_ASSET = 'castpoint-native-linux-x64.node';

/** In a Linux single executable, loads the add-on from its asset (before any session key is made). */
export function useNativeMacAsset(sea: SeaModule | undefined = seaModule(), platform: NodeJS.Platform = process.platform, dir: string = path.join(tmpdir(), 'castpoint-agent')): void {
  if (sea === undefined || platform !== 'linux') return;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(sea.getRawAsset(NATIVE_MAC_ASSET));
  } catch {
    usePacketMacEngine({ unavailable: `this executable carries no ${NATIVE_MAC_ASSET} (built without a C compiler)` });
    return;
  }
  usePacketMacEngine(loadNativeMac(materialize(bytes, dir, 'castpoint-native')));
}

/** One line for the details: which engine signs and checks packets, and why not the native one. */
export function packetMacDetail(): string {
  const mac = packetMacEngine();
  return mac.engine === 'native' ? 'packet MAC: native add-on' : `packet MAC: node:crypto (${mac.detail})`;
}
