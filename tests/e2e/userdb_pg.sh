#!/bin/bash
# The postgresql:// userdb (store/userdb.h) on a private PostgreSQL cluster
# (tests/e2e/pg_lib.sh): makes the documented table `users` with the rows of
# the sqlite case, then runs test_userdb, whose postgresql_source test looks
# them up, restarts the server under it and stops it (a temporary failure).
# usage: userdb_pg.sh TEST_USERDB   (skipped, 77, without PostgreSQL)
set -u
test_userdb=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start
pg_sql "CREATE TABLE users (username TEXT PRIMARY KEY NOT NULL, password TEXT, uid INTEGER, gid INTEGER,
        home TEXT, mail TEXT);
    INSERT INTO users VALUES ('a@x.org', '{PLAIN}p', NULL, NULL, NULL, NULL);
    INSERT INTO users VALUES ('b@x.org', NULL, 7, 8, '/h/b', 'maildir:~/B');
    INSERT INTO users VALUES ('c@x.org', NULL, 7, 8, 'rel', NULL);" >/dev/null
pg_restart_script "$tmp/restart.sh"
printf '#!/bin/sh\nif [ "$(id -u)" = 0 ]; then as="runuser -u postgres --"; else as=; fi\nexec $as "%s/pg_ctl" -D "%s/data" -m fast -w -t 60 stop >/dev/null 2>&1\n' \
    "$pg_bin" "$pg_dir" >"$tmp/stop.sh"
chmod +x "$tmp/stop.sh"
SG_TEST_USERDB_PG_URI=$pg_uri SG_TEST_PG_PASSWORD_FILE=$pg_password_file SG_TEST_PG_RESTART=$tmp/restart.sh \
    SG_TEST_PG_STOP=$tmp/stop.sh run "$test_userdb"
pg_pid= # stopped by the test
expect_rc "test_userdb against PostgreSQL" 0
if grep -q 'SKIPPED.*postgresql_source\|postgresql_source.*SKIP' "$tmp/out"; then fail "postgresql_source was skipped"; else ok; fi
if grep -q '\[       OK \] postgresql_source' "$tmp/out"; then ok; else fail "postgresql_source did not pass"; fi
[ "$rc" = 0 ] || cat "$tmp/out" "$tmp/err"
finish
