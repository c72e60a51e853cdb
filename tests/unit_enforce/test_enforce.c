/* test_enforce.c - the forwarding decision (policy/decide.c), policy.md
 * "Decision for one forward" steps 1 to 6.
 *
 * Each test builds a policy snapshot by hand (fixture.h), decides one forward
 * and checks the exact verdict and every field that says why: whether the
 * target is external, the normalised target and its classifying domain, the
 * deciding policy and remote domain, the status (5.7.520 exactly when a
 * bounce is due from the block) and, for a few, the reason and the steps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy/decide.h"
#include "tests/unit_enforce/fixture.h"

#define OWNER "alice@corp.example"

typedef struct world {
    sg_arena *arena;
    sg_policy *p;
} world;

static int setup_off(void **state)
{
    world *w = sg_xmalloc(sizeof *w);
    w->arena = sg_arena_new();
    w->p = fx_new(w->arena, SG_MODE_OFF);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    sg_arena_free(w->arena);
    free(w);
    return 0;
}

static sg_fwd_decision decide_req(world *w, const sg_fwd_request *req)
{
    sg_fwd_decision d;
    sg_fwd_decide(w->p, req, w->arena, &d);
    /* invariants of every decision */
    assert_non_null(d.reason);
    assert_true(d.nsteps >= 1 && d.nsteps <= SG_FWD_MAX_STEPS);
    if (d.verdict == SG_FWD_BLOCK_BOUNCE)
        assert_string_equal(d.status, "5.7.520");
    else
        assert_null(d.status);
    return d;
}

static sg_fwd_decision decide_as(world *w, const char *owner, const char *target)
{
    sg_fwd_request req = {.owner = owner, .target = target, .mechanism = SG_FWD_REDIRECT};
    return decide_req(w, &req);
}

static sg_fwd_decision decide(world *w, const char *target)
{
    return decide_as(w, OWNER, target);
}

static void str_eq(const char *expected, const char *actual)
{
    if (!expected)
        assert_null(actual);
    else
        assert_string_equal(actual, expected);
}

/* verdict, external, normalised target, target domain, policy, remote domain */
static void expect(const sg_fwd_decision *d, sg_fwd_verdict v, bool external, const char *target, const char *domain,
                   const char *policy, const char *remote)
{
    assert_int_equal(d->verdict, v);
    assert_int_equal(d->external, external);
    str_eq(target, d->target);
    str_eq(domain, d->target_domain);
    str_eq(policy, d->policy);
    str_eq(remote, d->remote_domain);
}

/* ---- steps 3 and 4: internal targets, the default policy, its modes ---- */

static void internal_target_with_mode_off(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "bob@corp.example");
    expect(&d, SG_FWD_ALLOW, false, "bob@corp.example", "corp.example", NULL, NULL);
    assert_string_equal(d.reason, "corp.example is inside the organization; internal forwarding is not restricted");
}

static void external_with_mode_off(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    assert_string_equal(d.reason, "external forwarding is off for you (policy \"default\")");
    static const char *const steps[] = {
        "1. normalise: bob@gmail.example (domain gmail.example)",
        "2. loops and duplicates: none",
        "3. internal: no, gmail.example is external",
        "4. policy: \"default\" applies (mode off): block with bounce 5.7.520",
    };
    assert_int_equal(d.nsteps, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(d.steps[i], steps[i]);
}

static void redirect_copy_external_with_mode_off(void **state)
{
    world *w = *state;
    sg_fwd_request req = {.owner = OWNER, .target = "bob@gmail.example", .mechanism = SG_FWD_REDIRECT_COPY};
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    assert_string_equal(sg_fwd_mechanism_name(req.mechanism), "redirect-copy");
    assert_string_equal(sg_fwd_verdict_name(d.verdict), "block");
}

static void notify_external_with_mode_off(void **state)
{
    world *w = *state;
    sg_fwd_request req = {.owner = OWNER, .target = "bob@gmail.example", .mechanism = SG_FWD_NOTIFY};
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
}

/* An administrator's mailbox forward goes through the same steps as the
 * user's redirect: internal allowed, external per the owner's effective
 * policy (a scoped `on` included), the remote domain's auto_forward, loops. */
static void admin_forward_decided_like_a_redirect(void **state)
{
    world *w = *state;
    sg_fwd_request req = {.owner = OWNER, .target = "bob@gmail.example", .mechanism = SG_FWD_ADMIN};
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    assert_string_equal(sg_fwd_mechanism_name(req.mechanism), "admin-forward");
    req.target = "bob@corp.example";
    d = decide_req(w, &req);
    expect(&d, SG_FWD_ALLOW, false, "bob@corp.example", "corp.example", NULL, NULL);
    sg_outbound_policy *op = fx_policy_add(w->p, "alice-on", 0, SG_MODE_ON);
    op->users = fx_list(w->arena, OWNER, NULL);
    req.target = "bob@gmail.example";
    d = decide_req(w, &req);
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "alice-on", "*");
    const char *hops[] = {OWNER};
    req.redirected_from = hops;
    req.nredirected_from = 1;
    d = decide_req(w, &req);
    assert_int_equal(d.verdict, SG_FWD_SKIP);
}

static void external_with_mode_on(void **state)
{
    world *w = *state;
    w->p->policies[0].mode = SG_MODE_ON;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "default", "*");
    assert_string_equal(d.reason, "external forwarding is on for you (policy \"default\")");
    assert_int_equal(d.nsteps, 6);
    assert_string_equal(d.steps[4], "5. remote domain: \"*\" (auto_forward yes)");
    assert_string_equal(d.steps[5], "6. allow");
}

static void automatic_means_off(void **state)
{
    world *w = *state;
    w->p->policies[0].mode = SG_MODE_AUTOMATIC;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    assert_string_equal(d.reason, "external forwarding is off for you (policy \"default\")");
    assert_string_equal(d.steps[3],
                        "4. policy: \"default\" applies (mode automatic, which means off): block with bounce 5.7.520");
}

static void automatic_means_on_when_configured(void **state)
{
    world *w = *state;
    w->p->policies[0].mode = SG_MODE_AUTOMATIC;
    w->p->org.automatic_means = SG_MODE_ON;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "default", "*");
    assert_string_equal(d.steps[3], "4. policy: \"default\" applies (mode automatic, which means on)");
}

static void no_policy_at_all_is_off(void **state)
{
    world *w = *state;
    w->p->npolicies = 0;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    sg_fwd_decide(NULL, &(sg_fwd_request){.owner = OWNER, .target = "bob@gmail.example"}, w->arena, &d);
    assert_int_equal(d.verdict, SG_FWD_BLOCK_BOUNCE);
}

/* ---- step 4: custom policies and their scopes ---- */

static void user_scoped_policy_on_over_default_off(void **state)
{
    world *w = *state;
    sg_outbound_policy *op = fx_policy_add(w->p, "sales-on", 0, SG_MODE_ON);
    op->users = fx_list(w->arena, "alice@corp.example", NULL);
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "sales-on", "*");
    /* the owner as the MTA may spell it: domain case does not matter, nor local-part case for scopes */
    d = decide_as(w, "Alice@CORP.Example", "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "sales-on", "*");
    /* someone else keeps the default */
    d = decide_as(w, "carol@corp.example", "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
}

static void excluded_user_falls_back_to_default(void **state)
{
    world *w = *state;
    sg_outbound_policy *op = fx_policy_add(w->p, "corp-on", 0, SG_MODE_ON);
    op->domains = fx_list(w->arena, "corp.example", NULL);
    op->exclude_users = fx_list(w->arena, "alice@corp.example", NULL);
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    d = decide_as(w, "carol@corp.example", "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "corp-on", "*");
}

static void excluded_group_and_domain_remove_the_policy(void **state)
{
    world *w = *state;
    fx_group(w->p, "interns", fx_list(w->arena, "carol@corp.example", NULL));
    sg_outbound_policy *op = fx_policy_add(w->p, "all-on", 0, SG_MODE_ON);
    op->exclude_groups = fx_list(w->arena, "interns", NULL);
    op->exclude_domains = fx_list(w->arena, "lab.corp.example", NULL);
    expect((sg_fwd_decision[]){decide_as(w, "carol@corp.example", "x@gmail.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@gmail.example", "gmail.example", "default", NULL);
    expect((sg_fwd_decision[]){decide_as(w, "dan@lab.corp.example", "x@gmail.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@gmail.example", "gmail.example", "default", NULL);
    /* no include condition: the policy covers everyone else */
    expect((sg_fwd_decision[]){decide(w, "x@gmail.example")}, SG_FWD_ALLOW, true, "x@gmail.example",
           "gmail.example", "all-on", "*");
}

static void priority_0_automatic_beats_priority_1_on(void **state)
{
    world *w = *state;
    /* listed in the "wrong" order on purpose: priority decides, not position */
    sg_outbound_policy *on = fx_policy_add(w->p, "p1-on", 1, SG_MODE_ON);
    on->users = fx_list(w->arena, OWNER, NULL);
    sg_outbound_policy *autom = fx_policy_add(w->p, "p0-automatic", 0, SG_MODE_AUTOMATIC);
    autom->users = fx_list(w->arena, OWNER, NULL);
    w->p->policies[0].mode = SG_MODE_ON;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "p0-automatic", NULL);
    assert_ptr_equal(sg_policy_effective(w->p, OWNER), autom);
}

static void disabled_policy_is_skipped(void **state)
{
    world *w = *state;
    sg_outbound_policy *off = fx_policy_add(w->p, "p0-disabled", 0, SG_MODE_ON);
    off->users = fx_list(w->arena, OWNER, NULL);
    off->enabled = false;
    sg_fwd_decision d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "bob@gmail.example", "gmail.example", "default", NULL);
    sg_outbound_policy *on = fx_policy_add(w->p, "p5-on", 5, SG_MODE_ON);
    on->users = fx_list(w->arena, OWNER, NULL);
    d = decide(w, "bob@gmail.example");
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "p5-on", "*");
}

static void include_users_and_groups_both_required(void **state)
{
    world *w = *state;
    fx_group(w->p, "sales", fx_list(w->arena, "alice@corp.example", "carol@corp.example", NULL));
    sg_outbound_policy *op = fx_policy_add(w->p, "sales-leads", 0, SG_MODE_ON);
    op->users = fx_list(w->arena, "alice@corp.example", "dan@corp.example", NULL);
    op->groups = fx_list(w->arena, "nobody", "sales", NULL); /* OR within the list */
    /* alice: listed user AND member of sales */
    expect((sg_fwd_decision[]){decide(w, "x@gmail.example")}, SG_FWD_ALLOW, true, "x@gmail.example",
           "gmail.example", "sales-leads", "*");
    /* carol: in the group, not a listed user */
    expect((sg_fwd_decision[]){decide_as(w, "carol@corp.example", "x@gmail.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@gmail.example", "gmail.example", "default", NULL);
    /* dan: a listed user, not in the group */
    expect((sg_fwd_decision[]){decide_as(w, "dan@corp.example", "x@gmail.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@gmail.example", "gmail.example", "default", NULL);
}

/* The cache keeps each owner's view of the groups (sg_policy_owner_groups):
 * deciding with the view must give the effective policy of the full lists,
 * for members written in every form the store may hold. */
static void owner_view_of_groups_decides_alike(void **state)
{
    world *w = *state;
    fx_group(w->p, "sales", fx_list(w->arena, "alice@corp.example", "Carol@CORP.example", "dan@eu.corp.example", NULL));
    fx_group(w->p, "quoted", fx_list(w->arena, "\"e r\"@corp.example", "<frank@corp.example>", NULL));
    fx_group(w->p, "idn", fx_list(w->arena, "gus@b\xc3\xbc" "cher.example", "alice@corp.example", NULL));
    fx_group(w->p, "empty", (sg_strlist){NULL, 0});
    sg_outbound_policy *a = fx_policy_add(w->p, "sales-on", 0, SG_MODE_ON);
    a->groups = fx_list(w->arena, "sales", NULL);
    sg_outbound_policy *b = fx_policy_add(w->p, "quoted-on", 1, SG_MODE_ON);
    b->groups = fx_list(w->arena, "QUOTED", "empty", NULL);
    b->exclude_groups = fx_list(w->arena, "idn", NULL);
    sg_outbound_policy *c = fx_policy_add(w->p, "idn-off", 2, SG_MODE_OFF);
    c->groups = fx_list(w->arena, "idn", NULL);
    static const char *const owners[] = {"alice@corp.example", "carol@corp.example", "CAROL@corp.example",
                                         "dan@eu.corp.example", "\"e r\"@corp.example", "frank@corp.example",
                                         "gus@xn--bcher-kva.example", "gus@b\xc3\xbc" "cher.example",
                                         "nobody@corp.example", "not an address", ""};
    for (size_t i = 0; i < sizeof owners / sizeof owners[0]; i++) {
        sg_policy view = *w->p;
        view.ngroups = sg_policy_owner_groups(w->p, owners[i], w->arena, &view.groups);
        const sg_outbound_policy *full = sg_policy_effective(w->p, owners[i]);
        const sg_outbound_policy *seen = sg_policy_effective(&view, owners[i]);
        if (strcmp(full->name, seen->name) != 0)
            fail_msg("owner %s: full groups give %s, the owner's view %s", owners[i], full->name, seen->name);
        for (size_t g = 0; g < view.ngroups; g++)
            assert_true(view.groups[g].members.count >= 1);
    }
    sg_group *view;
    assert_int_equal(sg_policy_owner_groups(w->p, "alice@corp.example", w->arena, &view), 2);
    assert_string_equal(view[0].name, "sales");
    assert_int_equal(view[0].members.count, 1);
    assert_string_equal(view[0].members.items[0], "alice@corp.example");
    assert_string_equal(view[1].name, "idn");
    assert_int_equal(sg_policy_owner_groups(w->p, "nobody@corp.example", w->arena, &view), 0);
    assert_string_equal(sg_policy_effective(w->p, "carol@corp.example")->name, "sales-on");
    assert_string_equal(sg_policy_effective(w->p, "frank@corp.example")->name, "quoted-on");
    assert_string_equal(sg_policy_effective(w->p, "gus@xn--bcher-kva.example")->name, "idn-off");
}

static void domain_scope_matches_subdomains_of_the_owner(void **state)
{
    world *w = *state;
    fx_accepted(w->p, "corp.example", true);
    sg_outbound_policy *op = fx_policy_add(w->p, "corp-on", 0, SG_MODE_ON);
    op->domains = fx_list(w->arena, "corp.example", NULL);
    expect((sg_fwd_decision[]){decide_as(w, "eve@corp.example", "x@gmail.example")}, SG_FWD_ALLOW, true,
           "x@gmail.example", "gmail.example", "corp-on", "*");
    expect((sg_fwd_decision[]){decide_as(w, "eve@eu.sales.corp.example", "x@gmail.example")}, SG_FWD_ALLOW, true,
           "x@gmail.example", "gmail.example", "corp-on", "*");
    expect((sg_fwd_decision[]){decide_as(w, "eve@evilcorp.example", "x@gmail.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@gmail.example", "gmail.example", "default", NULL);
}

/* ---- step 5 and the remote-domain table ---- */

static void remote_wildcard_covers_the_suffix_and_subdomains_only(void **state)
{
    world *w = *state;
    sg_policy *p = w->p;
    p->policies[0].mode = SG_MODE_ON;
    fx_remote(p, "*.partner.example")->auto_forward = false;
    expect((sg_fwd_decision[]){decide(w, "x@partner.example")}, SG_FWD_BLOCK_SILENT, true, "x@partner.example",
           "partner.example", "default", "*.partner.example");
    expect((sg_fwd_decision[]){decide(w, "x@a.b.partner.example")}, SG_FWD_BLOCK_SILENT, true,
           "x@a.b.partner.example", "a.b.partner.example", "default", "*.partner.example");
    expect((sg_fwd_decision[]){decide(w, "x@evilpartner.example")}, SG_FWD_ALLOW, true, "x@evilpartner.example",
           "evilpartner.example", "default", "*");
    assert_string_equal(sg_policy_remote_domain(p, "partner.example")->pattern, "*.partner.example");
    assert_string_equal(sg_policy_remote_domain(p, "evilpartner.example")->pattern, "*");
}

static void remote_exact_beats_wildcard_and_longest_suffix_wins(void **state)
{
    world *w = *state;
    sg_policy *p = w->p;
    fx_remote(p, "*.example");
    fx_remote(p, "*.partner.example");
    fx_remote(p, "mail.partner.example");
    assert_string_equal(sg_policy_remote_domain(p, "mail.partner.example")->pattern, "mail.partner.example");
    assert_string_equal(sg_policy_remote_domain(p, "MAIL.Partner.example")->pattern, "mail.partner.example");
    assert_string_equal(sg_policy_remote_domain(p, "x.mail.partner.example")->pattern, "*.partner.example");
    assert_string_equal(sg_policy_remote_domain(p, "other.example")->pattern, "*.example");
    assert_string_equal(sg_policy_remote_domain(p, "example.org")->pattern, "*");
}

static void remote_auto_forward_no_blocks_silently(void **state)
{
    world *w = *state;
    w->p->policies[0].mode = SG_MODE_ON;
    fx_remote(w->p, "*.partner.example");
    fx_remote(w->p, "mail.partner.example")->auto_forward = false;
    sg_fwd_decision d = decide(w, "x@mail.partner.example");
    expect(&d, SG_FWD_BLOCK_SILENT, true, "x@mail.partner.example", "mail.partner.example", "default",
           "mail.partner.example");
    assert_string_equal(d.reason,
                        "automatic forwarding to mail.partner.example is not allowed (remote domain \"mail.partner.example\")");
    assert_string_equal(sg_fwd_verdict_name(d.verdict), "block");
    d = decide(w, "x@www.partner.example");
    expect(&d, SG_FWD_ALLOW, true, "x@www.partner.example", "www.partner.example", "default", "*.partner.example");
}

/* ---- step 3: what is internal ---- */

static void accepted_domain_with_and_without_subdomains(void **state)
{
    world *w = *state;
    fx_accepted(w->p, "group.example", true);
    expect((sg_fwd_decision[]){decide(w, "x@sub.corp.example")}, SG_FWD_BLOCK_BOUNCE, true, "x@sub.corp.example",
           "sub.corp.example", "default", NULL);
    expect((sg_fwd_decision[]){decide(w, "x@group.example")}, SG_FWD_ALLOW, false, "x@group.example",
           "group.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "x@eu.sub.group.example")}, SG_FWD_ALLOW, false, "x@eu.sub.group.example",
           "eu.sub.group.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "x@evilgroup.example")}, SG_FWD_BLOCK_BOUNCE, true, "x@evilgroup.example",
           "evilgroup.example", "default", NULL);
    assert_true(sg_policy_is_internal_domain(w->p, "corp.example"));
    assert_false(sg_policy_is_internal_domain(w->p, "sub.corp.example"));
    assert_true(sg_policy_is_internal_domain(w->p, "a.group.example"));
}

static void remote_domain_marked_internal(void **state)
{
    world *w = *state;
    fx_remote(w->p, "*.subsidiary.example")->is_internal = true;
    sg_fwd_decision d = decide(w, "x@mail.subsidiary.example");
    expect(&d, SG_FWD_ALLOW, false, "x@mail.subsidiary.example", "mail.subsidiary.example", NULL, NULL);
    assert_string_equal(d.steps[2], "3. internal: yes, mail.subsidiary.example (remote domain "
                                    "\"*.subsidiary.example\" is marked internal): allow");
}

static void mixed_case_and_idn_domains(void **state)
{
    world *w = *state;
    fx_accepted(w->p, "xn--bcher-kva.example", false);
    expect((sg_fwd_decision[]){decide(w, "Bob@Corp.EXAMPLE")}, SG_FWD_ALLOW, false, "Bob@corp.example",
           "corp.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "leser@bücher.example")}, SG_FWD_ALLOW, false,
           "leser@xn--bcher-kva.example", "xn--bcher-kva.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "leser@BÜCHER.Example")}, SG_FWD_ALLOW, false,
           "leser@xn--bcher-kva.example", "xn--bcher-kva.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "leser@XN--BCHER-KVA.example")}, SG_FWD_ALLOW, false,
           "leser@xn--bcher-kva.example", "xn--bcher-kva.example", NULL, NULL);
    expect((sg_fwd_decision[]){decide(w, "x@münchen.example")}, SG_FWD_BLOCK_BOUNCE, true,
           "x@xn--mnchen-3ya.example", "xn--mnchen-3ya.example", "default", NULL);
    /* a UTF-8 local part (RFC 6532) is kept as given */
    expect((sg_fwd_decision[]){decide(w, "jörg@Bücher.example")}, SG_FWD_ALLOW, false,
           "jörg@xn--bcher-kva.example", "xn--bcher-kva.example", NULL, NULL);
    /* a remote domain stored as an A-label matches the U-label target */
    w->p->policies[0].mode = SG_MODE_ON;
    fx_remote(w->p, "xn--mnchen-3ya.example")->auto_forward = false;
    expect((sg_fwd_decision[]){decide(w, "x@MÜNCHEN.example")}, SG_FWD_BLOCK_SILENT, true,
           "x@xn--mnchen-3ya.example", "xn--mnchen-3ya.example", "default", "xn--mnchen-3ya.example");
}

/* ---- step 1: normalising, routing, refusing ---- */

static void quoted_local_part_with_internal_text(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "\"user@corp.example\"@evil.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "\"user@corp.example\"@evil.example", "evil.example", "default", NULL);
    d = decide(w, "\"john smith\"@Corp.example");
    expect(&d, SG_FWD_ALLOW, false, "\"john smith\"@corp.example", "corp.example", NULL, NULL);
}

/* A quoted '@' at an internal domain routes onward (Postfix
 * resolve_dequoted_address = yes, its default): found by fuzz_enforce. */
static void quoted_at_routes(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "\"victim@evil.example\"@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "\"victim@evil.example\"@corp.example", "evil.example", "default", NULL);
    assert_string_equal(d.steps[0],
                        "1. normalise: \"victim@evil.example\"@corp.example routes to evil.example (quoted @ route)");
    /* the rightmost of '@' and '%' is the next hop, as for the percent hack */
    d = decide(w, "\"a%evil.example@corp.example\"@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "\"a%evil.example@corp.example\"@corp.example", "evil.example", "default",
           NULL);
    d = decide(w, "\"bob@corp.example\"@corp.example");
    expect(&d, SG_FWD_ALLOW, false, "\"bob@corp.example\"@corp.example", "corp.example", NULL, NULL);
    d = decide(w, "\"bob@\"@corp.example");
    expect(&d, SG_FWD_INVALID, false, "\"bob@\"@corp.example", NULL, NULL, NULL);
}

static void percent_hack_and_bang_path(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "user%evil.example@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "user%evil.example@corp.example", "evil.example", "default", NULL);
    assert_string_equal(d.steps[0], "1. normalise: user%evil.example@corp.example routes to evil.example (percent hack)");
    d = decide(w, "evil.example!user@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "evil.example!user@corp.example", "evil.example", "default", NULL);
    assert_string_equal(d.steps[0], "1. normalise: evil.example!user@corp.example routes to evil.example (bang path)");
    /* routed through another internal hop first */
    fx_accepted(w->p, "corp2.example", false);
    d = decide(w, "user%EVIL.example%corp2.example@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "user%EVIL.example%corp2.example@corp.example", "evil.example", "default",
           NULL);
    /* routed to an internal domain: internal */
    d = decide(w, "user%corp2.example@corp.example");
    expect(&d, SG_FWD_ALLOW, false, "user%corp2.example@corp.example", "corp2.example", NULL, NULL);
    /* quoted, the percent still routes (the MTA unquotes) */
    d = decide(w, "\"user%evil.example\"@corp.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "\"user%evil.example\"@corp.example", "evil.example", "default", NULL);
    /* at an external domain, the local part is that domain's business */
    d = decide(w, "user%corp.example@gmail.example");
    expect(&d, SG_FWD_BLOCK_BOUNCE, true, "user%corp.example@gmail.example", "gmail.example", "default", NULL);
    /* a route to something that is no domain is refused */
    d = decide(w, "user%@corp.example");
    expect(&d, SG_FWD_INVALID, false, "user%@corp.example", NULL, NULL, NULL);
    assert_string_equal(d.reason,
                        "not a plain local@domain address: the local part routes to an invalid domain (percent hack: missing domain)");
}

static void invalid_forms(void **state)
{
    world *w = *state;
    static const struct {
        const char *target, *why;
    } cases[] = {
        {"@relay.example:bob@gmail.example", "source routes (@a:b@c) are not allowed"},
        {"<@relay.example:bob@gmail.example>", "source routes (@a:b@c) are not allowed"},
        {"Bob <bob@gmail.example>", "display names and angle brackets are not allowed"},
        {"\"Bob\" <bob@gmail.example>", "display names and angle brackets are not allowed"},
        {"<bob@gmail.example>", "display names and angle brackets are not allowed"},
        {"friends: bob@gmail.example;", "groups are not allowed"},
        {"friends:;", "groups are not allowed"},
        {"bob@gmail.example.", "the domain ends with a dot"},
        {"bob@gmail.example (Bob)", "comments are not allowed"},
        {"bob(x)@gmail.example", "comments are not allowed"},
        {"bob@gmail.example, eve@gmail.example", "only one address is allowed"},
        {"bob@gmail.example\r\nBcc: eve@gmail.example", "control characters are not allowed"},
        {"", "empty address"},
        {"bob", "missing '@' and domain"},
        {"bob@", "missing domain"},
        {"@gmail.example", "missing local part"},
        {"bob.@gmail.example", "the local part starts or ends with a dot"},
        {"b..ob@gmail.example", "two dots in a row in the local part"},
        {"bob@gmail..example", "the domain has an empty label"},
        {"bob@x@gmail.example", "more than one '@' outside quotes"},
        {"bob@gm%ail.example", "invalid character in the domain"},
        {"bob@ab--cd.example", NULL}, /* valid ASCII: no IDNA check of non-A-labels */
        {"bob@xn--zz.example", "the domain is not a valid internationalized domain name (IDNA)"},
        {"bob@[300.1.1.1]", "unsupported address literal"},
        {"bob@[x:y]", "unsupported address literal"},
        {"bob@[192.0.2.1", "unsupported address literal"},
        {"bob@\xC3" "A.example", "the address is not valid UTF-8"},
        {"\"bob@gmail.example", "unterminated quoted string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_fwd_decision d = decide(w, cases[i].target);
        if (!cases[i].why) {
            assert_int_not_equal(d.verdict, SG_FWD_INVALID);
            continue;
        }
        if (d.verdict != SG_FWD_INVALID || strcmp(d.reason + strlen("not a plain local@domain address: "),
                                                  cases[i].why) != 0)
            print_error("case %zu \"%s\": verdict %d, reason \"%s\"\n", i, cases[i].target, d.verdict, d.reason);
        assert_int_equal(d.verdict, SG_FWD_INVALID);
        assert_string_equal(d.reason + strlen("not a plain local@domain address: "), cases[i].why);
        assert_string_equal(d.target, cases[i].target);
        assert_null(d.target_domain);
        assert_false(d.external);
        assert_string_equal(sg_fwd_verdict_name(d.verdict), "invalid");
    }
    /* the explain line never carries a control character to a terminal */
    sg_fwd_decision d = decide(w, "bob@x.example\r\nBcc: eve@evil.example");
    assert_string_equal(d.steps[0], "1. normalise: \"bob@x.example??Bcc: eve@evil.example\" is invalid: "
                                    "control characters are not allowed");
    assert_int_equal(d.nsteps, 1);
}

static void ip_literal_domains_are_external(void **state)
{
    world *w = *state;
    fx_accepted(w->p, "[192.0.2.1]", false); /* even if someone lists one */
    expect((sg_fwd_decision[]){decide(w, "bob@[192.0.2.1]")}, SG_FWD_BLOCK_BOUNCE, true, "bob@[192.0.2.1]",
           "[192.0.2.1]", "default", NULL);
    expect((sg_fwd_decision[]){decide(w, "bob@[IPv6:2001:DB8::1]")}, SG_FWD_BLOCK_BOUNCE, true,
           "bob@[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]", "default", NULL);
    /* a literal cannot hide in a local part: '[' is no atext */
    expect((sg_fwd_decision[]){decide(w, "bob%[192.0.2.7]@corp.example")}, SG_FWD_INVALID, false,
           "bob%[192.0.2.7]@corp.example", NULL, NULL, NULL);
    w->p->policies[0].mode = SG_MODE_ON;
    expect((sg_fwd_decision[]){decide(w, "bob@[192.0.2.1]")}, SG_FWD_ALLOW, true, "bob@[192.0.2.1]", "[192.0.2.1]",
           "default", "*");
    assert_false(sg_policy_is_internal_domain(w->p, "[192.0.2.1]"));
}

/* ---- step 2: loops and duplicates ---- */

static void redirected_from_owner_skips(void **state)
{
    world *w = *state;
    static const char *const from[] = {"carol@corp.example", " <alice@CORP.example> "};
    sg_fwd_request req = {.owner = OWNER, .target = "bob@corp.example", .redirected_from = from,
                          .nredirected_from = 2};
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_SKIP, false, "bob@corp.example", "corp.example", NULL, NULL);
    assert_string_equal(d.reason,
                        "the message was already forwarded by alice@corp.example (X-Sieve-Redirected-From)");
    assert_string_equal(sg_fwd_verdict_name(d.verdict), "skip");
    /* the local part is exact: Alice is not alice */
    static const char *const other[] = {"Alice@corp.example"};
    req.redirected_from = other;
    req.nredirected_from = 1;
    d = decide_req(w, &req);
    expect(&d, SG_FWD_ALLOW, false, "bob@corp.example", "corp.example", NULL, NULL);
}

static void max_forward_hops_reached_skips(void **state)
{
    world *w = *state;
    static const char *const from[] = {"a@x.example", "b@y.example", "c@z.example"};
    sg_fwd_request req = {.owner = OWNER, .target = "bob@gmail.example", .redirected_from = from,
                          .nredirected_from = 2};
    w->p->policies[0].mode = SG_MODE_ON;
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_ALLOW, true, "bob@gmail.example", "gmail.example", "default", "*");
    req.nredirected_from = 3;
    d = decide_req(w, &req);
    expect(&d, SG_FWD_SKIP, true, "bob@gmail.example", "gmail.example", NULL, NULL);
    assert_string_equal(d.reason, "the message was already forwarded 3 times (max_forward_hops = 3)");
    w->p->org.max_forward_hops = 4;
    d = decide_req(w, &req);
    assert_int_equal(d.verdict, SG_FWD_ALLOW);
}

static void target_equal_to_owner_skips(void **state)
{
    world *w = *state;
    sg_fwd_decision d = decide(w, "alice@CORP.Example");
    expect(&d, SG_FWD_SKIP, false, "alice@corp.example", "corp.example", NULL, NULL);
    assert_string_equal(d.reason, "the target is the owner's own address");
    d = decide(w, "\"alice\"@corp.example");
    assert_int_equal(d.verdict, SG_FWD_SKIP);
}

static void already_forwarded_skips(void **state)
{
    world *w = *state;
    sg_fwd_request req = {.owner = OWNER, .target = "bob@gmail.example", .already_forwarded = true};
    sg_fwd_decision d = decide_req(w, &req);
    expect(&d, SG_FWD_SKIP, true, "bob@gmail.example", "gmail.example", NULL, NULL);
    assert_string_equal(d.reason, "the message was already forwarded to this address within the last 12 hours");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup_off, teardown)
        T(internal_target_with_mode_off),
        T(external_with_mode_off),
        T(redirect_copy_external_with_mode_off),
        T(notify_external_with_mode_off),
        T(admin_forward_decided_like_a_redirect),
        T(external_with_mode_on),
        T(automatic_means_off),
        T(automatic_means_on_when_configured),
        T(no_policy_at_all_is_off),
        T(user_scoped_policy_on_over_default_off),
        T(excluded_user_falls_back_to_default),
        T(excluded_group_and_domain_remove_the_policy),
        T(priority_0_automatic_beats_priority_1_on),
        T(disabled_policy_is_skipped),
        T(include_users_and_groups_both_required),
        T(owner_view_of_groups_decides_alike),
        T(domain_scope_matches_subdomains_of_the_owner),
        T(remote_wildcard_covers_the_suffix_and_subdomains_only),
        T(remote_exact_beats_wildcard_and_longest_suffix_wins),
        T(remote_auto_forward_no_blocks_silently),
        T(accepted_domain_with_and_without_subdomains),
        T(remote_domain_marked_internal),
        T(mixed_case_and_idn_domains),
        T(quoted_local_part_with_internal_text),
        T(quoted_at_routes),
        T(percent_hack_and_bang_path),
        T(invalid_forms),
        T(ip_literal_domains_are_external),
        T(redirected_from_owner_skips),
        T(max_forward_hops_reached_skips),
        T(target_equal_to_owner_skips),
        T(already_forwarded_skips),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
