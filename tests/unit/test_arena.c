/* test_arena.c - the region allocator: sg_arena_reset keeps its memory for
 * the next round (sievegate filter resets one arena per message) and hands
 * out usable, aligned, zeroable memory again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

/* After a reset, the same sizes are served from the kept chunks: the
 * footprint does not grow however many rounds run. */
static void test_reset_reuses_memory(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    size_t footprint = 0;
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 300; i++) {
            char *p = sg_arena_alloc(a, 1000);
            memset(p, round, 1000);
            assert_int_equal((uintptr_t)p % sizeof(void *), 0);
        }
        char *big = sg_arena_alloc_bytes(a, 300 * 1024); /* a one-off block larger than any chunk */
        memset(big, 1, 300 * 1024);
        assert_true(sg_arena_used(a) >= 300 * 1000 + 300 * 1024);
        if (round == 0)
            footprint = sg_arena_footprint(a);
        else
            assert_int_equal(sg_arena_footprint(a), footprint);
        sg_arena_reset(a);
        assert_int_equal(sg_arena_used(a), 0);
    }
    sg_arena_free(a);
}

/* Memory handed out again after a reset is independent of what it held. */
static void test_reset_then_strings(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    char *s = sg_arena_strdup(a, "first round");
    assert_string_equal(s, "first round");
    sg_arena_reset(a);
    char *t = sg_arena_strdup(a, "second");
    char *z = sg_arena_calloc(a, 64);
    assert_string_equal(t, "second");
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    sg_arena_reset(a);
    sg_arena_reset(a); /* twice, and on an empty arena: harmless */
    sg_arena_free(a);
    sg_arena *empty = sg_arena_new();
    sg_arena_reset(empty);
    sg_arena_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_reuses_memory),
        cmocka_unit_test(test_reset_then_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
