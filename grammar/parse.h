/* parse.h - lexer + parser entry point.
 *
 * Takes: a script's bytes and limits. Returns: an sg_script (possibly partial
 * after syntax errors) and diagnostics for every lexical and syntax error found.
 * Reentrant: no global state, two scripts may be parsed at once.
 */
#ifndef SG_PARSE_H
#define SG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grammar/ast.h"
#include "grammar/diag.h"

typedef struct sg_limits {
    size_t max_script_size;   /* bytes; default 1 MiB */
    size_t max_string_length; /* bytes; default 1 MiB */
    uint32_t max_nesting;     /* blocks and tests; default 32 */
    uint32_t max_arguments;   /* per command or test; default 32 */
} sg_limits;

#define SG_DEFAULT_MAX_SCRIPT_SIZE (1024u * 1024u)
#define SG_DEFAULT_MAX_STRING_LENGTH (1024u * 1024u)
#define SG_DEFAULT_MAX_NESTING 32u
#define SG_DEFAULT_MAX_ARGUMENTS 32u

void sg_limits_default(sg_limits *limits);

/* Parses `len` bytes of `source` (not modified, need not be NUL-terminated).
 * Always returns a script (free with sg_script_free); it is usable only when
 * no error was added to `diags`. */
sg_script *sg_parse(const char *name, const char *source, size_t len, const sg_limits *limits,
                    sg_diags *diags);

/* The same without copying: buf[len] and buf[len + 1] must be 0, and the
 * scanner writes into buf while it runs (it is as it was on return). */
sg_script *sg_parse_buffer(const char *name, char *buf, size_t len, const sg_limits *limits, sg_diags *diags);

struct sg_config;
/* Reads max_script_size, max_string_length, max_nesting, max_arguments from
 * the configuration (grammar/limits_config.c); false with err on a bad value. */
bool sg_config_limits(const struct sg_config *cfg, sg_limits *limits, char *err, size_t errlen);

#endif
