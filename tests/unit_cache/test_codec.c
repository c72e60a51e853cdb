/* test_codec.c - store/policy_codec: every part round-trips, and every
 * corrupt, truncated or foreign entry is refused without touching the
 * snapshot it was meant for (the cache then treats it as a miss). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit_cache/policy_sample.h"
#include "store/policy_codec.h"

typedef struct {
    char *data[SG_PART_COUNT];
    size_t len[SG_PART_COUNT];
} entries;

static void encode_all(const sg_policy *p, entries *e)
{
    for (int i = 0; i < SG_PART_COUNT; i++)
        e->data[i] = sg_policy_encode_part(p, (sg_policy_part)i, &e->len[i]);
}

static void free_all(entries *e)
{
    for (int i = 0; i < SG_PART_COUNT; i++)
        free(e->data[i]);
}

static sg_policy *decode_all(uint64_t generation, const entries *e)
{
    return sg_policy_decode(generation, (const char *const *)e->data, e->len);
}

static void round_trip(sg_policy *p)
{
    entries e;
    encode_all(p, &e);
    sg_policy *back = decode_all(p->generation, &e);
    assert_policy_equal(p, back);
    sg_policy_free(back);
    free_all(&e);
    sg_policy_free(p);
}

static void test_round_trip_sample(void **state)
{
    (void)state;
    round_trip(sample_policy(42));
}

static void test_round_trip_default(void **state)
{
    (void)state;
    round_trip(sg_policy_new_default());
}

static void test_round_trip_largest_generation(void **state)
{
    (void)state;
    round_trip(sample_policy(UINT64_MAX));
}

static void test_round_trip_big_group(void **state)
{
    (void)state;
    sg_policy *p = sample_policy(7);
    enum { N = 20000 };
    p->groups[1].members.items = sg_arena_alloc(p->arena, N * sizeof(char *));
    p->groups[1].members.count = N;
    for (size_t i = 0; i < N; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "user%zu@example.com", i);
        p->groups[1].members.items[i] = sg_arena_strdup(p->arena, addr);
    }
    round_trip(p);
}

static void test_entry_is_readable_text(void **state)
{
    (void)state;
    sg_policy *p = sample_policy(9);
    size_t len;
    char *e = sg_policy_encode_part(p, SG_PART_ACCEPTED, &len);
    const char *body = "2 11:example.com 1 21:xn--bcher-kva.example 0 ";
    char head[64];
    snprintf(head, sizeof head, "SGP1 accepted 9 %zu ", strlen(body));
    assert_true(len > strlen(head) + 17);
    assert_memory_equal(e, head, strlen(head));
    assert_memory_equal(e + len - strlen(body), body, strlen(body));
    free(e);
    sg_policy_free(p);
}

/* A snapshot whose fields must survive every refused decode unchanged. */
static void assert_untouched(const sg_policy *p, const sg_policy *orig)
{
    assert_policy_equal(p, orig);
}

static void test_every_truncation_is_refused(void **state)
{
    (void)state;
    sg_policy *src = sample_policy(5);
    sg_policy *into = sg_policy_new_default(), *orig = sg_policy_new_default();
    into->generation = orig->generation = 5;
    for (int part = 0; part < SG_PART_COUNT; part++) {
        size_t len;
        char *e = sg_policy_encode_part(src, (sg_policy_part)part, &len);
        for (size_t n = 0; n < len; n++) {
            char *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
            memcpy(copy, e, n);
            assert_false(sg_policy_decode_part(into, (sg_policy_part)part, copy, n));
            free(copy);
        }
        assert_true(sg_policy_decode_part(into, (sg_policy_part)part, e, len)); /* the whole one is fine */
        free(e);
    }
    assert_policy_equal(into, src);
    sg_policy_free(into);
    sg_policy_free(orig);
    sg_policy_free(src);
}

static void test_every_byte_flip_is_refused(void **state)
{
    (void)state;
    sg_policy *src = sample_policy(31);
    sg_policy *into = sg_policy_new_default(), *orig = sg_policy_new_default();
    into->generation = orig->generation = 31;
    static const unsigned char flips[] = {0x01, 0x02, 0x20, 0x80};
    for (int part = 0; part < SG_PART_COUNT; part++) {
        size_t len;
        char *e = sg_policy_encode_part(src, (sg_policy_part)part, &len);
        for (size_t i = 0; i < len; i++) {
            for (size_t f = 0; f < sizeof flips; f++) {
                e[i] = (char)(e[i] ^ flips[f]);
                assert_false(sg_policy_decode_part(into, (sg_policy_part)part, e, len));
                e[i] = (char)(e[i] ^ flips[f]);
            }
        }
        free(e);
    }
    assert_untouched(into, orig);
    sg_policy_free(into);
    sg_policy_free(orig);
    sg_policy_free(src);
}

/* The per-owner entry: the owner's view of the groups round-trips, and is
 * refused for another owner, another generation, or when damaged. */
static void test_owner_entry(void **state)
{
    (void)state;
    sg_policy *src = sample_policy(77);
    size_t len;
    char *e = sg_policy_encode_owner_groups(src, "alice@example.com", src->groups, 1, &len);
    assert_memory_equal(e, "SGP1 member 77 ", 15);
    sg_policy *into = sg_policy_new_default();
    into->generation = 77;
    assert_false(sg_policy_decode_owner_groups(into, "carol@example.com", e, len));
    assert_false(sg_policy_decode_owner_groups(into, "alice@example.co", e, len));
    for (size_t cut = 0; cut < len; cut++)
        assert_false(sg_policy_decode_owner_groups(into, "alice@example.com", e, cut));
    for (size_t i = 0; i < len; i++) {
        e[i] ^= 0x20;
        assert_false(sg_policy_decode_owner_groups(into, "alice@example.com", e, len));
        e[i] ^= 0x20;
    }
    assert_int_equal(into->ngroups, 0);
    into->generation = 78;
    assert_false(sg_policy_decode_owner_groups(into, "alice@example.com", e, len));
    into->generation = 77;
    assert_true(sg_policy_decode_owner_groups(into, "alice@example.com", e, len));
    assert_int_equal(into->ngroups, 1);
    assert_string_equal(into->groups[0].name, "sales");
    assert_int_equal(into->groups[0].members.count, 3);
    /* A whole snapshot for the owner: the shared parts and the entry. */
    entries parts;
    encode_all(src, &parts);
    sg_policy *snap = sg_policy_decode_for_owner(77, (const char *const *)parts.data, parts.len,
                                                 "alice@example.com", e, len);
    assert_non_null(snap);
    assert_int_equal(snap->npolicies, src->npolicies);
    assert_int_equal(snap->nremote, src->nremote);
    assert_int_equal(snap->ngroups, 1);
    sg_policy_free(snap);
    assert_null(sg_policy_decode_for_owner(77, (const char *const *)parts.data, parts.len, "bob@example.com", e, len));
    free(parts.data[SG_PART_REMOTE]);
    parts.data[SG_PART_REMOTE] = NULL;
    assert_null(sg_policy_decode_for_owner(77, (const char *const *)parts.data, parts.len, "alice@example.com", e,
                                           len));
    free_all(&parts);
    free(e);
    sg_policy_free(into);
    sg_policy_free(src);
}

static void test_other_part_or_generation_is_refused(void **state)
{
    (void)state;
    sg_policy *src = sample_policy(12);
    sg_policy *into = sg_policy_new_default();
    size_t len;
    char *e = sg_policy_encode_part(src, SG_PART_REMOTE, &len);
    into->generation = 12;
    assert_false(sg_policy_decode_part(into, SG_PART_ACCEPTED, e, len));
    assert_false(sg_policy_decode_part(into, SG_PART_COUNT, e, len));
    into->generation = 13;
    assert_false(sg_policy_decode_part(into, SG_PART_REMOTE, e, len));
    into->generation = 1; /* "1" is a prefix of "12": still another generation */
    assert_false(sg_policy_decode_part(into, SG_PART_REMOTE, e, len));
    into->generation = 12;
    assert_true(sg_policy_decode_part(into, SG_PART_REMOTE, e, len));
    assert_int_equal(into->nremote, 3);
    free(e);
    sg_policy_free(into);
    sg_policy_free(src);
}

static void test_missing_part_decodes_nothing(void **state)
{
    (void)state;
    sg_policy *src = sample_policy(3);
    entries e;
    encode_all(src, &e);
    for (int missing = 0; missing < SG_PART_COUNT; missing++) {
        char *keep = e.data[missing];
        e.data[missing] = NULL;
        assert_null(decode_all(3, &e));
        e.data[missing] = keep;
    }
    assert_null(decode_all(4, &e)); /* all there, but of generation 3 */
    free_all(&e);
    sg_policy_free(src);
}

/* ---- bodies with a valid header and checksum but bad content ---------- */

static uint64_t fnv1a64(const char *d, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)d[i]) * 0x100000001b3u;
    return h;
}

/* An entry around `body` (of `blen` bytes: it may hold NUL) that passes the
 * header and checksum checks, so that only the body parser can refuse it. */
static char *entry(const char *part, uint64_t gen, const char *body, size_t blen, size_t *len)
{
    char head[128];
    int h = snprintf(head, sizeof head, "SGP1 %s %" PRIu64 " %zu %016" PRIx64 "\n", part, gen, blen,
                     fnv1a64(body, blen));
    *len = (size_t)h + blen;
    char *e = malloc(*len);
    memcpy(e, head, (size_t)h);
    memcpy(e + h, body, blen);
    return e;
}

static bool decodes(sg_policy_part part, const char *body, size_t blen)
{
    sg_policy *into = sg_policy_new_default();
    into->generation = 8;
    size_t len;
    char *e = entry(sg_policy_part_name(part), 8, body, blen, &len);
    bool ok = sg_policy_decode_part(into, part, e, len);
    free(e);
    sg_policy_free(into);
    return ok;
}

#define DECODES(part, lit) decodes(part, lit, sizeof(lit) - 1)

static void test_body_parser_is_strict(void **state)
{
    (void)state;
    /* the well-formed ones first, so the refusals below are for the reason named */
    assert_true(DECODES(SG_PART_ORG, "2 1 86400 3 "));
    assert_true(DECODES(SG_PART_ACCEPTED, "0 "));
    assert_true(DECODES(SG_PART_ACCEPTED, "1 3:a.b 0 "));
    assert_true(DECODES(SG_PART_GROUPS, "1 1:g 2 0: 3:x y "));
    assert_true(DECODES(SG_PART_POLICIES, "1 7:default 1 1 0 0 0 0 0 0 0 0 "));
    assert_true(DECODES(SG_PART_REMOTE, "1 1:* 1 1 1 0 "));
    assert_true(DECODES(SG_PART_FORWARDS, "0 "));
    assert_true(DECODES(SG_PART_FORWARDS, "1 3:a@b 3:c@d 1 "));
    assert_false(DECODES(SG_PART_FORWARDS, "1 3:a@b 3:c@d 2 ")); /* keep_copy is a bool */
    assert_false(DECODES(SG_PART_FORWARDS, "2 3:a@b 3:c@d 1 ")); /* the second item is missing */

    assert_false(DECODES(SG_PART_ORG, "3 1 86400 3 "));       /* no such mode */
    assert_false(DECODES(SG_PART_ORG, "2 2 86400 3 "));       /* a bool of 2 */
    assert_false(DECODES(SG_PART_ORG, "2 1 086400 3 "));      /* leading zero */
    assert_false(DECODES(SG_PART_ORG, "2 1 -1 3 "));          /* sign */
    assert_false(DECODES(SG_PART_ORG, "2 1 86400 4294967296 ")); /* above unsigned */
    assert_false(DECODES(SG_PART_ORG, "2 1 86400 3"));        /* no final space */
    assert_false(DECODES(SG_PART_ORG, "2 1 86400 3  "));      /* a byte left over */
    assert_false(DECODES(SG_PART_ORG, "2  1 86400 3 "));      /* two spaces */
    assert_false(DECODES(SG_PART_ORG, "2 1 99999999999999999999999 3 ")); /* overflow */
    assert_false(DECODES(SG_PART_ACCEPTED, "1 "));            /* the item is missing */
    assert_false(DECODES(SG_PART_ACCEPTED, "99999999 3:a.b 0 ")); /* more items than bytes */
    assert_false(DECODES(SG_PART_ACCEPTED, "18446744073709551615 3:a.b 0 "));
    assert_false(DECODES(SG_PART_ACCEPTED, "1 9:a.b 0 "));    /* string runs past the end */
    assert_false(DECODES(SG_PART_ACCEPTED, "1 3:a.bb 0 "));   /* string longer than said */
    assert_false(DECODES(SG_PART_ACCEPTED, "1 3a.b 0 "));     /* no colon */
    assert_false(decodes(SG_PART_ACCEPTED, "1 3:a\0b 0 ", 10)); /* NUL inside */
    assert_false(DECODES(SG_PART_POLICIES, "1 7:default 1 1 2147483649 0 0 0 0 0 0 0 ")); /* priority > INT_MAX */
    assert_false(DECODES(SG_PART_POLICIES, "1 7:default 1 1 0 0 0 0 0 0 0 "));   /* a list is missing */
    assert_false(DECODES(SG_PART_GROUPS, "1 1:g 3 0: 3:x y "));  /* a member is missing */
    assert_false(DECODES(SG_PART_REMOTE, "1 1:* 1 1 1 "));       /* a flag is missing */
}

static void test_garbage_never_crashes(void **state)
{
    (void)state;
    sg_policy *into = sg_policy_new_default();
    into->generation = 8;
    uint64_t seed = 88172645463325252u;
    static const char alphabet[] = "0123456789 :\nSGPabcdefx*.-";
    for (int round = 0; round < 20000; round++) {
        size_t blen = (size_t)(round % 97);
        char body[97];
        for (size_t i = 0; i < blen; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            body[i] = alphabet[seed % (sizeof alphabet - 1)];
        }
        sg_policy_part part = (sg_policy_part)(round % SG_PART_COUNT);
        size_t len;
        char *e = entry(sg_policy_part_name(part), 8, body, blen, &len);
        (void)sg_policy_decode_part(into, part, e, len); /* may pass by chance; must not crash */
        (void)sg_policy_decode_part(into, part, e + len - blen, blen); /* no header at all */
        free(e);
    }
    sg_policy_free(into);
}

static void test_oversized_entry_is_refused(void **state)
{
    (void)state;
    size_t blen = SG_POLICY_ENTRY_MAX + 1;
    char *body = malloc(blen);
    memset(body, ' ', blen);
    body[0] = '0';
    assert_false(decodes(SG_PART_ACCEPTED, body, blen));
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sample),
        cmocka_unit_test(test_round_trip_default),
        cmocka_unit_test(test_round_trip_largest_generation),
        cmocka_unit_test(test_round_trip_big_group),
        cmocka_unit_test(test_entry_is_readable_text),
        cmocka_unit_test(test_every_truncation_is_refused),
        cmocka_unit_test(test_every_byte_flip_is_refused),
        cmocka_unit_test(test_other_part_or_generation_is_refused),
        cmocka_unit_test(test_owner_entry),
        cmocka_unit_test(test_missing_part_decodes_nothing),
        cmocka_unit_test(test_body_parser_is_strict),
        cmocka_unit_test(test_garbage_never_crashes),
        cmocka_unit_test(test_oversized_entry_is_refused),
    };
    return cmocka_run_group_tests_name("unit_cache_codec", tests, NULL, NULL);
}
