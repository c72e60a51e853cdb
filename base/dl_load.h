/* dl_load.h - loading a shared library at run time, for the libraries a
 * process needs only now and then (store/sqlite_lib.h, store/memcached_lib.h,
 * base/hash.h say why each is loaded late).
 *
 * Takes: a soname and dlopen flags; then the names of the functions to
 * resolve into the caller's function pointers, one by one or as a table.
 * Returns: the handle, or NULL / false with err naming the library and
 * dlerror()'s text: "cannot load SONAME: WHY" or "cannot load SONAME: no
 * symbol NAME (WHY)". No state of its own: the caller owns the handle and
 * dlclose()s it. */
#ifndef SG_DL_LOAD_H
#define SG_DL_LOAD_H

#include <stdbool.h>
#include <stddef.h>

void *sg_dl_open(const char *soname, int flags, char *err, size_t errlen);

/* Stores the address of `name` into the function pointer at fn (of `size`
 * bytes: sizeof the pointer). */
bool sg_dl_resolve(void *handle, const char *soname, const char *name, void *fn, size_t size, char *err,
                   size_t errlen);

/* One function of a table: its name, and the offset in the caller's struct
 * of the function pointer it goes to (offsetof). */
typedef struct sg_dl_symbol {
    const char *name;
    size_t offset;
} sg_dl_symbol;

/* Zeroes the struct at table (size bytes), loads soname and resolves every
 * symbol into it. Returns the handle; or NULL, with err, the library let go
 * and the struct zeroed again. */
void *sg_dl_load_table(const char *soname, int flags, const sg_dl_symbol *symbols, size_t n, void *table,
                       size_t size, char *err, size_t errlen);

#endif
