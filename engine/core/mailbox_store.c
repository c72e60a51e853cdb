/* mailbox_store.c - the fixed-list and Maildir mailbox stores and the
 * special-use table; see mailbox_store.h. */
#include "engine/core/mailbox_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "engine/deliver/maildir.h"
#include "engine/core/result.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static const char *trimmed(sg_arena *arena, const char *s, size_t n)
{
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    return sg_arena_strndup(arena, s, n);
}

/* RFC 6154 §2 / RFC 3501 §9: "\" atom; atom-specials are "(){ %*"\]" and controls. */
bool sg_special_use_valid(const char *use)
{
    if (!use || use[0] != '\\' || !use[1])
        return false;
    for (const unsigned char *p = (const unsigned char *)use + 1; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || strchr("(){%*\"\\]", *p))
            return false;
    return true;
}

bool sg_special_use_parse(const char *text, sg_arena *arena, sg_special_use **out, size_t *n, char *err,
                          size_t errlen)
{
    size_t cap = 1;
    for (const char *p = text ? text : ""; *p; p++)
        cap += *p == ';';
    sg_special_use *t = sg_arena_alloc(arena, cap * sizeof *t);
    size_t k = 0;
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *entry = trimmed(arena, p, len);
        p += len + (end ? 1 : 0);
        if (!*entry)
            continue;
        const char *colon = strrchr(entry, ':');
        if (!colon || colon == entry) {
            snprintf(err, errlen, "mailbox_special_use: \"%s\" is not NAME:\\Use", entry);
            return false;
        }
        const char *uses = trimmed(arena, colon + 1, strlen(colon + 1));
        /* every attribute must be valid */
        char *copy = sg_arena_strdup(arena, uses);
        bool any = false;
        for (char *w = strtok(copy, " \t"); w; w = strtok(NULL, " \t")) {
            if (!sg_special_use_valid(w)) {
                snprintf(err, errlen, "mailbox_special_use: \"%s\" is not a special-use attribute (\\Name)", w);
                return false;
            }
            any = true;
        }
        if (!any) {
            snprintf(err, errlen, "mailbox_special_use: \"%s\" names no attribute", entry);
            return false;
        }
        t[k].mailbox = trimmed(arena, entry, (size_t)(colon - entry));
        t[k].uses = uses;
        k++;
    }
    *out = t;
    *n = k;
    return true;
}

static bool has_use(const char *uses, const char *use)
{
    size_t n = strlen(use);
    for (const char *p = uses; *p;) {
        while (is_space(*p))
            p++;
        const char *s = p;
        while (*p && !is_space(*p))
            p++;
        if ((size_t)(p - s) == n && strncasecmp(s, use, n) == 0)
            return true;
    }
    return false;
}

bool sg_special_use_lookup(const sg_special_use *uses, size_t n, const char *name, const char *use,
                           const char **found)
{
    for (size_t i = 0; i < n; i++) {
        if (name && !sg_mailbox_equal(uses[i].mailbox, name))
            continue;
        if (has_use(uses[i].uses, use)) {
            if (found)
                *found = uses[i].mailbox;
            return true;
        }
    }
    return false;
}

/* ---- the fixed list ---- */

static void list_add(sg_mailbox_list *l, const char *name)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **n = sg_arena_alloc(l->arena, cap * sizeof *n);
        if (l->count)
            memcpy(n, l->names, l->count * sizeof *n);
        l->names = n;
        l->cap = cap;
    }
    l->names[l->count++] = sg_arena_strdup(l->arena, name);
}

void sg_mailbox_list_init(sg_mailbox_list *l, sg_arena *arena, const char *names, const sg_special_use *uses,
                          size_t nuses)
{
    memset(l, 0, sizeof *l);
    l->arena = arena;
    l->uses = uses;
    l->nuses = nuses;
    list_add(l, "INBOX");
    const char *p = names ? names : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *name = trimmed(arena, p, len);
        if (*name)
            list_add(l, name);
        p += len + (end ? 1 : 0);
    }
}

static bool list_exists(void *ctx, const char *name)
{
    sg_mailbox_list *l = ctx;
    for (size_t i = 0; i < l->count; i++)
        if (sg_mailbox_equal(l->names[i], name))
            return true;
    return false;
}

static bool list_create(void *ctx, const char *name, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (!list_exists(ctx, name))
        list_add(ctx, name);
    return true;
}

static bool list_special_use(void *ctx, const char *name, const char *use, const char **found)
{
    sg_mailbox_list *l = ctx;
    const char *f = NULL;
    /* only a mailbox that exists has attributes */
    if (!sg_special_use_lookup(l->uses, l->nuses, name, use, &f) || !list_exists(l, f))
        return false;
    if (found)
        *found = f;
    return true;
}

sg_mailbox_store sg_mailbox_list_store(sg_mailbox_list *l)
{
    sg_mailbox_store s = {list_exists, list_create, list_special_use, NULL, l};
    return s;
}

/* ---- the Maildir ---- */

static bool maildir_exists(void *ctx, const char *name)
{
    const sg_maildir_store *m = ctx;
    return sg_maildir_folder_exists(m->root, name);
}

static bool maildir_create(void *ctx, const char *name, char *err, size_t errlen)
{
    const sg_maildir_store *m = ctx;
    sg_maildir_error e;
    if (sg_maildir_folder_create(m->root, name, &e) == SG_MAILDIR_OK)
        return true;
    snprintf(err, errlen, "%s", e.message);
    return false;
}

/* As delivery refuses it (engine/deliver/maildir.c opens folders with
 * O_NOFOLLOW): a folder that is a symbolic link or not a directory. */
static bool maildir_refused(void *ctx, const char *name, char *why, size_t whylen)
{
    const sg_maildir_store *m = ctx;
    char dir[512];
    sg_maildir_error e;
    if (sg_maildir_folder_dir(name, dir, sizeof dir, &e) != SG_MAILDIR_OK || !*dir)
        return false; /* a bad name is the caller's to refuse; INBOX is the root */
    size_t n = strlen(m->root) + strlen(dir) + 2;
    char *path = sg_xmalloc(n);
    snprintf(path, n, "%s/%s", m->root, dir);
    struct stat st;
    bool bad = lstat(path, &st) == 0 && !S_ISDIR(st.st_mode);
    if (bad)
        snprintf(why, whylen, "mailbox \"%s\" refused: %s is %s", name, path,
                 S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
    free(path);
    return bad;
}

static bool maildir_special_use(void *ctx, const char *name, const char *use, const char **found)
{
    const sg_maildir_store *m = ctx;
    const char *f = NULL;
    if (!sg_special_use_lookup(m->uses, m->nuses, name, use, &f) || !sg_maildir_folder_exists(m->root, f))
        return false;
    if (found)
        *found = f;
    return true;
}

sg_mailbox_store sg_maildir_store_of(sg_maildir_store *m)
{
    sg_mailbox_store s = {maildir_exists, maildir_create, maildir_special_use, maildir_refused, m};
    return s;
}
