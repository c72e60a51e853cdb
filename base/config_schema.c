/* config_schema.c - checking a configuration against its table of keys
 * (config.h, sg_config_key): every key known, every value of its type.
 *
 * Takes: a loaded sg_config and the table. Returns: true, or false with one
 * message "ORIGIN: KEY: why" (ORIGIN is "FILE:LINE" or "-o").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/edit_distance.h"

/* The number after `base` in `name` (name = base + decimal digits, no
 * leading zero but "0" itself), or -1. */
static long name_index(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || !name[n] || (name[n] == '0' && name[n + 1]) || strlen(name + n) > 4)
        return -1;
    for (const char *p = name + n; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return strtol(name + n, NULL, 10);
}

const sg_config_key *sg_config_key_find(const sg_config_key *keys, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const sg_config_key *k = &keys[i];
        if (!(k->flags & SG_KEY_INDEXED) && strcmp(k->name, name) == 0)
            return k;
        long idx = k->flags & (SG_KEY_NUMBERED | SG_KEY_INDEXED) ? name_index(name, k->name) : -1;
        if (idx < 0 || idx > (long)k->max_index)
            continue;
        if ((k->flags & SG_KEY_INDEXED) || idx >= 2) /* sieve_before2: "sieve_before1" is not a key */
            return k;
    }
    return NULL;
}

/* "MIN..MAX" / "MIN.." of a number or size; false when absent. */
static bool range(const char *allowed, bool sizes, unsigned long long *min, unsigned long long *max)
{
    *min = 0;
    *max = (unsigned long long)-1;
    if (!allowed)
        return false;
    const char *dots = strstr(allowed, "..");
    if (!dots)
        return false;
    char lo[32];
    snprintf(lo, sizeof lo, "%.*s", (int)(dots - allowed), allowed);
    size_t s;
    if (sizes ? sg_parse_size(lo, &s) : (s = strtoull(lo, NULL, 10), true))
        *min = s;
    if (dots[2]) {
        if (sizes && sg_parse_size(dots + 2, &s))
            *max = s;
        else if (!sizes)
            *max = strtoull(dots + 2, NULL, 10);
    }
    return true;
}

static bool in_enum(const char *allowed, const char *value)
{
    size_t vlen = strlen(value);
    for (const char *p = allowed; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vlen && strncmp(p, value, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* "a|b|c" as "a, b or c" for messages. */
static void enum_words(const char *allowed, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = allowed; p && *p && o < outlen;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        const char *sep = p == allowed ? "" : bar ? ", " : " or ";
        int w = snprintf(out + o, outlen - o, "%s%.*s", sep, (int)n, p);
        o += w > 0 ? (size_t)w : 0;
        p = bar ? bar + 1 : NULL;
    }
}

bool sg_config_key_check(const sg_config_key *key, const char *value, char *err, size_t errlen)
{
    unsigned long long min, max, n = 0;
    bool ranged = false, ok = true;
    const char *expected = NULL;
    char words[256];
    switch (key->type) {
    case SG_KEY_STRING:
        break;
    case SG_KEY_PATH: {
        char bad = 0;
        char *s = sg_config_expand(value, "", "u@d", &bad);
        free(s);
        if (!s) {
            snprintf(err, errlen, "%s: unknown variable %%%c in \"%s\" (known: ~, %%u, %%n, %%d, %%%%)", key->name,
                     bad, value);
            return false;
        }
        break;
    }
    case SG_KEY_SIZE: {
        size_t s;
        ok = sg_parse_size(value, &s);
        n = s;
        ranged = range(key->allowed, true, &min, &max);
        expected = "a size (bytes, or with K, M or G)";
        break;
    }
    case SG_KEY_UINT: {
        char *end;
        errno = 0;
        n = strtoull(value, &end, 10);
        ok = *value >= '0' && *value <= '9' && !*end && !errno;
        ranged = range(key->allowed, false, &min, &max);
        expected = "a whole number";
        break;
    }
    case SG_KEY_NUMBER: {
        char *end;
        errno = 0;
        double d = strtod(value, &end);
        ok = *value >= '0' && *value <= '9' && !*end && !errno && d >= 0;
        expected = "a number (e.g. 2 or 0.5)";
        break;
    }
    case SG_KEY_DURATION:
        ok = sg_parse_duration(value, &n);
        expected = "a duration (seconds, or with s, m, h or d)";
        break;
    case SG_KEY_YESNO:
        ok = strcmp(value, "yes") == 0 || strcmp(value, "no") == 0;
        expected = "yes or no";
        break;
    case SG_KEY_ENUM:
        ok = in_enum(key->allowed, value);
        enum_words(key->allowed, words, sizeof words);
        expected = words;
        break;
    }
    if (!ok) {
        snprintf(err, errlen, "%s: \"%s\" is not %s%s", key->name, value,
                 key->type == SG_KEY_ENUM ? "one of " : "", expected);
        return false;
    }
    if (ranged && (n < min || n > max)) {
        if (max == (unsigned long long)-1)
            snprintf(err, errlen, "%s: \"%s\" is below the minimum %s", key->name, value, key->allowed);
        else
            snprintf(err, errlen, "%s: \"%s\" is out of the range %s", key->name, value, key->allowed);
        return false;
    }
    if (key->check) {
        char why[400] = "";
        if (!key->check(value, why, sizeof why)) {
            snprintf(err, errlen, "%s: \"%s\": %s", key->name, value, why);
            return false;
        }
    }
    return true;
}

bool sg_config_validate(const sg_config *cfg, const sg_config_key *keys, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < sg_config_count(cfg); i++) {
        const char *name, *value;
        sg_config_at(cfg, i, &name, &value);
        char where[4300];
        const char *origin = sg_config_origin(cfg, name, where, sizeof where);
        const sg_config_key *key = sg_config_key_find(keys, n, name);
        if (!key) {
            const char *best = NULL;
            size_t best_dist = 3;
            for (size_t k = 0; k < n; k++) {
                size_t d = sg_edit_distance(name, keys[k].name);
                if (d < best_dist)
                    best_dist = d, best = keys[k].name;
            }
            if (best)
                snprintf(err, errlen, "%s: unknown key '%s' (did you mean '%s'?)", origin ? origin : "", name, best);
            else
                snprintf(err, errlen, "%s: unknown key '%s'", origin ? origin : "", name);
            return false;
        }
        char why[600];
        if (!sg_config_key_check(key, value, why, sizeof why)) {
            snprintf(err, errlen, "%s: %s", origin ? origin : "", why);
            return false;
        }
    }
    return true;
}
