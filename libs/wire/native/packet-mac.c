// The per-packet HMAC-SHA-256 tag (libs/wire packet-mac.ts) in one native
// call. The same tags as the JavaScript engine, bit for bit; what changes is the cost, which every
// packet pays at both ends. Through node:crypto a tag takes two crypto.hash calls (~0.9 us of call
// overhead each on top of ~1.1 us of hashing per 1.4 KB); here it is one N-API call around the
// hashing. SHA-256 is OpenSSL's (its SHA-NI code where the CPU has it), taken from the Node
// executable that loads this file: Node exports its OpenSSL for add-ons and ships its headers.
// Nothing is linked in and nothing is downloaded; the build (native/build.mjs) links with -z now,
// so an executable without those symbols refuses the file at load time instead of dying later.
//
// The key's inner and outer SHA-256 states (after the ipad and opad blocks, RFC 2104) are made once
// per key; a tag copies each (a struct copy, no allocation) and hashes the packet and the inner
// digest. Comparison is constant time (CRYPTO_memcmp).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "args.h"
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 64
#define DIGEST 32

// Tags this add-on's MAC states (args.h external_of); any two fixed random numbers.
static const napi_type_tag MAC_STATE = {0x6361737470742d6dULL, 0x61632d7374617465ULL};

typedef struct {
  SHA256_CTX inner;
  SHA256_CTX outer;
} mac_state;

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  // Keys are secrets: wipe the derived states before the memory is reused.
  OPENSSL_cleanse(data, sizeof(mac_state));
  free(data);
}

// create(key: Uint8Array): an external holding the key's two states.
static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv, "create(key) needs the key")) return NULL;
  uint8_t *key;
  size_t key_length;
  if (!bytes_of(env, argv[0], &key, &key_length)) return NULL;
  uint8_t block[BLOCK];
  memset(block, 0, sizeof block);
  // Keys longer than a block are hashed first (RFC 2104 section 2).
  if (key_length > BLOCK)
    SHA256(key, key_length, block);
  else
    memcpy(block, key, key_length);
  mac_state *state = malloc(sizeof(mac_state));
  if (state == NULL) {
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "out of memory");
    return NULL;
  }
  uint8_t pad[BLOCK];
  for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&state->inner);
  SHA256_Update(&state->inner, pad, BLOCK);
  for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&state->outer);
  SHA256_Update(&state->outer, pad, BLOCK);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  return make_external(env, state, free_state, &MAC_STATE);
}

static void hmac(const mac_state *state, const uint8_t *data, size_t length, uint8_t out[DIGEST]) {
  SHA256_CTX ctx = state->inner;
  uint8_t inner[DIGEST];
  SHA256_Update(&ctx, data, length);
  SHA256_Final(inner, &ctx);
  ctx = state->outer;
  SHA256_Update(&ctx, inner, DIGEST);
  SHA256_Final(out, &ctx);
}

// The arguments of sign and verify: (state, packet, tagAt, size), checked. Returns 0 after throwing.
static int packet_args(napi_env env, napi_callback_info info, mac_state **state, uint8_t **packet, size_t *length, uint32_t *tag_at, uint32_t *size) {
  napi_value argv[4];
  if (!args_of(env, info, 4, argv, "expected (state, packet, tagAt, size)")) return 0;
  void *raw = NULL;
  if (!external_of(env, argv[0], &MAC_STATE, &raw)) return 0;
  *state = raw;
  if (!bytes_of(env, argv[1], packet, length) || !u32_of(env, argv[2], tag_at) || !u32_of(env, argv[3], size)) return 0;
  if (*size > DIGEST) {
    throw_error(env, "ERR_OUT_OF_RANGE", "a tag is at most 32 bytes", 1);
    return 0;
  }
  return 1;
}

// sign(state, packet, tagAt, size): packet[tagAt, tagAt + size) = HMAC(packet[0, tagAt))[0, size).
static napi_value sign(napi_env env, napi_callback_info info) {
  mac_state *state;
  uint8_t *packet;
  size_t length;
  uint32_t tag_at, size;
  if (!packet_args(env, info, &state, &packet, &length, &tag_at, &size)) return NULL;
  if ((size_t)tag_at + size > length) {
    throw_error(env, "ERR_OUT_OF_RANGE", "the tag does not fit in the packet", 1);
    return NULL;
  }
  uint8_t mac[DIGEST];
  hmac(state, packet, tag_at, mac);
  memcpy(packet + tag_at, mac, size);
  return NULL;
}

// verify(state, packet, tagAt, size): whether packet[tagAt, tagAt + size) is that tag (false
// when it does not fit in the packet).
static napi_value verify(napi_env env, napi_callback_info info) {
  mac_state *state;
  uint8_t *packet;
  size_t length;
  uint32_t tag_at, size;
  if (!packet_args(env, info, &state, &packet, &length, &tag_at, &size)) return NULL;
  int ok = 0;
  if ((size_t)tag_at + size <= length) {
    uint8_t mac[DIGEST];
    hmac(state, packet, tag_at, mac);
    ok = CRYPTO_memcmp(mac, packet + tag_at, size) == 0;
  }
  napi_value result;
  if (napi_get_boolean(env, ok, &result) != napi_ok) return NULL;
  return result;
}

int register_mac(napi_env env, napi_value exports) {
  return export_function(env, exports, "create", create) && export_function(env, exports, "sign", sign) && export_function(env, exports, "verify", verify);
}
