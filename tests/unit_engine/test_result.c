/* test_result.c - the action list's RFC 5228 semantics, one test per rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/result.h"

typedef struct {
    sg_arena *arena;
    sg_result r;
} fixture;

static int setup(void **state)
{
    static fixture f;
    f.arena = sg_arena_new();
    sg_result_limits limits = {32, 4};
    sg_result_init(&f.r, f.arena, &limits);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sg_result_free(&f->r);
    sg_arena_free(f->arena);
    return 0;
}

static sg_action act(sg_action_kind kind, const char *target, bool copy)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    a.loc = (sg_loc){3, 1};
    if (kind == SG_ACT_REDIRECT)
        a.address = target;
    else
        a.mailbox = target;
    a.reason = target;
    a.copy = copy;
    return a;
}

static bool add(fixture *f, sg_action_kind kind, const char *target, bool copy)
{
    sg_action a = act(kind, target, copy);
    return sg_result_add(&f->r, &a);
}

static void test_nothing_keeps_implicitly(void **state)
{
    fixture *f = *state;
    assert_true(f->r.implicit_keep);
    assert_int_equal(f->r.count, 0);
}

static void test_fileinto_cancels_implicit_keep(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_FILEINTO, "Work", false));
    assert_false(f->r.implicit_keep);
}

static void test_fileinto_copy_keeps_implicit_keep(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_FILEINTO, "Work", true));
    assert_true(f->r.implicit_keep);
}

static void test_redirect_cancels_and_copy_does_not(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REDIRECT, "a@example.org", true));
    assert_true(f->r.implicit_keep);
    assert_true(add(f, SG_ACT_REDIRECT, "b@example.org", false));
    assert_false(f->r.implicit_keep);
    assert_int_equal(f->r.count, 2);
}

static void test_discard_cancels_implicit_keep(void **state)
{
    fixture *f = *state;
    sg_result_discard(&f->r, (sg_loc){1, 1});
    assert_false(f->r.implicit_keep);
}

static void test_vacation_does_not_cancel(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_VACATION, "away", false));
    assert_true(f->r.implicit_keep);
}

static void test_reject_cancels(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REJECT, "no thanks", false));
    assert_false(f->r.implicit_keep);
}

static void test_same_fileinto_twice_collapses(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_FILEINTO, "Work", false));
    assert_true(add(f, SG_ACT_FILEINTO, "Work", false));
    assert_int_equal(f->r.count, 1);
}

static void test_same_redirect_twice_collapses(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REDIRECT, "bob@Example.ORG", false));
    assert_true(add(f, SG_ACT_REDIRECT, "bob@example.org", false));
    assert_int_equal(f->r.count, 1);
    assert_int_equal(f->r.redirects, 1);
}

static void test_different_local_parts_do_not_collapse(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REDIRECT, "Bob@example.org", false));
    assert_true(add(f, SG_ACT_REDIRECT, "bob@example.org", false));
    assert_int_equal(f->r.count, 2);
}

static void test_fileinto_inbox_and_keep_collapse(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_FILEINTO, "inbox", false));
    assert_true(add(f, SG_ACT_KEEP, "INBOX", false));
    assert_int_equal(f->r.count, 1);
}

static void test_copy_then_plain_redirect_is_one_plain(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REDIRECT, "bob@example.org", true));
    assert_true(add(f, SG_ACT_REDIRECT, "bob@example.org", false));
    assert_int_equal(f->r.count, 1);
    assert_false(f->r.actions[0].copy);
    assert_false(f->r.implicit_keep);
}

static void test_reject_after_keep_is_runtime_error(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_KEEP, "INBOX", false));
    assert_false(add(f, SG_ACT_REJECT, "go away", false));
    assert_true(f->r.failed);
    assert_true(f->r.implicit_keep);
    assert_int_equal(f->r.count, 0);
    assert_int_equal(f->r.errors.count, 1);
    assert_string_equal(f->r.errors.items[0].message, "reject action conflicts with earlier keep action");
}

static void test_fileinto_after_reject_is_runtime_error(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REJECT, "go away", false));
    assert_false(add(f, SG_ACT_FILEINTO, "Work", false));
    assert_true(f->r.failed);
    assert_true(f->r.implicit_keep);
    assert_string_equal(f->r.errors.items[0].message, "fileinto action conflicts with earlier reject action");
}

static void test_max_redirects(void **state)
{
    fixture *f = *state;
    const char *targets[] = {"a@x.org", "b@x.org", "c@x.org", "d@x.org"};
    for (int i = 0; i < 4; i++)
        assert_true(add(f, SG_ACT_REDIRECT, targets[i], false));
    assert_false(add(f, SG_ACT_REDIRECT, "e@x.org", false));
    assert_string_equal(f->r.errors.items[0].message, "number of redirect actions exceeds policy limit (5 > 4)");
    assert_string_equal(f->r.errors.items[0].code, "limit-redirects");
    assert_true(f->r.implicit_keep);
    assert_int_equal(f->r.count, 0);
}

static void test_max_actions(void **state)
{
    fixture *f = *state;
    char names[33][8];
    for (int i = 0; i < 32; i++) {
        snprintf(names[i], sizeof names[i], "F%d", i);
        assert_true(add(f, SG_ACT_FILEINTO, names[i], false));
    }
    assert_false(add(f, SG_ACT_FILEINTO, "one-too-many", false));
    assert_string_equal(f->r.errors.items[0].message, "number of actions exceeds policy limit (33 > 32)");
}

static void test_two_vacations_is_error(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_VACATION, "away", false));
    assert_false(add(f, SG_ACT_VACATION, "away again", false));
    assert_string_equal(f->r.errors.items[0].code, "duplicate-vacation");
}

static void test_nothing_added_after_failure(void **state)
{
    fixture *f = *state;
    assert_true(add(f, SG_ACT_REJECT, "no", false));
    assert_false(add(f, SG_ACT_KEEP, "INBOX", false));
    assert_false(add(f, SG_ACT_FILEINTO, "Work", false));
    assert_int_equal(f->r.count, 0);
    assert_int_equal(f->r.errors.count, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_nothing_keeps_implicitly),
        T(test_fileinto_cancels_implicit_keep),
        T(test_fileinto_copy_keeps_implicit_keep),
        T(test_redirect_cancels_and_copy_does_not),
        T(test_discard_cancels_implicit_keep),
        T(test_vacation_does_not_cancel),
        T(test_reject_cancels),
        T(test_same_fileinto_twice_collapses),
        T(test_same_redirect_twice_collapses),
        T(test_different_local_parts_do_not_collapse),
        T(test_fileinto_inbox_and_keep_collapse),
        T(test_copy_then_plain_redirect_is_one_plain),
        T(test_reject_after_keep_is_runtime_error),
        T(test_fileinto_after_reject_is_runtime_error),
        T(test_max_redirects),
        T(test_max_actions),
        T(test_two_vacations_is_error),
        T(test_nothing_added_after_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
