/* policy_fixture.c - a helper of the end-to-end test tests/e2e/policy_cli.sh.
 *
 * Takes: `record DB TIME OWNER TARGET DOMAIN MECHANISM VERDICT POLICY REMOTE
 * MESSAGE-ID HOST` ("-" for an absent value; TIME as sg_audit_parse_time reads
 * it) appends one audit record, as delivery would; `lock DB SECONDS READY-FILE`
 * holds the write lock of an SQLite file for SECONDS, creating READY-FILE
 * once it holds it. Returns: exit 0, or 1 with a message.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/audit.h"

static const char *opt(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

static int do_record(char **argv)
{
    sg_audit_record rec;
    memset(&rec, 0, sizeof rec);
    if (!sg_audit_parse_time(argv[1], &rec.time)) {
        fprintf(stderr, "policy_fixture: bad time %s\n", argv[1]);
        return 1;
    }
    rec.owner = argv[2];
    rec.target = argv[3];
    rec.target_domain = argv[4];
    rec.mechanism = argv[5];
    rec.verdict = argv[6];
    rec.policy = opt(argv[7]);
    rec.remote_domain = opt(argv[8]);
    rec.message_id = opt(argv[9]);
    rec.host = opt(argv[10]);
    char err[512];
    sg_audit *a;
    if (!sg_audit_open(argv[0], &a, err, sizeof err)) {
        fprintf(stderr, "policy_fixture: %s\n", err);
        return 1;
    }
    /* never the system's spool: root would collect what other runs left there */
    sg_audit_options opt = {NULL, "/nonexistent/sievegate-test-spool", NULL};
    sg_audit_configure(a, &opt);
    bool ok = sg_audit_record_decision(a, &rec, err, sizeof err);
    if (!ok)
        fprintf(stderr, "policy_fixture: %s\n", err);
    sg_audit_close(a);
    return ok ? 0 : 1;
}

static int do_lock(char **argv)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[0], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "policy_fixture: cannot lock %s: %s\n", argv[0], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    FILE *ready = fopen(argv[2], "w");
    if (ready)
        fclose(ready);
    sleep((unsigned)atoi(argv[1]));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 13 && strcmp(argv[1], "record") == 0)
        return do_record(argv + 2);
    if (argc == 5 && strcmp(argv[1], "lock") == 0)
        return do_lock(argv + 2);
    fputs("usage: policy_fixture record DB TIME OWNER TARGET DOMAIN MECHANISM VERDICT POLICY REMOTE MESSAGE-ID HOST\n"
          "       policy_fixture lock DB SECONDS READY-FILE\n",
          stderr);
    return 1;
}
