/* idna.h - a domain's IDNA A-label form (RFC 5891 §5, UTS #46
 * non-transitional mapping, which also case-folds), through libidn2 loaded
 * at run time.
 *
 * Takes: a NUL-terminated UTF-8 domain. Returns: its A-label form in `out`
 * (NUL-terminated), or why it is not a valid IDN, or that libidn2 cannot be
 * loaded.
 *
 * Why at run time: nearly all mail names ASCII domains, which never need
 * IDNA, and libidn2 brings libunistring with it; a delivery that never loads
 * them starts faster and smaller (issue 6's memory target). The library is
 * dlopen()ed at each call with RTLD_NODELETE, so after the first call it
 * stays mapped and a later dlopen only finds it again: no state of ours
 * outlives a call.
 */
#ifndef SG_IDNA_H
#define SG_IDNA_H

#include <stddef.h>

#define SG_IDNA_LIB_SONAME "libidn2.so.0"

typedef enum {
    SG_IDNA_OK = 0,
    SG_IDNA_INVALID,     /* not a valid internationalized domain name: `err` says why */
    SG_IDNA_TOO_LONG,    /* valid, but the A-label form does not fit in `out` */
    SG_IDNA_UNAVAILABLE, /* libidn2 cannot be loaded: `err` says why */
} sg_idna_status;

sg_idna_status sg_idna_to_ascii(const char *domain, char *out, size_t outlen, char *err, size_t errlen);

#endif
