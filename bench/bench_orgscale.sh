#!/bin/bash
# bench_orgscale.sh - the forwarding policy shared by many hosts, measured:
#  1. bench_policy: one warm decision per message with the PostgreSQL store
#     behind memcached (median and 99th percentile; target median <= 100 us),
#     beside SQLite alone, SQLite behind memcached and PostgreSQL alone;
#  2. throughput of `sievegate deliver`, one process per message as an MTA
#     runs it (the bench corpus: 40 rules, some forwarding), with the
#     PostgreSQL store and audit table behind memcached, against the same
#     run with the SQLite store and audit file; chunks of 100 messages
#     taking turns, so that both sides see the same machine. Target: no more
#     than 10% fewer deliveries/s than with SQLite.
# A private PostgreSQL cluster (tests/e2e/pg_lib.sh) and two memcached
# servers on 127.0.0.1, stopped by PID at the end. It is a benchmark, not a test.
# usage: bench_orgscale.sh SIEVEGATE BENCH_INTERP BENCH_POLICY [MESSAGES]
set -u
bin=$1
interp=$2
bench_policy=$3
n=${4:-1000}
tmp=$(mktemp -d /tmp/sievegate-bench-orgscale.XXXXXX)
chmod 755 "$tmp"
. "$(dirname "$0")/../tests/e2e/pg_lib.sh"
pg_start
mc_pids=
stop_all() {
    for p in $mc_pids; do kill "$p" 2>/dev/null; done
    pg_stop
    rm -rf "$tmp"
}
trap stop_all EXIT
mc=
for i in 1 2; do
    port=$(pg_free_port)
    memcached -l 127.0.0.1 -p "$port" -U 0 -u nobody -m 64 </dev/null >/dev/null 2>&1 &
    mc_pids="$mc_pids $!"
    mc="$mc${mc:+,}127.0.0.1:$port"
done
sleep 0.5

echo "== bench_policy (warm decision per message)"
SG_BENCH_PG_PASSWORD_FILE=$pg_password_file "$bench_policy" "$mc" "$pg_uri"

echo "== sievegate deliver per process: PostgreSQL + memcached against SQLite"
"$interp" --write "$tmp/corpus" >/dev/null
ls "$tmp"/corpus/messages/*.eml | head -n "$n" >"$tmp/list"
n=$(wc -l <"$tmp/list")
cat >"$tmp/sendmail" <<'EOS'
#!/bin/sh
exec cat >/dev/null
EOS
chmod 755 "$tmp/sendmail"
head -c 32 /dev/urandom | base64 >"$tmp/memcached.key"
chmod 0640 "$tmp/memcached.key"
mkdir -p "$tmp/failures" "$tmp/spool"
for side in lite pg; do
    mkdir -p "$tmp/$side/home"
    cp "$tmp/corpus/script.sieve" "$tmp/$side/home/.dovecot.sieve"
    cat >"$tmp/$side.conf" <<EOC
mail_location = maildir:$tmp/$side/home/Maildir
sieve = $tmp/$side/home/.dovecot.sieve
state_file = $tmp/$side/home/.sievegate.state.db
sendmail_path = $tmp/sendmail
hostname = mx.example.com
first_valid_uid = 0
lda_mailbox_autocreate = yes
mail_fsync = optimized
EOC
done
cat >>"$tmp/lite.conf" <<EOC
policy_store = sqlite:$tmp/policy.db
audit_log = $tmp/audit.db
EOC
cat >>"$tmp/pg.conf" <<EOC
policy_store = $pg_uri
postgresql_password_file = $pg_password_file
audit_log = $pg_audit_uri
audit_spool_dir = $tmp/spool
memcached = $mc
memcached_key_file = $tmp/memcached.key
memcached_failure_dir = $tmp/failures
EOC
"$bin" policy --config "$tmp/lite.conf" accepted-domain add example.com >/dev/null
"$bin" policy --config "$tmp/pg.conf" migrate >/dev/null
"$bin" policy --config "$tmp/pg.conf" accepted-domain add example.com >/dev/null

mkdir "$tmp/chunks"
split -l 100 "$tmp/list" "$tmp/chunks/c"
lite_ns=0 pg_ns=0
run_chunk() { # CONF CHUNK: prints the wall time (ns)
    t0=$(date +%s%N)
    while read -r m; do
        "$bin" deliver --config "$1" -f sender@partner.example -a alice+lists@example.com -p "$m" </dev/null ||
            { echo "bench_orgscale: deliver failed on $m ($1)" >&2; exit 1; }
    done <"$2"
    echo $(($(date +%s%N) - t0))
}
for chunk in "$tmp"/chunks/c*; do
    lite_ns=$((lite_ns + $(run_chunk "$tmp/lite.conf" "$chunk")))
    pg_ns=$((pg_ns + $(run_chunk "$tmp/pg.conf" "$chunk")))
done
rate() { echo "$1 $2" | awk '{ printf "%.0f", $1 / ($2 / 1e9) }'; }
lite=$(rate "$n" "$lite_ns")
pg=$(rate "$n" "$pg_ns")
audited=$(pg_sql_audit 'SELECT count(*) FROM forwards')
echo "SQLite store and audit:            $n messages, $lite deliveries/s"
echo "PostgreSQL + memcached (2 servers): $n messages, $pg deliveries/s ($audited audit records in PostgreSQL)"
echo "$lite $pg" | awk '{ loss = 100 * ($1 - $2) / $1; printf "loss: %.1f%%   target <= 10%%: %s\n", loss, loss <= 10 ? "PASS" : "FAIL" }'
