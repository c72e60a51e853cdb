# pg_lib.sh - a private PostgreSQL cluster for the tests (Debian's
# postgresql package): initdb in $tmp/pg, the server on 127.0.0.1 at a free
# port (and its socket in $tmp/pg), password authentication (scram-sha-256)
# for the role "sievegate", stopped by its PID. Source it after lib.sh.
#
# pg_start: initdb (once) and start ($pg_options: more server options, e.g.
#   "-c log_connections=on"; the log is $tmp/pg/server.log); sets $pg_port, $pg_uri (the database
#   "sievegate", no password in it), $pg_audit_uri (the database "audit"),
#   $pg_password_file (the password, mode 0640). Skips (77) when PostgreSQL
#   is not installed or cannot be started.
#   The first pg_start sets an EXIT trap that stops it and removes $tmp; a
#   script with servers of its own sets its trap after that (calling pg_stop).
# pg_stop: stops the server (SIGINT to the postmaster's PID: a fast
#   shutdown) and waits until it is gone. pg_start again restarts it on the
#   same port with the same data.
# pg_sql SQL...: runs SQL in the database "sievegate" (psql, tuples only,
#   unaligned, "|" between fields); pg_sql_audit likewise in "audit".
# Run as root, the server runs as the user "postgres" (initdb refuses root).

pg_bin=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do pg_bin=$d; done

pg_as() { # CMD...: as the server's user
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_skip() {
    echo "SKIP: $*"
    exit 77
}

pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || pg_skip "PostgreSQL (initdb) is not installed"
    command -v psql >/dev/null || pg_skip "psql is not installed"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then pg_skip "no user postgres to run the server"; fi
    pg_dir=$tmp/pg
    if [ ! -d "$pg_dir/data" ]; then
        mkdir -p "$pg_dir"
        chmod 755 "$tmp"
        printf 'pg-test-secret\n' >"$pg_dir/password"
        [ "$(id -u)" = 0 ] && chown postgres "$pg_dir" "$pg_dir/password"
        pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U sievegate -A scram-sha-256 --pwfile="$pg_dir/password" \
            -E UTF8 --locale=C -N >"$pg_dir/initdb.log" 2>&1 || pg_skip "initdb failed: $(tail -3 "$pg_dir/initdb.log")"
        pg_port=$(pg_free_port)
        pg_password_file=$tmp/pg-password
        cp "$pg_dir/password" "$pg_password_file"
        chmod 0640 "$pg_password_file"
    fi
    # fsync off: a test cluster, thrown away
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${pg_options:-}" \
        start >/dev/null 2>&1 || pg_skip "the PostgreSQL server did not start: $(tail -3 "$pg_dir/server.log")"
    pg_pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
    pg_uri="postgresql://sievegate@127.0.0.1:$pg_port/sievegate"
    pg_audit_uri="postgresql://sievegate@127.0.0.1:$pg_port/audit"
    if [ -z "${pg_created:-}" ]; then
        PGPASSWORD=pg-test-secret psql -q -X "postgresql://sievegate@127.0.0.1:$pg_port/postgres" \
            -c 'CREATE DATABASE sievegate' -c 'CREATE DATABASE audit' >/dev/null || pg_skip "cannot create the databases"
        pg_created=1
    fi
    # once: a script that sets its own trap after the first pg_start keeps it
    if [ -z "${pg_trapped:-}" ]; then
        trap 'pg_stop; rm -rf "$tmp"' EXIT
        pg_trapped=1
    fi
}

pg_stop() {
    [ -n "${pg_pid:-}" ] || return 0
    kill -INT "$pg_pid" 2>/dev/null
    for _ in $(seq 1 300); do
        kill -0 "$pg_pid" 2>/dev/null || break
        sleep 0.1
    done
    pg_pid=
}

# pg_restart_script FILE: writes a script that restarts the server (a fast
# shutdown, then the same options), for programs that test a restart; call
# pg_restarted after it ran, to learn the new PID.
pg_restart_script() {
    cat >"$1" <<EOS
#!/bin/sh
if [ "\$(id -u)" = 0 ]; then as="runuser -u postgres --"; else as=; fi
exec \$as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 60 restart >/dev/null 2>&1
EOS
    chmod +x "$1"
}
pg_restarted() { pg_pid=$(head -n 1 "$pg_dir/data/postmaster.pid"); }

pg_sql() {
    PGPASSWORD=pg-test-secret psql -q -X -t -A -F '|' "$pg_uri" -c "$*"
}
pg_sql_audit() {
    PGPASSWORD=pg-test-secret psql -q -X -t -A -F '|' "$pg_audit_uri" -c "$*"
}
