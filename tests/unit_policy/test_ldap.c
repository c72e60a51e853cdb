/* test_ldap.c - cmocka tests of the directory client's pure parts
 * (store/ldap_dir.h: filter values and templates, DN comparison, the
 * group-membership walk over a fake directory) and of directory groups in a
 * policy snapshot (store/ldap_policy.h).
 *
 * Takes: no server: the walk's searches are answered from a table.
 * Asserts: exact escaped filters; DNs equal case-blind and across spaces
 * only; members found directly (member, uniqueMember, memberUid) and
 * through nested groups level by level, a cycle ending, the depth limit
 * kept, one search a level; a failed search fails the whole walk (never a
 * partial "not a member"); a scope naming a directory group without a
 * directory is unavailable, and the added groups hold the owner alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/decide.h"
#include "store/ldap_dir.h"
#include "store/ldap_policy.h"

static void test_escape(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    assert_string_equal(sg_ldap_escape("a*b(c)\\d", a), "a\\2ab\\28c\\29\\5cd");
    assert_string_equal(sg_ldap_escape("caf\xc3\xa9", a), "caf\\c3\\a9");
    assert_string_equal(sg_ldap_escape("plain@example.org", a), "plain@example.org");
    sg_arena_free(a);
}

static void test_expand(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    assert_string_equal(sg_ldap_filter_expand("(mail=%u)", "alice@example.org", a), "(mail=alice@example.org)");
    assert_string_equal(sg_ldap_filter_expand("(&(uid=%n)(dc=%d)(x=100%%))", "bob@example.org", a),
                        "(&(uid=bob)(dc=example.org)(x=100%))");
    /* a value cannot change the filter's structure (RFC 4515) */
    assert_string_equal(sg_ldap_filter_expand("(mail=%u)", "*)(uid=*@x", a), "(mail=\\2a\\29\\28uid=\\2a@x)");
    assert_string_equal(sg_ldap_filter_expand("(uid=%n)(d=%d)", "bare", a), "(uid=bare)(d=)");
    assert_null(sg_ldap_filter_expand("(mail=%x)", "a@b", a));
    assert_null(sg_ldap_filter_expand("(mail=%", "a@b", a));
    sg_arena_free(a);
}

static void test_dn_equal(void **state)
{
    (void)state;
    assert_true(sg_ldap_dn_equal("uid=Alice, ou=People,dc=Example,dc=org", "uid=alice,ou=people,dc=example,dc=org"));
    assert_true(sg_ldap_dn_equal("cn = x , dc=y", "cn=x,dc=y"));
    assert_false(sg_ldap_dn_equal("cn=a,dc=x", "cn=b,dc=x"));
    assert_false(sg_ldap_dn_equal("cn=a,dc=x", "cn=ab,dc=x"));
    assert_false(sg_ldap_dn_equal("cn=a b,dc=x", "cn=ab,dc=x"));
    assert_false(sg_ldap_dn_equal("cn=a\\ ,dc=x", "cn=a,dc=x"));
}

/* ---- a fake directory: groups and their members ---- */

typedef struct fake_group {
    const char *dn, *cn;
    const char *members[4]; /* DNs (member/uniqueMember) or "uid:NAME" (memberUid) */
} fake_group;

static const fake_group directory[] = {
    {"cn=travellers,ou=g", "travellers", {"uid=alice,ou=p", "cn=sales,ou=g"}},
    {"cn=sales,ou=g", "sales", {"uid=carol,ou=p", "cn=interns,ou=g"}},
    {"cn=interns,ou=g", "interns", {"uid=erin,ou=p", "cn=loop,ou=g"}},
    {"cn=loop,ou=g", "loop", {"cn=interns,ou=g"}},
    {"cn=remote,ou=g", "remote", {"uid:dave"}},
};

typedef struct fake {
    unsigned searches;
    unsigned fail_at; /* 1-based search that fails; 0: none */
    char filters[8][1024];
} fake;

/* Whether the filter asks for `member` (a DN: "(member=DN)"; "uid:X": "(memberUid=X)"). */
static bool asks(const char *filter, const char *member)
{
    char want[256];
    if (strncmp(member, "uid:", 4) == 0)
        snprintf(want, sizeof want, "(memberUid=%s)", member + 4);
    else
        snprintf(want, sizeof want, "(member=%s)", member);
    return strstr(filter, want) != NULL;
}

static bool fake_search(void *ctx, const char *filter, sg_arena *arena, sg_ldap_group **out, size_t *n, char *err,
                        size_t errlen)
{
    fake *f = ctx;
    f->searches++;
    if (f->searches <= 8)
        snprintf(f->filters[f->searches - 1], sizeof f->filters[0], "%s", filter);
    if (f->fail_at && f->searches == f->fail_at) {
        snprintf(err, errlen, "the search failed");
        return false;
    }
    *out = sg_arena_alloc(arena, sizeof directory / sizeof *directory * sizeof **out);
    *n = 0;
    for (size_t i = 0; i < sizeof directory / sizeof *directory; i++)
        for (size_t m = 0; m < 4 && directory[i].members[m]; m++)
            if (asks(filter, directory[i].members[m])) {
                (*out)[(*n)++] = (sg_ldap_group){directory[i].dn, directory[i].cn, 99};
                break;
            }
    return true;
}

#define GF "(objectClass=groupOfNames)"

/* The groups of a user as "cn/depth cn/depth ...". */
static const char *walk(fake *f, const char *dn, const char *uid, unsigned nesting, sg_arena *a)
{
    sg_ldap_group *g;
    size_t n;
    char err[128] = "";
    if (!sg_ldap_resolve_groups(fake_search, f, GF, dn, uid, nesting, a, &g, &n, err, sizeof err))
        return NULL;
    char *s = sg_arena_alloc(a, 512);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(s + strlen(s), 512 - strlen(s), "%s%s/%u", i ? " " : "", g[i].cn, g[i].depth);
    return s;
}

static void test_walk_direct(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    fake f = {0};
    assert_string_equal(walk(&f, "uid=alice,ou=p", "alice", 5, a), "travellers/0");
    /* level 0, then level 1 (travellers' parents: none) */
    assert_int_equal(f.searches, 2);
    assert_string_equal(f.filters[0], "(&" GF "(|(member=uid=alice,ou=p)(uniqueMember=uid=alice,ou=p)"
                                      "(memberUid=alice)))");
    assert_string_equal(f.filters[1], "(&" GF "(|(member=cn=travellers,ou=g)(uniqueMember=cn=travellers,ou=g)))");
    memset(&f, 0, sizeof f);
    assert_string_equal(walk(&f, NULL, "dave", 5, a), "remote/0");
    memset(&f, 0, sizeof f);
    assert_string_equal(walk(&f, "uid=bob,ou=p", "bob", 5, a), "");
    assert_int_equal(f.searches, 1);
    memset(&f, 0, sizeof f);
    assert_string_equal(walk(&f, NULL, NULL, 5, a), ""); /* nothing to look for */
    assert_int_equal(f.searches, 0);
    sg_arena_free(a);
}

static void test_walk_nested_and_cycle(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    fake f = {0};
    assert_string_equal(walk(&f, "uid=erin,ou=p", "erin", 5, a), "interns/0 sales/1 loop/1 travellers/2");
    /* levels 0, 1, 2 and 3 (nothing new at 3: the cycle interns-loop ends) */
    assert_int_equal(f.searches, 4);
    memset(&f, 0, sizeof f);
    assert_string_equal(walk(&f, "uid=carol,ou=p", "carol", 5, a), "sales/0 travellers/1");
    sg_arena_free(a);
}

static void test_walk_depth_limit(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    fake f = {0};
    assert_string_equal(walk(&f, "uid=erin,ou=p", "erin", 1, a), "interns/0 sales/1 loop/1");
    assert_int_equal(f.searches, 2);
    memset(&f, 0, sizeof f);
    assert_string_equal(walk(&f, "uid=erin,ou=p", "erin", 0, a), "interns/0");
    assert_int_equal(f.searches, 1);
    sg_arena_free(a);
}

static void test_walk_failure_is_no_answer(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    for (unsigned at = 1; at <= 3; at++) {
        fake f = {0};
        f.fail_at = at;
        assert_null(walk(&f, "uid=erin,ou=p", "erin", 5, a));
    }
    sg_arena_free(a);
}

/* ---- directory groups in a snapshot ---- */

static sg_policy *policy_with_scope(const char *group)
{
    sg_policy *p = sg_policy_new_default();
    sg_outbound_policy *ops = sg_arena_calloc(p->arena, 2 * sizeof *ops);
    ops[0] = p->policies[0];
    ops[1].name = "travel";
    ops[1].enabled = true;
    ops[1].priority = 1;
    ops[1].mode = SG_MODE_ON;
    const char **items = sg_arena_alloc(p->arena, sizeof *items);
    items[0] = group;
    ops[1].groups = (sg_strlist){items, 1};
    p->policies = ops;
    p->npolicies = 2;
    return p;
}

static void test_policy_groups(void **state)
{
    (void)state;
    char err[256] = "";
    sg_policy *p = policy_with_scope("ldap:travellers");
    assert_true(sg_policy_names_directory_groups(p));
    assert_int_equal(sg_policy_add_directory_groups(p, NULL, "alice@example.org", err, sizeof err),
                     SG_LDAP_UNAVAILABLE);
    assert_string_equal(err, "a policy's scope names a directory group (ldap:...) but ldap_uri is not set");
    assert_int_equal(p->ngroups, 0);
    assert_null(sg_policy_directory_group_matched(p, &p->policies[1]));
    /* as sg_policy_add_directory_groups adds a group the owner is in */
    const char **member = sg_arena_alloc(p->arena, sizeof *member);
    member[0] = "alice@example.org";
    sg_group *g = sg_arena_alloc(p->arena, sizeof *g);
    g[0] = (sg_group){"ldap:travellers", {member, 1}};
    p->groups = g;
    p->ngroups = 1;
    assert_string_equal(sg_policy_effective(p, "alice@example.org")->name, "travel");
    assert_string_equal(sg_policy_effective(p, "bob@example.org")->name, "default");
    assert_string_equal(sg_policy_directory_group_matched(p, &p->policies[1]), "ldap:travellers");
    sg_policy_free(p);

    p = policy_with_scope("travellers"); /* a store group: no directory needed */
    assert_false(sg_policy_names_directory_groups(p));
    assert_int_equal(sg_policy_add_directory_groups(p, NULL, "alice@example.org", err, sizeof err), SG_LDAP_OK);
    sg_policy_free(p);
    assert_true(sg_policy_is_directory_group("LDAP:x"));
    assert_false(sg_policy_is_directory_group("ldap:"));
    assert_false(sg_policy_is_directory_group("ldapx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_dn_equal),
        cmocka_unit_test(test_walk_direct),
        cmocka_unit_test(test_walk_nested_and_cycle),
        cmocka_unit_test(test_walk_depth_limit),
        cmocka_unit_test(test_walk_failure_is_no_answer),
        cmocka_unit_test(test_policy_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
