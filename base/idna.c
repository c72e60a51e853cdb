/* idna.c - see idna.h. */
#include "base/idna.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <idn2.h> /* types and flags only: the functions come from dlsym */

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results must fit a function pointer");

typedef int (*lookup_fn)(const uint8_t *, uint8_t **, int);
typedef const char *(*strerror_fn)(int);
typedef void (*free_fn)(void *);

/* POSIX guarantees a data pointer from dlsym converts to a function pointer;
 * memcpy keeps the conversion out of the compiler's way. */
static int resolve(void *h, const char *name, void *fn, size_t size)
{
    void *sym = dlsym(h, name);
    if (sym)
        memcpy(fn, &sym, size);
    return sym != NULL;
}

sg_idna_status sg_idna_to_ascii(const char *domain, char *out, size_t outlen, char *err, size_t errlen)
{
    void *h = dlopen(SG_IDNA_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    lookup_fn lookup = NULL;
    strerror_fn describe = NULL;
    free_fn release = NULL;
    if (!h || !resolve(h, "idn2_lookup_u8", &lookup, sizeof lookup) ||
        !resolve(h, "idn2_strerror", &describe, sizeof describe) || !resolve(h, "idn2_free", &release, sizeof release)) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load " SG_IDNA_LIB_SONAME ": %s", why ? why : "a symbol is missing");
        if (h)
            dlclose(h);
        return SG_IDNA_UNAVAILABLE;
    }
    uint8_t *ascii = NULL;
    int rc = lookup((const uint8_t *)domain, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    sg_idna_status st = SG_IDNA_OK;
    if (rc != IDN2_OK) {
        snprintf(err, errlen, "%s", describe(rc));
        st = SG_IDNA_INVALID;
    } else if (strlen((const char *)ascii) >= outlen) {
        snprintf(err, errlen, "the domain is too long");
        st = SG_IDNA_TOO_LONG;
    } else {
        memcpy(out, ascii, strlen((const char *)ascii) + 1);
    }
    release(ascii);
    dlclose(h); /* RTLD_NODELETE: it stays mapped for the next call */
    return st;
}
