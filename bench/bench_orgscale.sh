#!/bin/bash
# bench_orgscale.sh - the forwarding policy shared by many hosts, measured:
#  1. bench_policy: one warm decision per message with the PostgreSQL store
#     behind memcached (median and 99th percentile; target median <= 100 us),
#     beside SQLite alone, SQLite behind memcached and PostgreSQL alone;
#  2. throughput of the LMTP server (`sievegate lmtp`, 100 virtual users,
#     the bench corpus: the 40-rule script, some of it forwarding, one
#     session, bench_lmtp_client) with the PostgreSQL store and audit table
#     behind memcached, against the same server with the SQLite store and
#     audit file; runs of 500 messages taking turns, so that both sides see
#     the same machine. Target: no more than 10% fewer messages/s;
#  3. the same for `sievegate deliver`, one process per message as an MTA
#     runs it (chunks of 100 taking turns).
# A private PostgreSQL cluster (tests/e2e/pg_lib.sh) and two memcached
# servers on 127.0.0.1, stopped by PID at the end. Run as root (the LMTP
# servers drop to a mail user). It is a benchmark, not a test.
# usage: bench_orgscale.sh SIEVEGATE BENCH_INTERP BENCH_POLICY BENCH_LMTP_CLIENT [MESSAGES]
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
interp=$2
bench_policy=$3
client=$4
n=${5:-1000}
tmp=$(mktemp -d /tmp/sievegate-bench-orgscale.XXXXXX)
chmod 755 "$tmp"
. "$(dirname "$0")/../tests/e2e/pg_lib.sh"
pg_start
mc_pids=
lmtp_pids=
stop_all() {
    for p in $lmtp_pids; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
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

echo "== sievegate lmtp: PostgreSQL + memcached against SQLite (1 session, 100 users)"
id sgbench >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin -d /nonexistent sgbench
users=100
i=0
while [ $i -lt $users ]; do
    echo "user$i@example.com:{PLAIN}x::::::"
    for side in lite pg; do
        mkdir -p "$tmp/lmtp-$side/example.com/user$i"
        cp "$tmp/corpus/script.sieve" "$tmp/lmtp-$side/example.com/user$i/.dovecot.sieve"
    done
    i=$((i + 1))
done >"$tmp/users"
chmod 644 "$tmp/users"
mkdir -p "$tmp/lmtp-audit"
chown -R sgbench: "$tmp/lmtp-lite" "$tmp/lmtp-pg" "$tmp/lmtp-audit" "$tmp/spool" "$tmp/failures"
chgrp sgbench "$tmp/memcached.key" "$pg_password_file"
chmod 644 "$tmp/policy.db"*
for side in lite pg; do
    grep -v '^mail_location\|^sieve \|^state_file\|^audit_log\|^hostname\|^first_valid_uid' "$tmp/$side.conf" >"$tmp/lmtp-$side.conf"
    cat >>"$tmp/lmtp-$side.conf" <<EOC
userdb = passwd-file:$tmp/users
mail_uid = sgbench
mail_home = $tmp/lmtp-$side/%d/%n
lmtp_listen = unix:$tmp/lmtp-$side.sock
hostname = mx.example.com
EOC
done
echo "audit_log = $tmp/lmtp-audit/audit.db" >>"$tmp/lmtp-lite.conf"
echo "audit_log = $pg_audit_uri" >>"$tmp/lmtp-pg.conf"
chmod 644 "$tmp"/lmtp-*.conf
for side in lite pg; do
    "$bin" lmtp -c "$tmp/lmtp-$side.conf" 2>"$tmp/lmtp-$side.log" &
    lmtp_pids="$lmtp_pids $!"
done
for side in lite pg; do
    k=0
    until [ -S "$tmp/lmtp-$side.sock" ]; do
        k=$((k + 1)); [ $k -lt 200 ] || { echo "bench_orgscale: no LMTP socket ($side)" >&2; cat "$tmp/lmtp-$side.log" >&2; exit 1; }
        sleep 0.05
    done
done
msgs=$(cat "$tmp/list")
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
for side in lite pg; do # warm-up: every user's folders exist, the cache is warm
    "$client" "unix:$tmp/lmtp-$side.sock" 1 1 $users $((users * 2)) $msgs >/dev/null
done
lite_n=0 lite_s=0 pg_n=0 pg_s=0
for round in 1 2 3 4; do
    for side in lite pg; do
        # shellcheck disable=SC2086
        out=$("$client" "unix:$tmp/lmtp-$side.sock" 1 1 $users 500 $msgs) || { echo "bench_orgscale: client failed" >&2; exit 1; }
        eval "${side}_n=\$(( ${side}_n + $(field "$out" messages) ))"
        eval "${side}_s=\$(echo \"\$${side}_s $(field "$out" seconds)\" | awk '{ print \$1 + \$2 }')"
    done
done
lite=$(echo "$lite_n $lite_s" | awk '{ printf "%.0f", $1 / $2 }')
pg=$(echo "$pg_n $pg_s" | awk '{ printf "%.0f", $1 / $2 }')
echo "SQLite store and audit:             $lite_n messages, $lite messages/s"
echo "PostgreSQL + memcached (2 servers): $pg_n messages, $pg messages/s"
echo "$lite $pg" | awk '{ loss = 100 * ($1 - $2) / $1; printf "loss: %.1f%%   target <= 10%%: %s\n", loss, loss <= 10 ? "PASS" : "FAIL" }'

echo "== sievegate deliver per process: PostgreSQL + memcached against SQLite"
mkdir "$tmp/chunks"
head -n 300 "$tmp/list" | split -l 100 - "$tmp/chunks/c"
n=$(cat "$tmp"/chunks/c* | wc -l)
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
echo "SQLite store and audit:             $n messages, $lite deliveries/s"
echo "PostgreSQL + memcached (2 servers): $n messages, $pg deliveries/s ($audited audit records in PostgreSQL in all)"
echo "$lite $pg" | awk '{ loss = 100 * ($1 - $2) / $1; printf "loss: %.1f%%   target <= 10%%: %s\n", loss, loss <= 10 ? "PASS" : "FAIL" }'
