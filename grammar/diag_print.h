/* diag_print.h - diagnostics for people (gcc style, with the source line and
 * a caret) and for programs (JSON), as docs/cli.md specifies. */
#ifndef SG_DIAG_PRINT_H
#define SG_DIAG_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "grammar/diag.h"

void sg_print_diags_text(FILE *out, const char *file, const char *source, size_t len, const sg_diags *d);
void sg_print_diags_json(FILE *out, const char *file, const sg_diags *d);
/* One line each, without the file or the source excerpt, for a protocol
 * answer (ManageSieve, RFC 5804 §2.6: "line N" of every error): "line 3,
 * column 16: warning: MESSAGE"; an included script's names it first
 * ("FILE: line 2, column 1: error: ..."); a diagnostic with no position is
 * "error: MESSAGE". Each line ends with "\n". */
void sg_print_diags_lines(FILE *out, const sg_diags *d);

#endif
