/* validate.h - checks a parsed script against the extension registry.
 *
 * Takes: an AST from grammar/parse.h (also one recovered after syntax errors,
 * so one run reports every error), the registry and limits.
 * Returns: true when the script is usable: no error in `diags` at all, the
 * parser's included; adds located diagnostics otherwise.
 * On success every node has `def` (what it is) and `bound` (its tags and
 * positional arguments sorted out), which is what the interpreter reads.
 * RFC 5228 §2.6 (arguments), §3 (control commands), §8 (grammar).
 */
#ifndef SG_VALIDATE_H
#define SG_VALIDATE_H

#include <stdbool.h>

#include "grammar/parse.h"
#include "engine/core/registry.h"

typedef struct sg_bound_tag {
    const sg_tag_def *def;
    const sg_arg *arg;   /* the tag itself */
    const sg_arg *param; /* its argument, or NULL */
} sg_bound_tag;

typedef struct sg_bound {
    /* Positional arguments follow the tags (RFC 5228 §2.6.2), so they are the
     * first positional one and its `next`s: see sg_positional_arg(). */
    const sg_arg *first_positional;
    sg_bound_tag *tags; /* command-specific tags, in source order */
    const sg_class_member *match;
    const sg_arg *match_param;
    const sg_class_member *addrpart;
    const sg_class_member *comparator;
    uint8_t npositional;
    uint8_t ntags;
    bool comparator_given; /* ":comparator" seen, even if its name was unknown */
    const void *data;      /* what a validate hook prepared (include: the compiled script) */
} sg_bound;

/* The i-th positional argument (0-based), or NULL. */
static inline const sg_arg *sg_positional_arg(const sg_bound *b, unsigned i)
{
    if (i >= b->npositional)
        return NULL;
    const sg_arg *a = b->first_positional;
    while (i-- > 0)
        a = a->next;
    return a;
}

struct sg_includes;

typedef struct sg_validator {
    const sg_registry *reg;
    struct sg_includes *includes; /* RFC 6609 script loading, or NULL (engine/core/include.h) */
    const sg_limits *limits;
    sg_diags *diags;
    sg_script *script;
    bool *enabled; /* per registry extension index: required by the script */
    uint32_t block_depth, test_depth;
    /* Error recovery may have dropped an 'if' before an 'elsif': don't blame the elsif. */
    bool after_syntax_error;
    /* Names are interned by the scanner, so a name's pointer identifies it:
     * a small direct-mapped cache spares the registry search for each node. */
    struct {
        const char *name;
        const sg_command_def *def;
        const sg_extension *owner;
    } lookup_cache[64];
} sg_validator;

bool sg_validate(const sg_registry *reg, sg_script *script, const sg_limits *limits, sg_diags *diags);
/* The same, with the scripts "include" may name (RFC 6609): they are parsed
 * and validated now, and their diagnostics carry their file name. */
bool sg_validate_with(const sg_registry *reg, sg_script *script, const sg_limits *limits, sg_diags *diags,
                      struct sg_includes *includes);

/* For extension hooks. */
bool sg_validator_enabled(const sg_validator *v, const char *extension);
const sg_bound_tag *sg_bound_tag_find(const sg_bound *b, const char *name);
/* Attaches what a hook prepared to the node's binding (read back as b->data). */
void sg_validator_set_data(sg_validator *v, sg_node *node, const void *data);
/* RFC 5322 §3.6.8 field-name: printable ASCII but ':', at least one. */
bool sg_header_name_valid(const char *name, size_t len);

#endif
