/* md_support.c - see md_support.h. */
#include "tests/unit_maildir/md_support.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

char *md_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = md_join(base && *base ? base : "/tmp", "sg-maildir-XXXXXX");
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

void md_rmtree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *md_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    assert_non_null(s);
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

typedef struct lines {
    char **items;
    size_t count, cap;
} lines;

static void lines_add(lines *l, char *s)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        assert_non_null(l->items);
    }
    l->items[l->count++] = s;
}

static char *normalize(const char *rel, const regex_t *re)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    regmatch_t m;
    size_t dir = (size_t)(base - rel);
    if (regexec(re, base, 1, &m, 0) != 0 || m.rm_so != 0) {
        char *s = strdup(rel);
        assert_non_null(s);
        return s;
    }
    size_t rest = strlen(base + m.rm_eo);
    char *s = malloc(dir + 5 + rest + 1);
    assert_non_null(s);
    memcpy(s, rel, dir);
    memcpy(s + dir, "<msg>", 5);
    memcpy(s + dir + 5, base + m.rm_eo, rest + 1);
    return s;
}

static void walk(const char *root, const char *rel, lines *out, const regex_t *re)
{
    char *dir = *rel ? md_join(root, rel) : strdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = *rel ? md_join(rel, e->d_name) : strdup(e->d_name);
        char *full = md_join(root, child);
        struct stat st;
        assert_int_equal(lstat(full, &st), 0);
        char *shown = normalize(child, re);
        size_t n = strlen(shown);
        char *line = malloc(n + 2);
        assert_non_null(line);
        memcpy(line, shown, n);
        line[n] = S_ISDIR(st.st_mode) ? '/' : S_ISLNK(st.st_mode) ? '@' : '\0';
        line[n + 1] = '\0';
        lines_add(out, line);
        free(shown);
        if (S_ISDIR(st.st_mode))
            walk(root, child, out, re);
        free(full);
        free(child);
    }
    closedir(d);
    free(dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *md_tree(const char *root)
{
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9]+\\.M[0-9]+P[0-9]+Q[0-9]+\\." MD_HOST, REG_EXTENDED), 0);
    lines l = {0};
    walk(root, "", &l, &re);
    regfree(&re);
    if (l.count)
        qsort(l.items, l.count, sizeof *l.items, cmp_str);
    size_t n = 1;
    for (size_t i = 0; i < l.count; i++)
        n += strlen(l.items[i]) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    size_t o = 0;
    for (size_t i = 0; i < l.count; i++) {
        size_t k = strlen(l.items[i]);
        memcpy(s + o, l.items[i], k);
        s[o + k] = '\n';
        o += k + 1;
        free(l.items[i]);
    }
    s[o] = '\0';
    free(l.items);
    return s;
}

char *md_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void md_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

void md_make_maildir(const char *dir)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    assert_true(mkdir(dir, 0700) == 0 || errno == EEXIST);
    for (size_t i = 0; i < 3; i++) {
        char *p = md_join(dir, subs[i]);
        assert_true(mkdir(p, 0700) == 0 || errno == EEXIST);
        free(p);
    }
}

char *md_only_message(const char *root, const char *sub)
{
    char *dir = md_join(root, sub);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *found = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        assert_null(found);
        found = md_join(dir, e->d_name);
    }
    closedir(d);
    free(dir);
    assert_non_null(found);
    return found;
}

char *md_fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, format);
    vsnprintf(s, (size_t)n + 1, format, ap);
    va_end(ap);
    return s;
}

void md_assert_tree(const char *root, const char *expected)
{
    char *tree = md_tree(root);
    if (strcmp(tree, expected) != 0)
        fprintf(stderr, "tree of %s:\n%s--- expected:\n%s---\n", root, tree, expected);
    assert_string_equal(tree, expected);
    free(tree);
}

void md_assert_file(const char *path, const char *expected)
{
    size_t len = 0;
    char *got = md_read(path, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(expected));
    assert_string_equal(got, expected);
    free(got);
}
