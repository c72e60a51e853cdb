/* pq_lib.h - libpq (PostgreSQL's client library), loaded at run time.
 *
 * sievegate links no libpq, as it links no SQLite (store/sqlite_lib.h):
 * libpq pulls in libssl, libcrypto, libgssapi_krb5 and libldap, whose
 * relocation every process would pay although only a host configured with
 * a postgresql:// policy store or audit log, and there only a delivery that
 * misses the cache or writes an audit record, ever connects. The PostgreSQL
 * connection (store/pg_db.h) loads it through this module at its first
 * connect, RTLD_NODELETE: loaded once, it stays mapped.
 *
 * sg_pq_lib_open takes an empty sg_pq_lib (owned by the caller) and
 * resolves the functions below into its pointers: true with everything
 * filled in, or false with the struct empty and err "cannot load
 * libpq.so.5: ...". sg_pq_lib_close lets the library go (a reference less)
 * and empties the struct; it accepts an empty one. No global state.
 *
 * libpq-fe.h is used for the types and constants only (compile time). */
#ifndef SG_STORE_PQ_LIB_H
#define SG_STORE_PQ_LIB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#define SG_PQ_LIB_SONAME "libpq.so.5"

/* X(field, return type, parameters): the function PQ<field>. */
#define SG_PQ_FUNCTIONS(X)                                                                                        \
    X(clear, void, (PGresult *))                                                                                  \
    X(cmdTuples, char *, (PGresult *))                                                                            \
    X(connectdbParams, PGconn *, (const char *const *, const char *const *, int))                                 \
    X(errorMessage, char *, (const PGconn *))                                                                     \
    X(exec, PGresult *, (PGconn *, const char *))                                                                 \
    X(execParams, PGresult *,                                                                                     \
      (PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int))             \
    X(finish, void, (PGconn *))                                                                                   \
    X(getisnull, int, (const PGresult *, int, int))                                                               \
    X(getvalue, char *, (const PGresult *, int, int))                                                             \
    X(ntuples, int, (const PGresult *))                                                                           \
    X(resultErrorField, char *, (const PGresult *, int))                                                          \
    X(resultErrorMessage, char *, (const PGresult *))                                                             \
    X(resultStatus, ExecStatusType, (const PGresult *))                                                           \
    X(setNoticeProcessor, PQnoticeProcessor, (PGconn *, PQnoticeProcessor, void *))                               \
    X(status, ConnStatusType, (const PGconn *))                                                                   \
    X(transactionStatus, PGTransactionStatusType, (const PGconn *))

typedef struct sg_pq_lib {
    void *handle; /* from dlopen; NULL when not loaded */
#define SG_PQ_FIELD(name, ret, params) ret(*name) params;
    SG_PQ_FUNCTIONS(SG_PQ_FIELD)
#undef SG_PQ_FIELD
} sg_pq_lib;

bool sg_pq_lib_open(sg_pq_lib *lib, char *err, size_t errlen);
void sg_pq_lib_close(sg_pq_lib *lib);

#endif
