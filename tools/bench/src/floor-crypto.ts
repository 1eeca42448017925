// What bin/floor-mac.cjs (the floor-auth tool) takes from libs/wire, bundled by the bench's build as
// dist/tools/bench/floor-crypto.cjs: castpoint's own PacketMac and the name of the engine it runs
// on. One entry that re-exports both, so moving either inside wire cannot break the bundle unseen
// (when packetCryptoEngine left packet-mac.ts, a bundle of that file alone lost it: floor-auth died
// at its first key, 2026-12-07).
export { PacketMac, packetCryptoEngine } from '@castpoint/wire';
