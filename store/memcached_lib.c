/* memcached_lib.c - see memcached_lib.h. */
#include "store/memcached_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "base/dl_load.h"

bool sg_memcached_lib_open(sg_memcached_lib *lib, char *err, size_t errlen)
{
    memset(lib, 0, sizeof *lib);
    void *h = sg_dl_open(SG_MEMCACHED_LIB_SONAME, RTLD_NOW | RTLD_LOCAL, err, errlen);
    bool ok = h != NULL;
#define SG_MEMCACHED_RESOLVE(name, ret, params)                                                                   \
    ok = ok && sg_dl_resolve(h, SG_MEMCACHED_LIB_SONAME, "memcached_" #name, &lib->name, sizeof lib->name, err, errlen);
    SG_MEMCACHED_FUNCTIONS(SG_MEMCACHED_RESOLVE)
#undef SG_MEMCACHED_RESOLVE
    if (!ok) {
        if (h)
            dlclose(h);
        memset(lib, 0, sizeof *lib);
        return false;
    }
    lib->handle = h;
    return true;
}

void sg_memcached_lib_close(sg_memcached_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
