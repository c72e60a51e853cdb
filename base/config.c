/* config.c - see config.h. */
#include "base/config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

typedef struct {
    char *key, *value;
    char *origin; /* "FILE:LINE", "-o", or NULL (set by the program) */
} kv;

struct sg_config {
    kv *items;
    size_t count, cap;
};

sg_config *sg_config_new(void)
{
    sg_config *cfg = sg_xmalloc(sizeof *cfg);
    memset(cfg, 0, sizeof *cfg);
    return cfg;
}

void sg_config_free(sg_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->items[i].key);
        free(cfg->items[i].value);
        free(cfg->items[i].origin);
    }
    free(cfg->items);
    free(cfg);
}

/* Sets key to value, remembering where it came from (origin is copied). */
static void set_from(sg_config *cfg, const char *key, const char *value, const char *origin)
{
    kv *item = NULL;
    for (size_t i = 0; i < cfg->count && !item; i++)
        if (strcmp(cfg->items[i].key, key) == 0)
            item = &cfg->items[i];
    if (!item) {
        if (cfg->count == cfg->cap) {
            cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
            cfg->items = sg_xrealloc(cfg->items, cfg->cap * sizeof *cfg->items);
        }
        item = &cfg->items[cfg->count++];
        item->key = sg_xstrdup(key);
    } else {
        free(item->value);
        free(item->origin);
    }
    item->value = sg_xstrdup(value);
    item->origin = origin ? sg_xstrdup(origin) : NULL;
}

bool sg_config_set(sg_config *cfg, const char *key, const char *value)
{
    set_from(cfg, key, value, NULL);
    return true;
}

size_t sg_config_count(const sg_config *cfg)
{
    return cfg->count;
}

void sg_config_at(const sg_config *cfg, size_t i, const char **key, const char **value)
{
    *key = cfg->items[i].key;
    *value = cfg->items[i].value;
}

const char *sg_config_origin(const sg_config *cfg, const char *key, char *buf, size_t buflen)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->items[i].key, key) == 0 && cfg->items[i].origin) {
            snprintf(buf, buflen, "%s", cfg->items[i].origin);
            return buf;
        }
    return NULL;
}

const char *sg_config_get(const sg_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->items[i].key, key) == 0)
            return cfg->items[i].value;
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static bool valid_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_' ||
              *k == '-' || *k == '.'))
            return false;
    return true;
}

/* Splits "KEY = VALUE" in place; returns NULL on a malformed line. */
static const char *split(char *line, char **key)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return NULL;
    *eq = '\0';
    *key = trim(line);
    if (!valid_key(*key))
        return NULL;
    return trim(eq + 1);
}

sg_config_status sg_config_load(sg_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return e == ENOENT ? SG_CONFIG_MISSING : SG_CONFIG_UNREADABLE;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    sg_config_status status = SG_CONFIG_OK;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *key;
        const char *value = split(s, &key);
        if (!value) {
            snprintf(err, errlen, "%s:%u: expected KEY = VALUE", path, lineno);
            status = SG_CONFIG_SYNTAX;
            break;
        }
        char origin[4200];
        snprintf(origin, sizeof origin, "%s:%u", path, lineno);
        set_from(cfg, key, value, origin);
    }
    if (status == SG_CONFIG_OK && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        status = SG_CONFIG_UNREADABLE;
    }
    free(line);
    fclose(f);
    return status;
}

bool sg_config_override(sg_config *cfg, const char *assignment, char *err, size_t errlen)
{
    char *copy = sg_xstrdup(assignment);
    char *key;
    const char *value = split(copy, &key);
    bool ok = value != NULL;
    if (ok)
        set_from(cfg, key, value, "-o");
    else
        snprintf(err, errlen, "-o %s: expected KEY=VALUE", assignment);
    free(copy);
    return ok;
}

bool sg_parse_size(const char *text, size_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10, end++; break;
    case 'm': case 'M': shift = 20, end++; break;
    case 'g': case 'G': shift = 30, end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)(v << shift);
    return true;
}

bool sg_parse_duration(const char *text, unsigned long long *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10), unit = 1;
    if (errno)
        return false;
    switch (*end) {
    case 's': case 'S': end++; break;
    case 'm': case 'M': unit = 60, end++; break;
    case 'h': case 'H': unit = 3600, end++; break;
    case 'd': case 'D': unit = 86400, end++; break;
    default: break;
    }
    if (*end != '\0' || v > ULLONG_MAX / unit)
        return false;
    *out = v * unit;
    return true;
}

/* A tiny growable string for sg_config_expand. */
typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = sg_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

char *sg_config_expand(const char *tmpl, const char *home, const char *user, char *bad)
{
    strbuf b = {NULL, 0, 0};
    sb_add(&b, "", 0);
    const char *at = user ? strchr(user, '@') : NULL;
    for (const char *p = tmpl; *p; p++) {
        /* "~" at the start of the value or of a location's path ("maildir:~/Maildir",
         * Pigeonhole's "file:~/sieve;active=~/.dovecot.sieve"). */
        if (*p == '~' && (p == tmpl || p[-1] == ':' || p[-1] == '=') && (p[1] == '/' || p[1] == '\0' || p[1] == ':')) {
            sb_add(&b, home ? home : "", home ? strlen(home) : 0);
            continue;
        }
        if (*p != '%') {
            sb_add(&b, p, 1);
            continue;
        }
        switch (*++p) {
        case 'u': sb_add(&b, user ? user : "", user ? strlen(user) : 0); break;
        case 'n': sb_add(&b, user ? user : "", user ? (at ? (size_t)(at - user) : strlen(user)) : 0); break;
        case 'd': sb_add(&b, at ? at + 1 : "", at ? strlen(at + 1) : 0); break;
        case '%': sb_add(&b, "%", 1); break;
        default:
            if (bad)
                *bad = *p ? *p : '%';
            free(b.s);
            return NULL;
        }
        if (!*p)
            break;
    }
    return b.s;
}

bool sg_config_get_uint(const sg_config *cfg, const char *key, unsigned min, unsigned max, unsigned *out, char *err,
                        size_t errlen)
{
    const char *v = sg_config_get(cfg, key);
    if (!v)
        return true;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || n < min || n > max) {
        snprintf(err, errlen, "invalid value for %s: \"%s\" (expected a number from %u to %u)", key, v, min, max);
        return false;
    }
    *out = (unsigned)n;
    return true;
}
