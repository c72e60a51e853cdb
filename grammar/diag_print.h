/* diag_print.h - diagnostics for people (gcc style, with the source line and
 * a caret) and for programs (JSON), as docs/cli.md specifies. */
#ifndef SG_DIAG_PRINT_H
#define SG_DIAG_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "grammar/diag.h"

void sg_print_diags_text(FILE *out, const char *file, const char *source, size_t len, const sg_diags *d);
void sg_print_diags_json(FILE *out, const char *file, const sg_diags *d);

#endif
