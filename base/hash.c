/* hash.c - see hash.h. */
#include "base/hash.h"

#include <stddef.h>
#include <string.h>

void sg_sha1_begin(sg_sha1_ctx *h)
{
    nettle_sha1_init(&h->ctx);
}

void sg_sha1_update(sg_sha1_ctx *h, const void *data, size_t len)
{
    nettle_sha1_update(&h->ctx, len, data);
}

void sg_sha1_end(sg_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE])
{
    nettle_sha1_digest(&h->ctx, SG_SHA1_SIZE, out);
}

void sg_sha256_begin(sg_sha256_ctx *h)
{
    nettle_sha256_init(&h->ctx);
}

void sg_sha256_update(sg_sha256_ctx *h, const void *data, size_t len)
{
    nettle_sha256_update(&h->ctx, len, data);
}

void sg_sha256_end(sg_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    nettle_sha256_digest(&h->ctx, SG_SHA256_SIZE, out);
}

void sg_hmac_sha1_begin(sg_hmac_sha1_ctx *h, const void *key, size_t keylen)
{
    nettle_hmac_sha1_set_key(&h->ctx, keylen, key);
}

void sg_hmac_sha1_update(sg_hmac_sha1_ctx *h, const void *data, size_t len)
{
    nettle_hmac_sha1_update(&h->ctx, len, data);
}

void sg_hmac_sha1_end(sg_hmac_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE])
{
    nettle_hmac_sha1_digest(&h->ctx, SG_SHA1_SIZE, out);
}

void sg_hmac_sha256_begin(sg_hmac_sha256_ctx *h, const void *key, size_t keylen)
{
    nettle_hmac_sha256_set_key(&h->ctx, keylen, key);
}

void sg_hmac_sha256_update(sg_hmac_sha256_ctx *h, const void *data, size_t len)
{
    nettle_hmac_sha256_update(&h->ctx, len, data);
}

void sg_hmac_sha256_digest(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    nettle_hmac_sha256_digest(&h->ctx, SG_SHA256_SIZE, out); /* Nettle: the context is reset to the key */
}

void sg_hmac_sha256_end(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE])
{
    sg_hmac_sha256_digest(h, out);
    sg_hmac_sha256_free(h);
}

void sg_hmac_sha256_free(sg_hmac_sha256_ctx *h)
{
    volatile unsigned char *p = (volatile unsigned char *)&h->ctx;
    for (size_t i = 0; i < sizeof h->ctx; i++)
        p[i] = 0;
}

void sg_sha1(const void *data, size_t len, unsigned char out[SG_SHA1_SIZE])
{
    sg_sha1_ctx h;
    sg_sha1_begin(&h);
    sg_sha1_update(&h, data, len);
    sg_sha1_end(&h, out);
}

void sg_sha256(const void *data, size_t len, unsigned char out[SG_SHA256_SIZE])
{
    sg_sha256_ctx h;
    sg_sha256_begin(&h);
    sg_sha256_update(&h, data, len);
    sg_sha256_end(&h, out);
}

void sg_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SG_SHA1_SIZE])
{
    sg_hmac_sha1_ctx h;
    sg_hmac_sha1_begin(&h, key, keylen);
    sg_hmac_sha1_update(&h, data, len);
    sg_hmac_sha1_end(&h, out);
}
