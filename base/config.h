/* config.h - sievegate.conf: "KEY = VALUE" lines, '#' comments, and
 * "-o KEY=VALUE" overrides (as dovecot-lda's -o).
 *
 * Takes: a file path and override strings. Returns: a key/value table and the
 * typed values the pipeline needs (limits), with errors naming file and line.
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
/* The value, or NULL when the key is unset. */
const char *sg_config_get(const sg_config *cfg, const char *key);

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
