/* memcached_lib.c - see memcached_lib.h. */
#include "store/memcached_lib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "base/dl_load.h"

static const sg_dl_symbol symbols[] = {
#define SG_MEMCACHED_SYMBOL(name, ret, params) {"memcached_" #name, offsetof(sg_memcached_lib, name)},
    SG_MEMCACHED_FUNCTIONS(SG_MEMCACHED_SYMBOL)
#undef SG_MEMCACHED_SYMBOL
};

bool sg_memcached_lib_open(sg_memcached_lib *lib, char *err, size_t errlen)
{
    void *h = sg_dl_load_table(SG_MEMCACHED_LIB_SONAME, RTLD_NOW | RTLD_LOCAL, symbols,
                               sizeof symbols / sizeof *symbols, lib, sizeof *lib, err, errlen);
    if (!h)
        return false;
    lib->handle = h;
    return true;
}

void sg_memcached_lib_close(sg_memcached_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
