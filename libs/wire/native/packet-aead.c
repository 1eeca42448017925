// The encrypted mode's AES-256-GCM (libs/wire packet-aead.ts) in one native call per packet. Through
// node:crypto every packet builds a cipher object (createCipheriv/createDecipheriv, setAAD, update,
// final, getAuthTag): ~12 us to seal and ~10 us to open a 1450-byte packet here, several times the
// AES itself. Here a key's two OpenSSL contexts (one to seal, one to open) are made once and each
// packet only sets its nonce, so sealing costs about what AES-NI and the GHASH take. Same bytes as
// node:crypto (packet-aead.spec.ts checks both ways); OpenSSL is the one Node exports (args.h).
//
// Layout (the caller's, docs/protocol.md): the nonce is packet[nonceAt, nonceAt + 12), the header
// packet[0, headerSize) is the additional data, the body packet[headerSize, tagAt) is encrypted,
// and the 16-byte tag is packet[tagAt, tagAt + 16).
#include "args.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY 32
#define NONCE 12
#define TAG 16

static const napi_type_tag AEAD_STATE = {0x6361737470742d61ULL, 0x6561642d73746174ULL};

typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} aead_state;

static void free_aead(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  aead_state *state = data;
  // EVP_CIPHER_CTX_free wipes the key schedule.
  EVP_CIPHER_CTX_free(state->seal);
  EVP_CIPHER_CTX_free(state->open);
  free(state);
}

// aeadCreate(key: Uint8Array of 32 bytes): an external holding the key's two contexts.
static napi_value aead_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv, "aeadCreate(key) needs the key")) return NULL;
  uint8_t *key;
  size_t key_length;
  if (!bytes_of(env, argv[0], &key, &key_length)) return NULL;
  if (key_length != KEY) {
    throw_error(env, "ERR_OUT_OF_RANGE", "an AES-256 key is 32 bytes", 1);
    return NULL;
  }
  aead_state *state = calloc(1, sizeof(aead_state));
  if (state == NULL) {
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "out of memory");
    return NULL;
  }
  state->seal = EVP_CIPHER_CTX_new();
  state->open = EVP_CIPHER_CTX_new();
  // The default GCM nonce length is 12 bytes, ours.
  if (state->seal == NULL || state->open == NULL || EVP_EncryptInit_ex(state->seal, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
      EVP_DecryptInit_ex(state->open, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
    free_aead(env, state, NULL);
    napi_throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "OpenSSL refused the AES-256-GCM key");
    return NULL;
  }
  return make_external(env, state, free_aead, &AEAD_STATE);
}

// The arguments (state, packet, nonceAt, headerSize, tagAt), checked against the packet's length.
static int aead_args(napi_env env, napi_value *argv, aead_state **state, uint8_t **packet, uint32_t *nonce_at, uint32_t *header_size, uint32_t *tag_at) {
  void *raw;
  size_t length;
  if (!external_of(env, argv[0], &AEAD_STATE, &raw) || !bytes_of(env, argv[1], packet, &length) || !u32_of(env, argv[2], nonce_at) || !u32_of(env, argv[3], header_size) ||
      !u32_of(env, argv[4], tag_at))
    return 0;
  *state = raw;
  // OpenSSL takes lengths as int: a datagram is far below 2 GiB, and anything near it is refused.
  if ((size_t)*nonce_at + NONCE > length || *header_size > *tag_at || (size_t)*tag_at + TAG > length || *tag_at > 0x7fff0000u) {
    throw_error(env, "ERR_OUT_OF_RANGE", "nonce, header, body and tag do not fit the packet", 1);
    return 0;
  }
  return 1;
}

// aeadSeal(state, packet, nonceAt, headerSize, tagAt): encrypts the body in place and writes the tag.
static napi_value aead_seal(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args_of(env, info, 5, argv, "expected (state, packet, nonceAt, headerSize, tagAt)")) return NULL;
  aead_state *state;
  uint8_t *packet;
  uint32_t nonce_at, header_size, tag_at;
  if (!aead_args(env, argv, &state, &packet, &nonce_at, &header_size, &tag_at)) return NULL;
  EVP_CIPHER_CTX *ctx = state->seal;
  int n = 0;
  // GCM encrypts in place (out == in is allowed for a stream mode).
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, packet + nonce_at) != 1 || EVP_EncryptUpdate(ctx, NULL, &n, packet, (int)header_size) != 1 ||
      EVP_EncryptUpdate(ctx, packet + header_size, &n, packet + header_size, (int)(tag_at - header_size)) != 1 ||
      EVP_EncryptFinal_ex(ctx, packet + tag_at, &n) != 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, packet + tag_at) != 1) {
    napi_throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "AES-256-GCM sealing failed");
    return NULL;
  }
  return NULL;
}

// aeadOpen(state, packet, nonceAt, headerSize, tagAt, out): whether the tag holds; the plain body
// goes to `out` (tagAt - headerSize bytes), which is zeroed when it does not hold. The packet is
// not written.
static napi_value aead_open(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args_of(env, info, 6, argv, "expected (state, packet, nonceAt, headerSize, tagAt, out)")) return NULL;
  aead_state *state;
  uint8_t *packet, *out;
  size_t out_length;
  uint32_t nonce_at, header_size, tag_at;
  if (!aead_args(env, argv, &state, &packet, &nonce_at, &header_size, &tag_at) || !bytes_of(env, argv[5], &out, &out_length)) return NULL;
  size_t body = tag_at - header_size;
  if (out_length != body) {
    throw_error(env, "ERR_OUT_OF_RANGE", "out must be as long as the body", 1);
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = state->open;
  int n = 0;
  uint8_t tag[TAG];
  memcpy(tag, packet + tag_at, TAG);
  int ok = EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, packet + nonce_at) == 1 && EVP_DecryptUpdate(ctx, NULL, &n, packet, (int)header_size) == 1 &&
           EVP_DecryptUpdate(ctx, out, &n, packet + header_size, (int)body) == 1 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx, out + body, &n) == 1;
  // Nothing decrypted is handed out unless the tag held.
  if (!ok) OPENSSL_cleanse(out, body);
  napi_value result;
  if (napi_get_boolean(env, ok, &result) != napi_ok) return NULL;
  return result;
}

int register_aead(napi_env env, napi_value exports) {
  return export_function(env, exports, "aeadCreate", aead_create) && export_function(env, exports, "aeadSeal", aead_seal) && export_function(env, exports, "aeadOpen", aead_open);
}
