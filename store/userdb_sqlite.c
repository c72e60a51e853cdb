/* userdb_sqlite.c - the sqlite:PATH source of store/userdb.h: the table
 * `users` (documented there), opened read-only at the first lookup, SQLite
 * loaded then (store/sqlite_lib.h). Every lookup is one statement on the
 * current rows; a failure closes the connection so the next lookup opens it
 * again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_lib.h"
#include "store/userdb_source.h"

#define BUSY_TIMEOUT_MS 5000

struct sg_userdb_sqlite {
    char *path;
    sg_sqlite_lib f;
    sqlite3 *db;
    sqlite3_stmt *stmt;
};

static const char lookup_sql[] = "SELECT password, uid, gid, home, mail FROM users WHERE username = ?1";

sg_userdb_sqlite *sg_userdb_sqlite_new(const char *path)
{
    sg_userdb_sqlite *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->path = sg_xstrdup(path);
    return s;
}

static void disconnect(sg_userdb_sqlite *s)
{
    if (s->stmt)
        s->f.finalize(s->stmt);
    if (s->db)
        s->f.close(s->db);
    s->stmt = NULL;
    s->db = NULL;
}

void sg_userdb_sqlite_close(sg_userdb_sqlite *s)
{
    if (!s)
        return;
    disconnect(s);
    sg_sqlite_lib_close(&s->f);
    free(s->path);
    free(s);
}

static sg_userdb_status fail(sg_userdb_sqlite *s, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "userdb sqlite:%s: %s: %s", s->path, what, s->db ? s->f.errmsg(s->db) : "not open");
    disconnect(s);
    return SG_USERDB_TEMPFAIL;
}

static bool connect_db(sg_userdb_sqlite *s, char *err, size_t errlen)
{
    if (s->stmt)
        return true;
    if (!s->f.handle && !sg_sqlite_lib_open(&s->f, err, errlen))
        return false;
    int rc = s->f.open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "userdb sqlite:%s: cannot open: %s", s->path,
                 s->db ? s->f.errmsg(s->db) : s->f.errstr(rc));
        disconnect(s);
        return false;
    }
    s->f.busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (s->f.prepare_v2(s->db, lookup_sql, -1, &s->stmt, NULL) != SQLITE_OK) {
        fail(s, err, errlen, "the table users (username, password, uid, gid, home, mail) cannot be read");
        return false;
    }
    return true;
}

/* A column as text in the arena, NULL for SQL NULL. */
static char *text_col(sg_userdb_sqlite *s, int i, sg_arena *arena)
{
    if (s->f.column_type(s->stmt, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = s->f.column_text(s->stmt, i);
    return t ? sg_arena_strdup(arena, (const char *)t) : NULL;
}

static long long id_col(sg_userdb_sqlite *s, int i)
{
    if (s->f.column_type(s->stmt, i) == SQLITE_NULL)
        return -1;
    return (long long)s->f.column_int64(s->stmt, i);
}

sg_userdb_status sg_userdb_sqlite_lookup(sg_userdb_sqlite *s, const char *key, sg_arena *arena,
                                         sg_userdb_entry *entry, char *err, size_t errlen)
{
    memset(entry, 0, sizeof *entry);
    if (!connect_db(s, err, errlen))
        return SG_USERDB_TEMPFAIL;
    s->f.bind_text(s->stmt, 1, key, -1, SQLITE_STATIC);
    int rc = s->f.step(s->stmt);
    sg_userdb_status st = SG_USERDB_NOTFOUND;
    if (rc == SQLITE_ROW) {
        entry->name = sg_arena_strdup(arena, key);
        char *pw = text_col(s, 0, arena);
        entry->password = pw ? pw : "";
        entry->uid = id_col(s, 1);
        entry->gid = id_col(s, 2);
        entry->home = text_col(s, 3, arena);
        entry->mail = text_col(s, 4, arena);
        st = SG_USERDB_FOUND;
        if (entry->uid < -1 || entry->uid > 0x7fffffffLL || entry->gid < -1 || entry->gid > 0x7fffffffLL ||
            (entry->home && entry->home[0] != '/')) {
            snprintf(err, errlen, "userdb sqlite:%s: the row of \"%s\" has an invalid uid, gid or home", s->path, key);
            st = SG_USERDB_TEMPFAIL;
        }
    } else if (rc != SQLITE_DONE) {
        return fail(s, err, errlen, "lookup failed");
    }
    s->f.reset(s->stmt); /* kept prepared for the next lookup */
    return st;
}
