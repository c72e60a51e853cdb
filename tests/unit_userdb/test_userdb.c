/* test_userdb.c - cmocka tests of the user database (store/userdb.h):
 * exact entries and exact errors (FILE:LINE) of the passwd-file parser,
 * lookups with every fallback, the key of an address, a file changed under
 * a running server (a new user found; a broken file keeps the old contents
 * and answers a temporary failure for a name it lacks), the sqlite table,
 * the same table in PostgreSQL (with tests/e2e/userdb_pg.sh), and the
 * system's passwd.
 *
 * Takes: a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/userdb.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    char err[512];
    sg_arena *arena;
    sg_config *cfg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_userdb_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/users", f->dir);
    f->arena = sg_arena_new();
    f->cfg = sg_config_new();
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
    sg_arena_free(f->arena);
    sg_config_free(f->cfg);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void set(fixture *f, const char *key, const char *value)
{
    assert_true(sg_config_set(f->cfg, key, value));
}

static sg_userdb *open_file_db(fixture *f, const char *text)
{
    write_file(f->path, text);
    char spec[160];
    snprintf(spec, sizeof spec, "passwd-file:%s", f->path);
    set(f, "userdb", spec);
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    return db;
}

/* ---- the parser ---- */

static void parse_ok(void **state)
{
    fixture *f = *state;
    const char *text = "# virtual users\n"
                       "\n"
                       "zed@example.org:{SHA512-CRYPT}$6$x:1001:1002::/srv/mail/zed::userdb_mail=maildir:~/M\n"
                       "  # an indented comment\n"
                       "alice@example.org:{PLAIN}secret::::::\n"
                       "bob@example.org\r\n"
                       "carol@example.org:x:vmailx:::/h/carol\n";
    sg_userdb_entry *e;
    size_t n;
    bool ok = sg_userdb_parse_passwd_file("users", text, strlen(text), f->arena, &e, &n, f->err, sizeof f->err);
    /* vmailx is not a user: line 7 */
    assert_false(ok);
    assert_string_equal(f->err, "users:7: invalid uid \"vmailx\"");
    text = "# virtual users\n"
           "zed@example.org:{SHA512-CRYPT}$6$x:1001:1002::/srv/mail/zed::userdb_mail=maildir:~/M nopassword\n"
           "alice@example.org:{PLAIN}secret::::::\n"
           "bob@example.org\r\n"
           "carol@example.org:x:root:root::/h/carol::userdb_home=/h/c2 userdb_uid=7";
    ok = sg_userdb_parse_passwd_file("users", text, strlen(text), f->arena, &e, &n, f->err, sizeof f->err);
    assert_true(ok);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].name, "alice@example.org");
    assert_string_equal(e[0].password, "{PLAIN}secret");
    assert_int_equal(e[0].uid, -1);
    assert_int_equal(e[0].gid, -1);
    assert_null(e[0].home);
    assert_null(e[0].mail);
    assert_string_equal(e[1].name, "bob@example.org");
    assert_string_equal(e[1].password, "");
    assert_int_equal(e[1].uid, -1);
    assert_string_equal(e[2].name, "carol@example.org");
    assert_int_equal(e[2].uid, 7); /* userdb_uid overrides the field */
    assert_int_equal(e[2].gid, 0);
    assert_string_equal(e[2].home, "/h/c2");
    assert_string_equal(e[3].name, "zed@example.org");
    assert_string_equal(e[3].password, "{SHA512-CRYPT}$6$x");
    assert_int_equal(e[3].uid, 1001);
    assert_int_equal(e[3].gid, 1002);
    assert_string_equal(e[3].home, "/srv/mail/zed");
    assert_string_equal(e[3].mail, "maildir:~/M");
}

static void expect_parse_error(fixture *f, const char *text, const char *want)
{
    sg_userdb_entry *e;
    size_t n;
    assert_false(sg_userdb_parse_passwd_file("/etc/users", text, strlen(text), f->arena, &e, &n, f->err,
                                             sizeof f->err));
    assert_string_equal(f->err, want);
}

static void parse_errors(void **state)
{
    fixture *f = *state;
    expect_parse_error(f, "a@x::1:1\nb@x::12x:1\n", "/etc/users:2: invalid uid \"12x\"");
    expect_parse_error(f, "a@x::1:-1\n", "/etc/users:1: invalid gid \"-1\"");
    expect_parse_error(f, "a@x::1:1:::\n\n#c\n:pw:1:1\n", "/etc/users:4: invalid user name \"\"");
    expect_parse_error(f, "a b@x::1:1\n", "/etc/users:1: invalid user name \"a b@x\"");
    expect_parse_error(f, "a@x::1:1::home/a\n", "/etc/users:1: home \"home/a\" is not an absolute path");
    expect_parse_error(f, "a@x::1:1\nb@x\n#\na@x::2:2\n", "/etc/users:4: duplicate user \"a@x\"");
    expect_parse_error(f, "a@x::99999999999:1\n", "/etc/users:1: invalid uid \"99999999999\"");
    expect_parse_error(f, "a@x::1:1::/h::userdb_uid=\n", "/etc/users:1: invalid uid \"\"");
    expect_parse_error(f, "a@x::1:1::/h::userdb_mail=\n", "/etc/users:1: empty userdb_mail");
    char nul[] = "a@x::1:1\nb\0@x\n";
    sg_userdb_entry *e;
    size_t n;
    assert_false(sg_userdb_parse_passwd_file("u", nul, sizeof nul - 1, f->arena, &e, &n, f->err, sizeof f->err));
    assert_string_equal(f->err, "u:2: NUL character");
}

/* ---- lookups ---- */

static void lookup_fallbacks(void **state)
{
    fixture *f = *state;
    set(f, "mail_uid", "5000");
    set(f, "mail_gid", "5001");
    sg_userdb *db = open_file_db(f, "alice@example.org:{PLAIN}pw\n"
                                    "bob@example.org::600:601::/home/b::userdb_mail=maildir:~/Mail\n"
                                    "Carol@Example.org::::\n");
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "Alice+Lists@EXAMPLE.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_FOUND);
    assert_string_equal(u.user, "alice@example.org");
    assert_string_equal(u.detail, "Lists");
    assert_int_equal(u.uid, 5000);
    assert_int_equal(u.gid, 5001);
    assert_string_equal(u.home, "/var/vmail/example.org/alice");
    assert_null(u.mail);
    assert_string_equal(u.password, "{PLAIN}pw");
    assert_int_equal(sg_userdb_lookup(db, "bob@example.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_null(u.detail);
    assert_int_equal(u.uid, 600);
    assert_int_equal(u.gid, 601);
    assert_string_equal(u.home, "/home/b");
    assert_string_equal(u.mail, "maildir:~/Mail");
    /* the default %Lu lowercases the key; the file's names are matched as written */
    assert_int_equal(sg_userdb_lookup(db, "Carol@Example.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_NOTFOUND);
    assert_int_equal(sg_userdb_lookup(db, "nobody@example.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_NOTFOUND);
    assert_int_equal(sg_userdb_lookup(db, "", f->arena, &u, f->err, sizeof f->err), SG_USERDB_NOTFOUND);
    assert_int_equal(sg_userdb_lookup(db, "+x@example.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_NOTFOUND);
    assert_int_equal(sg_userdb_lookup(db, "al\tice@example.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_NOTFOUND);
    sg_userdb_close(db);
}

static void lookup_without_mail_uid(void **state)
{
    fixture *f = *state;
    sg_userdb *db = open_file_db(f, "a@x.org:::::/h/a\n");
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    assert_string_equal(f->err, "user a@x.org has no uid and mail_uid is not set");
    sg_userdb_close(db);
}

static void keys(void **state)
{
    fixture *f = *state;
    set(f, "userdb", "passwd");
    set(f, "auth_username_format", "%Ln");
    set(f, "recipient_delimiter", "-");
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    const char *detail;
    assert_string_equal(sg_userdb_key(db, "Jo-Spam@Ex.ORG", f->arena, &detail), "jo");
    assert_string_equal(detail, "Spam");
    assert_string_equal(sg_userdb_key(db, "jo@x", f->arena, &detail), "jo");
    assert_null(detail);
    sg_userdb_close(db);
    set(f, "auth_username_format", "%n at %Ld");
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(sg_userdb_key(db, "Jo@Ex.ORG", f->arena, &detail), "Jo at ex.org");
    char longaddr[300];
    memset(longaddr, 'a', sizeof longaddr - 1);
    longaddr[sizeof longaddr - 1] = '\0';
    assert_null(sg_userdb_key(db, longaddr, f->arena, &detail));
    sg_userdb_close(db);
}

static void config_errors(void **state)
{
    fixture *f = *state;
    sg_userdb *db = NULL;
    set(f, "userdb", "ldap:foo");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for userdb: \"ldap:foo\" (expected passwd, passwd-file:PATH, "
                                "sqlite:PATH, postgresql://... or ldap)");
    set(f, "userdb", "ldap");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "userdb = ldap needs ldap_uri");
    set(f, "ldap_uri", "ldap://127.0.0.1:1");
    set(f, "ldap_timeout", "0");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for ldap_timeout: \"0\" (expected a number from 1 to 300)");
    set(f, "ldap_timeout", "1");
    set(f, "ldap_user_filter", "(mail=%x)");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for ldap_user_filter: \"(mail=%x)\" (expected a filter in "
                                "parentheses, with %u %n %d)");
    set(f, "ldap_user_filter", "(uid=%n)");
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err)); /* no I/O yet */
    assert_string_equal(sg_userdb_name(db), "ldap");
    sg_userdb_user u;
    /* nothing listens on port 1: a temporary failure, never "no such user" */
    assert_int_equal(sg_userdb_lookup(db, "alice@example.org", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_TEMPFAIL);
    assert_string_equal(f->err, "directory ldap://127.0.0.1:1: search: Can't contact LDAP server");
    sg_userdb_close(db);
    db = NULL;
    set(f, "userdb", "passwd");
    set(f, "mail_uid", "no-such-user-sg");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for mail_uid: \"no-such-user-sg\" (no such user)");
    set(f, "mail_uid", "root");
    set(f, "auth_username_format", "%x");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for auth_username_format: \"%x\" (expected %u, %n, %d, %Lu...)");
    set(f, "auth_username_format", "%Lu");
    set(f, "mail_home", "vmail/%d/%n");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_string_equal(f->err, "invalid value for mail_home: \"vmail/%d/%n\" (not an absolute path)");
    set(f, "mail_home", "/v/%d/%n");
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    uid_t uid = 1;
    gid_t gid = 1;
    assert_true(sg_userdb_mail_uid(db, &uid));
    assert_true(sg_userdb_mail_gid(db, &gid)); /* from root's passwd entry */
    assert_int_equal(uid, 0);
    assert_int_equal(gid, 0);
    sg_userdb_close(db);
    char spec[160];
    snprintf(spec, sizeof spec, "passwd-file:%s", f->path);
    set(f, "userdb", spec);
    write_file(f->path, "ok@x\nbad@x::u1\n");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    char want[256];
    snprintf(want, sizeof want, "%s:2: invalid uid \"u1\"", f->path);
    assert_string_equal(f->err, want);
    unlink(f->path);
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    snprintf(want, sizeof want, "userdb %s: No such file or directory", f->path);
    assert_string_equal(f->err, want);
}

/* A new version of the file, with another mtime for sure. */
static void rewrite(fixture *f, const char *text)
{
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.new", f->path);
    write_file(tmp, text);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    struct timespec ts[2] = {{st.st_mtim.tv_sec + 1, 0}, {st.st_mtim.tv_sec + 1, 0}};
    assert_int_equal(utimensat(AT_FDCWD, tmp, ts, 0), 0);
    assert_int_equal(rename(tmp, f->path), 0);
}

static void file_changes(void **state)
{
    fixture *f = *state;
    set(f, "mail_uid", "5000");
    set(f, "mail_gid", "5000");
    sg_userdb *db = open_file_db(f, "a@x.org\n");
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "b@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_NOTFOUND);
    rewrite(f, "a@x.org\nb@x.org\n");
    assert_int_equal(sg_userdb_lookup(db, "b@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    /* broken: the old contents answer; what they lack is a temporary failure */
    rewrite(f, "a@x.org\nc@x.org::x1\n");
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_int_equal(sg_userdb_lookup(db, "c@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    char want[300];
    snprintf(want, sizeof want, "userdb %s is malformed; using its previous contents", f->path);
    assert_string_equal(f->err, want);
    rewrite(f, "a@x.org\nc@x.org\n");
    assert_int_equal(sg_userdb_lookup(db, "c@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_int_equal(sg_userdb_lookup(db, "b@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_NOTFOUND);
    unlink(f->path);
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_int_equal(sg_userdb_lookup(db, "d@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    snprintf(want, sizeof want, "userdb %s: No such file or directory", f->path);
    assert_string_equal(f->err, want);
    sg_userdb_close(db);
}

/* The rows both SQL sources hold (a@ with every fallback, b@ with its own
 * fields, c@ with a relative home), with mail_uid 5000, mail_gid 5001 and
 * mail_home /m/%d/%n: looked up exactly. */
static void expect_table_rows(fixture *f, sg_userdb *db)
{
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "A@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_string_equal(u.user, "a@x.org");
    assert_int_equal(u.uid, 5000);
    assert_int_equal(u.gid, 5001);
    assert_string_equal(u.home, "/m/x.org/a");
    assert_string_equal(u.password, "{PLAIN}p");
    assert_null(u.mail);
    assert_int_equal(sg_userdb_lookup(db, "b+t@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_int_equal(u.uid, 7);
    assert_int_equal(u.gid, 8);
    assert_string_equal(u.home, "/h/b");
    assert_string_equal(u.mail, "maildir:~/B");
    assert_string_equal(u.detail, "t");
    assert_string_equal(u.password, "");
    assert_int_equal(sg_userdb_lookup(db, "z@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_NOTFOUND);
    assert_int_equal(sg_userdb_lookup(db, "c@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
}

static void sqlite_source(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/users.db", f->dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3,
                                  "CREATE TABLE users (username TEXT PRIMARY KEY NOT NULL, password TEXT,"
                                  " uid INTEGER, gid INTEGER, home TEXT, mail TEXT);"
                                  "INSERT INTO users VALUES ('a@x.org', '{PLAIN}p', NULL, NULL, NULL, NULL);"
                                  "INSERT INTO users VALUES ('b@x.org', NULL, 7, 8, '/h/b', 'maildir:~/B');"
                                  "INSERT INTO users VALUES ('c@x.org', NULL, 7, 8, 'rel', NULL);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db3);
    char spec[180];
    snprintf(spec, sizeof spec, "sqlite:%s", path);
    set(f, "userdb", spec);
    set(f, "mail_uid", "5000");
    set(f, "mail_gid", "5001");
    set(f, "mail_home", "/m/%d/%n");
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    expect_table_rows(f, db);
    sg_userdb_user u;
    /* rows added later are seen by the next lookup */
    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3, "INSERT INTO users (username) VALUES ('z@x.org')", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db3);
    assert_int_equal(sg_userdb_lookup(db, "z@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    sg_userdb_close(db);
    /* no such table, no such file: temporary failures */
    snprintf(path, sizeof path, "%s/empty.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    sqlite3_close(db3);
    snprintf(spec, sizeof spec, "sqlite:%s", path);
    set(f, "userdb", spec);
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    char want[400];
    snprintf(want, sizeof want,
             "userdb sqlite:%s: the table users (username, password, uid, gid, home, mail) cannot be read: "
             "no such table: users",
             path);
    assert_string_equal(f->err, want);
    sg_userdb_close(db);
    snprintf(spec, sizeof spec, "sqlite:%s/missing.db", f->dir);
    set(f, "userdb", spec);
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    snprintf(want, sizeof want, "userdb sqlite:%s/missing.db: cannot open: unable to open database file", f->dir);
    assert_string_equal(f->err, want);
    sg_userdb_close(db);
}

/* userdb_cache_ttl: a user found is kept (a change to the row is not seen
 * within the TTL, the database gone does not matter), a user not found is
 * never kept (added later, found at once), and 0 asks every time. */
static void sql_cache(void **state)
{
    fixture *f = *state;
    char path[160], spec[180];
    snprintf(path, sizeof path, "%s/cached.db", f->dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3,
                                  "CREATE TABLE users (username TEXT PRIMARY KEY NOT NULL, password TEXT,"
                                  " uid INTEGER, gid INTEGER, home TEXT, mail TEXT);"
                                  "INSERT INTO users VALUES ('a@x.org', NULL, 7, 8, '/h/a', NULL);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    snprintf(spec, sizeof spec, "sqlite:%s", path);
    set(f, "userdb", spec);
    set(f, "userdb_cache_ttl", "3600");
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_string_equal(u.home, "/h/a");
    assert_int_equal(sg_userdb_lookup(db, "n@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_NOTFOUND);
    assert_int_equal(sqlite3_exec(db3,
                                  "UPDATE users SET home = '/h/moved' WHERE username = 'a@x.org';"
                                  "INSERT INTO users VALUES ('n@x.org', NULL, 7, 8, '/h/n', NULL);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_string_equal(u.home, "/h/a"); /* kept */
    assert_int_equal(sg_userdb_lookup(db, "n@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_string_equal(u.home, "/h/n"); /* not found was not kept */
    sqlite3_close(db3);
    unlink(path);
    assert_int_equal(sg_userdb_lookup(db, "A@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    sg_userdb_close(db);

    assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3,
                                  "CREATE TABLE users (username TEXT PRIMARY KEY NOT NULL, password TEXT,"
                                  " uid INTEGER, gid INTEGER, home TEXT, mail TEXT);"
                                  "INSERT INTO users VALUES ('a@x.org', NULL, 7, 8, '/h/a', NULL);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    set(f, "userdb_cache_ttl", "0");
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_int_equal(sqlite3_exec(db3, "UPDATE users SET home = '/h/moved'", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    assert_string_equal(u.home, "/h/moved");
    sqlite3_close(db3);
    sg_userdb_close(db);

    set(f, "userdb_cache_ttl", "86401");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "userdb_cache_ttl"));
}

/* postgresql://: the same table on a private server (tests/e2e/userdb_pg.sh
 * gives SG_TEST_USERDB_PG_URI, SG_TEST_PG_PASSWORD_FILE, SG_TEST_PG_RESTART
 * and SG_TEST_PG_STOP, and has made the table); skipped without them. */
static void postgresql_source(void **state)
{
    fixture *f = *state;
    const char *uri = getenv("SG_TEST_USERDB_PG_URI"), *pwfile = getenv("SG_TEST_PG_PASSWORD_FILE");
    const char *restart = getenv("SG_TEST_PG_RESTART"), *stop = getenv("SG_TEST_PG_STOP");
    if (!uri || !pwfile || !restart || !stop)
        skip();
    set(f, "userdb", uri);
    set(f, "postgresql_password_file", pwfile);
    set(f, "mail_uid", "5000");
    set(f, "mail_gid", "5001");
    set(f, "mail_home", "/m/%d/%n");
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
    expect_table_rows(f, db);
    sg_userdb_user u;
    char want[600];
    snprintf(want, sizeof want, "userdb %s: the row of \"c@x.org\" has an invalid uid, gid or home", uri);
    assert_string_equal(f->err, want);
    /* the server restarted: the kept connection is made again */
    assert_int_equal(system(restart), 0);
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_FOUND);
    /* the server gone: a temporary failure, never "unknown user" */
    assert_int_equal(system(stop), 0);
    assert_int_equal(sg_userdb_lookup(db, "a@x.org", f->arena, &u, f->err, sizeof f->err), SG_USERDB_TEMPFAIL);
    snprintf(want, sizeof want, "userdb %s", uri);
    assert_memory_equal(f->err, want, strlen(want));
    sg_userdb_close(db);
    /* a password in the URI is refused when the configuration is read */
    set(f, "userdb", "postgresql://u:secret@127.0.0.1/db");
    assert_false(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err));
}

static void passwd_source(void **state)
{
    fixture *f = *state;
    sg_userdb *db = NULL;
    assert_true(sg_userdb_open(f->cfg, &db, f->err, sizeof f->err)); /* passwd is the default */
    assert_string_equal(sg_userdb_name(db), "passwd");
    sg_userdb_user u;
    assert_int_equal(sg_userdb_lookup(db, "Root+x@mx.example", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_FOUND);
    assert_string_equal(u.user, "root");
    assert_int_equal(u.uid, 0);
    assert_string_equal(u.home, "/root");
    assert_string_equal(u.detail, "x");
    assert_int_equal(sg_userdb_lookup(db, "no-such-user-sg@mx.example", f->arena, &u, f->err, sizeof f->err),
                     SG_USERDB_NOTFOUND);
    sg_userdb_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parse_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(lookup_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(lookup_without_mail_uid, setup, teardown),
        cmocka_unit_test_setup_teardown(keys, setup, teardown),
        cmocka_unit_test_setup_teardown(config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(file_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(sqlite_source, setup, teardown),
        cmocka_unit_test_setup_teardown(sql_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(postgresql_source, setup, teardown),
        cmocka_unit_test_setup_teardown(passwd_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
