/* diag_print.c - see diag_print.h. */
#include "grammar/diag_print.h"

#include <string.h>

#include "base/json.h"

#define SHOW_COLUMNS 160 /* longest excerpt of a source line shown under a diagnostic */

/* Start and end offsets of line `line` (1-based) in source, scanning from a
 * remembered position because diagnostics come sorted. */
static bool find_line(const char *src, size_t len, uint32_t line, size_t *pos, uint32_t *at, size_t *start,
                      size_t *end)
{
    while (*at < line) {
        const char *nl = memchr(src + *pos, '\n', len - *pos);
        if (!nl)
            return false;
        *pos = (size_t)(nl - src) + 1;
        (*at)++;
    }
    *start = *pos;
    const char *nl = memchr(src + *pos, '\n', len - *pos);
    *end = nl ? (size_t)(nl - src) : len;
    if (*end > *start && src[*end - 1] == '\r')
        (*end)--;
    return true;
}

/* Prints the line and a caret under `column`, keeping tabs so the caret lines up. */
static void print_excerpt(FILE *out, const char *s, size_t len, uint32_t column)
{
    /* Byte offset of the column (columns count code points). */
    size_t caret = 0;
    for (uint32_t col = 1; caret < len && col < column; col++) {
        caret++;
        while (caret < len && ((unsigned char)s[caret] & 0xC0) == 0x80)
            caret++;
    }
    size_t from = 0;
    if (caret > SHOW_COLUMNS / 2) {
        from = caret - SHOW_COLUMNS / 2;
        while (from < caret && ((unsigned char)s[from] & 0xC0) == 0x80)
            from++;
    }
    size_t to = len - from > SHOW_COLUMNS ? from + SHOW_COLUMNS : len;
    while (to > from && to < len && ((unsigned char)s[to] & 0xC0) == 0x80)
        to--;
    if (from > 0)
        fputs("...", out);
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c < 0x20 && c != '\t' ? '?' : c, out);
    }
    if (to < len)
        fputs("...", out);
    fputc('\n', out);
    if (from > 0)
        fputs("   ", out);
    for (size_t i = from; i < caret && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t')
            fputc('\t', out);
        else if ((c & 0xC0) != 0x80)
            fputc(' ', out);
    }
    fputs("^\n", out);
}

void sg_print_diags_text(FILE *out, const char *file, const char *source, size_t len, const sg_diags *d)
{
    size_t pos = 0;
    uint32_t at = 1;
    for (size_t i = 0; i < d->count; i++) {
        const sg_diag *g = &d->items[i];
        const char *sev = g->severity == SG_SEV_ERROR ? "error" : "warning";
        const char *where = g->file ? g->file : file; /* an included script's (RFC 6609) */
        if (g->loc.line == 0) {
            fprintf(out, "%s: %s: %s\n", where, sev, g->message);
            continue;
        }
        fprintf(out, "%s:%u:%u: %s: %s\n", where, g->loc.line, g->loc.column, sev, g->message);
        if (g->file)
            continue; /* its source is not at hand */
        size_t start, end;
        if (g->loc.line < at) { /* not sorted: rescan */
            pos = 0;
            at = 1;
        }
        if (source && find_line(source, len, g->loc.line, &pos, &at, &start, &end))
            print_excerpt(out, source + start, end - start, g->loc.column);
    }
    if (d->truncated)
        fprintf(out, "%s: note: too many errors; %zu more not shown\n", file, d->errors - d->max_errors);
}

void sg_print_diags_lines(FILE *out, const sg_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const sg_diag *g = &d->items[i];
        const char *sev = g->severity == SG_SEV_ERROR ? "error" : "warning";
        if (g->file)
            fprintf(out, "%s: ", g->file);
        if (g->loc.line)
            fprintf(out, "line %u, column %u: ", g->loc.line, g->loc.column);
        fprintf(out, "%s: %s\n", sev, g->message);
    }
    if (d->truncated)
        fprintf(out, "too many errors; %zu more not shown\n", d->errors - d->max_errors);
}

void sg_print_diags_json(FILE *out, const char *file, const sg_diags *d)
{
    fputs("{\"file\": ", out);
    sg_json_string(out, file);
    fprintf(out, ", \"valid\": %s, \"diagnostics\": [", d->errors ? "false" : "true");
    for (size_t i = 0; i < d->count; i++) {
        const sg_diag *g = &d->items[i];
        fprintf(out, "%s{\"severity\": \"%s\", \"line\": %u, \"column\": %u, \"message\": ", i ? ", " : "",
                g->severity == SG_SEV_ERROR ? "error" : "warning", g->loc.line, g->loc.column);
        sg_json_string(out, g->message);
        fputs(", \"code\": ", out);
        sg_json_string(out, g->code);
        if (g->file) { /* in an included script (RFC 6609) */
            fputs(", \"file\": ", out);
            sg_json_string(out, g->file);
        }
        fputc('}', out);
    }
    fputs("]}", out);
}
