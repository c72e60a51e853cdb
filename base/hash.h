/* hash.h - SHA-1, SHA-256 (FIPS 180-4), HMAC-SHA1 and HMAC-SHA256 (RFC
 * 2104) from GNU Nettle (Debian nettle-dev), linked statically: the
 * exactly-once journal's key (engine/deliver/local.c), the SRS hash
 * (engine/deliver/srs.c), the per-user state keys (store/user_state.c) and
 * the authentication of the policy cache's entries (store/policy_cache.h).
 *
 * Why Nettle: a well-kept library instead of our own hashing code, small (its
 * hash functions are about 40 KiB of code) where libcrypto is 4.6 MiB. Why
 * statically: every delivery hashes (the journal key), and in a process that
 * lives for one message the dynamic loading of libnettle.so.8 costs more than
 * all the hashing (mapping, relocating, its start-up). Measured with
 * interleaved runs on the 2-core VM, medians of 400 process starts each:
 *     a trivial C program                          1.825 ms cpu
 *     the same, dlopen("libnettle.so.8") + a hash  2.299 ms
 *     the same, libnettle.so.8 linked              2.087 ms
 *     the same, libnettle.a linked (here)          1.860 ms
 * so +0.03 ms and about 40 KiB of text instead of +0.46 ms and ~300 KiB of
 * RSS per delivery. Only the objects we call come from libnettle.a, and the
 * binary exports none of them (tests/e2e/no_linked_stores.sh), so a library
 * loaded later that links Nettle itself keeps its own copy.
 *
 * Each context below: *_begin starts it, *_update adds bytes, *_end writes
 * the digest; none of them can fail. An HMAC-SHA256 context may also be kept
 * for many messages with one key (sg_hmac_sha256_digest: the MAC, and the
 * context ready for the next message; sg_hmac_sha256_free wipes the key). No
 * global state. */
#ifndef SG_HASH_H
#define SG_HASH_H

#include <stddef.h>

#include <nettle/hmac.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#define SG_SHA1_SIZE 20
#define SG_SHA256_SIZE 32

typedef struct sg_sha1_ctx {
    struct sha1_ctx ctx;
} sg_sha1_ctx;

typedef struct sg_sha256_ctx {
    struct sha256_ctx ctx;
} sg_sha256_ctx;

typedef struct sg_hmac_sha1_ctx {
    struct hmac_sha1_ctx ctx;
} sg_hmac_sha1_ctx;

typedef struct sg_hmac_sha256_ctx {
    struct hmac_sha256_ctx ctx;
} sg_hmac_sha256_ctx;

void sg_sha1_begin(sg_sha1_ctx *h);
void sg_sha1_update(sg_sha1_ctx *h, const void *data, size_t len);
void sg_sha1_end(sg_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE]);

void sg_sha256_begin(sg_sha256_ctx *h);
void sg_sha256_update(sg_sha256_ctx *h, const void *data, size_t len);
void sg_sha256_end(sg_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);

/* RFC 2104 with SHA-1; a key longer than 64 bytes is hashed first (§2). */
void sg_hmac_sha1_begin(sg_hmac_sha1_ctx *h, const void *key, size_t keylen);
void sg_hmac_sha1_update(sg_hmac_sha1_ctx *h, const void *data, size_t len);
void sg_hmac_sha1_end(sg_hmac_sha1_ctx *h, unsigned char out[SG_SHA1_SIZE]);

/* RFC 2104 with SHA-256 (RFC 4868 §2.1); a key longer than 64 bytes is hashed first. */
void sg_hmac_sha256_begin(sg_hmac_sha256_ctx *h, const void *key, size_t keylen);
void sg_hmac_sha256_update(sg_hmac_sha256_ctx *h, const void *data, size_t len);
/* The MAC of what was added since begin (or the last digest); the context
 * is then ready for another message with the same key. */
void sg_hmac_sha256_digest(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);
void sg_hmac_sha256_end(sg_hmac_sha256_ctx *h, unsigned char out[SG_SHA256_SIZE]);
/* Ends a kept context without a digest: the key is wiped. */
void sg_hmac_sha256_free(sg_hmac_sha256_ctx *h);

/* One call each: begin, update, end. */
void sg_sha1(const void *data, size_t len, unsigned char out[SG_SHA1_SIZE]);
void sg_sha256(const void *data, size_t len, unsigned char out[SG_SHA256_SIZE]);
void sg_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SG_SHA1_SIZE]);

#endif
