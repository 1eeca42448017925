// castpoint-native.node: the per-packet cryptography of libs/wire in native code, one N-API call per
// packet: the HMAC-SHA-256 tag (packet-mac.c) and the encrypted mode's AES-256-GCM (packet-aead.c).
// Built by build.mjs; loaded, self-tested and otherwise replaced by node:crypto in native-addon.ts.
#include "args.h"

NAPI_MODULE_INIT() {
  if (!register_mac(env, exports) || !register_aead(env, exports)) return NULL;
  return exports;
}
