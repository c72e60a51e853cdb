/* test_policy_store.c - cmocka tests of the SQLite policy store
 * (store/policy_store.h; docs/policy.md, "Entities").
 *
 * Takes: a fresh temporary directory per test. Asserts: creation on the
 * first write, every write and its generation bump, read-only opens of a
 * missing file (the default policy), corrupt and foreign files (unavailable),
 * refused inputs (nothing written), and that a reader in another connection
 * sees the old or the new policy, never half a change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/policy_store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    char uri[160];
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_policy_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/p.db", f->dir);
    snprintf(f->uri, sizeof f->uri, "sqlite:%s", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static sg_policy_store *open_store(fixture *f, bool writable)
{
    sg_policy_store *s = NULL;
    sg_store_status st = sg_policy_store_open(f->uri, writable, &s, f->err, sizeof f->err);
    if (st != SG_STORE_OK)
        print_error("open: %s\n", f->err);
    assert_int_equal(st, SG_STORE_OK);
    return s;
}

static uint64_t generation_of(fixture *f)
{
    sg_policy_store *s = open_store(f, false);
    uint64_t g = 99999;
    assert_int_equal(sg_policy_store_generation(s, &g, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    return g;
}

static sg_policy *load(fixture *f)
{
    sg_policy_store *s = open_store(f, false);
    sg_policy *p = NULL;
    sg_store_status st = sg_policy_store_load(s, &p, f->err, sizeof f->err);
    if (st != SG_STORE_OK)
        print_error("load: %s\n", f->err);
    assert_int_equal(st, SG_STORE_OK);
    sg_policy_store_close(s);
    return p;
}

static void assert_default_policy(const sg_policy *p)
{
    assert_int_equal(p->generation, 0);
    assert_int_equal(p->npolicies, 1);
    assert_string_equal(p->policies[0].name, "default");
    assert_true(p->policies[0].is_default);
    assert_true(p->policies[0].enabled);
    assert_int_equal(p->policies[0].priority, -1);
    assert_int_equal(p->policies[0].mode, SG_MODE_AUTOMATIC);
    assert_int_equal(p->nremote, 1);
    assert_string_equal(p->remote[0].pattern, "*");
    assert_true(p->remote[0].auto_forward && p->remote[0].auto_reply && p->remote[0].ndr);
    assert_false(p->remote[0].is_internal);
    assert_int_equal(p->naccepted, 0);
    assert_int_equal(p->ngroups, 0);
    assert_int_equal(p->org.automatic_means, SG_MODE_OFF);
    assert_true(p->org.bounce_internal_senders);
    assert_int_equal(p->org.bounce_rate_period, 86400);
    assert_int_equal(p->org.max_forward_hops, 3);
}

/* ---- helpers for the raw SQLite side ---- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_error("sql: %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static void raw_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

/* ---- tests ---- */

static void test_missing_file_reads_as_default(void **state)
{
    fixture *f = *state;
    sg_policy *p = load(f);
    assert_default_policy(p);
    sg_policy_free(p);
    assert_int_equal(generation_of(f), 0);
    assert_false(exists(f->path)); /* reading never creates */

    /* A writable open creates nothing until the first write either. */
    sg_policy_store *s = open_store(f, true);
    assert_int_equal(sg_policy_store_load(s, &p, f->err, sizeof f->err), SG_STORE_OK);
    assert_default_policy(p);
    sg_policy_free(p);
    sg_policy_store_close(s);
    assert_false(exists(f->path));
}

static void test_unsupported_uri(void **state)
{
    fixture *f = *state;
    static const char *const uris[] = {"mysql://localhost/policy", "sqlite:", "/var/lib/p.db", "", NULL};
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        sg_policy_store *s = (sg_policy_store *)1;
        assert_int_equal(sg_policy_store_open(uris[i], false, &s, f->err, sizeof f->err), SG_STORE_INVALID);
        assert_null(s);
        assert_non_null(strstr(f->err, "expected sqlite:/path"));
    }
}

static void test_created_on_first_write(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    assert_true(exists(f->path));

    sqlite3 *db = raw_open(f->path);
    char v[256];
    raw_text(db, "PRAGMA user_version", v, sizeof v);
    assert_string_equal(v, "2");
    raw_text(db, "PRAGMA journal_mode", v, sizeof v);
    assert_string_equal(v, "delete");
    raw_text(db, "SELECT value FROM meta WHERE key = 'schema_version'", v, sizeof v);
    assert_string_equal(v, "2");
    raw_text(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                 "ORDER BY name)",
             v, sizeof v);
    sqlite3_close(db);
    assert_string_equal(v, "accepted_domains,admin_forwards,group_members,meta,org_settings,outbound_policies,"
                           "policy_scope,remote_domains,user_groups");

    sg_policy *p = load(f);
    assert_int_equal(p->generation, 1);
    assert_int_equal(p->policies[0].mode, SG_MODE_ON);
    sg_policy_free(p);
}

static void test_parent_directory_missing(void **state)
{
    fixture *f = *state;
    snprintf(f->uri, sizeof f->uri, "sqlite:%s/no/such/dir/p.db", f->dir);
    sg_policy_store *s = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    assert_non_null(strstr(f->err, "cannot create policy store"));
    assert_non_null(strstr(f->err, "No such file or directory"));
    sg_policy_store_close(s);
}

/* Every write: its effect, and the generation one higher. */
static void test_every_write_bumps_generation(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    char *e = f->err;
    size_t el = sizeof f->err;
    uint64_t g = 0;

    const char *members[] = {"Carol@Example.COM", "dave@example.com", "carol@example.com"};
    sg_strlist ml = {members, 3};
    assert_int_equal(sg_policy_store_put_group(s, "Sales", &ml, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    const char *users[] = {"Alice@Example.com"};
    const char *groups[] = {"SALES"};
    const char *domains[] = {"Sub.Example.com"};
    const char *xusers[] = {"boss@example.com"};
    sg_outbound_policy op = {.name = "Sales-Fwd", .enabled = true, .priority = 2, .mode = SG_MODE_ON,
                             .users = {users, 1}, .groups = {groups, 1}, .domains = {domains, 1},
                             .exclude_users = {xusers, 1}};
    assert_int_equal(sg_policy_store_put_policy(s, &op, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    sg_outbound_policy op2 = {.name = "legacy", .enabled = false, .priority = 0, .mode = SG_MODE_OFF};
    assert_int_equal(sg_policy_store_put_policy(s, &op2, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_OFF, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    assert_int_equal(sg_policy_store_add_accepted_domain(s, "Example.COM", false, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    assert_int_equal(sg_policy_store_add_accepted_domain(s, "bücher.example", true, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    sg_remote_domain rd;
    sg_remote_domain_default(&rd, "*.Gmail.com");
    rd.auto_forward = false;
    assert_int_equal(sg_policy_store_put_remote_domain(s, &rd, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    sg_remote_domain_default(&rd, "partner.example");
    rd.is_internal = true;
    rd.ndr = false;
    assert_int_equal(sg_policy_store_put_remote_domain(s, &rd, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    sg_org_settings org;
    sg_org_settings_default(&org);
    org.automatic_means = SG_MODE_ON;
    org.max_forward_hops = 5;
    org.bounce_internal_senders = false;
    org.bounce_rate_period = 3600;
    assert_int_equal(sg_policy_store_put_org(s, &org, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    sg_policy *p = load(f);
    assert_int_equal(p->generation, g);
    assert_int_equal(p->org.automatic_means, SG_MODE_ON);
    assert_int_equal(p->org.max_forward_hops, 5);
    assert_false(p->org.bounce_internal_senders);
    assert_int_equal(p->org.bounce_rate_period, 3600);
    assert_int_equal(p->naccepted, 2);
    assert_string_equal(p->accepted[0].name, "example.com");
    assert_false(p->accepted[0].match_subdomains);
    assert_string_equal(p->accepted[1].name, "xn--bcher-kva.example");
    assert_true(p->accepted[1].match_subdomains);
    /* the default first, then by priority */
    assert_int_equal(p->npolicies, 3);
    assert_string_equal(p->policies[0].name, "default");
    assert_int_equal(p->policies[0].mode, SG_MODE_OFF);
    assert_string_equal(p->policies[1].name, "legacy");
    assert_false(p->policies[1].enabled);
    const sg_outbound_policy *sp = &p->policies[2];
    assert_string_equal(sp->name, "Sales-Fwd");
    assert_int_equal(sp->priority, 2);
    assert_int_equal(sp->mode, SG_MODE_ON);
    assert_int_equal(sp->users.count, 1);
    assert_string_equal(sp->users.items[0], "alice@example.com");
    assert_string_equal(sp->groups.items[0], "sales");
    assert_string_equal(sp->domains.items[0], "sub.example.com");
    assert_string_equal(sp->exclude_users.items[0], "boss@example.com");
    assert_int_equal(sp->exclude_groups.count + sp->exclude_domains.count, 0);
    assert_int_equal(p->nremote, 3);
    assert_string_equal(p->remote[0].pattern, "*");
    assert_string_equal(p->remote[1].pattern, "*.gmail.com");
    assert_false(p->remote[1].auto_forward);
    assert_string_equal(p->remote[2].pattern, "partner.example");
    assert_true(p->remote[2].is_internal);
    assert_false(p->remote[2].ndr);
    assert_int_equal(p->ngroups, 1);
    assert_string_equal(p->groups[0].name, "sales");
    assert_int_equal(p->groups[0].members.count, 2); /* lower-cased, the duplicate dropped */
    assert_string_equal(p->groups[0].members.items[0], "carol@example.com");
    assert_string_equal(p->groups[0].members.items[1], "dave@example.com");
    sg_policy_free(p);

    /* Replacing a policy keeps its name's slot and may keep its own priority. */
    op.mode = SG_MODE_OFF;
    op.users.count = 0;
    assert_int_equal(sg_policy_store_put_policy(s, &op, e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);

    /* The removes. */
    assert_int_equal(sg_policy_store_remove_policy(s, "sales-fwd", e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    assert_int_equal(sg_policy_store_remove_group(s, "sales", e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    assert_int_equal(sg_policy_store_remove_accepted_domain(s, "BÜCHER.example", e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    assert_int_equal(sg_policy_store_remove_remote_domain(s, "*.gmail.COM", e, el), SG_STORE_OK);
    assert_int_equal(generation_of(f), ++g);
    sg_policy_store_close(s);

    p = load(f);
    assert_int_equal(p->npolicies, 2);
    assert_int_equal(p->naccepted, 1);
    assert_int_equal(p->nremote, 2);
    assert_int_equal(p->ngroups, 0);
    sg_policy_free(p);
}

/* Refused writes: SG_STORE_INVALID with a reason, and nothing written. */
static void test_refused_inputs(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    char *e = f->err;
    size_t el = sizeof f->err;
    sg_outbound_policy base = {.name = "p0", .enabled = true, .priority = 0, .mode = SG_MODE_ON};
    assert_int_equal(sg_policy_store_put_policy(s, &base, e, el), SG_STORE_OK);
    uint64_t g = generation_of(f);

    struct {
        const char *name;
        sg_outbound_policy op;
        const char *why;
    } bad_policies[] = {
        {"duplicate priority", {.name = "p1", .priority = 0, .mode = SG_MODE_ON}, "priority 0 is already held by"},
        {"negative priority", {.name = "p1", .priority = -1, .mode = SG_MODE_ON}, "invalid priority -1"},
        {"named default", {.name = "Default", .priority = 3, .mode = SG_MODE_ON}, "default policy cannot"},
        {"is_default", {.name = "x", .is_default = true, .priority = 3, .mode = SG_MODE_ON}, "default policy"},
        {"bad name", {.name = "a b", .priority = 3, .mode = SG_MODE_ON}, "invalid policy name"},
        {"empty name", {.name = "", .priority = 3, .mode = SG_MODE_ON}, "invalid policy name"},
        {"bad mode", {.name = "p1", .priority = 3, .mode = (sg_fwd_mode)7}, "invalid mode"},
        {"bad user", {.name = "p1", .priority = 3, .mode = SG_MODE_ON, .users = {(const char *[]){"nobody"}, 1}},
         "invalid address \"nobody\""},
        {"bad domain",
         {.name = "p1", .priority = 3, .mode = SG_MODE_ON, .exclude_domains = {(const char *[]){"a..b"}, 1}},
         "invalid domain \"a..b\""},
        {"unknown group", {.name = "p1", .priority = 3, .mode = SG_MODE_ON, .groups = {(const char *[]){"ops"}, 1}},
         "group \"ops\" does not exist"},
    };
    for (size_t i = 0; i < sizeof bad_policies / sizeof bad_policies[0]; i++) {
        e[0] = '\0';
        sg_store_status st = sg_policy_store_put_policy(s, &bad_policies[i].op, e, el);
        if (st != SG_STORE_INVALID || !strstr(e, bad_policies[i].why))
            fail_msg("%s: status %d, \"%s\"", bad_policies[i].name, (int)st, e);
    }

    static const char *const bad_domains[] = {"", "a..b", "-a.org", "a_b.org", "x.org.", "1.2.3.4", "a b.org",
                                              "xn--zz.org", "*.example.org"};
    for (size_t i = 0; i < sizeof bad_domains / sizeof bad_domains[0]; i++) {
        if (sg_policy_store_add_accepted_domain(s, bad_domains[i], false, e, el) != SG_STORE_INVALID)
            fail_msg("accepted domain \"%s\" was not refused", bad_domains[i]);
        assert_non_null(strstr(e, "invalid domain"));
    }
    static const char *const bad_patterns[] = {"**", "*example.org", "a.*.org", "*.", "*.*.org", "example.*", ""};
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        sg_remote_domain rd;
        sg_remote_domain_default(&rd, bad_patterns[i]);
        if (sg_policy_store_put_remote_domain(s, &rd, e, el) != SG_STORE_INVALID)
            fail_msg("pattern \"%s\" was not refused", bad_patterns[i]);
    }
    assert_int_equal(sg_policy_store_remove_policy(s, "default", e, el), SG_STORE_INVALID);
    assert_string_equal(e, "the default policy cannot be removed");
    assert_int_equal(sg_policy_store_remove_policy(s, "DEFAULT", e, el), SG_STORE_INVALID);
    assert_int_equal(sg_policy_store_remove_remote_domain(s, "*", e, el), SG_STORE_INVALID);
    assert_int_equal(sg_policy_store_set_default_mode(s, (sg_fwd_mode)9, e, el), SG_STORE_INVALID);

    const char *bad_members[] = {"ok@example.com", "<x@example.com>"};
    sg_strlist ml = {bad_members, 2};
    assert_int_equal(sg_policy_store_put_group(s, "team", &ml, e, el), SG_STORE_INVALID);
    assert_int_equal(sg_policy_store_put_group(s, "a,b", &ml, e, el), SG_STORE_INVALID);

    sg_org_settings org;
    sg_org_settings_default(&org);
    org.automatic_means = SG_MODE_AUTOMATIC;
    assert_int_equal(sg_policy_store_put_org(s, &org, e, el), SG_STORE_INVALID);
    sg_org_settings_default(&org);
    org.max_forward_hops = 0;
    assert_int_equal(sg_policy_store_put_org(s, &org, e, el), SG_STORE_INVALID);
    sg_org_settings_default(&org);
    org.bounce_rate_period = 400UL * 86400UL;
    assert_int_equal(sg_policy_store_put_org(s, &org, e, el), SG_STORE_INVALID);

    /* A group still used by a policy cannot go. */
    const char *m[] = {"x@example.com"};
    sg_strlist one = {m, 1};
    assert_int_equal(sg_policy_store_put_group(s, "team", &one, e, el), SG_STORE_OK);
    sg_outbound_policy uses = {.name = "t", .enabled = true, .priority = 5, .mode = SG_MODE_ON,
                               .exclude_groups = {(const char *[]){"team"}, 1}};
    assert_int_equal(sg_policy_store_put_policy(s, &uses, e, el), SG_STORE_OK);
    g += 2;
    assert_int_equal(sg_policy_store_remove_group(s, "team", e, el), SG_STORE_INVALID);
    assert_string_equal(e, "group \"team\" is used by policy \"t\"; change that policy first");
    sg_policy_store_close(s);

    assert_int_equal(generation_of(f), g); /* none of the refused writes bumped it */
    sg_policy *p = load(f);
    assert_int_equal(p->npolicies, 3);
    assert_int_equal(p->naccepted, 0);
    assert_int_equal(p->nremote, 1);
    assert_int_equal(p->ngroups, 1);
    sg_policy_free(p);
}

static void test_removes_of_nothing(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    char *e = f->err;
    size_t el = sizeof f->err;
    /* On a store that does not exist yet: not found, and nothing created. */
    assert_int_equal(sg_policy_store_remove_policy(s, "nope", e, el), SG_STORE_NOT_FOUND);
    assert_string_equal(e, "no policy \"nope\"");
    assert_false(exists(f->path));

    assert_int_equal(sg_policy_store_add_accepted_domain(s, "example.com", false, e, el), SG_STORE_OK);
    assert_int_equal(sg_policy_store_remove_policy(s, "nope", e, el), SG_STORE_NOT_FOUND);
    assert_int_equal(sg_policy_store_remove_accepted_domain(s, "Example.ORG", e, el), SG_STORE_NOT_FOUND);
    assert_string_equal(e, "no accepted domain \"example.org\"");
    assert_int_equal(sg_policy_store_remove_remote_domain(s, "*.example.org", e, el), SG_STORE_NOT_FOUND);
    assert_int_equal(sg_policy_store_remove_group(s, "nope", e, el), SG_STORE_NOT_FOUND);
    sg_policy_store_close(s);
    assert_int_equal(generation_of(f), 1);
}

static void test_normalisation(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    char err[256];
    const char *out;
    static const struct {
        const char *in, *out;
    } domains[] = {
        {"Example.ORG", "example.org"},
        {"bücher.example", "xn--bcher-kva.example"},
        {"BÜCHER.Example", "xn--bcher-kva.example"},
        {"xn--Bcher-kva.example", "xn--bcher-kva.example"},
        {"ß.de", "xn--zca.de"},
    };
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        assert_true(sg_policy_normalize_domain(domains[i].in, a, &out, err, sizeof err));
        assert_string_equal(out, domains[i].out);
    }
    assert_true(sg_policy_normalize_pattern("*", a, &out, err, sizeof err));
    assert_string_equal(out, "*");
    assert_true(sg_policy_normalize_pattern("*.Bücher.example", a, &out, err, sizeof err));
    assert_string_equal(out, "*.xn--bcher-kva.example");
    assert_true(sg_policy_normalize_address("Jörg.Smith@Bücher.Example", a, &out, err, sizeof err));
    assert_string_equal(out, "jörg.smith@xn--bcher-kva.example");
    assert_false(sg_policy_normalize_address("a@b@", a, &out, err, sizeof err));
    assert_false(sg_policy_normalize_address("@example.org", a, &out, err, sizeof err));
    assert_false(sg_policy_normalize_address("a..b@example.org", a, &out, err, sizeof err));
    assert_false(sg_policy_normalize_address("a\nb@example.org", a, &out, err, sizeof err));
    assert_string_equal(err, "invalid address \"a?b@example.org\" (expected local@domain)");
    sg_arena_free(a);
}

static void test_corrupt_file_is_unavailable(void **state)
{
    fixture *f = *state;
    static const char garbage[] = "this is not an SQLite database, just some garbage bytes \x01\x02\x03\xff\xfe"
                                  "................................................................................";
    write_file(f->path, garbage, sizeof garbage - 1);
    sg_policy_store *s = NULL;
    sg_store_status st = sg_policy_store_open(f->uri, false, &s, f->err, sizeof f->err);
    assert_int_equal(st, SG_STORE_UNAVAILABLE);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "policy store %s is unreadable: file is not a database", f->path);
    assert_string_equal(f->err, want);
    /* Writers too; and the garbage is left as it was. */
    assert_int_equal(sg_policy_store_open(f->uri, true, &s, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_size, sizeof garbage - 1);
}

static void test_foreign_or_newer_database_is_unavailable(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "CREATE TABLE mail (id INTEGER)");
    sqlite3_close(db);
    sg_policy_store *s = NULL;
    assert_int_equal(sg_policy_store_open(f->uri, true, &s, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    assert_non_null(strstr(f->err, "is not a sievegate policy store"));
    assert_int_equal(sg_policy_store_open(f->uri, false, &s, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    unlink(f->path);

    s = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    db = raw_open(f->path);
    raw_exec(db, "PRAGMA user_version = 7");
    sqlite3_close(db);
    assert_int_equal(sg_policy_store_open(f->uri, false, &s, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    assert_non_null(strstr(f->err, "schema version 7, newer than this sievegate knows (2)"));
}

static void test_empty_file_reads_as_default(void **state)
{
    fixture *f = *state;
    write_file(f->path, "", 0); /* what a creator leaves before its first commit */
    sg_policy *p = load(f);
    assert_default_policy(p);
    sg_policy_free(p);
    assert_int_equal(generation_of(f), 0);
}

static void test_read_only_handle_refuses_writes(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, false);
    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    assert_non_null(strstr(f->err, "read-only"));
    sg_policy_store_close(s);
    assert_false(exists(f->path));
}

/* A second connection in the middle of a write transaction sees the old
 * policy; after the commit, the new one; after a rollback, the old one. */
static void test_reader_never_sees_half_a_change(void **state)
{
    fixture *f = *state;
    sg_policy_store *w = open_store(f, true);
    assert_int_equal(sg_policy_store_add_accepted_domain(w, "example.com", false, f->err, sizeof f->err),
                     SG_STORE_OK);
    sg_policy_store_close(w);
    sg_policy_store *r = open_store(f, false);

    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "BEGIN IMMEDIATE");
    raw_exec(db, "INSERT INTO outbound_policies VALUES ('half', 0, 1, 4, 'on')");
    raw_exec(db, "INSERT INTO policy_scope VALUES ('half', 'users', 0, 'a@example.com')");
    raw_exec(db, "UPDATE meta SET value = value + 1 WHERE key = 'generation'");

    sg_policy *p = NULL;
    assert_int_equal(sg_policy_store_load(r, &p, f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(p->generation, 1);
    assert_int_equal(p->npolicies, 1);
    sg_policy_free(p);

    raw_exec(db, "COMMIT");
    assert_int_equal(sg_policy_store_load(r, &p, f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(p->generation, 2);
    assert_int_equal(p->npolicies, 2);
    assert_int_equal(p->policies[1].users.count, 1);
    sg_policy_free(p);

    raw_exec(db, "BEGIN IMMEDIATE");
    raw_exec(db, "DELETE FROM policy_scope");
    raw_exec(db, "UPDATE meta SET value = value + 1 WHERE key = 'generation'");
    raw_exec(db, "ROLLBACK");
    assert_int_equal(sg_policy_store_load(r, &p, f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(p->generation, 2);
    assert_int_equal(p->policies[1].users.count, 1);
    sg_policy_free(p);
    sqlite3_close(db);
    sg_policy_store_close(r);
}

#define WRITES 40

/* Write k sets policy "p" to priority k with k + 1 users, and is the store's
 * (k + 2)-th write; so every consistent snapshot has
 * generation == priority + 2 == users + 1. */
static void writer_process(const char *uri)
{
    sg_policy_store *s = NULL;
    char err[512];
    if (sg_policy_store_open(uri, true, &s, err, sizeof err) != SG_STORE_OK)
        _exit(2);
    const char *users[WRITES + 1];
    char names[WRITES + 1][32];
    for (int i = 0; i <= WRITES; i++) {
        snprintf(names[i], sizeof names[i], "u%d@example.com", i);
        users[i] = names[i];
    }
    for (int k = 0; k < WRITES; k++) {
        sg_outbound_policy op = {.name = "p", .enabled = true, .priority = k, .mode = SG_MODE_ON,
                                 .users = {users, (size_t)k + 1}};
        if (sg_policy_store_put_policy(s, &op, err, sizeof err) != SG_STORE_OK)
            _exit(3);
    }
    sg_policy_store_close(s);
    _exit(0);
}

static void test_concurrent_reader_and_writer(void **state)
{
    fixture *f = *state;
    sg_policy_store *w = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(w, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(w);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        writer_process(f->uri);

    sg_policy_store *r = open_store(f, false);
    int status = 0, loads = 0, bad = 0;
    time_t deadline = time(NULL) + 60;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        sg_policy *p = NULL;
        if (sg_policy_store_load(r, &p, f->err, sizeof f->err) != SG_STORE_OK) {
            print_error("load: %s\n", f->err);
            bad++;
        } else {
            loads++;
            if (p->npolicies == 2) {
                const sg_outbound_policy *op = &p->policies[1];
                if (p->generation != (uint64_t)op->priority + 2 || op->users.count != (size_t)op->priority + 1)
                    bad++;
            } else if (p->generation != 1) {
                bad++;
            }
            sg_policy_free(p);
        }
        if (done == pid || time(NULL) > deadline)
            break;
    }
    sg_policy_store_close(r);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(bad, 0);
    assert_true(loads > 0);
    assert_int_equal(generation_of(f), WRITES + 1);
}

/* Another process holds the write lock past the busy timeout: unavailable, "locked". */
static void test_locked_store_is_unavailable(void **state)
{
    fixture *f = *state;
    sg_policy_store *w = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(w, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_OK);
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "BEGIN IMMEDIATE");
    assert_int_equal(sg_policy_store_set_default_mode(w, SG_MODE_OFF, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    char want[256];
    snprintf(want, sizeof want, "policy store %s is locked by another process (waited 5 s)", f->path);
    assert_string_equal(f->err, want);
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);
    sg_policy_store_close(w);
    sg_policy *p = load(f);
    assert_int_equal(p->policies[0].mode, SG_MODE_ON);
    assert_int_equal(p->generation, 1);
    sg_policy_free(p);
}

static void test_mode_names(void **state)
{
    (void)state;
    sg_fwd_mode m;
    assert_true(sg_fwd_mode_parse("automatic", &m) && m == SG_MODE_AUTOMATIC);
    assert_true(sg_fwd_mode_parse("on", &m) && m == SG_MODE_ON);
    assert_true(sg_fwd_mode_parse("off", &m) && m == SG_MODE_OFF);
    assert_false(sg_fwd_mode_parse("On", &m));
    assert_false(sg_fwd_mode_parse(NULL, &m));
    assert_string_equal(sg_fwd_mode_name(SG_MODE_AUTOMATIC), "automatic");
    assert_string_equal(sg_fwd_mode_name(SG_MODE_ON), "on");
    assert_string_equal(sg_fwd_mode_name(SG_MODE_OFF), "off");
    sg_policy *p = sg_policy_new_default();
    assert_default_policy(p);
    sg_policy_free(p);
    sg_policy_free(NULL);
}

/* Admin mailbox forwards (`sievegate forward`): set, replace, remove, each a
 * write that bumps the generation; both addresses normalised. */
static void test_admin_forwards(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    sg_admin_forward fwd = {"Alice@EXAMPLE.com", "Bob@Example.ORG", false};
    assert_int_equal(sg_policy_store_put_forward(s, &fwd, f->err, sizeof f->err), SG_STORE_OK);
    sg_admin_forward carol = {"carol@example.com", "dave@example.com", true};
    assert_int_equal(sg_policy_store_put_forward(s, &carol, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    sg_policy *p = load(f);
    assert_int_equal(p->generation, 2);
    assert_int_equal(p->nforwards, 2);
    assert_string_equal(p->forwards[0].user, "alice@example.com");
    assert_string_equal(p->forwards[0].address, "bob@example.org");
    assert_false(p->forwards[0].keep_copy);
    assert_string_equal(p->forwards[1].user, "carol@example.com");
    assert_string_equal(p->forwards[1].address, "dave@example.com");
    assert_true(p->forwards[1].keep_copy);
    assert_ptr_equal(sg_policy_admin_forward(p, "ALICE@example.com"), &p->forwards[0]);
    assert_null(sg_policy_admin_forward(p, "bob@example.org"));
    sg_policy_free(p);

    s = open_store(f, true);
    sg_admin_forward again = {"alice@example.com", "erin@example.net", true}; /* replaces */
    assert_int_equal(sg_policy_store_put_forward(s, &again, f->err, sizeof f->err), SG_STORE_OK);
    sg_admin_forward self = {"alice@example.com", "ALICE@example.com", false};
    assert_int_equal(sg_policy_store_put_forward(s, &self, f->err, sizeof f->err), SG_STORE_INVALID);
    assert_string_equal(f->err, "alice@example.com cannot be forwarded to itself");
    sg_admin_forward bad = {"alice@example.com", "nobody", false};
    assert_int_equal(sg_policy_store_put_forward(s, &bad, f->err, sizeof f->err), SG_STORE_INVALID);
    assert_int_equal(sg_policy_store_remove_forward(s, "Carol@Example.com", f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(sg_policy_store_remove_forward(s, "carol@example.com", f->err, sizeof f->err),
                     SG_STORE_NOT_FOUND);
    assert_string_equal(f->err, "no forward for \"carol@example.com\"");
    sg_policy_store_close(s);
    p = load(f);
    assert_int_equal(p->generation, 4); /* refused writes bumped nothing */
    assert_int_equal(p->nforwards, 1);
    assert_string_equal(p->forwards[0].user, "alice@example.com");
    assert_string_equal(p->forwards[0].address, "erin@example.net");
    assert_true(p->forwards[0].keep_copy);
    sg_policy_free(p);
}

/* A store of schema version 1 (before admin forwards) is refused to readers
 * with what to do, and upgraded by the next write. */
static void test_version_1_store_is_upgraded(void **state)
{
    fixture *f = *state;
    sg_policy_store *s = open_store(f, true);
    assert_int_equal(sg_policy_store_set_default_mode(s, SG_MODE_ON, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "DROP TABLE admin_forwards; UPDATE meta SET value = 1 WHERE key = 'schema_version';"
                 "PRAGMA user_version = 1");
    sqlite3_close(db);
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_store_open(f->uri, false, &s, f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(sg_policy_store_load(s, &p, f->err, sizeof f->err), SG_STORE_UNAVAILABLE);
    assert_non_null(strstr(f->err, "has schema version 1; run a `sievegate policy` write"));
    sg_policy_store_close(s);

    s = open_store(f, true);
    sg_admin_forward fwd = {"alice@example.com", "bob@example.org", false};
    assert_int_equal(sg_policy_store_put_forward(s, &fwd, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    p = load(f);
    assert_int_equal(p->generation, 2);
    assert_int_equal(p->policies[0].mode, SG_MODE_ON);
    assert_int_equal(p->nforwards, 1);
    sg_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test_setup_teardown(test_missing_file_reads_as_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_on_first_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parent_directory_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_write_bumps_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removes_of_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_file_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_or_newer_database_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_reads_as_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_handle_refuses_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_never_sees_half_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_reader_and_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_store_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_forwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_1_store_is_upgraded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
