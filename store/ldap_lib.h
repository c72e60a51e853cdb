/* ldap_lib.h - libldap (OpenLDAP's client library), loaded at run time.
 *
 * As libpq (store/pq_lib.h): only a host configured with a directory
 * (ldap_uri, store/ldap_dir.h) ever connects, and there only a lookup that
 * misses the in-process cache; linked, every process would relocate libldap
 * and its chain (liblber, libsasl2, GnuTLS). The directory client loads it
 * through this module at its first search, RTLD_NODELETE.
 *
 * sg_ldap_lib_open takes an empty sg_ldap_lib (owned by the caller) and
 * resolves the functions below into its pointers: true with everything
 * filled in, or false with the struct empty and err "cannot load
 * libldap-2.5.so.0: ...". sg_ldap_lib_close lets the library go and empties
 * the struct; it accepts an empty one. No global state.
 *
 * ldap.h is used for the types and constants only (compile time). */
#ifndef SG_STORE_LDAP_LIB_H
#define SG_STORE_LDAP_LIB_H

#include <stdbool.h>
#include <stddef.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>

#define SG_LDAP_LIB_SONAME "libldap-2.5.so.0"

/* X(field, return type, parameters): the function ldap_<field>. */
#define SG_LDAP_FUNCTIONS(X)                                                                                      \
    X(initialize, int, (LDAP **, const char *))                                                                   \
    X(set_option, int, (LDAP *, int, const void *))                                                               \
    X(sasl_bind_s, int,                                                                                           \
      (LDAP *, const char *, const char *, struct berval *, LDAPControl **, LDAPControl **, struct berval **))    \
    X(search_ext_s, int,                                                                                          \
      (LDAP *, const char *, int, const char *, char **, int, LDAPControl **, LDAPControl **, struct timeval *,   \
       int, LDAPMessage **))                                                                                      \
    X(first_entry, LDAPMessage *, (LDAP *, LDAPMessage *))                                                        \
    X(next_entry, LDAPMessage *, (LDAP *, LDAPMessage *))                                                         \
    X(get_dn, char *, (LDAP *, LDAPMessage *))                                                                    \
    X(get_values_len, struct berval **, (LDAP *, LDAPMessage *, const char *))                                    \
    X(value_free_len, void, (struct berval **))                                                                   \
    X(msgfree, int, (LDAPMessage *))                                                                              \
    X(memfree, void, (void *))                                                                                    \
    X(unbind_ext_s, int, (LDAP *, LDAPControl **, LDAPControl **))                                                \
    X(err2string, char *, (int))

typedef struct sg_ldap_lib {
    void *handle; /* from dlopen; NULL when not loaded */
#define SG_LDAP_FIELD(name, ret, params) ret(*name) params;
    SG_LDAP_FUNCTIONS(SG_LDAP_FIELD)
#undef SG_LDAP_FIELD
} sg_ldap_lib;

bool sg_ldap_lib_open(sg_ldap_lib *lib, char *err, size_t errlen);
void sg_ldap_lib_close(sg_ldap_lib *lib);

#endif
