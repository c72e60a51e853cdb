/* test_mailbox_store.c - engine/core/mailbox_store.c: the mailbox_special_use
 * syntax (good and malformed, exact errors), the fixed-list store and the
 * Maildir store on a real temporary directory, and the mailbox/special-use
 * tests run through the interpreter against a list store. */
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
#include "engine/core/interp.h"
#include "engine/core/mailbox_store.h"
#include "engine/deliver/maildir.h"
#include "engine/mail/message.h"

static void test_special_use_syntax(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    sg_special_use *u;
    size_t n;
    char err[256] = "";
    assert_true(sg_special_use_parse(" Spam : \\Junk ;Sent:\\Sent;; Old:Stuff:\\Archive \\Flagged ", a, &u, &n, err,
                                     sizeof err));
    assert_int_equal(n, 3);
    assert_string_equal(u[0].mailbox, "Spam");
    assert_string_equal(u[0].uses, "\\Junk");
    assert_string_equal(u[2].mailbox, "Old:Stuff"); /* the last ':' splits */
    assert_string_equal(u[2].uses, "\\Archive \\Flagged");
    assert_true(sg_special_use_parse(NULL, a, &u, &n, err, sizeof err));
    assert_int_equal(n, 0);

    static const struct {
        const char *text, *err;
    } bad[] = {
        {"Spam", "mailbox_special_use: \"Spam\" is not NAME:\\Use"},
        {":\\Junk", "mailbox_special_use: \":\\Junk\" is not NAME:\\Use"},
        {"Spam:Junk", "mailbox_special_use: \"Junk\" is not a special-use attribute (\\Name)"},
        {"Spam:", "mailbox_special_use: \"Spam:\" names no attribute"},
        {"Spam:\\Ju(nk", "mailbox_special_use: \"\\Ju(nk\" is not a special-use attribute (\\Name)"},
    };
    for (size_t i = 0; i < SG_COUNT(bad); i++) {
        err[0] = '\0';
        assert_false(sg_special_use_parse(bad[i].text, a, &u, &n, err, sizeof err));
        assert_string_equal(err, bad[i].err);
    }
    assert_true(sg_special_use_valid("\\Junk"));
    assert_false(sg_special_use_valid("\\"));
    assert_false(sg_special_use_valid("Junk"));
    assert_false(sg_special_use_valid("\\Ju nk"));
    assert_false(sg_special_use_valid("\\J\xc3\xbcnk"));
    sg_arena_free(a);
}

static void test_list_store(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    sg_special_use *u;
    size_t n;
    char err[256];
    assert_true(sg_special_use_parse("Spam:\\Junk; Gone:\\Trash", a, &u, &n, err, sizeof err));
    sg_mailbox_list l;
    sg_mailbox_list_init(&l, a, " Spam , Lists/ietf,,", u, n);
    sg_mailbox_store s = sg_mailbox_list_store(&l);
    assert_true(s.exists(s.ctx, "INBOX"));
    assert_true(s.exists(s.ctx, "inbox"));
    assert_true(s.exists(s.ctx, "Spam"));
    assert_false(s.exists(s.ctx, "spam")); /* only INBOX is case-insensitive */
    assert_true(s.exists(s.ctx, "Lists/ietf"));
    assert_false(s.exists(s.ctx, ""));
    const char *found = NULL;
    assert_true(s.has_special_use(s.ctx, NULL, "\\junk", &found));
    assert_string_equal(found, "Spam");
    assert_false(s.has_special_use(s.ctx, NULL, "\\Trash", NULL)); /* Gone does not exist */
    assert_false(s.has_special_use(s.ctx, "INBOX", "\\Junk", NULL));
    assert_true(s.create(s.ctx, "Gone", err, sizeof err));
    assert_true(s.exists(s.ctx, "Gone"));
    assert_true(s.has_special_use(s.ctx, "Gone", "\\Trash", NULL));
    sg_arena_free(a);
}

static void test_maildir_store(void **state)
{
    (void)state;
    char root[] = "/tmp/sg-mailbox-store-XXXXXX";
    assert_non_null(mkdtemp(root));
    char path[512];
    snprintf(path, sizeof path, "%s/Maildir", root);
    sg_special_use uses[] = {{"Spam", "\\Junk"}};
    sg_maildir_store m = {path, uses, 1};
    sg_mailbox_store s = sg_maildir_store_of(&m);
    assert_true(s.exists(s.ctx, "INBOX"));
    assert_false(s.exists(s.ctx, "Spam"));
    assert_false(s.has_special_use(s.ctx, NULL, "\\Junk", NULL));
    char err[256] = "";
    assert_true(s.create(s.ctx, "Spam", err, sizeof err));
    assert_true(s.create(s.ctx, "Spam", err, sizeof err)); /* already there: fine */
    assert_true(s.exists(s.ctx, "Spam"));
    assert_true(s.has_special_use(s.ctx, "Spam", "\\Junk", NULL));
    snprintf(path, sizeof path, "%s/Maildir/.Spam/maildirfolder", root);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* a name the Maildir refuses neither exists nor can be created */
    assert_false(s.exists(s.ctx, "../etc"));
    assert_false(s.create(s.ctx, "../etc", err, sizeof err));
    /* a symlinked folder does not count */
    char target[512];
    snprintf(target, sizeof target, "%s/Maildir/.Spam", root);
    snprintf(path, sizeof path, "%s/Maildir/.Link", root);
    assert_int_equal(symlink(target, path), 0);
    assert_false(s.exists(s.ctx, "Link"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* The tests through the interpreter. */
static const char *plan_of(const char *src, const sg_mailbox_store *store)
{
    static char plan[512];
    sg_arena *a = sg_arena_new();
    sg_diags diags;
    sg_diags_init(&diags, 0);
    sg_registry *reg = sg_registry_new();
    sg_script *script = sg_parse("t.sieve", src, strlen(src), NULL, &diags);
    assert_true(sg_validate(reg, script, NULL, &diags));
    sg_diags_clear(&diags);
    static const char msg[] = "Subject: x\n\nbody\n";
    sg_message *m = sg_message_parse(msg, sizeof msg - 1, a);
    sg_envelope env = {"from@example.com", "to@example.org", NULL, NULL};
    sg_run_options opt = {.limits = {32, 4}, .subaddress_separator = "+", .mailboxes = store};
    sg_result r;
    sg_result_init(&r, a, &opt.limits);
    bool ok = sg_interp_run(reg, script, m, &env, &opt, &r);
    size_t n = (size_t)snprintf(plan, sizeof plan, "%s", ok ? "" : "error ");
    for (size_t i = 0; i < r.count; i++)
        n += (size_t)snprintf(plan + n, sizeof plan - n, "%s%s%s%s ", r.actions[i].mailbox,
                              r.actions[i].create ? "+create" : "", r.actions[i].specialuse ? "+" : "",
                              r.actions[i].specialuse ? r.actions[i].specialuse : "");
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
    sg_arena *a = sg_arena_new();
    sg_special_use uses[] = {{"Spam", "\\Junk"}, {"Sent", "\\Sent"}};
    sg_mailbox_list l;
    sg_mailbox_list_init(&l, a, "Spam,Archive", uses, 2);
    sg_mailbox_store s = sg_mailbox_list_store(&l);
    const char *exists = "require [\"mailbox\", \"fileinto\"];\n"
                         "if mailboxexists \"Archive\" { fileinto \"a\"; }\n"
                         "if mailboxexists [\"Archive\", \"Nope\"] { fileinto \"b\"; }\n"
                         "if mailboxexists \"INBOX\" { fileinto :create \"c\"; }\n";
    assert_string_equal(plan_of(exists, &s), "a c+create ");
    assert_string_equal(plan_of(exists, NULL), "c+create "); /* no store: INBOX alone */
    const char *use = "require [\"special-use\", \"fileinto\"];\n"
                      "fileinto :specialuse \"\\\\Junk\" \"Fallback\";\n"
                      "fileinto :specialuse \"\\\\Sent\" \"Out\";\n"
                      "if specialuse_exists \"Spam\" \"\\\\Junk\" { fileinto \"yes\"; }\n"
                      "if specialuse_exists \"Archive\" \"\\\\Junk\" { fileinto \"no\"; }\n";
    assert_string_equal(plan_of(use, &s), "Spam+\\Junk Out+\\Sent yes ");
    assert_string_equal(plan_of(use, NULL), "Fallback+\\Junk Out+\\Sent ");
    /* an attribute from a variable that is not one: a runtime error */
    assert_string_equal(plan_of("require [\"special-use\", \"fileinto\", \"variables\"];\nset \"u\" \"Junk\";\n"
                                "fileinto :specialuse \"${u}\" \"Spam\";\n",
                                &s),
                        "error implicit-keep");
    /* no annotation exists */
    assert_string_equal(plan_of("require [\"mboxmetadata\", \"servermetadata\", \"fileinto\"];\n"
                                "if anyof (metadata :matches \"INBOX\" \"/private/comment\" \"*\",\n"
                                "  metadataexists \"INBOX\" \"/private/comment\",\n"
                                "  servermetadata :matches \"/shared/comment\" \"*\",\n"
                                "  servermetadataexists \"/shared/comment\") { fileinto \"x\"; }\n",
                                &s),
                        "implicit-keep");
    sg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_use_syntax),
        cmocka_unit_test(test_list_store),
        cmocka_unit_test(test_maildir_store),
        cmocka_unit_test(test_interp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
