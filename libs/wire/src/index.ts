// Public API of @castpoint/wire.
export * from './messages';
export * from './manifest';
export * from './agent-api';
export * from './errors';
export * from './wire-error';
export * from './header';
export * from './session-key';
export * from './packet-codec';
export { sealDataFrame, type DataFields } from './data-frame';
export * from './decode-counters';
export { normalizeFingerprint, FingerprintMismatchError, PinnedAgent } from './pinned-tls';
export {
  SIGNATURE_SIZE,
  SIGNED_TYPES,
  ED25519_SEED_SIZE,
  signingKeyFromSeed,
  publicKeyToBase64,
  publicKeyFromBase64,
  type DpSigningKey,
} from './control-signature';
export {
  MAX_SYMBOLS,
  MAX_BITMAP_BYTES,
  MAX_KICK_DETAIL,
  MAX_LOSS_PPM,
  RECEIVER_STATES,
  LEAVE_REASONS,
  KICK_REASONS,
} from './validate';
export { PacketMac } from './packet-mac';
export { PacketAead } from './packet-aead';
export { nativeUdpSend, packetCryptoEngine, usePacketCryptoEngine } from './packet-crypto-engine';
export { loadNativeAddon, NATIVE_ADDON_FILE, type NativeAddon, type NativeAddonLoad } from './native-addon';
