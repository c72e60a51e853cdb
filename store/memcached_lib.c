/* memcached_lib.c - see memcached_lib.h. */
#include "memcached_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results must fit a function pointer");

bool sg_memcached_lib_open(sg_memcached_lib *lib, char *err, size_t errlen)
{
    memset(lib, 0, sizeof *lib);
    void *h = dlopen(SG_MEMCACHED_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load " SG_MEMCACHED_LIB_SONAME ": %s", why ? why : "unknown error");
        return false;
    }
    void *sym;
    /* POSIX guarantees a data pointer from dlsym converts to a function
     * pointer; memcpy keeps the conversion out of the compiler's way. */
#define SG_MEMCACHED_RESOLVE(name, ret, params)                                                                   \
    dlerror();                                                                                                    \
    sym = dlsym(h, "memcached_" #name);                                                                           \
    if (!sym) {                                                                                                   \
        const char *why = dlerror();                                                                              \
        snprintf(err, errlen, "cannot load " SG_MEMCACHED_LIB_SONAME ": no symbol memcached_" #name " (%s)",      \
                 why ? why : "null");                                                                             \
        dlclose(h);                                                                                               \
        memset(lib, 0, sizeof *lib);                                                                              \
        return false;                                                                                             \
    }                                                                                                             \
    memcpy(&lib->name, &sym, sizeof lib->name);
    SG_MEMCACHED_FUNCTIONS(SG_MEMCACHED_RESOLVE)
#undef SG_MEMCACHED_RESOLVE
    lib->handle = h;
    return true;
}

void sg_memcached_lib_close(sg_memcached_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
