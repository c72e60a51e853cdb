/* lint.h - a script's text checked for its owner, as `sievegate check -u`
 * and ManageSieve's CHECKSCRIPT and PUTSCRIPT check it: one implementation,
 * so both give the same diagnostics with the same words.
 *
 * Takes: the registry, the parser's limits, the include storage (RFC 6609;
 * may be NULL), optionally a forwarding policy and its owner, and the
 * script's bytes. Returns: the diagnostics, sorted by position, and true
 * when there is no error.
 *
 * What is checked: the grammar and validation against the registry (the
 * same as delivery compiles), then, when a policy is given and the script
 * is valid, every literal redirect target and every recipient of a literal
 * mailto notification (enotify, RFC 5435; policy.md: a notification is a
 * forward to each of them), decided by policy/decide.h as delivery decides
 * it: blocked ("policy-block"), never happening ("policy-skip") as warnings,
 * a target that cannot be forwarded to ("invalid-address") as an error. A
 * target built from variables is decided only at delivery.
 */
#ifndef SG_LINT_H
#define SG_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "grammar/diag.h"
#include "grammar/parse.h"
#include "policy/policy.h"

struct sg_registry;
struct sg_includes;

typedef struct sg_lint {
    const struct sg_registry *reg;
    const sg_limits *limits;
    struct sg_includes *includes; /* where include finds scripts; NULL: none */
    const sg_policy *policy;      /* NULL: no policy warnings */
    const char *owner;            /* whose forwards they are (local@domain) */
} sg_lint;

/* Checks buf[0..len); buf[len] and buf[len + 1] must be 0 (sg_parse_buffer:
 * the scanner works in place and leaves buf as it was). `name` is the
 * script's name for diagnostics of includes. The diagnostics are added to
 * diags and sorted. */
bool sg_lint_script(const sg_lint *l, const char *name, char *buf, size_t len, sg_diags *diags);

#endif
