/* diag.h - located diagnostics (errors and warnings) for one script.
 *
 * Takes: severity, file position, a short machine code and a printf-style message.
 * Returns: an ordered list the CLI prints as gcc-style text or JSON.
 * Messages are owned by the list (malloc), independent of any arena.
 */
#ifndef SG_DIAG_H
#define SG_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

typedef struct sg_loc {
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in characters (UTF-8 code points) */
} sg_loc;

typedef enum { SG_SEV_ERROR, SG_SEV_WARNING } sg_severity;

typedef struct sg_diag {
    sg_severity severity;
    sg_loc loc;
    const char *code; /* static short id, e.g. "unknown-command" */
    char *message;
    char *file; /* another script's (an included one, RFC 6609), or NULL: the script checked */
} sg_diag;

typedef struct sg_diags {
    sg_diag *items;
    size_t count, cap;
    size_t errors, warnings;
    size_t max_errors; /* 0 = unlimited; past it further errors are dropped */
    bool truncated;
    /* Not owned: while set, new diagnostics are about this file (an included
     * script) rather than the script checked; each keeps a copy. */
    const char *file;
} sg_diags;

void sg_diags_init(sg_diags *d, size_t max_errors);
void sg_diags_clear(sg_diags *d);

void sg_error(sg_diags *d, sg_loc loc, const char *code, const char *fmt, ...) SG_PRINTF(4, 5);
void sg_warning(sg_diags *d, sg_loc loc, const char *code, const char *fmt, ...) SG_PRINTF(4, 5);
void sg_diag_add(sg_diags *d, sg_severity sev, sg_loc loc, const char *code, const char *fmt,
                 va_list ap) SG_PRINTF(5, 0);

/* Orders diagnostics by position (stable), as a reader expects: the checked
 * script's first, then each other file's, by file name. */
void sg_diags_sort(sg_diags *d);

#endif
