/* include.h - the scripts an "include" command names (RFC 6609 §3.2), found,
 * parsed and validated when the including script is validated (as Pigeonhole
 * does at compile time).
 *
 * Takes: where personal and global scripts live (a directory each: the script
 * "NAME" is the file NAME.sieve in it, as Pigeonhole's file storage has it)
 * and the limits. Returns: per include command, the compiled script (attached
 * to the command's binding, see sg_validator_set_data), or NULL for a missing
 * :optional one; errors (missing script, loop, limits, errors inside the
 * included script with that script's file name) go to the validator's
 * diagnostics. Each script is loaded once per sg_includes and owned by it:
 * free it after the last run of a script that was validated with it.
 */
#ifndef SG_INCLUDE_H
#define SG_INCLUDE_H

#include <stdbool.h>

#include "grammar/ast.h"

#define SG_INCLUDE_DEFAULT_MAX_NESTING_DEPTH 10u /* Pigeonhole sieve_include_max_nesting_depth */
#define SG_INCLUDE_DEFAULT_MAX_INCLUDES 255u     /* Pigeonhole sieve_include_max_includes */

typedef struct sg_include_config {
    const char *personal_dir; /* :personal scripts; NULL: none can be found */
    const char *global_dir;   /* :global scripts; NULL: none configured */
    unsigned max_nesting_depth; /* 0: the default */
    unsigned max_includes;      /* different scripts in all; 0: the default */
} sg_include_config;

typedef struct sg_includes sg_includes;

/* Copies the configuration's strings. */
sg_includes *sg_includes_new(const sg_include_config *cfg);
void sg_includes_free(sg_includes *inc);

/* The script being validated is the personal script `name` (its file is
 * NAME.sieve in the personal directory): including it again is a loop. */
void sg_includes_mark_main(sg_includes *inc, const char *name);

struct sg_validator;
/* For the include command's validation hook: resolves `name` (§3.2), loads
 * and validates it once, and attaches the result to `node`. */
void sg_includes_compile(struct sg_validator *v, sg_node *node, bool global, const char *name, bool once,
                         bool optional);

/* RFC 5804 §1.6 script names, without '/' (a file name in one directory). */
bool sg_include_name_valid(const char *name);

#endif
