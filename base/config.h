/* config.h - sievegate.conf: "KEY = VALUE" lines, '#' comments, and
 * "-o KEY=VALUE" overrides (as dovecot-lda's -o), checked against a table of
 * known keys (sg_config_key: name, type, default, allowed values, help).
 *
 * Takes: a file path, override strings and the key table. Returns: a
 * key/value table where every value has been checked, with errors naming
 * FILE:LINE (or "-o") and the key.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>


#define SG_DEFAULT_CONFIG_PATH "/etc/sievegate/sievegate.conf"

typedef struct sg_config sg_config;

typedef enum {
    SG_CONFIG_OK = 0,
    SG_CONFIG_MISSING, /* file does not exist */
    SG_CONFIG_UNREADABLE,
    SG_CONFIG_SYNTAX,
} sg_config_status;

sg_config *sg_config_new(void);
void sg_config_free(sg_config *cfg);

/* Loads a file; later keys override earlier ones. On failure `err` says why
 * (with FILE:LINE for syntax errors). */
sg_config_status sg_config_load(sg_config *cfg, const char *path, char *err, size_t errlen);

/* Applies "KEY=VALUE" (spaces around '=' allowed). */
bool sg_config_override(sg_config *cfg, const char *assignment, char *err, size_t errlen);

bool sg_config_set(sg_config *cfg, const char *key, const char *value);
/* The number of keys set, and the i-th in the order they were first set. */
size_t sg_config_count(const sg_config *cfg);
void sg_config_at(const sg_config *cfg, size_t i, const char **key, const char **value);
/* Where a key was set: "FILE:LINE", "-o", or NULL (unset or set by the program). */
const char *sg_config_origin(const sg_config *cfg, const char *key, char *buf, size_t buflen);

/* ---- the table of keys ---- */

typedef enum {
    SG_KEY_STRING,   /* any text */
    SG_KEY_PATH,     /* a path template: ~, %u, %n, %d, %% (sg_config_expand) */
    SG_KEY_SIZE,     /* bytes, with K/M/G (sg_parse_size); `allowed` may give "MIN.." */
    SG_KEY_UINT,     /* a whole number; `allowed` gives "MIN..MAX" */
    SG_KEY_NUMBER,   /* a decimal number >= 0 ("0.5") */
    SG_KEY_DURATION, /* seconds, or with s/m/h/d (sg_parse_duration) */
    SG_KEY_YESNO,    /* yes | no */
    SG_KEY_ENUM,     /* one of `allowed` ("a|b|c") */
} sg_key_type;

enum {
    SG_KEY_NUMBERED = 1, /* NAME, NAME2 .. NAME<max_index> are the one key (sieve_before2) */
    SG_KEY_INDEXED = 2,  /* NAME0 .. NAME<max_index> (sieve_spamtest_text_value3); NAME is not */
};

typedef struct sg_config_key {
    const char *section; /* the heading it is documented under */
    const char *name;
    sg_key_type type;
    const char *def;     /* the default as written in the file; NULL: unset */
    const char *allowed; /* SG_KEY_ENUM: "a|b|c"; SG_KEY_UINT/SIZE: "MIN..MAX" or "MIN.."; else NULL */
    const char *help;    /* one line */
    unsigned flags;
    unsigned max_index; /* SG_KEY_NUMBERED, SG_KEY_INDEXED: the highest number */
    /* A check the type cannot express (NULL: none): false with a reason in err. */
    bool (*check)(const char *value, char *err, size_t errlen);
} sg_config_key;

/* The key of the table that `name` is (NAME2 of a numbered key), or NULL. */
const sg_config_key *sg_config_key_find(const sg_config_key *keys, size_t n, const char *name);
/* Checks one value against its key; false with the reason (no origin). */
bool sg_config_key_check(const sg_config_key *key, const char *value, char *err, size_t errlen);
/* Checks every key set: each is in the table and its value fits. On the first
 * failure returns false with "ORIGIN: ..." in err (ORIGIN "FILE:LINE" or
 * "-o"), naming the closest known key for an unknown one. */
bool sg_config_validate(const sg_config *cfg, const sg_config_key *keys, size_t n, char *err, size_t errlen);
/* The value, or NULL when the key is unset. */
const char *sg_config_get(const sg_config *cfg, const char *key);

/* A whole number from min to max: *out left alone when the key is unset
 * (the caller's default), false with "invalid value for KEY: ..." when it is
 * not such a number. */
bool sg_config_get_uint(const sg_config *cfg, const char *key, unsigned min, unsigned max, unsigned *out, char *err,
                        size_t errlen);

/* Parses a size such as "1M", "512K", "100" (bytes). */
bool sg_parse_size(const char *text, size_t *out);

/* Parses a duration as Pigeonhole writes one: seconds, or a number followed
 * by s, m, h or d ("12h", "2d"). */
bool sg_parse_duration(const char *text, unsigned long long *out);

/* Expands a path template (cli.md "Configuration file"): a leading "~" is the
 * home directory, %u the user, %n its local part, %d its domain, %% a '%'.
 * Returns a malloc'ed string (the caller frees it), or NULL for an unknown
 * "%x" (then *bad gets that character). */
char *sg_config_expand(const char *tmpl, const char *home, const char *user, char *bad);


#endif
