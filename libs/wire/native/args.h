// Argument checks shared by the add-on's functions (N-API): each returns 0 after throwing a
// TypeError or RangeError with a Node-style code, so a bad call from JavaScript is an exception,
// never a read or write outside the caller's memory.
#ifndef CASTPOINT_NATIVE_ARGS_H
#define CASTPOINT_NATIVE_ARGS_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stddef.h>

static inline void throw_error(napi_env env, const char *code, const char *message, int range) {
  if (range)
    napi_throw_range_error(env, code, message);
  else
    napi_throw_type_error(env, code, message);
}

// The call's first `n` arguments into argv (at most 8), or 0 after throwing `usage` when fewer came.
static inline int args_of(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < n) {
    throw_error(env, "ERR_MISSING_ARGS", usage, 0);
    return 0;
  }
  return 1;
}

// A Uint8Array argument's bytes (a Buffer is one). Returns 0 and throws a TypeError otherwise.
static inline int bytes_of(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value array_buffer;
  size_t offset;
  void *base = NULL;
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &base, &array_buffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "expected a Uint8Array", 0);
    return 0;
  }
  // A detached or empty array has no memory: give a valid pointer for zero bytes.
  static uint8_t empty[1];
  *data = base != NULL ? (uint8_t *)base : empty;
  if (base == NULL) *length = 0;
  return 1;
}

static inline int u32_of(napi_env env, napi_value value, uint32_t *out) {
  napi_valuetype type;
  double number;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number || napi_get_value_double(env, value, &number) != napi_ok ||
      !(number >= 0 && number <= 4294967295.0) || number != (double)(uint32_t)number) {
    throw_error(env, "ERR_OUT_OF_RANGE", "expected an integer from 0 to 2^32 - 1", 1);
    return 0;
  }
  *out = (uint32_t)number;
  return 1;
}

// A state's pointer, or 0 after throwing when `value` is not an external of that kind: each kind
// is type-tagged when made, so a MAC state can never be read as a cipher state or the reverse.
static inline int external_of(napi_env env, napi_value value, const napi_type_tag *tag, void **out) {
  napi_valuetype type;
  bool tagged = false;
  *out = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external || napi_check_object_type_tag(env, value, tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, out) != napi_ok || *out == NULL) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "expected a state made by this add-on", 0);
    return 0;
  }
  return 1;
}

// Wraps `data` (freed by `finalize`) in an external tagged `tag`; NULL after freeing it on failure.
static inline napi_value make_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag) {
  napi_value external;
  if (napi_create_external(env, data, finalize, NULL, &external) != napi_ok) {
    finalize(env, data, NULL);
    return NULL;
  }
  if (napi_type_tag_object(env, external, tag) != napi_ok) return NULL;
  return external;
}

static inline int export_function(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn) == napi_ok && napi_set_named_property(env, exports, name, fn) == napi_ok;
}

/** The exports of packet-mac.c, packet-aead.c and udp-send.c (addon.c calls each). */
int register_mac(napi_env env, napi_value exports);
int register_aead(napi_env env, napi_value exports);
int register_udp(napi_env env, napi_value exports);

#endif
