/* test_script_store.c - a user's scripts in Dovecot's layout
 * (store/script_store.h): the files and the active link exactly as
 * Pigeonhole writes them, names (RFC 5804 §1.6), quotas, renames of the
 * active script, a hand-written ~/.dovecot.sieve kept, and concurrent
 * writers that never leave a half-written script. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/script_store.h"

typedef struct fixture {
    char root[64];
    char home[128], dir[160], active[160];
    char err[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/sg-scripts-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->home, sizeof f->home, "%s/home", f->root);
    snprintf(f->dir, sizeof f->dir, "%s/sieve", f->home);
    snprintf(f->active, sizeof f->active, "%s/.dovecot.sieve", f->home);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static sg_script_store *open_store(fixture *f, size_t max_size, size_t max_scripts, unsigned long long max_storage)
{
    sg_script_store_config cfg = {f->dir, f->active, max_size, max_scripts, max_storage, false};
    sg_script_store *st = NULL;
    assert_int_equal(sg_script_store_open(&cfg, &st, f->err, sizeof f->err), SG_SCRIPTS_OK);
    return st;
}

static void put(fixture *f, sg_script_store *st, const char *name, const char *text)
{
    assert_int_equal(sg_script_store_put(st, name, text, strlen(text), f->err, sizeof f->err), SG_SCRIPTS_OK);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static const char *link_of(const char *path)
{
    static char buf[4096];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

/* The names in the order listed, "*" after the active one. */
static const char *listing(fixture *f, sg_script_store *st)
{
    static char out[1024];
    sg_arena *arena = sg_arena_new();
    sg_script_info *v;
    size_t n;
    assert_int_equal(sg_script_store_list(st, arena, &v, &n, f->err, sizeof f->err), SG_SCRIPTS_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s%s", i ? " " : "", v[i].name,
                 v[i].active ? "*" : "");
    sg_arena_free(arena);
    return out;
}

static void test_layout(void **state)
{
    fixture *f = *state;
    sg_script_store *st = open_store(f, 0, 0, 0);
    struct stat sb;
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s/tmp", f->dir);
    assert_int_equal(stat(tmp, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    put(f, st, "main", "keep;\n");
    put(f, st, "vacation", "discard;\n");
    char path[256];
    snprintf(path, sizeof path, "%s/main.sieve", f->dir);
    assert_string_equal(slurp(path), "keep;\n");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_string_equal(listing(f, st), "main vacation");
    /* activate: a relative link, as Pigeonhole makes it */
    assert_int_equal(sg_script_store_activate(st, "main", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(link_of(f->active), "sieve/main.sieve");
    assert_string_equal(slurp(f->active), "keep;\n");
    assert_string_equal(listing(f, st), "main* vacation");
    sg_arena *arena = sg_arena_new();
    const char *name;
    assert_int_equal(sg_script_store_active(st, arena, &name, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(name, "main");
    /* replacing the active script: the link still reads the new text */
    put(f, st, "main", "stop;\n");
    assert_string_equal(slurp(f->active), "stop;\n");
    char *data;
    size_t len;
    assert_int_equal(sg_script_store_get(st, "main", &data, &len, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(data, "stop;\n\0\0", 8);
    free(data);
    assert_int_equal(sg_script_store_get(st, "none", &data, &len, f->err, sizeof f->err), SG_SCRIPTS_NONEXISTENT);
    /* delete: not the active one */
    assert_int_equal(sg_script_store_delete(st, "main", f->err, sizeof f->err), SG_SCRIPTS_ACTIVE);
    assert_int_equal(sg_script_store_delete(st, "vacation", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(sg_script_store_delete(st, "vacation", f->err, sizeof f->err), SG_SCRIPTS_NONEXISTENT);
    /* switch, then none */
    put(f, st, "other", "discard;\n");
    assert_int_equal(sg_script_store_activate(st, "other", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(link_of(f->active), "sieve/other.sieve");
    assert_int_equal(sg_script_store_activate(st, "nope", f->err, sizeof f->err), SG_SCRIPTS_NONEXISTENT);
    assert_string_equal(link_of(f->active), "sieve/other.sieve");
    assert_int_equal(sg_script_store_activate(st, "", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(lstat(f->active, &sb), -1);
    assert_int_equal(sg_script_store_activate(st, NULL, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(listing(f, st), "main other");
    /* nothing left behind in tmp/ */
    DIR *d = opendir(tmp);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)))
        entries += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 0);
    sg_arena_free(arena);
    sg_script_store_close(st);
}

static void test_rename(void **state)
{
    fixture *f = *state;
    sg_script_store *st = open_store(f, 0, 0, 0);
    put(f, st, "a", "keep;\n");
    put(f, st, "b", "discard;\n");
    assert_int_equal(sg_script_store_activate(st, "a", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(sg_script_store_rename(st, "a", "b", f->err, sizeof f->err), SG_SCRIPTS_EXISTS);
    assert_int_equal(sg_script_store_rename(st, "x", "y", f->err, sizeof f->err), SG_SCRIPTS_NONEXISTENT);
    assert_int_equal(sg_script_store_rename(st, "a", "a", f->err, sizeof f->err), SG_SCRIPTS_EXISTS);
    /* the active one stays active under its new name */
    assert_int_equal(sg_script_store_rename(st, "a", "c", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(link_of(f->active), "sieve/c.sieve");
    assert_string_equal(slurp(f->active), "keep;\n");
    assert_string_equal(listing(f, st), "b c*");
    assert_int_equal(sg_script_store_rename(st, "b", "d/e", f->err, sizeof f->err), SG_SCRIPTS_BAD_NAME);
    assert_string_equal(f->err, "a script name cannot hold '/'");
    assert_int_equal(sg_script_store_rename(st, "b", "d", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(listing(f, st), "c* d");
    sg_script_store_close(st);
}

static void test_names(void **state)
{
    (void)state;
    assert_null(sg_script_name_invalid("main", 4));
    assert_null(sg_script_name_invalid("Ferien \xc3\xa9t\xc3\xa9", 12));
    assert_null(sg_script_name_invalid("..", 2)); /* the file is "...sieve": harmless */
    assert_string_equal(sg_script_name_invalid("", 0), "a script name cannot be empty");
    assert_string_equal(sg_script_name_invalid("a\tb", 3), "a script name cannot hold control characters");
    assert_string_equal(sg_script_name_invalid("a\x7f", 2), "a script name cannot hold control characters");
    assert_string_equal(sg_script_name_invalid("a\xc2\x85", 3), "a script name cannot hold control characters");
    assert_string_equal(sg_script_name_invalid("a\xe2\x80\xa8", 4), "a script name cannot hold control characters");
    assert_string_equal(sg_script_name_invalid("a\xe2\x80\xa9", 4), "a script name cannot hold control characters");
    assert_string_equal(sg_script_name_invalid("a\xff", 2), "a script name must be UTF-8");
    assert_string_equal(sg_script_name_invalid("a\0b", 3), "a script name cannot hold control characters");
    char name[300];
    memset(name, 'x', sizeof name);
    assert_null(sg_script_name_invalid(name, 128));
    assert_string_equal(sg_script_name_invalid(name, 129), "the script name is too long");
    /* 83 three-byte characters: 249 bytes, fits; one more does not */
    for (int i = 0; i < 100; i++)
        memcpy(name + 3 * i, "\xe2\x82\xac", 3);
    assert_null(sg_script_name_invalid(name, 249));
    assert_string_equal(sg_script_name_invalid(name, 252), "the script name is too long");
}

static void test_quotas(void **state)
{
    fixture *f = *state;
    sg_script_store *st = open_store(f, 100, 2, 150);
    assert_int_equal(sg_script_store_havespace(st, "a", 101, f->err, sizeof f->err), SG_SCRIPTS_TOO_LARGE);
    assert_int_equal(sg_script_store_havespace(st, "a", 100, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(sg_script_store_havespace(st, "a/b", 1, f->err, sizeof f->err), SG_SCRIPTS_BAD_NAME);
    char big[101];
    memset(big, '#', sizeof big);
    assert_int_equal(sg_script_store_put(st, "a", big, 101, f->err, sizeof f->err), SG_SCRIPTS_TOO_LARGE);
    assert_int_equal(sg_script_store_put(st, "a", big, 100, f->err, sizeof f->err), SG_SCRIPTS_OK);
    /* storage: 100 + 60 > 150 */
    assert_int_equal(sg_script_store_havespace(st, "b", 60, f->err, sizeof f->err), SG_SCRIPTS_OVER_QUOTA);
    assert_int_equal(sg_script_store_put(st, "b", big, 60, f->err, sizeof f->err), SG_SCRIPTS_OVER_QUOTA);
    assert_int_equal(sg_script_store_put(st, "b", big, 50, f->err, sizeof f->err), SG_SCRIPTS_OK);
    /* count: a third script is one too many, replacing one is not */
    assert_int_equal(sg_script_store_havespace(st, "c", 1, f->err, sizeof f->err), SG_SCRIPTS_TOO_MANY);
    assert_int_equal(sg_script_store_put(st, "c", big, 1, f->err, sizeof f->err), SG_SCRIPTS_TOO_MANY);
    /* a replaced script counts with its new size only: 100 + 50 -> 40 + 50 */
    assert_int_equal(sg_script_store_havespace(st, "a", 100, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_int_equal(sg_script_store_put(st, "a", big, 40, f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(listing(f, st), "a b");
    sg_script_store_close(st);
}

/* A ~/.dovecot.sieve written by hand stays the active script, moved into the store. */
static void test_regular_active_kept(void **state)
{
    fixture *f = *state;
    assert_int_equal(mkdir(f->home, 0700), 0);
    FILE *fp = fopen(f->active, "w");
    fputs("fileinto \"old\";\n", fp);
    fclose(fp);
    sg_script_store *st = open_store(f, 0, 0, 0);
    assert_string_equal(link_of(f->active), "sieve/dovecot.orig.sieve");
    assert_string_equal(slurp(f->active), "fileinto \"old\";\n");
    assert_string_equal(listing(f, st), "dovecot.orig*");
    sg_script_store_close(st);
    /* a link elsewhere: no active script here; activating replaces the link */
    assert_int_equal(unlink(f->active), 0);
    assert_int_equal(symlink("/etc/hostname", f->active), 0);
    st = open_store(f, 0, 0, 0);
    assert_string_equal(listing(f, st), "dovecot.orig");
    assert_int_equal(sg_script_store_activate(st, "dovecot.orig", f->err, sizeof f->err), SG_SCRIPTS_OK);
    assert_string_equal(link_of(f->active), "sieve/dovecot.orig.sieve");
    sg_script_store_close(st);
}

/* sieve_dir outside the active link's directory: an absolute link. */
static void test_absolute_link(void **state)
{
    fixture *f = *state;
    snprintf(f->dir, sizeof f->dir, "%s/scripts/u", f->root);
    assert_int_equal(mkdir(f->home, 0700), 0); /* the server makes the home at login */
    sg_script_store *st = open_store(f, 0, 0, 0);
    put(f, st, "x", "keep;\n");
    assert_int_equal(sg_script_store_activate(st, "x", f->err, sizeof f->err), SG_SCRIPTS_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/x.sieve", f->dir);
    assert_string_equal(link_of(f->active), want);
    assert_string_equal(listing(f, st), "x*");
    sg_script_store_close(st);
}

/* Two processes replacing the same script 100 times each while a third
 * reads it: every read is one of the two texts, whole. */
static void test_concurrent(void **state)
{
    fixture *f = *state;
    sg_script_store *st = open_store(f, 0, 3, 0);
    static char a[20000], b[30000];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    put(f, st, "s", "x");
    assert_int_equal(sg_script_store_activate(st, "s", f->err, sizeof f->err), SG_SCRIPTS_OK);
    pid_t w[2];
    for (int k = 0; k < 2; k++) {
        w[k] = fork();
        if (w[k] == 0) {
            sg_script_store *mine = open_store(f, 0, 3, 0);
            char name[16];
            for (int i = 0; i < 100; i++) {
                if (sg_script_store_put(mine, "s", k ? b : a, k ? sizeof b : sizeof a, f->err, sizeof f->err))
                    _exit(1);
                snprintf(name, sizeof name, "n%d", i % 5);
                /* at most 3 scripts, whoever asks */
                sg_script_store_put(mine, name, "keep;", 5, f->err, sizeof f->err);
                sg_script_store_delete(mine, name, f->err, sizeof f->err);
            }
            sg_script_store_close(mine);
            _exit(0);
        }
    }
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        int fd = open(f->active, O_RDONLY);
        assert_true(fd >= 0);
        static char buf[40000];
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        bool whole = (n == 1 && buf[0] == 'x') || (n == (ssize_t)sizeof a && buf[0] == 'a' && buf[n - 1] == 'a') ||
                     (n == (ssize_t)sizeof b && buf[0] == 'b' && buf[n - 1] == 'b');
        bad += !whole;
        sg_arena *arena = sg_arena_new();
        sg_script_info *v;
        size_t count;
        assert_int_equal(sg_script_store_list(st, arena, &v, &count, f->err, sizeof f->err), SG_SCRIPTS_OK);
        bad += count > 3;
        sg_arena_free(arena);
    }
    for (int k = 0; k < 2; k++) {
        int status;
        assert_int_equal(waitpid(w[k], &status, 0), w[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(bad, 0);
    sg_script_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regular_active_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absolute_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
