/* sqlite_lib.c - see sqlite_lib.h. */
#include "sqlite_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results must fit a function pointer");

bool sg_sqlite_lib_open(sg_sqlite_lib *lib, char *err, size_t errlen)
{
    memset(lib, 0, sizeof *lib);
    /* RTLD_NODELETE: a delivery uses its stores one after the other (the
     * policy store is closed before the state store is opened); once
     * loaded, the library stays mapped, so the next store's dlopen only
     * counts a reference instead of mapping and relocating it again. */
    void *h = dlopen(SG_SQLITE_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load " SG_SQLITE_LIB_SONAME ": %s", why ? why : "unknown error");
        return false;
    }
    void *sym;
    /* POSIX guarantees a data pointer from dlsym converts to a function
     * pointer; memcpy keeps the conversion out of the compiler's way. */
#define SG_SQLITE_RESOLVE(name, ret, params)                                                                      \
    dlerror();                                                                                                    \
    sym = dlsym(h, "sqlite3_" #name);                                                                             \
    if (!sym) {                                                                                                   \
        const char *why = dlerror();                                                                              \
        snprintf(err, errlen, "cannot load " SG_SQLITE_LIB_SONAME ": no symbol sqlite3_" #name " (%s)",           \
                 why ? why : "null");                                                                             \
        dlclose(h);                                                                                               \
        memset(lib, 0, sizeof *lib);                                                                              \
        return false;                                                                                             \
    }                                                                                                             \
    memcpy(&lib->name, &sym, sizeof lib->name);
    SG_SQLITE_FUNCTIONS(SG_SQLITE_RESOLVE)
#undef SG_SQLITE_RESOLVE
    lib->handle = h;
    /* Before anything else uses the library (sqlite_lib.h says why); once it
     * is initialised these answer SQLITE_MISUSE, which changes nothing. */
    (void)lib->config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
    (void)lib->config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
    return true;
}

void sg_sqlite_lib_close(sg_sqlite_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
