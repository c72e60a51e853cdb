/* policy_sample.c - see policy_sample.h. */
#include "tests/unit_cache/policy_sample.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static sg_strlist list(sg_arena *a, const char *const *items, size_t n)
{
    sg_strlist l = {NULL, n};
    if (n) {
        l.items = sg_arena_alloc(a, n * sizeof *l.items);
        for (size_t i = 0; i < n; i++)
            l.items[i] = sg_arena_strdup(a, items[i]);
    }
    return l;
}

static void sample_policies(sg_policy *p)
{
    sg_arena *a = p->arena;
    static const char *const users[] = {"alice@example.com", "bob@example.com"};
    static const char *const groups[] = {"sales"};
    static const char *const domains[] = {"example.com", "xn--bcher-kva.example"};
    static const char *const ex_users[] = {"ceo@example.com"};
    static const char *const odd[] = {"", "with space", "colon:and 12:numbers ", "\xc3\xa9t\xc3\xa9"};
    p->npolicies = 3;
    p->policies = sg_arena_calloc(a, 3 * sizeof *p->policies);
    p->policies[0] = (sg_outbound_policy){.name = "default", .is_default = true, .enabled = true, .priority = -1,
                                          .mode = SG_MODE_AUTOMATIC};
    sg_outbound_policy *sales = &p->policies[1];
    sales->name = "sales-may-forward";
    sales->enabled = true;
    sales->priority = 0;
    sales->mode = SG_MODE_ON;
    sales->users = list(a, users, 2);
    sales->groups = list(a, groups, 1);
    sales->domains = list(a, domains, 2);
    sales->exclude_users = list(a, ex_users, 1);
    sales->exclude_groups = list(a, odd, 4);
    sales->exclude_domains = list(a, domains, 1);
    sg_outbound_policy *off = &p->policies[2];
    off->name = "disabled one";
    off->enabled = false;
    off->priority = 2147483647;
    off->mode = SG_MODE_OFF;
}

sg_policy *sample_policy(uint64_t generation)
{
    sg_policy *p = sg_policy_new_default();
    sg_arena *a = p->arena;
    p->generation = generation;
    p->org.automatic_means = SG_MODE_ON;
    p->org.bounce_internal_senders = false;
    p->org.bounce_rate_period = 3600;
    p->org.max_forward_hops = 7;
    p->naccepted = 2;
    p->accepted = sg_arena_calloc(a, 2 * sizeof *p->accepted);
    p->accepted[0] = (sg_accepted_domain){"example.com", true};
    p->accepted[1] = (sg_accepted_domain){"xn--bcher-kva.example", false};
    sample_policies(p);
    p->nremote = 3;
    p->remote = sg_arena_calloc(a, 3 * sizeof *p->remote);
    sg_remote_domain_default(&p->remote[0], "*");
    p->remote[1] = (sg_remote_domain){"partner.example", false, true, false, true};
    p->remote[2] = (sg_remote_domain){"*.example.org", true, false, true, false};
    static const char *const members[] = {"alice@example.com", "carol@example.com", "dave@example.com"};
    p->ngroups = 2;
    p->groups = sg_arena_calloc(a, 2 * sizeof *p->groups);
    p->groups[0] = (sg_group){"sales", list(a, members, 3)};
    p->groups[1] = (sg_group){"empty", {NULL, 0}};
    p->nforwards = 2;
    p->forwards = sg_arena_calloc(a, 2 * sizeof *p->forwards);
    p->forwards[0] = (sg_admin_forward){"alice@example.com", "alice@partner.example", false};
    p->forwards[1] = (sg_admin_forward){"bob@example.com", "b \xe2\x80\x94 x@example.org", true};
    return p;
}

static void assert_list_equal(const sg_strlist *a, const sg_strlist *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        assert_string_equal(a->items[i], b->items[i]);
}

static void assert_policies_equal(const sg_outbound_policy *a, const sg_outbound_policy *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->is_default, b->is_default);
    assert_int_equal(a->enabled, b->enabled);
    assert_int_equal(a->priority, b->priority);
    assert_int_equal(a->mode, b->mode);
    assert_list_equal(&a->users, &b->users);
    assert_list_equal(&a->groups, &b->groups);
    assert_list_equal(&a->domains, &b->domains);
    assert_list_equal(&a->exclude_users, &b->exclude_users);
    assert_list_equal(&a->exclude_groups, &b->exclude_groups);
    assert_list_equal(&a->exclude_domains, &b->exclude_domains);
}

void assert_policy_equal(const sg_policy *a, const sg_policy *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->generation, b->generation);
    assert_int_equal(a->org.automatic_means, b->org.automatic_means);
    assert_int_equal(a->org.bounce_internal_senders, b->org.bounce_internal_senders);
    assert_int_equal(a->org.bounce_rate_period, b->org.bounce_rate_period);
    assert_int_equal(a->org.max_forward_hops, b->org.max_forward_hops);
    assert_int_equal(a->naccepted, b->naccepted);
    for (size_t i = 0; i < a->naccepted; i++) {
        assert_string_equal(a->accepted[i].name, b->accepted[i].name);
        assert_int_equal(a->accepted[i].match_subdomains, b->accepted[i].match_subdomains);
    }
    assert_int_equal(a->npolicies, b->npolicies);
    for (size_t i = 0; i < a->npolicies; i++)
        assert_policies_equal(&a->policies[i], &b->policies[i]);
    assert_int_equal(a->nremote, b->nremote);
    for (size_t i = 0; i < a->nremote; i++) {
        assert_string_equal(a->remote[i].pattern, b->remote[i].pattern);
        assert_int_equal(a->remote[i].auto_forward, b->remote[i].auto_forward);
        assert_int_equal(a->remote[i].auto_reply, b->remote[i].auto_reply);
        assert_int_equal(a->remote[i].ndr, b->remote[i].ndr);
        assert_int_equal(a->remote[i].is_internal, b->remote[i].is_internal);
    }
    assert_int_equal(a->ngroups, b->ngroups);
    for (size_t i = 0; i < a->ngroups; i++) {
        assert_string_equal(a->groups[i].name, b->groups[i].name);
        assert_list_equal(&a->groups[i].members, &b->groups[i].members);
    }
    assert_int_equal(a->nforwards, b->nforwards);
    for (size_t i = 0; i < a->nforwards; i++) {
        assert_string_equal(a->forwards[i].user, b->forwards[i].user);
        assert_string_equal(a->forwards[i].address, b->forwards[i].address);
        assert_int_equal(a->forwards[i].keep_copy, b->forwards[i].keep_copy);
    }
}
