/* memcached_lib.h - libmemcached, loaded at run time.
 *
 * sievegate links no libmemcached: its dependency chain (libstdc++, libsasl2,
 * libcrypto, libhashkit...) costs every process several milliseconds of
 * relocation even when no cache is configured. The policy cache loads it
 * instead, the first time it needs a client, through this module.
 *
 * sg_memcached_lib_open takes an empty sg_memcached_lib (owned by the caller,
 * e.g. the cache object) and dlopen()s SG_MEMCACHED_LIB_SONAME with
 * RTLD_NOW | RTLD_LOCAL, then resolves with dlsym() the functions below into
 * its pointers. It returns true with everything filled in, or false with the
 * struct left empty and a message naming the library (and the dlerror()
 * text) in err. sg_memcached_lib_close dlclose()s what open loaded and
 * empties the struct; it accepts an empty one. No global state: call only
 * the pointers of a struct that open filled in, and close it once done with
 * every memcached_st created through it.
 *
 * The libmemcached headers are used for the types only (compile time). */
#ifndef SG_STORE_MEMCACHED_LIB_H
#define SG_STORE_MEMCACHED_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libmemcached/memcached.h>

#define SG_MEMCACHED_LIB_SONAME "libmemcached.so.11"

/* X(field, return type, parameters): the function memcached_<field>. */
#define SG_MEMCACHED_FUNCTIONS(X)                                                                                 \
    X(add, memcached_return_t,                                                                                    \
      (memcached_st *, const char *, size_t, const char *, size_t, time_t, uint32_t))                             \
    X(behavior_set, memcached_return_t, (memcached_st *, const memcached_behavior_t, uint64_t))                   \
    X(cas, memcached_return_t,                                                                                    \
      (memcached_st *, const char *, size_t, const char *, size_t, time_t, uint32_t, uint64_t))                   \
    X(create, memcached_st *, (memcached_st *))                                                                   \
    X(fetch_result, memcached_result_st *, (memcached_st *, memcached_result_st *, memcached_return_t *))         \
    X(free, void, (memcached_st *))                                                                               \
    X(last_error_message, const char *, (const memcached_st *))                                                   \
    X(mget, memcached_return_t, (memcached_st *, const char *const *, const size_t *, size_t))                    \
    X(result_cas, uint64_t, (const memcached_result_st *))                                                        \
    X(result_create, memcached_result_st *, (const memcached_st *, memcached_result_st *))                        \
    X(result_free, void, (memcached_result_st *))                                                                 \
    X(result_key_length, size_t, (const memcached_result_st *))                                                   \
    X(result_key_value, const char *, (const memcached_result_st *))                                              \
    X(result_length, size_t, (const memcached_result_st *))                                                       \
    X(result_value, const char *, (const memcached_result_st *))                                                  \
    X(server_add, memcached_return_t, (memcached_st *, const char *, in_port_t))                                  \
    X(server_by_key, const memcached_instance_st *, (memcached_st *, const char *, size_t, memcached_return_t *)) \
    X(server_count, uint32_t, (const memcached_st *))                                                             \
    X(server_error_return, memcached_return_t, (const memcached_instance_st *))                                   \
    X(server_instance_by_position, const memcached_instance_st *, (const memcached_st *, uint32_t))              \
    X(server_name, const char *, (const memcached_instance_st *))                                                 \
    X(server_port, in_port_t, (const memcached_instance_st *))                                                    \
    X(server_response_count, uint32_t, (const memcached_instance_st *))                                           \
    X(set, memcached_return_t, (memcached_st *, const char *, size_t, const char *, size_t, time_t, uint32_t))    \
    X(strerror, const char *, (const memcached_st *, memcached_return_t))

typedef struct {
    void *handle; /* from dlopen; NULL when not loaded */
#define SG_MEMCACHED_FIELD(name, ret, params) ret(*name) params;
    SG_MEMCACHED_FUNCTIONS(SG_MEMCACHED_FIELD)
#undef SG_MEMCACHED_FIELD
} sg_memcached_lib;

bool sg_memcached_lib_open(sg_memcached_lib *lib, char *err, size_t errlen);
void sg_memcached_lib_close(sg_memcached_lib *lib);

#endif
