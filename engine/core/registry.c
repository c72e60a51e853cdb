/* registry.c - sorted indexes over the built-in extension tables; see registry.h. */
#include "engine/core/registry.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

typedef struct {
    const char *key;  /* command name, "command:tag" or comparator/tag name */
    const void *item; /* sg_command_def, sg_tag_extension or sg_class_member */
    const sg_extension *owner;
    int cls; /* for members */
} entry;

typedef struct {
    entry *items;
    size_t count;
} index_t;

struct sg_registry {
    const sg_extension *const *extensions;
    size_t nextensions;
    index_t commands, tags, members;
    char *keybuf; /* "command:tag" keys */
    bool *disabled; /* per extension: turned off by the configuration (sieve_extensions) */
};

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->cls - y->cls;
}

static void index_add(index_t *ix, size_t *cap, entry e)
{
    if (ix->count == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        ix->items = sg_xrealloc(ix->items, *cap * sizeof *ix->items);
    }
    ix->items[ix->count++] = e;
}

static const entry *index_find(const index_t *ix, const char *key, int cls)
{
    entry probe = {key, NULL, NULL, cls};
    return bsearch(&probe, ix->items, ix->count, sizeof *ix->items, entry_cmp);
}

sg_registry *sg_registry_new(void)
{
    sg_registry *reg = sg_xmalloc(sizeof *reg);
    memset(reg, 0, sizeof *reg);
    reg->extensions = sg_builtin_extensions;
    reg->nextensions = sg_builtin_extension_count;

    size_t keylen = 0;
    for (size_t i = 0; i < reg->nextensions; i++) {
        const sg_extension *ext = reg->extensions[i];
        for (size_t t = 0; t < ext->ntags; t++)
            keylen += strlen(ext->tags[t].command) + strlen(ext->tags[t].tag.name) + 2;
    }
    reg->keybuf = sg_xmalloc(keylen + 1);
    reg->disabled = sg_xmalloc(reg->nextensions ? reg->nextensions : 1);
    memset(reg->disabled, 0, reg->nextensions ? reg->nextensions : 1);
    char *kp = reg->keybuf;

    size_t ccap = 0, tcap = 0, mcap = 0;
    for (size_t i = 0; i < reg->nextensions; i++) {
        const sg_extension *ext = reg->extensions[i];
        for (size_t c = 0; c < ext->ncommands; c++)
            index_add(&reg->commands, &ccap, (entry){ext->commands[c].name, &ext->commands[c], ext, 0});
        for (size_t t = 0; t < ext->ntags; t++) {
            const sg_tag_extension *te = &ext->tags[t];
            size_t n = strlen(te->command);
            memcpy(kp, te->command, n);
            kp[n] = ':';
            strcpy(kp + n + 1, te->tag.name);
            index_add(&reg->tags, &tcap, (entry){kp, te, ext, 0});
            kp += strlen(kp) + 1;
        }
        for (size_t m = 0; m < ext->nmembers; m++)
            index_add(&reg->members, &mcap,
                      (entry){ext->members[m].name, &ext->members[m], ext, (int)ext->members[m].cls});
    }
    qsort(reg->commands.items, reg->commands.count, sizeof(entry), entry_cmp);
    qsort(reg->tags.items, reg->tags.count, sizeof(entry), entry_cmp);
    qsort(reg->members.items, reg->members.count, sizeof(entry), entry_cmp);
    return reg;
}

void sg_registry_free(sg_registry *reg)
{
    if (!reg)
        return;
    free(reg->commands.items);
    free(reg->tags.items);
    free(reg->members.items);
    free(reg->keybuf);
    free(reg->disabled);
    free(reg);
}

size_t sg_registry_extension_count(const sg_registry *reg)
{
    return reg->nextensions;
}

const sg_extension *sg_registry_extension_at(const sg_registry *reg, size_t index)
{
    return index < reg->nextensions ? reg->extensions[index] : NULL;
}

const char *sg_registry_name_at(const sg_registry *reg, size_t index)
{
    const sg_extension *ext = sg_registry_extension_at(reg, index);
    return ext ? ext->name : NULL;
}

int sg_registry_extension_index(const sg_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->nextensions; i++)
        if (reg->extensions[i]->name && !reg->disabled[i] && strcmp(reg->extensions[i]->name, name) == 0)
            return (int)i;
    return -1;
}

int sg_registry_index_of(const sg_registry *reg, const sg_extension *ext)
{
    for (size_t i = 0; i < reg->nextensions; i++)
        if (reg->extensions[i] == ext)
            return (int)i;
    return -1;
}

const sg_command_def *sg_registry_command(const sg_registry *reg, const char *name,
                                          const sg_extension **owner)
{
    const entry *e = index_find(&reg->commands, name, 0);
    if (!e)
        return NULL;
    if (owner)
        *owner = e->owner;
    return e->item;
}

void sg_registry_each_command(const sg_registry *reg,
                              void (*fn)(void *data, const sg_command_def *def), void *data)
{
    for (size_t i = 0; i < reg->commands.count; i++)
        fn(data, reg->commands.items[i].item);
}

const sg_tag_extension *sg_registry_tag_extension(const sg_registry *reg, const char *command,
                                                  const char *tag, const sg_extension **owner)
{
    char key[128];
    size_t n = strlen(command), m = strlen(tag);
    if (n + m + 2 > sizeof key)
        return NULL;
    memcpy(key, command, n);
    key[n] = ':';
    memcpy(key + n + 1, tag, m + 1);
    const entry *e = index_find(&reg->tags, key, 0);
    if (!e)
        return NULL;
    if (owner)
        *owner = e->owner;
    return e->item;
}

const sg_class_member *sg_registry_member(const sg_registry *reg, sg_tag_class cls,
                                          const char *name, const sg_extension **owner)
{
    const entry *e = index_find(&reg->members, name, (int)cls);
    if (!e)
        return NULL;
    if (owner)
        *owner = e->owner;
    return e->item;
}

bool sg_registry_set_enabled(sg_registry *reg, const char *name, bool enabled)
{
    for (size_t i = 0; i < reg->nextensions; i++) {
        if (reg->extensions[i]->name && strcmp(reg->extensions[i]->name, name) == 0) {
            reg->disabled[i] = !enabled;
            return true;
        }
    }
    return false;
}

bool sg_registry_disabled_at(const sg_registry *reg, size_t index)
{
    return index < reg->nextensions && reg->disabled[index];
}
