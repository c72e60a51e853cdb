/* diag.c - see diag.h. */
#include "grammar/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

void sg_diags_init(sg_diags *d, size_t max_errors)
{
    memset(d, 0, sizeof *d);
    d->max_errors = max_errors;
}

void sg_diags_clear(sg_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].message);
        free(d->items[i].file);
    }
    free(d->items);
    size_t max = d->max_errors;
    sg_diags_init(d, max);
}

void sg_diag_add(sg_diags *d, sg_severity sev, sg_loc loc, const char *code, const char *fmt,
                 va_list ap)
{
    if (sev == SG_SEV_ERROR && d->max_errors && d->errors >= d->max_errors) {
        d->truncated = true;
        d->errors++;
        return;
    }
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = sg_xrealloc(d->items, d->cap * sizeof *d->items);
    }
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    sg_diag *item = &d->items[d->count++];
    item->severity = sev;
    item->loc = loc;
    item->code = code;
    item->message = sg_xstrdup(buf);
    item->file = d->file ? sg_xstrdup(d->file) : NULL;
    if (sev == SG_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
}

void sg_error(sg_diags *d, sg_loc loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sg_diag_add(d, SG_SEV_ERROR, loc, code, fmt, ap);
    va_end(ap);
}

void sg_warning(sg_diags *d, sg_loc loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sg_diag_add(d, SG_SEV_WARNING, loc, code, fmt, ap);
    va_end(ap);
}

static int diag_before(const sg_diag *x, const sg_diag *y)
{
    if (!x->file != !y->file)
        return !x->file;
    int c = x->file ? strcmp(x->file, y->file) : 0;
    if (c)
        return c < 0;
    sg_loc a = x->loc, b = y->loc;
    return a.line < b.line || (a.line == b.line && a.column < b.column);
}

void sg_diags_sort(sg_diags *d)
{
    /* Insertion sort: stable, and the list is nearly sorted already. */
    for (size_t i = 1; i < d->count; i++) {
        sg_diag tmp = d->items[i];
        size_t j = i;
        while (j > 0 && diag_before(&tmp, &d->items[j - 1])) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = tmp;
    }
}
