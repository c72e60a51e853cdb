/* test_list_store.c - engine/core/list_store.c: list-name syntax and the name to
 * file-name mapping (exact names, nothing escapes the directory), the
 * file-backed store on a real temporary directory (comments, blanks, CRLF,
 * comparators, missing/oversized/non-regular files), and the extlists
 * extension (RFC 6134) run through the interpreter against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/sg_test_util.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/list_store.h"
#include "engine/mail/message.h"

static const char *file_name(const char *name)
{
    static char out[300];
    if (!sg_list_file_name(name, strlen(name), out, sizeof out))
        return "(refused)";
    return out;
}

static void test_names(void **state)
{
    (void)state;
    assert_true(sg_list_name_valid(":addrbook:personal", 18));
    assert_true(sg_list_name_valid("tag:example.com,2011:friends", 28));
    assert_true(sg_list_name_valid("ldap://ldap.example.com/o=x?mail", 32));
    assert_false(sg_list_name_valid("", 0));
    assert_false(sg_list_name_valid(":", 1));
    assert_false(sg_list_name_valid("friends", 7));  /* no scheme */
    assert_false(sg_list_name_valid("tag:", 4));     /* nothing after the scheme */
    assert_false(sg_list_name_valid("1tag:x", 6));   /* a scheme starts with a letter */
    assert_false(sg_list_name_valid("ta g:x", 6));
    assert_false(sg_list_name_valid(":a\nb", 4));    /* control characters */
    assert_false(sg_list_name_valid(":a\0b", 4));

    assert_string_equal(file_name(":addrbook:personal"), ":addrbook:personal");
    assert_string_equal(file_name("tag:example.com,2011:friends"), "tag:example.com,2011:friends");
    assert_string_equal(file_name("urn:x/../../etc/passwd"), "urn:x%2F..%2F..%2Fetc%2Fpasswd");
    assert_string_equal(file_name(":../x"), ":..%2Fx");
    assert_string_equal(file_name("urn:a%2Fb c"), "urn:a%252Fb%20c"); /* '%' too: one name, one file */
    assert_string_equal(file_name(":\xc3\xa9"), ":%C3%A9");
    assert_string_equal(file_name("../etc/passwd"), "(refused)");
    assert_string_equal(file_name("."), "(refused)");
    /* NAME_MAX: 255 bytes at most once encoded */
    char lng[300];
    memset(lng, 'a', sizeof lng);
    memcpy(lng, "urn:", 4);
    lng[255] = '\0';
    assert_int_equal(strlen(file_name(lng)), 255);
    lng[255] = 'a';
    lng[256] = '\0';
    assert_string_equal(file_name(lng), "(refused)");
    char small[8];
    assert_false(sg_list_file_name(":addrbook:x", 11, small, sizeof small));
}

static char root[256];

static void write_file(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_lists(void)
{
    snprintf(root, sizeof root, "/tmp/sg-lists-XXXXXX");
    assert_non_null(mkdtemp(root));
    write_file(":addrbook:personal", "# my friends\n  alice@example.com\t\r\nBOB@Example.ORG\n\n#carol@example.com\n"
                                     "dave@example.net");
    write_file("tag:example.com,2011:team", "fwd1@example.com\nfwd2@partner.example\n");
    write_file(":empty", "# nobody\n");
    write_file(":bad", "not an address\n");
    write_file("urn:x%2Fy", "slash@example.com\n");
    char path[600];
    snprintf(path, sizeof path, "%s/:dir", root);
    assert_int_equal(mkdir(path, 0700), 0);
    /* a symlink is not followed */
    char target[600];
    snprintf(target, sizeof target, "%s/:addrbook:personal", root);
    snprintf(path, sizeof path, "%s/:link", root);
    assert_int_equal(symlink(target, path), 0);
    /* a file over SG_LIST_MAX_FILE_SIZE is not read */
    snprintf(path, sizeof path, "%s/:huge", root);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)SG_LIST_MAX_FILE_SIZE, SEEK_SET), 0);
    fputc('\n', f);
    fclose(f);
}

static void remove_lists(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static int lookup(const sg_list_store *s, const char *list, const char *value, int cmp)
{
    return s->lookup(s->ctx, list, value, strlen(value), cmp);
}

static void test_dir_store(void **state)
{
    (void)state;
    make_lists();
    sg_arena *a = sg_arena_new();
    sg_list_dir d;
    sg_list_dir_init(&d, root, a);
    sg_list_store s = sg_list_dir_store(&d);
    const char *p = ":addrbook:personal";
    assert_int_equal(lookup(&s, p, "alice@example.com", SG_CMP_ASCII_CASEMAP), 1); /* blanks and CR trimmed */
    assert_int_equal(lookup(&s, p, "bob@example.org", SG_CMP_ASCII_CASEMAP), 1);
    assert_int_equal(lookup(&s, p, "bob@example.org", SG_CMP_OCTET), 0);
    assert_int_equal(lookup(&s, p, "BOB@Example.ORG", SG_CMP_OCTET), 1);
    assert_int_equal(lookup(&s, p, "dave@example.net", SG_CMP_ASCII_CASEMAP), 1); /* no final newline */
    assert_int_equal(lookup(&s, p, "#carol@example.com", SG_CMP_ASCII_CASEMAP), 0); /* a comment */
    assert_int_equal(lookup(&s, p, "carol@example.com", SG_CMP_ASCII_CASEMAP), 0);
    assert_int_equal(lookup(&s, p, "", SG_CMP_ASCII_CASEMAP), 0); /* empty lines are no members */
    assert_int_equal(lookup(&s, p, "alice", SG_CMP_ASCII_CASEMAP), 0);
    assert_int_equal(lookup(&s, "urn:x/y", "slash@example.com", SG_CMP_ASCII_CASEMAP), 1);
    assert_int_equal(lookup(&s, ":missing", "x", SG_CMP_ASCII_CASEMAP), -1);
    assert_int_equal(lookup(&s, ":dir", "x", SG_CMP_ASCII_CASEMAP), -1);
    assert_int_equal(lookup(&s, ":link", "alice@example.com", SG_CMP_ASCII_CASEMAP), -1);
    assert_int_equal(lookup(&s, ":huge", "x", SG_CMP_ASCII_CASEMAP), -1);
    assert_int_equal(lookup(&s, "../etc/passwd", "root", SG_CMP_ASCII_CASEMAP), -1);
    assert_true(s.valid(s.ctx, p));
    assert_true(s.valid(s.ctx, ":empty"));
    assert_false(s.valid(s.ctx, ":missing"));
    assert_false(s.valid(s.ctx, "friends"));
    const char *const *m;
    size_t n;
    assert_true(s.members(s.ctx, "tag:example.com,2011:team", &m, &n));
    assert_int_equal(n, 2);
    assert_string_equal(m[0], "fwd1@example.com");
    assert_string_equal(m[1], "fwd2@partner.example");
    assert_true(s.members(s.ctx, ":empty", &m, &n));
    assert_int_equal(n, 0);
    assert_false(s.members(s.ctx, ":missing", &m, &n));
    /* read once per store: a change on disk is not seen within the run */
    write_file(":addrbook:personal", "zed@example.com\n");
    assert_int_equal(lookup(&s, p, "alice@example.com", SG_CMP_ASCII_CASEMAP), 1);
    /* no directory: no list exists */
    sg_list_dir none;
    sg_list_dir_init(&none, NULL, a);
    sg_list_store ns = sg_list_dir_store(&none);
    assert_int_equal(lookup(&ns, p, "alice@example.com", SG_CMP_ASCII_CASEMAP), -1);
    assert_false(ns.valid(ns.ctx, p));
    sg_arena_free(a);
    remove_lists();
}

/* The extension through the interpreter: "fileinto" actions by mailbox,
 * redirects by address, then "error CODE" when the run failed. */
static const char *plan_of(const char *src, const sg_list_store *store)
{
    static char plan[1024];
    sg_arena *a = sg_arena_new();
    sg_diags diags;
    sg_diags_init(&diags, 0);
    sg_registry *reg = sg_registry_new();
    sg_script *script = sg_parse("t.sieve", src, strlen(src), NULL, &diags);
    assert_true(sg_validate(reg, script, NULL, &diags));
    sg_diags_clear(&diags);
    static const char msg[] = "From: Bob <bob@example.org>\nTo: a@example.com, alice@example.com\n"
                              "Subject: alice@example.com\n\nbody\n";
    sg_message *m = sg_message_parse(msg, sizeof msg - 1, a);
    sg_envelope env = {"dave@example.net", "me@example.com", NULL, NULL};
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+", .lists = store};
    sg_result r;
    sg_result_init(&r, a, &opt.limits);
    bool ok = sg_interp_run(reg, script, m, &env, &opt, &r);
    size_t n = 0;
    plan[0] = '\0';
    for (size_t i = 0; i < r.count; i++)
        n += (size_t)snprintf(plan + n, sizeof plan - n, "%s%s ",
                              r.actions[i].kind == SG_ACT_REDIRECT ? r.actions[i].address : r.actions[i].mailbox,
                              r.actions[i].copy ? "+copy" : "");
    if (!ok)
        n += (size_t)snprintf(plan + n, sizeof plan - n, "error %s ", r.errors.count ? r.errors.items[0].code : "?");
    snprintf(plan + n, sizeof plan - n, "%s", r.implicit_keep ? "implicit-keep" : "");
    sg_result_free(&r);
    sg_script_free(script);
    sg_registry_free(reg);
    sg_arena_free(a);
    return plan;
}

static void test_interp(void **state)
{
    (void)state;
    make_lists();
    sg_arena *a = sg_arena_new();
    sg_list_dir d;
    sg_list_dir_init(&d, root, a);
    sg_list_store s = sg_list_dir_store(&d);
    const char *match = "require [\"extlists\", \"fileinto\", \"envelope\", \"variables\"];\n"
                        "if address :list \"from\" \":addrbook:personal\" { fileinto \"from\"; }\n"
                        "if address :list :localpart \"from\" \":addrbook:personal\" { fileinto \"local\"; }\n"
                        "if header :list \"subject\" \":addrbook:personal\" { fileinto \"subject\"; }\n"
                        "if header :list \"to\" \":addrbook:personal\" { fileinto \"rawto\"; }\n"
                        "if address :list \"to\" [\":empty\", \":addrbook:personal\"] { fileinto \"to\"; }\n"
                        "if envelope :list \"from\" \":addrbook:personal\" { fileinto \"env\"; }\n"
                        "if envelope :list \"to\" \":addrbook:personal\" { fileinto \"envto\"; }\n"
                        "if string :list \"BOB@EXAMPLE.ORG\" \":addrbook:personal\" { fileinto \"casemap\"; }\n"
                        "if string :list :comparator \"i;octet\" \"BOB@EXAMPLE.ORG\" \":addrbook:personal\""
                        " { fileinto \"octet\"; }\n"
                        "set \"l\" \":addrbook\";\n"
                        "if string :list \"alice@example.com\" \"${l}:personal\" { fileinto \"var\"; }\n"
                        "if address :list \"cc\" \":missing\" { fileinto \"nocc\"; }\n";
    assert_string_equal(plan_of(match, &s), "from subject to env casemap var ");
    /* valid_ext_list: all must exist */
    const char *valid = "require [\"extlists\", \"fileinto\"];\n"
                        "if valid_ext_list \":addrbook:personal\" { fileinto \"a\"; }\n"
                        "if valid_ext_list [\":addrbook:personal\", \":empty\"] { fileinto \"b\"; }\n"
                        "if valid_ext_list [\":addrbook:personal\", \":missing\"] { fileinto \"c\"; }\n"
                        "if not valid_ext_list \":link\" { fileinto \"d\"; }\n";
    assert_string_equal(plan_of(valid, &s), "a b d ");
    assert_string_equal(plan_of(valid, NULL), "d ");
    /* a missing list in :list is a runtime error (implicit keep), once */
    assert_string_equal(plan_of("require [\"extlists\", \"fileinto\"];\nfileinto \"x\";\n"
                                "if address :list \"to\" \":missing\" { discard; }\n",
                                &s),
                        "error unknown-list implicit-keep");
    assert_string_equal(plan_of("require [\"extlists\", \"fileinto\"];\n"
                                "if header :list \"from\" \":addrbook:personal\" { discard; }\n",
                                NULL),
                        "error unknown-list implicit-keep");
    /* a name from a variable that is no list name: the same runtime error */
    assert_string_equal(plan_of("require [\"extlists\", \"variables\"];\nset \"l\" \"friends\";\n"
                                "if header :list \"from\" \"${l}\" { discard; }\n",
                                &s),
                        "error unknown-list implicit-keep");
    /* redirect :list: one redirect per member, :copy on each */
    assert_string_equal(plan_of("require \"extlists\";\nredirect :list \"tag:example.com,2011:team\";\n", &s),
                        "fwd1@example.com fwd2@partner.example ");
    assert_string_equal(plan_of("require [\"extlists\", \"copy\"];\n"
                                "redirect :copy :list \"tag:example.com,2011:team\";\n",
                                &s),
                        "fwd1@example.com+copy fwd2@partner.example+copy implicit-keep");
    assert_string_equal(plan_of("require \"extlists\";\nredirect :list \":empty\";\n", &s), "implicit-keep");
    assert_string_equal(plan_of("require \"extlists\";\nredirect :list \":missing\";\n", &s),
                        "error unknown-list implicit-keep");
    assert_string_equal(plan_of("require \"extlists\";\nredirect :list \":bad\";\n", &s),
                        "error invalid-address implicit-keep");
    /* max_redirects (4) counts every member */
    write_file(":many", "a@example.com\nb@example.com\nc@example.com\nd@example.com\ne@example.com\n");
    sg_list_dir d2;
    sg_list_dir_init(&d2, root, a);
    sg_list_store s2 = sg_list_dir_store(&d2);
    assert_string_equal(plan_of("require \"extlists\";\nredirect :list \":many\";\n", &s2),
                        "error limit-redirects implicit-keep");
    sg_arena_free(a);
    remove_lists();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_dir_store),
        cmocka_unit_test(test_interp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
