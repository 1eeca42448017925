// Which engine the per-packet cryptography (PacketMac, PacketAead) runs on: castpoint's native
// add-on when it loads and passes its self-test, else node:crypto. Chosen once per process, on the
// first key made, and only changed on purpose: a single executable hands over the add-on it wrote
// out from its asset (apps/client-agent native-addon-asset.ts). This is the one piece of module
// state in wire; both engines give the same bytes, so it changes costs, never results.
import { loadNativeAddon, type NativeAddon, type NativeAddonLoad } from './native-addon';

let native: NativeAddonLoad | undefined;

/** The add-on new keys use by default, loaded (and self-tested) on first use; null: node:crypto. */
export function defaultNativeAddon(): NativeAddon | null {
  native ??= loadNativeAddon();
  return 'addon' in native ? native.addon : null;
}

/**
 * Sets the engine of the keys made from now on: an add-on loaded from a file of the caller's (a
 * single executable writes its asset out first), or `{ unavailable }` for node:crypto.
 */
export function usePacketCryptoEngine(load: NativeAddonLoad): void {
  native = load;
}

/** Which engine new keys use, and why (for logs). */
export function packetCryptoEngine(): { readonly engine: 'native' | 'node:crypto'; readonly detail: string } {
  const load = (native ??= loadNativeAddon());
  return 'addon' in load ? { engine: 'native', detail: load.file } : { engine: 'node:crypto', detail: load.unavailable };
}

/**
 * The add-on's segmented UDP send (NativeAddon.udpSendSegments), when the add-on the packet
 * cryptography uses has it: libs/transport's frame sender is the one caller. Undefined: node:dgram.
 */
export function nativeUdpSend(): NativeAddon['udpSendSegments'] {
  // An N-API function does not use `this`: it can be called on its own.
  return defaultNativeAddon()?.udpSendSegments;
}
