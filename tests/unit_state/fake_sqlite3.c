/* fake_sqlite3.c - a stand-in libsqlite3.so.0 that defines no sqlite3_*
 * function. Tests put its directory first in LD_LIBRARY_PATH, so that the
 * run-time loader (store/sqlite_lib.h) finds it instead of the real library
 * and fails as it would with a broken or missing one: the stores' and
 * deliver's answers to "SQLite cannot be loaded" can then be asserted. */
int sg_fake_sqlite3_marker(void);

int sg_fake_sqlite3_marker(void)
{
    return 0;
}
