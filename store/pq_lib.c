/* pq_lib.c - see pq_lib.h. */
#include "store/pq_lib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "base/dl_load.h"

static const sg_dl_symbol symbols[] = {
#define SG_PQ_SYMBOL(name, ret, params) {"PQ" #name, offsetof(sg_pq_lib, name)},
    SG_PQ_FUNCTIONS(SG_PQ_SYMBOL)
#undef SG_PQ_SYMBOL
};

bool sg_pq_lib_open(sg_pq_lib *lib, char *err, size_t errlen)
{
    /* RTLD_NODELETE: the policy store and the audit log connect one after
     * the other; the second dlopen only counts a reference. */
    void *h = sg_dl_load_table(SG_PQ_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                               sizeof symbols / sizeof *symbols, lib, sizeof *lib, err, errlen);
    if (!h)
        return false;
    lib->handle = h;
    return true;
}

void sg_pq_lib_close(sg_pq_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
