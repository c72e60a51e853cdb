/* test_ms_session.c - the ManageSieve protocol without sockets
 * (server/managesieve/ms_session.h, ms_parse.h) over the real backend
 * (ms_backend.h: a passwd-file user database, scripts in a temporary home,
 * the built-in default policy): the exact bytes of every answer, literals
 * {N} and {N+} and malformed ones, oversize lines and scripts, commands
 * before a login, pipelining (everything in one write, and octet by octet),
 * SASL PLAIN in both forms, STARTTLS's cut, the response codes, and the
 * same policy text as `sievegate check -u`. */
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

#include "base/config.h"
#include "engine/core/registry.h"
#include "engine/core/settings.h"
#include "server/managesieve/ms_backend.h"
#include "server/managesieve/ms_session.h"

#define CAPS_BEFORE                                                                                               \
    "\"IMPLEMENTATION\" \"sievegate test\"\r\n"                                                                 \
    "\"SIEVE\" \"fileinto reject\"\r\n"                                                                          \
    "\"NOTIFY\" \"mailto\"\r\n"                                                                                  \
    "\"SASL\" \"PLAIN\"\r\n"                                                                                     \
    "\"STARTTLS\"\r\n"                                                                                           \
    "\"MAXREDIRECTS\" \"4\"\r\n"                                                                                 \
    "\"UNAUTHENTICATE\"\r\n"                                                                                     \
    "\"VERSION\" \"1.0\"\r\n"
#define GREETING CAPS_BEFORE "OK \"sievegate ready.\"\r\n"
/* base64("\0alice@example.org\0secret") and with a wrong password */
#define PLAIN_OK "AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA=="
#define PLAIN_BAD "AGFsaWNlQGV4YW1wbGUub3JnAHdyb25n"
#define LOGIN "AUTHENTICATE \"PLAIN\" \"" PLAIN_OK "\"\r\n"

typedef struct fixture {
    char root[64];
    char home[128];
    sg_config *cfg;
    sg_settings settings;
    sg_registry *reg;
    sg_userdb *userdb;
    sg_ms_account *account;
    sg_ms_session *s;
    char *out;
    size_t olen, ocap;
    char log[8192];
} fixture;

static bool capture(void *ctx, const char *data, size_t len)
{
    fixture *f = ctx;
    if (f->olen + len + 1 > f->ocap) {
        f->ocap = (f->olen + len + 1) * 2;
        f->out = realloc(f->out, f->ocap);
    }
    memcpy(f->out + f->olen, data, len);
    f->olen += len;
    f->out[f->olen] = '\0';
    return true;
}

static void log_session(void *ctx, const char *user, const char *line)
{
    fixture *f = ctx;
    snprintf(f->log + strlen(f->log), sizeof f->log - strlen(f->log), "%s: %s\n", user ? user : "-", line);
}

static void log_backend(void *ctx, int priority, const char *user, const char *line)
{
    (void)priority;
    log_session(ctx, user, line);
}

static const sg_ms_settings settings = {
    "sievegate test", "fileinto reject", "mailto", 4, 3, 8, {2048, 100000},
};

static void start(fixture *f, const sg_ms_conn_facts *facts)
{
    sg_ms_account_config ac;
    memset(&ac, 0, sizeof ac);
    ac.config = f->cfg;
    ac.settings = &f->settings;
    ac.registry = f->reg;
    ac.userdb = f->userdb;
    ac.uid = geteuid();
    ac.max_script_size = 100000;
    ac.max_scripts = 3;
    ac.log = log_backend;
    ac.log_ctx = f;
    f->account = sg_ms_account_new(&ac);
    sg_ms_backend b;
    sg_ms_account_backend(f->account, &b);
    b.log = log_session;
    b.log_ctx = f;
    b.write = capture;
    b.write_ctx = f;
    f->s = sg_ms_session_new(&settings, &b, facts);
    sg_ms_session_greet(f->s);
    sg_ms_session_flush(f->s);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/sg-ms-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->home, sizeof f->home, "%s/home/alice", f->root);
    char users[128], line[512];
    snprintf(users, sizeof users, "%s/users", f->root);
    FILE *fp = fopen(users, "w");
    fprintf(fp, "alice@example.org:{PLAIN}secret:%u:%u::%s\n", (unsigned)geteuid(), (unsigned)getegid(), f->home);
    fprintf(fp, "nopass@example.org::%u:%u::%s/home/nopass\n", (unsigned)geteuid(), (unsigned)getegid(), f->root);
    fclose(fp);
    f->cfg = sg_config_new();
    snprintf(line, sizeof line, "userdb=passwd-file:%s", users);
    char err[512];
    assert_true(sg_config_override(f->cfg, line, err, sizeof err));
    assert_true(sg_config_override(f->cfg, "policy_store=none", err, sizeof err));
    assert_true(sg_settings_load(&f->settings, f->cfg, err, sizeof err));
    f->reg = sg_settings_registry(&f->settings);
    assert_true(sg_userdb_open(f->cfg, &f->userdb, err, sizeof err));
    sg_ms_conn_facts facts = {true, false, true};
    start(f, &facts);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sg_ms_session_free(f->s);
    sg_ms_account_free(f->account);
    sg_userdb_close(f->userdb);
    sg_registry_free(f->reg);
    sg_config_free(f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    assert_int_equal(system(cmd), 0);
    free(f->out);
    free(f);
    return 0;
}

/* Sends input in one write and returns what the server answered to it. */
static const char *talk(fixture *f, const char *input, size_t len)
{
    f->olen = 0;
    if (f->out)
        f->out[0] = '\0';
    sg_ms_session_input(f->s, input, len);
    sg_ms_session_flush(f->s);
    return f->out ? f->out : "";
}

#define TALK(f, s) talk(f, s, strlen(s))

static void test_greeting_and_capability(void **state)
{
    fixture *f = *state;
    assert_string_equal(f->out, GREETING);
    assert_string_equal(TALK(f, "capability\r\n"), CAPS_BEFORE "OK \"Capability completed.\"\r\n");
    assert_string_equal(TALK(f, "NOOP\r\n"), "OK \"NOOP completed.\"\r\n");
    assert_string_equal(TALK(f, "NOOP \"STARTTLS-SYNC-42\"\r\n"), "OK (TAG \"STARTTLS-SYNC-42\") \"Done.\"\r\n");
    assert_string_equal(TALK(f, "NOOP {3+}\r\na\"b\r\n"), "OK (TAG \"a\\\"b\") \"Done.\"\r\n");
}

static void test_before_login(void **state)
{
    fixture *f = *state;
    assert_string_equal(TALK(f, "LISTSCRIPTS\r\n"), "NO \"Authenticate first.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"a\" {5+}\r\nkeep;\r\n"), "NO \"Authenticate first.\"\r\n");
    assert_string_equal(TALK(f, "GETSCRIPT \"a\"\r\n"), "NO \"Authenticate first.\"\r\n");
    assert_string_equal(TALK(f, "UNAUTHENTICATE\r\n"), "NO \"Not authenticated.\"\r\n");
    assert_string_equal(TALK(f, "FROB\r\n"), "NO \"Unknown command.\"\r\n");
    /* before a login a script literal is bounded by the line limit: read and dropped */
    char big[3000];
    snprintf(big, sizeof big, "CHECKSCRIPT {2100+}\r\n%2100s\r\nNOOP\r\n", "x");
    assert_string_equal(TALK(f, big), "NO \"Authenticate first.\"\r\nOK \"NOOP completed.\"\r\n");
    /* eight bad commands (this fixture's limit): BYE */
    assert_string_equal(TALK(f, "FROB\r\nFROB\r\n"), "NO \"Unknown command.\"\r\nNO \"Unknown command.\"\r\n");
    assert_string_equal(TALK(f, "FROB\r\nNOOP\r\n"), "BYE \"Too many invalid commands.\"\r\n");
    assert_true(sg_ms_session_closed(f->s));
    assert_string_equal(TALK(f, "NOOP\r\n"), "");
}

static void test_login(void **state)
{
    fixture *f = *state;
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"" PLAIN_BAD "\"\r\n"), "NO \"Authentication failed.\"\r\n");
    assert_null(sg_ms_session_user(f->s));
    assert_string_equal(TALK(f, "AUTHENTICATE \"DIGEST-MD5\"\r\n"),
                        "NO \"Unsupported authentication mechanism.\"\r\n");
    assert_string_equal(TALK(f, "AUTHENTICATE \"ANONYMOUS\"\r\n"),
                        "NO (AUTH-TOO-WEAK) \"Anonymous logins are not allowed.\"\r\n");
    assert_string_equal(TALK(f, LOGIN), "OK \"Logged in.\"\r\n");
    assert_string_equal(sg_ms_session_user(f->s), "alice@example.org");
    assert_string_equal(TALK(f, LOGIN), "NO \"Already authenticated.\"\r\n");
    assert_string_equal(TALK(f, "STARTTLS\r\n"), "NO \"STARTTLS is only allowed before authentication.\"\r\n");
    /* logged in: OWNER, no STARTTLS */
    assert_string_equal(TALK(f, "CAPABILITY\r\n"),
                        "\"IMPLEMENTATION\" \"sievegate test\"\r\n\"SIEVE\" \"fileinto reject\"\r\n"
                        "\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"PLAIN\"\r\n\"MAXREDIRECTS\" \"4\"\r\n"
                        "\"OWNER\" \"alice@example.org\"\r\n\"UNAUTHENTICATE\"\r\n\"VERSION\" \"1.0\"\r\n"
                        "OK \"Capability completed.\"\r\n");
    struct stat sb;
    assert_int_equal(stat(f->home, &sb), 0); /* the home was made at the login */
    assert_string_equal(TALK(f, "UNAUTHENTICATE\r\n"), "OK \"Unauthenticate completed.\"\r\n");
    assert_string_equal(TALK(f, "LISTSCRIPTS\r\n"), "NO \"Authenticate first.\"\r\n");
    /* the continuation form: an empty challenge, then the response */
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\"\r\n"), "\"\"\r\n");
    assert_string_equal(TALK(f, "{36+}\r\n" PLAIN_OK "\r\n"), "OK \"Logged in.\"\r\n");
    assert_string_equal(TALK(f, "UNAUTHENTICATE\r\n"), "OK \"Unauthenticate completed.\"\r\n");
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\"\r\n\"*\"\r\n"),
                        "\"\"\r\nNO \"Authentication cancelled.\"\r\n");
    /* the log says who, never a password */
    assert_non_null(strstr(f->log, "-: AUTHENTICATE PLAIN user=<alice@example.org>: wrong name or password, failure 1 of 3"));
    assert_non_null(strstr(f->log, "alice@example.org: AUTHENTICATE PLAIN user=<alice@example.org>: logged in"));
    assert_non_null(strstr(f->log, "login of alice@example.org failed: wrong password"));
    assert_null(strstr(f->log, "secret"));
}

static void test_login_failures(void **state)
{
    fixture *f = *state;
    /* unknown user, no password, malformed: the same answer; the third ends the connection */
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"AGJvYkBleGFtcGxlLm9yZwBzZWNyZXQ=\"\r\n"),
                        "NO \"Authentication failed.\"\r\n");
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"AG5vcGFzc0BleGFtcGxlLm9yZwA=\"\r\n"),
                        "NO \"Authentication failed.\"\r\n");
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"not base64!\"\r\n"),
                        "BYE \"Too many failed authentication attempts.\"\r\n");
    assert_true(sg_ms_session_closed(f->s));
    assert_non_null(strstr(f->log, "login of bob@example.org failed: unknown user"));
    assert_non_null(strstr(f->log, "login of nopass@example.org failed: the user has no password"));
    assert_non_null(strstr(f->log, "invalid base64, failure 3 of 3: disconnected"));
}

static void test_login_other_identity(void **state)
{
    fixture *f = *state;
    /* authzid "bob@example.org" for authcid alice: no proxy logins */
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"Ym9iQGV4YW1wbGUub3JnAGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==\"\r\n"),
                        "NO \"Authentication failed.\"\r\n");
    /* the same name as authzid is fine */
    assert_string_equal(
        TALK(f, "AUTHENTICATE \"plain\" \"YWxpY2VAZXhhbXBsZS5vcmcAYWxpY2VAZXhhbXBsZS5vcmcAc2VjcmV0\"\r\n"),
        "OK \"Logged in.\"\r\n");
}

/* TRYLATER: the user database cannot tell (a passwd-file broken since it was
 * read: a name it did not hold is not "unknown"), or the user's script
 * directory cannot be made. */
static void test_trylater(void **state)
{
    fixture *f = *state;
    char users[128], err[512];
    snprintf(users, sizeof users, "%s/users", f->root);
    sleep(1); /* a new mtime for the file */
    FILE *fp = fopen(users, "a");
    fputs("broken:x:notanumber\n", fp);
    fclose(fp);
    assert_string_equal(TALK(f, "AUTHENTICATE \"PLAIN\" \"AGJvYkBleGFtcGxlLm9yZwBzZWNyZXQ=\"\r\n"),
                        "NO (TRYLATER) \"Temporary authentication failure.\"\r\n");
    assert_non_null(strstr(f->log, "login of bob@example.org: user database: "));
    /* alice is in the contents still in use; her scripts cannot have a directory */
    char blocker[256];
    snprintf(blocker, sizeof blocker, "%s/home/alice", f->root);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && touch '%s/file'", blocker, blocker);
    assert_int_equal(system(cmd), 0);
    assert_true(sg_config_override(f->cfg, "sieve_dir=~/file/sieve", err, sizeof err));
    assert_string_equal(TALK(f, LOGIN), "NO (TRYLATER) \"Temporary authentication failure.\"\r\n");
    assert_non_null(strstr(f->log, "login of alice@example.org: mkdir("));
    assert_null(sg_ms_session_user(f->s));
}

static void test_plaintext_refused(void **state)
{
    fixture *f = *state;
    sg_ms_session_free(f->s);
    sg_ms_account_free(f->account);
    sg_ms_conn_facts facts = {true, false, false};
    f->olen = 0;
    start(f, &facts);
    assert_non_null(strstr(f->out, "\"SASL\" \"\"\r\n\"STARTTLS\"\r\n"));
    assert_string_equal(TALK(f, LOGIN),
                        "NO (ENCRYPT-NEEDED) \"Plain-text authentication is not allowed without TLS: use STARTTLS.\"\r\n");
    /* STARTTLS: the command pipelined after it is dropped (it came in clear) */
    assert_string_equal(TALK(f, "STARTTLS\r\n" LOGIN), "OK \"Begin TLS negotiation now.\"\r\n");
    assert_true(sg_ms_session_want_tls(f->s));
    assert_string_equal(TALK(f, "NOOP\r\n"), "");
    sg_ms_session_tls_done(f->s, true);
    f->olen = 0;
    sg_ms_session_flush(f->s);
    assert_false(sg_ms_session_want_tls(f->s));
    assert_string_equal(f->out, "\"IMPLEMENTATION\" \"sievegate test\"\r\n\"SIEVE\" \"fileinto reject\"\r\n"
                                "\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"PLAIN\"\r\n\"MAXREDIRECTS\" \"4\"\r\n"
                                "\"UNAUTHENTICATE\"\r\n\"VERSION\" \"1.0\"\r\nOK \"TLS negotiation successful.\"\r\n");
    assert_string_equal(TALK(f, "STARTTLS\r\n"), "NO \"TLS is already active.\"\r\n");
    assert_string_equal(TALK(f, LOGIN), "OK \"Logged in.\"\r\n");
}

static void login(fixture *f)
{
    assert_string_equal(TALK(f, LOGIN), "OK \"Logged in.\"\r\n");
}

static void test_scripts(void **state)
{
    fixture *f = *state;
    login(f);
    assert_string_equal(TALK(f, "LISTSCRIPTS\r\n"), "OK \"Listscripts completed.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"main\" {6+}\r\nkeep;\n\r\n"), "OK \"Putscript completed.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"vac\" {10}\r\ndiscard;\r\n\r\n"), "OK \"Putscript completed.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"q\\\"uote\" \"stop;\"\r\n"), "OK \"Putscript completed.\"\r\n");
    assert_string_equal(TALK(f, "SETACTIVE \"main\"\r\n"), "OK \"Setactive completed.\"\r\n");
    assert_string_equal(TALK(f, "listscripts\r\n"),
                        "\"main\" ACTIVE\r\n\"q\\\"uote\"\r\n\"vac\"\r\nOK \"Listscripts completed.\"\r\n");
    assert_string_equal(TALK(f, "GETSCRIPT \"vac\"\r\n"), "{10}\r\ndiscard;\r\n\r\nOK \"Getscript completed.\"\r\n");
    assert_string_equal(TALK(f, "GETSCRIPT \"none\"\r\n"),
                        "NO (NONEXISTENT) \"There is no script by that name.\"\r\n");
    assert_string_equal(TALK(f, "DELETESCRIPT \"main\"\r\n"),
                        "NO (ACTIVE) \"You may not delete an active script.\"\r\n");
    assert_string_equal(TALK(f, "RENAMESCRIPT \"vac\" \"main\"\r\n"),
                        "NO (ALREADYEXISTS) \"A script by that name already exists.\"\r\n");
    assert_string_equal(TALK(f, "RENAMESCRIPT \"main\" \"filters\"\r\n"), "OK \"Renamescript completed.\"\r\n");
    assert_string_equal(TALK(f, "RENAMESCRIPT \"main\" \"x\"\r\n"),
                        "NO (NONEXISTENT) \"There is no script by that name.\"\r\n");
    char link[256], path[256];
    snprintf(path, sizeof path, "%s/.dovecot.sieve", f->home);
    ssize_t n = readlink(path, link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "sieve/filters.sieve");
    /* quotas: a fourth script (max 3), a script over the size limit */
    assert_string_equal(TALK(f, "HAVESPACE \"new\" 10\r\n"),
                        "NO (QUOTA/MAXSCRIPTS) \"Too many scripts (at most 3).\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"new\" {5+}\r\nkeep;\r\n"),
                        "NO (QUOTA/MAXSCRIPTS) \"Too many scripts (at most 3).\"\r\n");
    assert_string_equal(TALK(f, "HAVESPACE \"vac\" 100001\r\n"),
                        "NO (QUOTA/MAXSIZE) \"Script is too large (at most 100000 octets).\"\r\n");
    assert_string_equal(TALK(f, "HAVESPACE \"vac\" 100000\r\n"), "OK \"Putscript would succeed.\"\r\n");
    assert_string_equal(TALK(f, "HAVESPACE \"vac\" 01\r\n"), "NO \"Syntax: HAVESPACE \\\"name\\\" size\"\r\n");
    char *big = malloc(100100);
    int len = snprintf(big, 100100, "PUTSCRIPT \"vac\" {100001+}\r\n%100001s\r\nNOOP\r\n", "#");
    assert_string_equal(talk(f, big, (size_t)len),
                        "NO (QUOTA/MAXSIZE) \"Script is too large (100001 octets, at most 100000).\"\r\n"
                        "OK \"NOOP completed.\"\r\n");
    free(big);
    assert_string_equal(TALK(f, "DELETESCRIPT \"vac\"\r\n"), "OK \"Deletescript completed.\"\r\n");
    assert_string_equal(TALK(f, "DELETESCRIPT \"vac\"\r\n"), "NO (NONEXISTENT) \"There is no script by that name.\"\r\n");
    assert_string_equal(TALK(f, "SETACTIVE \"\"\r\n"), "OK \"Active script disabled.\"\r\n");
    assert_string_equal(TALK(f, "SETACTIVE \"\"\r\n"), "OK \"Active script disabled.\"\r\n");
    assert_string_equal(TALK(f, "SETACTIVE \"vac\"\r\n"), "NO (NONEXISTENT) \"There is no script by that name.\"\r\n");
    /* names (RFC 5804 §1.6) */
    assert_string_equal(TALK(f, "PUTSCRIPT \"a/b\" \"keep;\"\r\n"),
                        "NO \"Invalid script name: a script name cannot hold '/'.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT {3+}\r\na\tb \"keep;\"\r\n"),
                        "NO \"Invalid script name: a script name cannot hold control characters.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"\" \"keep;\"\r\n"),
                        "NO \"Invalid script name: a script name cannot be empty.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"x\" {0+}\r\n\r\n"), "NO \"An empty script is not allowed.\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT x \"keep;\"\r\n"),
                        "NO \"Syntax: PUTSCRIPT \\\"name\\\" {size+} script\"\r\n");
    assert_non_null(strstr(f->log, "alice@example.org: PUTSCRIPT \"main\" 6 octets: OK, "));
    assert_non_null(strstr(f->log, "alice@example.org: DELETESCRIPT \"main\": NO (ACTIVE), "));
}

/* sieve = file:DIR;active=LINK (Pigeonhole's location): the store follows it,
 * and delivery reads the same key. */
static void test_location(void **state)
{
    fixture *f = *state;
    char err[512];
    assert_true(sg_config_override(f->cfg, "sieve=file:~/scripts;active=~/.active.sieve", err, sizeof err));
    login(f);
    assert_string_equal(TALK(f, "PUTSCRIPT \"x\" \"keep;\"\r\nSETACTIVE \"x\"\r\n"),
                        "OK \"Putscript completed.\"\r\nOK \"Setactive completed.\"\r\n");
    char path[256], link[256];
    snprintf(path, sizeof path, "%s/.active.sieve", f->home);
    ssize_t n = readlink(path, link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "scripts/x.sieve");
    /* include finds the scripts there too */
    assert_string_equal(TALK(f, "CHECKSCRIPT \"require \\\"include\\\"; include :personal \\\"x\\\";\"\r\n"),
                        "OK \"Script is valid.\"\r\n");
    char want[512];
    snprintf(want, sizeof want,
             "NO \"line 1, column 20: error: included personal script \\\"y\\\" does not exist (%s/scripts/y.sieve)\"\r\n",
             f->home);
    assert_string_equal(TALK(f, "CHECKSCRIPT \"require \\\"include\\\"; include :personal \\\"y\\\";\"\r\n"), want);
}

static void test_checkscript(void **state)
{
    fixture *f = *state;
    login(f);
    assert_string_equal(TALK(f, "CHECKSCRIPT \"keep;\"\r\n"), "OK \"Script is valid.\"\r\n");
    /* errors: NO, every one with its line and column, CRLF between them */
    assert_string_equal(TALK(f, "CHECKSCRIPT {31+}\r\nif true {\n  keep\n}\nfrobnicate;\n\r\n"),
                        "NO {103}\r\nline 3, column 1: error: expected ';' before '}'\r\n"
                        "line 4, column 1: error: unknown command 'frobnicate'\r\n");
    /* a blocked external redirect: OK (WARNINGS) with check -u's words */
    assert_string_equal(TALK(f, "CHECKSCRIPT {35+}\r\nkeep;\nredirect \"bob@gmail.example\";\r\n"),
                        "OK (WARNINGS) \"line 2, column 10: warning: forwarding to bob@gmail.example will be blocked: "
                        "external forwarding is off for you (policy \\\"default\\\")\"\r\n");
    /* PUTSCRIPT stores it anyway (the user was told), and never one with errors */
    assert_string_equal(TALK(f, "PUTSCRIPT \"fwd\" {35+}\r\nkeep;\nredirect \"bob@gmail.example\";\r\n"),
                        "OK (WARNINGS) \"line 2, column 10: warning: forwarding to bob@gmail.example will be blocked: "
                        "external forwarding is off for you (policy \\\"default\\\")\"\r\n");
    assert_string_equal(TALK(f, "PUTSCRIPT \"bad\" \"frob;\"\r\n"),
                        "NO \"line 1, column 1: error: unknown command 'frob'\"\r\n");
    assert_string_equal(TALK(f, "LISTSCRIPTS\r\n"), "\"fwd\"\r\nOK \"Listscripts completed.\"\r\n");
    /* include of the script itself is a loop; of another stored script fine */
    assert_string_equal(TALK(f, "PUTSCRIPT \"inc\" {43+}\r\nrequire \"include\";\ninclude :personal \"fwd\";\r\n"),
                        "OK \"Putscript completed.\"\r\n");
    /* a too large script for CHECKSCRIPT: NO without a quota code (§2.12) */
    char *big = malloc(100100);
    int len = snprintf(big, 100100, "CHECKSCRIPT {100001+}\r\n%100001s\r\n", "#");
    assert_string_equal(talk(f, big, (size_t)len), "NO \"Script is too large (100001 octets, at most 100000).\"\r\n");
    free(big);
}

/* Every command of a session in one write, and octet by octet: the same answers. */
static void test_pipelining(void **state)
{
    fixture *f = *state;
    static const char input[] = LOGIN "PUTSCRIPT \"a\" {5+}\r\nkeep;\r\nSETACTIVE \"a\"\r\nLISTSCRIPTS\r\n"
                                      "GETSCRIPT \"a\"\r\nNOOP \"x\"\r\nLOGOUT\r\nNOOP\r\n";
    static const char want[] = "OK \"Logged in.\"\r\nOK \"Putscript completed.\"\r\nOK \"Setactive completed.\"\r\n"
                               "\"a\" ACTIVE\r\nOK \"Listscripts completed.\"\r\n{5}\r\nkeep;\r\n"
                               "OK \"Getscript completed.\"\r\nOK (TAG \"x\") \"Done.\"\r\nOK \"Logout completed.\"\r\n";
    assert_string_equal(TALK(f, input), want);
    assert_true(sg_ms_session_closed(f->s));
    /* again, one octet at a time, in a new session */
    sg_ms_session_free(f->s);
    sg_ms_account_free(f->account);
    sg_ms_conn_facts facts = {true, false, true};
    start(f, &facts);
    f->olen = 0;
    for (size_t i = 0; i < sizeof input - 1; i++) {
        sg_ms_session_input(f->s, input + i, 1);
        sg_ms_session_flush(f->s);
    }
    f->out[f->olen] = '\0';
    assert_string_equal(f->out, want);
}

static void test_malformed(void **state)
{
    fixture *f = *state;
    login(f);
    assert_string_equal(TALK(f, "NOOP \"unterminated\r\n"), "NO \"Syntax error: unterminated quoted string.\"\r\n");
    assert_string_equal(TALK(f, "NOOP \"bad \\n escape\"\r\n"),
                        "NO \"Syntax error: invalid escape in a quoted string.\"\r\n");
    assert_string_equal(TALK(f, "NOOP {x}\r\n"), "NO \"Syntax error: invalid literal.\"\r\n");
    assert_string_equal(TALK(f, "NOOP {3+} x\r\nNOOP\r\n"),
                        "NO \"Syntax error: a literal's size must end its line.\"\r\nOK \"NOOP completed.\"\r\n");
    /* a bad line that announces a literal: its octets are read, not taken for commands */
    assert_string_equal(TALK(f, "NOOP ( {10+}\r\nLOGOUT\r\n..\r\nNOOP\r\n"),
                        "NO \"Syntax error: unexpected character.\"\r\nOK \"NOOP completed.\"\r\n");
    assert_string_equal(TALK(f, "\"NOOP\"\r\n"), "NO \"Syntax error: expected a command name.\"\r\n");
    /* an empty line is nothing */
    assert_string_equal(TALK(f, "\r\n\nNOOP\r\n"), "OK \"NOOP completed.\"\r\n");
}

static void test_oversize_line(void **state)
{
    fixture *f = *state;
    char line[3000];
    snprintf(line, sizeof line, "NOOP \"%2500s\"\r\nNOOP\r\n", "y");
    assert_string_equal(TALK(f, line), "NO \"Syntax error: line too long.\"\r\nOK \"NOOP completed.\"\r\n");
    /* a literal size beyond 32 bits cannot be followed */
    assert_string_equal(TALK(f, "NOOP {4294967296+}\r\n"), "BYE \"Syntax error: literal too large.\"\r\n");
    assert_true(sg_ms_session_closed(f->s));
}

static void test_stop_and_timeout(void **state)
{
    fixture *f = *state;
    f->olen = 0;
    sg_ms_session_timeout(f->s);
    sg_ms_session_flush(f->s);
    f->out[f->olen] = '\0';
    assert_string_equal(f->out, "BYE \"Disconnected for inactivity.\"\r\n");
    assert_true(sg_ms_session_closed(f->s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_greeting_and_capability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_before_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_other_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trylater, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plaintext_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scripts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkscript, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
