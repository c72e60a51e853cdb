/* test_script_cache.c - engine/deliver/script_cache.c: a compiled script is
 * found again only for the same path and the same file (device, inode, size,
 * mtime, ctime); a file changed within SG_SCRIPT_CACHE_SETTLE seconds of its
 * read is not kept; a new version of a path replaces the old; the byte bound
 * drops the least recently used first, and an entry dropped while a
 * delivery holds it stays usable until released. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/arena.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/deliver/script_cache.h"
#include "grammar/parse.h"

#define NOW 1700000000

static const char *TEXT = "require \"fileinto\";\nif header :is \"subject\" \"x\" { fileinto \"X\"; }\n";

/* A file as stat(2) would describe it, last changed at `when`. */
static struct stat file_at(ino_t ino, off_t size, time_t when)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_dev = 8;
    st.st_ino = ino;
    st.st_size = size;
    st.st_mtim.tv_sec = st.st_ctim.tv_sec = when;
    st.st_mtim.tv_nsec = st.st_ctim.tv_nsec = 5;
    return st;
}

/* A parsed and validated script and its text (malloc'd, as the cache owns them). */
static sg_script *compile(const sg_registry *reg, char **src, size_t *len)
{
    *len = strlen(TEXT);
    *src = sg_xmalloc(*len + 2);
    memcpy(*src, TEXT, *len);
    (*src)[*len] = (*src)[*len + 1] = '\0';
    sg_limits limits;
    sg_limits_default(&limits);
    sg_diags diags;
    sg_diags_init(&diags, 10);
    sg_script *s = sg_parse_buffer("t.sieve", *src, *len, &limits, &diags);
    assert_true(sg_validate(reg, s, &limits, &diags));
    sg_diags_clear(&diags);
    return s;
}

static sg_cached_script *put(sg_script_cache *c, const sg_registry *reg, const char *path, const struct stat *st,
                             time_t now)
{
    char *src;
    size_t len;
    sg_script *s = compile(reg, &src, &len);
    sg_cached_script *e = sg_script_cache_put(c, path, st, s, src, len, now);
    if (!e) { /* not kept: still the caller's */
        sg_script_free(s);
        free(src);
    }
    return e;
}

static void test_key(void **state)
{
    (void)state;
    sg_registry *reg = sg_registry_new();
    sg_script_cache *c = sg_script_cache_new(1u << 20);
    struct stat st = file_at(100, 70, NOW - 60);
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &st));
    sg_cached_script *e = put(c, reg, "/h/a/.dovecot.sieve", &st, NOW);
    assert_non_null(e);
    size_t len = 0;
    assert_string_equal(sg_cached_script_source(e, &len), TEXT);
    assert_int_equal(len, strlen(TEXT));
    assert_ptr_equal(sg_cached_script_script(e)->source, sg_cached_script_source(e, &len)); /* the AST's text lives on */
    sg_script_cache_release(c, e);

    sg_cached_script *hit = sg_script_cache_get(c, "/h/a/.dovecot.sieve", &st);
    assert_ptr_equal(hit, e);
    sg_script_cache_release(c, hit);
    /* any difference is another file, or the file changed */
    struct stat other = st;
    other.st_ino = 101; /* replaced (ManageSieve writes a new file and renames it) */
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &other));
    other = st;
    other.st_size = 71;
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &other));
    other = st;
    other.st_mtim.tv_nsec = 6; /* rewritten in place, same size */
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &other));
    other = st;
    other.st_ctim.tv_sec++; /* rewritten, then its mtime set back */
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &other));
    other = st;
    other.st_dev = 9;
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &other));
    assert_null(sg_script_cache_get(c, "/h/b/.dovecot.sieve", &st)); /* a hard link elsewhere is another path */

    /* a new version of the path replaces the old one */
    struct stat st2 = file_at(101, 70, NOW - 30);
    e = put(c, reg, "/h/a/.dovecot.sieve", &st2, NOW);
    assert_non_null(e);
    sg_script_cache_release(c, e);
    assert_int_equal(sg_script_cache_count(c, NULL), 1);
    assert_null(sg_script_cache_get(c, "/h/a/.dovecot.sieve", &st));
    e = sg_script_cache_get(c, "/h/a/.dovecot.sieve", &st2);
    assert_non_null(e);
    sg_script_cache_release(c, e);
    sg_script_cache_free(c);
    sg_registry_free(reg);
}

static void test_settle(void **state)
{
    (void)state;
    sg_registry *reg = sg_registry_new();
    sg_script_cache *c = sg_script_cache_new(1u << 20);
    /* changed in the last SETTLE seconds: a same-size write in the same tick would look unchanged */
    struct stat st = file_at(100, 70, NOW - SG_SCRIPT_CACHE_SETTLE + 1);
    assert_null(put(c, reg, "/s", &st, NOW));
    st.st_mtim.tv_sec = NOW - 100; /* its mtime set back, but the inode changed just now */
    assert_null(put(c, reg, "/s", &st, NOW));
    assert_int_equal(sg_script_cache_count(c, NULL), 0);
    st = file_at(100, 70, NOW - SG_SCRIPT_CACHE_SETTLE);
    sg_cached_script *e = put(c, reg, "/s", &st, NOW);
    assert_non_null(e);
    sg_script_cache_release(c, e);
    assert_int_equal(sg_script_cache_count(c, NULL), 1);
    sg_script_cache_free(c);

    c = sg_script_cache_new(0); /* lmtp_script_cache_size = 0: nothing kept */
    assert_null(put(c, reg, "/s", &st, NOW));
    assert_int_equal(sg_script_cache_count(c, NULL), 0);
    sg_script_cache_free(c);
    sg_registry_free(reg);
}

static void test_bound(void **state)
{
    (void)state;
    sg_registry *reg = sg_registry_new();
    /* how much one entry costs, then a cache for two of them */
    sg_script_cache *c = sg_script_cache_new(1u << 20);
    struct stat st[4];
    for (int i = 0; i < 4; i++)
        st[i] = file_at((ino_t)(200 + i), 70, NOW - 60);
    sg_cached_script *e = put(c, reg, "/u0", &st[0], NOW);
    sg_script_cache_release(c, e);
    size_t one = 0;
    sg_script_cache_count(c, &one);
    assert_true(one > strlen(TEXT));
    sg_script_cache_free(c);

    c = sg_script_cache_new(2 * one + one / 2);
    sg_cached_script *held = put(c, reg, "/u0", &st[0], NOW); /* held by a delivery in progress */
    e = put(c, reg, "/u1", &st[1], NOW);
    sg_script_cache_release(c, e);
    e = sg_script_cache_get(c, "/u0", &st[0]); /* u0 used again: u1 is now the least recent */
    sg_script_cache_release(c, e);
    e = put(c, reg, "/u2", &st[2], NOW);
    sg_script_cache_release(c, e);
    size_t bytes = 0;
    assert_int_equal(sg_script_cache_count(c, &bytes), 2);
    assert_true(bytes <= 2 * one + one / 2);
    assert_null(sg_script_cache_get(c, "/u1", &st[1]));
    e = put(c, reg, "/u3", &st[3], NOW); /* u0 goes now, while still held */
    sg_script_cache_release(c, e);
    assert_null(sg_script_cache_get(c, "/u0", &st[0]));
    size_t len;
    assert_string_equal(sg_cached_script_source(held, &len), TEXT); /* still there for its holder */
    assert_non_null(sg_cached_script_script(held)->commands);
    sg_script_cache_release(c, held); /* freed now (valgrind/ASan: no leak, no use after free) */
    assert_int_equal(sg_script_cache_count(c, NULL), 2);
    sg_script_cache_free(c);
    sg_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
