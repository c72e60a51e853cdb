/* hash.c - see hash.h. */
#include "base/hash.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "base/dl_load.h"

static const sg_dl_symbol symbols[] = {
#define SG_HASH_SYMBOL(name, ret, params) {#name, offsetof(sg_hash_lib, name)},
    SG_HASH_FUNCTIONS(SG_HASH_SYMBOL)
#undef SG_HASH_SYMBOL
};

/* Loads Nettle into lib (hash.h says why late, and why RTLD_NODELETE). */
static bool lib_open(sg_hash_lib *lib, char *err, size_t errlen)
{
    lib->handle = sg_dl_load_table(SG_HASH_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                                   sizeof symbols / sizeof *symbols, lib, sizeof *lib, err, errlen);
    return lib->handle != NULL;
}

static void lib_close(sg_hash_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}

bool sg_sha1_begin(sg_sha1_ctx *h, char *err, size_t errlen)
{
    if (!lib_open(&h->lib, err, errlen))
        return false;
    h->lib.nettle_sha1_init(&h->ctx);
    return true;
}

void sg_sha1_update(sg_sha1_ctx *h, const void *data, size_t len)
{
    h->lib.nettle_sha1_update(&h->ctx, len, data);
}

void sg_sha1_end(sg_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE])
{
    h->lib.nettle_sha1_digest(&h->ctx, SG_SHA1_SIZE, out);
    lib_close(&h->lib);
}

bool sg_sha256_begin(sg_sha256_ctx *h, char *err, size_t errlen)
{
    if (!lib_open(&h->lib, err, errlen))
        return false;
    h->lib.nettle_sha256_init(&h->ctx);
    return true;
}

void sg_sha256_update(sg_sha256_ctx *h, const void *data, size_t len)
{
    h->lib.nettle_sha256_update(&h->ctx, len, data);
}

void sg_sha256_end(sg_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    h->lib.nettle_sha256_digest(&h->ctx, SG_SHA256_SIZE, out);
    lib_close(&h->lib);
}

bool sg_hmac_sha1_begin(sg_hmac_sha1_ctx *h, const void *key, size_t keylen, char *err, size_t errlen)
{
    if (!lib_open(&h->lib, err, errlen))
        return false;
    h->lib.nettle_hmac_sha1_set_key(&h->ctx, keylen, key);
    return true;
}

void sg_hmac_sha1_update(sg_hmac_sha1_ctx *h, const void *data, size_t len)
{
    h->lib.nettle_hmac_sha1_update(&h->ctx, len, data);
}

void sg_hmac_sha1_end(sg_hmac_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE])
{
    h->lib.nettle_hmac_sha1_digest(&h->ctx, SG_SHA1_SIZE, out);
    lib_close(&h->lib);
}

bool sg_hmac_sha256_begin(sg_hmac_sha256_ctx *h, const void *key, size_t keylen, char *err, size_t errlen)
{
    if (!lib_open(&h->lib, err, errlen))
        return false;
    h->lib.nettle_hmac_sha256_set_key(&h->ctx, keylen, key);
    return true;
}

void sg_hmac_sha256_update(sg_hmac_sha256_ctx *h, const void *data, size_t len)
{
    h->lib.nettle_hmac_sha256_update(&h->ctx, len, data);
}

void sg_hmac_sha256_digest(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    h->lib.nettle_hmac_sha256_digest(&h->ctx, SG_SHA256_SIZE, out); /* Nettle: the context is reset to the key */
}

void sg_hmac_sha256_end(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    sg_hmac_sha256_digest(h, out);
    sg_hmac_sha256_free(h);
}

void sg_hmac_sha256_free(sg_hmac_sha256_ctx *h)
{
    if (!h->lib.handle)
        return;
    volatile unsigned char *p = (volatile unsigned char *)&h->ctx;
    for (size_t i = 0; i < sizeof h->ctx; i++)
        p[i] = 0;
    lib_close(&h->lib);
}

bool sg_sha1(const void *data, size_t len, unsigned char out[SG_SHA1_SIZE], char *err, size_t errlen)
{
    sg_sha1_ctx h;
    if (!sg_sha1_begin(&h, err, errlen))
        return false;
    sg_sha1_update(&h, data, len);
    sg_sha1_end(&h, out);
    return true;
}

bool sg_sha256(const void *data, size_t len, unsigned char out[SG_SHA256_SIZE], char *err, size_t errlen)
{
    sg_sha256_ctx h;
    if (!sg_sha256_begin(&h, err, errlen))
        return false;
    sg_sha256_update(&h, data, len);
    sg_sha256_end(&h, out);
    return true;
}

bool sg_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SG_SHA1_SIZE],
                  char *err, size_t errlen)
{
    sg_hmac_sha1_ctx h;
    if (!sg_hmac_sha1_begin(&h, key, keylen, err, errlen))
        return false;
    sg_hmac_sha1_update(&h, data, len);
    sg_hmac_sha1_end(&h, out);
    return true;
}
