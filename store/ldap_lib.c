/* ldap_lib.c - see ldap_lib.h. */
#include "store/ldap_lib.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "base/dl_load.h"

static const sg_dl_symbol symbols[] = {
#define SG_LDAP_SYMBOL(name, ret, params) {"ldap_" #name, offsetof(sg_ldap_lib, name)},
    SG_LDAP_FUNCTIONS(SG_LDAP_SYMBOL)
#undef SG_LDAP_SYMBOL
};

bool sg_ldap_lib_open(sg_ldap_lib *lib, char *err, size_t errlen)
{
    /* RTLD_NODELETE: the groups and the userdb each hold a client; the
     * second dlopen only counts a reference. */
    void *h = sg_dl_load_table(SG_LDAP_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                               sizeof symbols / sizeof *symbols, lib, sizeof *lib, err, errlen);
    if (!h)
        return false;
    lib->handle = h;
    return true;
}

void sg_ldap_lib_close(sg_ldap_lib *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}
