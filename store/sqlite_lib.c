/* sqlite_lib.c - see sqlite_lib.h. */
#include "store/sqlite_lib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "base/dl_load.h"

static const sg_dl_symbol symbols[] = {
#define SG_SQLITE_SYMBOL(name, ret, params) {"sqlite3_" #name, offsetof(sg_sqlite_lib, name)},
    SG_SQLITE_FUNCTIONS(SG_SQLITE_SYMBOL)
#undef SG_SQLITE_SYMBOL
};

bool sg_sqlite_lib_open(sg_sqlite_lib *lib, char *err, size_t errlen)
{
    /* RTLD_NODELETE: a delivery uses its stores one after the other (the
     * policy store is closed before the state store is opened); once
     * loaded, the library stays mapped, so the next store's dlopen only
     * counts a reference instead of mapping and relocating it again. */
    void *h = sg_dl_load_table(SG_SQLITE_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                               sizeof symbols / sizeof *symbols, lib, sizeof *lib, err, errlen);
    if (!h)
        return false;
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
