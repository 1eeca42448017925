// castpoint-native.node: the per-packet work in native code. The cryptography of libs/wire, one N-API
// call per packet: the HMAC-SHA-256 tag (packet-mac.c) and the encrypted mode's AES-256-GCM
// (packet-aead.c); and libs/transport's segmented send, one call per batch of datagrams (udp-send.c).
// Built by build.mjs; loaded, self-tested and otherwise replaced by node:crypto in native-addon.ts.
#include "args.h"

NAPI_MODULE_INIT() {
  if (!register_mac(env, exports) || !register_aead(env, exports) || !register_udp(env, exports)) return NULL;
  return exports;
}
