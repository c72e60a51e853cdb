/* list_store.c - the file-backed list store (sieve_extlists_dir) and the
 * list-name to file-name mapping; see list_store.h. */
#include "engine/core/list_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "engine/core/compare.h"
#include "engine/core/ids.h"

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

bool sg_list_name_valid(const char *name, size_t len)
{
    if (!name || len < 2)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F)
            return false;
    if (name[0] == ':') /* a short name: ":addrbook:personal" */
        return true;
    /* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' and something */
    if (!is_alpha((unsigned char)name[0]))
        return false;
    size_t i = 1;
    while (i < len && (is_alpha((unsigned char)name[i]) || is_digit((unsigned char)name[i]) || name[i] == '+' ||
                       name[i] == '-' || name[i] == '.'))
        i++;
    return i < len - 1 && name[i] == ':';
}

static bool kept(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("-_~:@,+=", c));
}

bool sg_list_file_name(const char *name, size_t len, char *out, size_t outlen)
{
    if (!sg_list_name_valid(name, len) || outlen == 0)
        return false;
    size_t max = outlen - 1 < 255 ? outlen - 1 : 255; /* NAME_MAX */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (kept(c) || (c == '.' && i > 0)) {
            if (n + 1 > max)
                return false;
            out[n++] = (char)c;
        } else {
            if (n + 3 > max)
                return false;
            out[n++] = '%';
            sg_hex_byte(c, true, out + n);
            n += 2;
        }
    }
    out[n] = '\0';
    return true;
}

void sg_list_dir_init(sg_list_dir *d, const char *dir, sg_arena *arena)
{
    memset(d, 0, sizeof *d);
    d->dir = dir && *dir ? dir : NULL;
    d->arena = arena;
}

/* Reads the whole file (regular files only, at most SG_LIST_MAX_FILE_SIZE). */
static char *read_list_file(sg_list_dir *d, const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > SG_LIST_MAX_FILE_SIZE) {
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = sg_arena_alloc_bytes(d->arena, cap);
    while (n < cap - 1) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits the file into members: one a line, trimmed; '#' lines and empty lines skipped. */
static void split_members(sg_list_dir *d, char *text, size_t len, sg_list_cached *c)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    c->members = sg_arena_alloc(d->arena, lines * sizeof *c->members);
    c->count = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        char *s = p, *e = eol;
        while (s < e && is_blank(*s))
            s++;
        while (e > s && is_blank(e[-1]))
            e--;
        if (e > s && *s != '#' && !memchr(s, '\0', (size_t)(e - s)))
            c->members[c->count++] = sg_arena_strndup(d->arena, s, (size_t)(e - s));
        p = nl ? nl + 1 : end;
    }
}

/* The list, read on first use; NULL when the run already holds too many. */
static const sg_list_cached *load(sg_list_dir *d, const char *name)
{
    for (size_t i = 0; i < d->ncached; i++)
        if (strcmp(d->cache[i].name, name) == 0)
            return &d->cache[i];
    if (d->ncached == SG_LIST_MAX_CACHED)
        return NULL;
    sg_list_cached *c = &d->cache[d->ncached++];
    c->name = sg_arena_strdup(d->arena, name);
    c->members = NULL;
    c->count = 0;
    char file[256];
    if (!d->dir || !sg_list_file_name(name, strlen(name), file, sizeof file))
        return c;
    size_t plen = strlen(d->dir) + 1 + strlen(file) + 1;
    char *path = sg_arena_alloc_bytes(d->arena, plen);
    snprintf(path, plen, "%s/%s", d->dir, file);
    size_t len = 0;
    char *text = read_list_file(d, path, &len);
    if (text)
        split_members(d, text, len, c);
    return c;
}

static int dir_lookup(void *ctx, const char *list, const char *value, size_t len, int comparator)
{
    const sg_list_cached *c = load(ctx, list);
    if (!c || !c->members)
        return -1;
    for (size_t i = 0; i < c->count; i++)
        if (sg_match(SG_MATCH_IS, SG_REL_NONE, comparator, value, len, c->members[i], strlen(c->members[i]), NULL))
            return 1;
    return 0;
}

static bool dir_valid(void *ctx, const char *list)
{
    const sg_list_cached *c = load(ctx, list);
    return c && c->members;
}

static bool dir_members(void *ctx, const char *list, const char *const **members, size_t *n)
{
    const sg_list_cached *c = load(ctx, list);
    if (!c || !c->members)
        return false;
    *members = c->members;
    *n = c->count;
    return true;
}

sg_list_store sg_list_dir_store(sg_list_dir *d)
{
    return (sg_list_store){.lookup = dir_lookup, .valid = dir_valid, .members = dir_members, .ctx = d};
}
