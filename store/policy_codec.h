/* policy_codec.h - one policy snapshot (policy/policy.h) as six cache entries.
 *
 * Takes: a snapshot and a part name to encode; bytes read back from the cache
 * to decode. Returns: a malloc'd entry (the caller frees it), or the decoded
 * part placed into a snapshot whose arena owns every string and array.
 *
 * Entry format, version 1 (text, so `memcached-tool dump` stays readable):
 *
 *     "SGP1 " PART " " GENERATION " " BODYLEN " " FNV1A64-HEX "\n" BODY
 *
 * PART is sg_policy_part_name(); BODY is exactly BODYLEN bytes of tokens,
 * each followed by one space: unsigned decimals without leading zeros, and
 * strings as LEN ":" BYTES (no NUL inside). Lists are a count and then their
 * items. The checksum covers BODY. Decoding is strict and bounded: a wrong
 * version, part or generation, a length or checksum that does not match, a
 * count larger than the bytes left could hold, a value out of range, or any
 * byte left over makes the entry corrupt, which the cache treats as a miss.
 * Decoding never reads outside the given bytes and allocates at most a small
 * multiple of their size.
 */
#ifndef SG_POLICY_CODEC_H
#define SG_POLICY_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* Entries above this size are neither stored nor decoded (memcached's
 * default item size limit is 1 MiB). */
#define SG_POLICY_ENTRY_MAX ((size_t)1000 * 1000)

typedef enum {
    SG_PART_ORG = 0, /* org settings */
    SG_PART_ACCEPTED, /* accepted domains */
    SG_PART_POLICIES, /* outbound policies with their scopes */
    SG_PART_REMOTE,   /* remote domains */
    SG_PART_GROUPS,   /* groups and their members */
    SG_PART_FORWARDS, /* the admins' mailbox forwards */
    SG_PART_COUNT
} sg_policy_part;

/* "org", "accepted", "policies", "remote", "groups", "forwards". */
const char *sg_policy_part_name(sg_policy_part part);

/* Encodes one part of `policy` (its generation goes into the header). Returns
 * a malloc'd buffer of *len bytes (not NUL-terminated; free() it). */
char *sg_policy_encode_part(const sg_policy *policy, sg_policy_part part, size_t *len);

/* Decodes one entry into `into`, whose generation must equal the entry's.
 * Allocates from into->arena and replaces that part's fields only when the
 * whole entry is valid; returns false (and leaves `into` as it was) when it
 * is corrupt, truncated, or of another part or generation. */
bool sg_policy_decode_part(sg_policy *into, sg_policy_part part, const char *data, size_t len);

/* The per-owner entry: `groups` as sg_policy_owner_groups (policy/decide.h)
 * gives them for `owner`, framed like a part named "member" whose body starts
 * with the owner. Decoding replaces into->groups only when the entry is
 * intact, of into's generation, and names exactly `owner`. */
char *sg_policy_encode_owner_groups(const sg_policy *policy, const char *owner, const sg_group *groups,
                                    size_t ngroups, size_t *len);
bool sg_policy_decode_owner_groups(sg_policy *into, const char *owner, const char *data, size_t len);

/* The shared parts (data[SG_PART_GROUPS] is not read) and the owner's entry
 * as one snapshot whose groups are that owner's view; NULL when any is
 * missing or corrupt. */
sg_policy *sg_policy_decode_for_owner(uint64_t generation, const char *const data[SG_PART_COUNT],
                                      const size_t len[SG_PART_COUNT], const char *owner, const char *member,
                                      size_t member_len);

/* FNV-1a 64 of the owner's address: the cache key of its entry. */
uint64_t sg_policy_owner_hash(const char *owner);

/* Decodes all SG_PART_COUNT entries of one generation into a new snapshot
 * (sg_policy_free releases it), or NULL when any entry is missing (NULL data)
 * or corrupt. */
sg_policy *sg_policy_decode(uint64_t generation, const char *const data[SG_PART_COUNT],
                            const size_t len[SG_PART_COUNT]);

#endif
