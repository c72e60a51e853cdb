/* include.c - see include.h. RFC 6609 §3.2. */
#include "engine/core/include.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grammar/parse.h"
#include "base/read_fd.h"
#include "engine/core/validate.h"

typedef struct entry {
    bool global;
    char *name;
    char *path;
    char *source; /* the file, with two NUL bytes after it (sg_parse_buffer) */
    sg_script *script;
    bool compiling; /* on the stack of scripts being validated: including it again is a loop */
    bool valid;
} entry;

struct sg_includes {
    char *personal_dir, *global_dir;
    unsigned max_depth, max_includes;
    entry **items; /* separately allocated: validation recurses while the list grows */
    size_t count, cap;
    unsigned depth;
};

sg_includes *sg_includes_new(const sg_include_config *cfg)
{
    sg_includes *inc = sg_xmalloc(sizeof *inc);
    memset(inc, 0, sizeof *inc);
    inc->personal_dir = cfg->personal_dir ? sg_xstrdup(cfg->personal_dir) : NULL;
    inc->global_dir = cfg->global_dir ? sg_xstrdup(cfg->global_dir) : NULL;
    inc->max_depth = cfg->max_nesting_depth ? cfg->max_nesting_depth : SG_INCLUDE_DEFAULT_MAX_NESTING_DEPTH;
    inc->max_includes = cfg->max_includes ? cfg->max_includes : SG_INCLUDE_DEFAULT_MAX_INCLUDES;
    return inc;
}

void sg_includes_free(sg_includes *inc)
{
    if (!inc)
        return;
    for (size_t i = 0; i < inc->count; i++) {
        entry *e = inc->items[i];
        sg_script_free(e->script);
        free(e->name);
        free(e->path);
        free(e->source);
        free(e);
    }
    free(inc->items);
    free(inc->personal_dir);
    free(inc->global_dir);
    free(inc);
}

bool sg_include_name_valid(const char *name)
{
    if (!*name || strlen(name) > 255)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7F || *p == '/')
            return false;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) /* U+0080..U+009F */
            return false;
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) /* U+2028, U+2029 */
            return false;
    }
    return name[0] != '.'; /* no hidden files, no "." or ".." */
}

/* Reads a whole regular file up to max bytes; returns 0, errno, or EFBIG. */
static int read_script(const char *path, size_t max, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno ? errno : EINVAL;
        close(fd);
        return e;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return EFBIG;
    }
    int e = sg_read_fd(fd, (size_t)st.st_size, max, data, len);
    close(fd);
    if (e)
        return e;
    if (*len > max) {
        free(*data);
        *data = NULL;
        return EFBIG;
    }
    return 0;
}

static entry *find(sg_includes *inc, bool global, const char *name)
{
    for (size_t i = 0; i < inc->count; i++)
        if (inc->items[i]->global == global && strcmp(inc->items[i]->name, name) == 0)
            return inc->items[i];
    return NULL;
}

static entry *add_entry(sg_includes *inc, bool global, const char *name)
{
    if (inc->count == inc->cap) {
        inc->cap = inc->cap ? inc->cap * 2 : 8;
        inc->items = sg_xrealloc(inc->items, inc->cap * sizeof *inc->items);
    }
    entry *e = sg_xmalloc(sizeof *e);
    memset(e, 0, sizeof *e);
    e->global = global;
    e->name = sg_xstrdup(name);
    inc->items[inc->count++] = e;
    return e;
}

void sg_includes_mark_main(sg_includes *inc, const char *name)
{
    if (find(inc, false, name))
        return;
    entry *e = add_entry(inc, false, name);
    /* Never done: an include of it is a loop, or with :once already included (§3.2). */
    e->compiling = true;
    e->valid = true;
}

static const char *where(bool global)
{
    return global ? "global" : "personal";
}

void sg_includes_compile(sg_validator *v, sg_node *node, bool global, const char *name, bool once, bool optional)
{
    sg_includes *inc = v->includes;
    if (!inc) {
        sg_error(v->diags, node->loc, "include-unavailable",
                 "cannot include \"%s\": no script storage is configured here", name);
        return;
    }
    entry *e = find(inc, global, name);
    if (e) {
        if (e->compiling && !once) {
            /* §3.2: only "include :once" may name a script that is being included. */
            sg_error(v->diags, node->loc, "include-loop",
                     "circular include: %s script \"%s\" includes itself (directly or through others; "
                     "use :once if this is intended)",
                     where(global), name);
            return;
        }
        if (!e->compiling && !e->valid)
            sg_error(v->diags, node->loc, "include-invalid", "included %s script \"%s\" has errors (%s)",
                     where(global), name, e->path);
        sg_validator_set_data(v, node, e->script);
        return;
    }
    const char *dir = global ? inc->global_dir : inc->personal_dir;
    if (!dir) {
        if (!optional)
            sg_error(v->diags, node->loc, "include-not-found",
                     "included %s script \"%s\" does not exist (no %s script location is configured%s)",
                     where(global), name, where(global), global ? ": set sieve_global" : "");
        return;
    }
    if (inc->depth + 1 > inc->max_depth) {
        sg_error(v->diags, node->loc, "limit-include-depth",
                 "cannot include \"%s\": includes are nested too deeply (more than limit "
                 "sieve_include_max_nesting_depth %u)",
                 name, inc->max_depth);
        return;
    }
    if (inc->count >= inc->max_includes) {
        sg_error(v->diags, node->loc, "limit-includes",
                 "cannot include \"%s\": too many included scripts (more than limit sieve_include_max_includes %u)",
                 name, inc->max_includes);
        return;
    }
    size_t plen = strlen(dir) + strlen(name) + 8;
    char *path = sg_xmalloc(plen);
    snprintf(path, plen, "%s/%s.sieve", dir, name);
    char *src = NULL;
    size_t len = 0;
    int err = read_script(path, v->limits->max_script_size, &src, &len);
    if (err == ENOENT && optional) { /* §3.2: as if the include were not there */
        free(path);
        return;
    }
    if (err) {
        if (err == ENOENT)
            sg_error(v->diags, node->loc, "include-not-found", "included %s script \"%s\" does not exist (%s)",
                     where(global), name, path);
        else if (err == EFBIG)
            sg_error(v->diags, node->loc, "limit-script-size",
                     "included %s script \"%s\" is too large (more than limit max_script_size %zu)", where(global),
                     name, v->limits->max_script_size);
        else
            sg_error(v->diags, node->loc, "include-unreadable", "cannot read included %s script \"%s\" (%s): %s",
                     where(global), name, path, strerror(err));
        free(path);
        return;
    }
    e = add_entry(inc, global, name);
    e->path = path;
    e->source = src;

    /* The included script's own diagnostics name its file. */
    const char *outer_file = v->diags->file;
    size_t errors_before = v->diags->errors;
    v->diags->file = path;
    e->compiling = true;
    e->script = sg_parse_buffer(path, src, len, v->limits, v->diags);
    inc->depth++;
    sg_validate_with(v->reg, e->script, v->limits, v->diags, inc);
    inc->depth--;
    e->compiling = false;
    v->diags->file = outer_file;
    e->valid = v->diags->errors == errors_before;
    if (!e->valid)
        sg_error(v->diags, node->loc, "include-invalid", "included %s script \"%s\" has errors (%s)", where(global),
                 name, path);
    sg_validator_set_data(v, node, e->script);
}
