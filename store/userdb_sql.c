/* userdb_sql.c - the sqlite:PATH and postgresql://... sources of
 * store/userdb.h: the table `users` (documented there), read by one query
 * (store/sql.h) on either backend. The database is opened (SQLite:
 * read-only; PostgreSQL: with postgresql_password_file) at the first
 * lookup, its library loaded then (store/sqlite_lib.h, store/pq_lib.h).
 * Every lookup reads the current rows; a failure closes the connection so
 * that the next lookup opens it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql.h"
#include "store/userdb_source.h"

#define BUSY_TIMEOUT_MS 5000

struct sg_userdb_sql {
    char *name; /* for messages: "sqlite:PATH" or the URI */
    char *path; /* SQLite: the file; NULL: PostgreSQL */
    sg_sqlite_lib f;
    sg_sqlite_conn q; /* SQLite: q.db NULL while not open */
    sg_pg_db pg;      /* PostgreSQL */
};

static const sg_pg_kind pg_userdb = {"userdb", NULL, 0, NULL, 0};

static const char lookup_sql[] = "SELECT password, uid, gid, home, mail FROM users WHERE username = ?1";

sg_userdb_sql *sg_userdb_sql_new(const char *spec, const char *password_file)
{
    sg_userdb_sql *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->name = sg_xstrdup(spec);
    if (strncmp(spec, "sqlite:", 7) == 0)
        s->path = sg_xstrdup(spec + 7);
    else
        sg_pg_db_init(&s->pg, &pg_userdb, spec, password_file);
    s->q.f = &s->f;
    return s;
}

static void disconnect(sg_userdb_sql *s)
{
    if (s->q.db)
        s->f.close(s->q.db);
    s->q.db = NULL;
    if (!s->path)
        sg_pg_db_disconnect(&s->pg);
}

void sg_userdb_sql_close(sg_userdb_sql *s)
{
    if (!s)
        return;
    disconnect(s);
    sg_sqlite_lib_close(&s->f);
    if (!s->path)
        sg_pg_db_close(&s->pg);
    free(s->name);
    free(s->path);
    free(s);
}

static bool connect_db(sg_userdb_sql *s, sg_sql *c, char *err, size_t errlen)
{
    if (!s->path) {
        if (!sg_pg_db_connect(&s->pg, err, errlen))
            return false;
        sg_sql_init_pg(c, &s->pg, NULL);
        return true;
    }
    if (!s->q.db) {
        if (!s->f.handle && !sg_sqlite_lib_open(&s->f, err, errlen))
            return false;
        int rc = s->f.open_v2(s->path, &s->q.db, SQLITE_OPEN_READONLY, NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "userdb %s: cannot open: %s", s->name, s->q.db ? s->f.errmsg(s->q.db) : s->f.errstr(rc));
            disconnect(s);
            return false;
        }
        s->f.busy_timeout(s->q.db, BUSY_TIMEOUT_MS);
    }
    sg_sql_init_sqlite(c, &s->q);
    return true;
}

/* A column as text in the arena, NULL for SQL NULL. */
static char *text_col(const sg_sql_rows *rows, int i, sg_arena *arena)
{
    return sg_sql_null(rows, i) ? NULL : sg_arena_strdup(arena, sg_sql_text(rows, i));
}

static long long id_col(const sg_sql_rows *rows, int i)
{
    return sg_sql_null(rows, i) ? -1 : sg_sql_int(rows, i);
}

sg_userdb_status sg_userdb_sql_lookup(sg_userdb_sql *s, const char *key, sg_arena *arena, sg_userdb_entry *entry,
                                      char *err, size_t errlen)
{
    memset(entry, 0, sizeof *entry);
    sg_sql c;
    if (!connect_db(s, &c, err, errlen))
        return SG_USERDB_TEMPFAIL;
    sg_sql_rows rows;
    sg_sql_query(&c, &rows, lookup_sql, "t", key);
    sg_userdb_status st = SG_USERDB_NOTFOUND;
    if (sg_sql_next(&rows)) {
        entry->name = sg_arena_strdup(arena, key);
        char *pw = text_col(&rows, 0, arena);
        entry->password = pw ? pw : "";
        entry->uid = id_col(&rows, 1);
        entry->gid = id_col(&rows, 2);
        entry->home = text_col(&rows, 3, arena);
        entry->mail = text_col(&rows, 4, arena);
        st = SG_USERDB_FOUND;
        if (entry->uid < -1 || entry->uid > 0x7fffffffLL || entry->gid < -1 || entry->gid > 0x7fffffffLL ||
            (entry->home && entry->home[0] != '/')) {
            snprintf(err, errlen, "userdb %s: the row of \"%s\" has an invalid uid, gid or home", s->name, key);
            st = SG_USERDB_TEMPFAIL;
        }
    }
    if (sg_sql_end(&rows) != SG_SQL_OK) {
        snprintf(err, errlen, "userdb %s: the table users (username, password, uid, gid, home, mail) cannot be read: %s",
                 s->name, c.error);
        disconnect(s);
        return SG_USERDB_TEMPFAIL;
    }
    return st;
}
