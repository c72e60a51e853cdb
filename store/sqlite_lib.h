/* sqlite_lib.h - SQLite, loaded at run time.
 *
 * sievegate links no libsqlite3: linking it (and the libm it pulls in) cost
 * every process about 1.0 ms of dynamic linking (a trivial C program: 3.8 ms
 * per fork+exec; the same linked with -lsqlite3 -lm: 4.8 ms, on the bench
 * VM) and about 790 KiB of RSS (file pages of libsqlite3, 448 KiB, and libm,
 * 340 KiB, touched by relocation alone), even when the process never opens a
 * database. Most deliveries (a script that only files into folders) and most
 * `sievegate test` / `check` runs need none (issue 6: deliveries/s and peak
 * RSS < 4 MB; issue 7: `test` per process <= 1.5x a trivial program). Each
 * store that uses SQLite (policy_store, user_state, audit) loads it through
 * this module at its first real connection (sqlite_db.h opens it), as the
 * policy cache does libmemcached (memcached_lib.h).
 *
 * sg_sqlite_lib_open takes an empty sg_sqlite_lib (owned by the caller, e.g.
 * the store object) and dlopen()s SG_SQLITE_LIB_SONAME with RTLD_NOW |
 * RTLD_LOCAL | RTLD_NODELETE (loaded once, it stays: stores used one after
 * the other do not map and relocate it again), then resolves with dlsym() the functions below into its
 * pointers, then makes the process-wide settings (below). It returns true
 * with everything filled in, or false with the struct left empty and a
 * message naming the library (and the dlerror() text) in err: "cannot load
 * libsqlite3.so.0: ...". dlopen is reference-counted: a second store in the
 * same process gets the same library, cheaply. sg_sqlite_lib_close
 * dlclose()s what open loaded (a reference less) and empties the struct; it
 * accepts an empty one. No global state: call only the pointers of a struct that open filled
 * in, and close it once every connection made through it is closed.
 *
 * Process-wide settings, made before the library is first used: no initial
 * bulk page cache (20 pages, about 87 KiB per open database) and no
 * lookaside buffers (about 120 KiB per connection), both touched when set
 * up. A delivery makes a few statements on two or three small databases;
 * pages and objects are then allocated as needed (issue 6: peak RSS of one
 * delivery 4,212 -> 3,952 KiB on the bench corpus). sqlite3_config answers
 * SQLITE_MISUSE once the library is initialised (a second store in the same
 * process, or a program that links SQLite itself): that is ignored.
 *
 * sqlite3.h is used for the types and constants only (compile time). */
#ifndef SG_STORE_SQLITE_LIB_H
#define SG_STORE_SQLITE_LIB_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#define SG_SQLITE_LIB_SONAME "libsqlite3.so.0"

/* X(field, return type, parameters): the function sqlite3_<field>. */
#define SG_SQLITE_FUNCTIONS(X)                                                                                    \
    X(bind_blob, int, (sqlite3_stmt *, int, const void *, int, void (*)(void *)))                                 \
    X(bind_int, int, (sqlite3_stmt *, int, int))                                                                  \
    X(bind_int64, int, (sqlite3_stmt *, int, sqlite3_int64))                                                      \
    X(bind_text, int, (sqlite3_stmt *, int, const char *, int, void (*)(void *)))                                 \
    X(busy_timeout, int, (sqlite3 *, int))                                                                        \
    X(changes, int, (sqlite3 *))                                                                                  \
    X(close, int, (sqlite3 *))                                                                                    \
    X(column_double, double, (sqlite3_stmt *, int))                                                               \
    X(column_int, int, (sqlite3_stmt *, int))                                                                     \
    X(column_int64, sqlite3_int64, (sqlite3_stmt *, int))                                                         \
    X(column_text, const unsigned char *, (sqlite3_stmt *, int))                                                  \
    X(column_type, int, (sqlite3_stmt *, int))                                                                    \
    X(config, int, (int, ...))                                                                                    \
    X(errmsg, const char *, (sqlite3 *))                                                                          \
    X(errstr, const char *, (int))                                                                                \
    X(exec, int, (sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, char **))             \
    X(finalize, int, (sqlite3_stmt *))                                                                            \
    X(get_autocommit, int, (sqlite3 *))                                                                           \
    X(open_v2, int, (const char *, sqlite3 **, int, const char *))                                                \
    X(prepare_v2, int, (sqlite3 *, const char *, int, sqlite3_stmt **, const char **))                            \
    X(reset, int, (sqlite3_stmt *))                                                                               \
    X(step, int, (sqlite3_stmt *))

typedef struct sg_sqlite_lib {
    void *handle; /* from dlopen; NULL when not loaded */
#define SG_SQLITE_FIELD(name, ret, params) ret(*name) params;
    SG_SQLITE_FUNCTIONS(SG_SQLITE_FIELD)
#undef SG_SQLITE_FIELD
} sg_sqlite_lib;

/* A connection and the library it was made with, for the stores' helpers:
 * q->f->prepare_v2(q->db, ...). */
typedef struct sg_sqlite_conn {
    const sg_sqlite_lib *f;
    sqlite3 *db;
} sg_sqlite_conn;

bool sg_sqlite_lib_open(sg_sqlite_lib *lib, char *err, size_t errlen);
void sg_sqlite_lib_close(sg_sqlite_lib *lib);

#endif
