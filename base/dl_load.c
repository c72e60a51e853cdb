/* dl_load.c - see dl_load.h. */
#include "base/dl_load.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results must fit a function pointer");

void *sg_dl_open(const char *soname, int flags, char *err, size_t errlen)
{
    void *h = dlopen(soname, flags);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s: %s", soname, why ? why : "unknown error");
    }
    return h;
}

bool sg_dl_resolve(void *handle, const char *soname, const char *name, void *fn, size_t size, char *err,
                   size_t errlen)
{
    dlerror();
    void *sym = dlsym(handle, name);
    if (!sym || size != sizeof sym) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s: no symbol %s (%s)", soname, name, why ? why : "null");
        return false;
    }
    /* POSIX guarantees a data pointer from dlsym converts to a function
     * pointer; memcpy keeps the conversion out of the compiler's way. */
    memcpy(fn, &sym, sizeof sym);
    return true;
}

void *sg_dl_load_table(const char *soname, int flags, const sg_dl_symbol *symbols, size_t n, void *table,
                       size_t size, char *err, size_t errlen)
{
    memset(table, 0, size);
    void *h = sg_dl_open(soname, flags, err, errlen);
    for (size_t i = 0; h && i < n; i++) {
        if (!sg_dl_resolve(h, soname, symbols[i].name, (char *)table + symbols[i].offset, sizeof(void *), err,
                           errlen)) {
            dlclose(h);
            h = NULL;
            memset(table, 0, size);
        }
    }
    return h;
}
