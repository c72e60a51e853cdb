/* json.h - minimal JSON text output (RFC 8259) for machine formats (the CLI, the servers). */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a JSON string; invalid UTF-8 becomes U+FFFD. */
void sg_json_string(FILE *out, const char *s);
void sg_json_string_n(FILE *out, const char *s, size_t len);

#endif
