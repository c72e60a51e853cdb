#!/bin/sh
# bench_managesieve.sh - `sievegate managesieve` side by side with Dovecot's
# managesieved (Pigeonhole), on 127.0.0.1, plain TCP, SASL PLAIN against the
# same passwd-file whose hash is a {SHA512-CRYPT} of the default cost (5000
# rounds: deliberately slow, as a real one is):
#   1. a round: connect, AUTHENTICATE, CHECKSCRIPT of the 40-rule script
#      (bench_interp --write), LOGOUT; 200 rounds, ms per round and per step
#   2. CHECKSCRIPT of the 40-rule script in one session (200 times)
#   3. CHECKSCRIPT of the 2,000-rule script (20 times)
#   4. PUTSCRIPT + SETACTIVE of the 40-rule script (100 times)
# Targets: a round in at most a fifth of Dovecot's time; CHECKSCRIPT of the
# 40-rule script under 2 ms.
#
# sievegate checks each script against the user's forwarding policy (a real
# SQLite store, the default policy) as well; both servers fsync a stored
# script (sievegate the file and the directory; Dovecot with its default
# mail_fsync = optimized). Dovecot runs its default process model (a login
# process and an auth process per connection: service_count = 1).
#
# usage: bench_managesieve.sh SIEVEGATE BENCH_INTERP BENCH_MANAGESIEVE_CLIENT   (as root)
#   e.g. bench/bench_managesieve.sh build/sievegate build/bench/bench_interp build/bench/bench_managesieve_client
# BENCH_ROUNDS (200) changes the number of rounds. Needs Debian's
# dovecot-managesieved for the Dovecot side (skipped when missing).
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
interp=$2
client=$3
rounds=${BENCH_ROUNDS:-200}
NAME=managesieve . "$(dirname "$0")/server_bench_lib.sh"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sg_port=$(free_port)
dv_port=$(free_port)
hash=$(openssl passwd -6 'bench password')
echo "bench@example.com:{SHA512-CRYPT}$hash::::::" >"$work/users"
chmod 644 "$work/users"
mkdir -p "$work/sg" "$work/dv"
chown sgbench: "$work/sg" "$work/dv"

# ---- sievegate managesieve ----
cat >"$work/sievegate.conf" <<EOC
userdb = passwd-file:$work/users
mail_uid = sgbench
mail_home = $work/sg/%d/%n
managesieve_listen = 127.0.0.1:$sg_port
policy_store = sqlite:$work/policy.db
sieve = file:~/sieve;active=~/.dovecot.sieve
auth_failure_delay = 0
EOC
chmod 644 "$work/sievegate.conf"
"$bin" policy --config "$work/sievegate.conf" init >/dev/null
chmod 644 "$work/policy.db"*
"$bin" managesieve -c "$work/sievegate.conf" 2>"$work/sievegate.log" &
sg_pid=$!

# ---- Dovecot's managesieved ----
have_dovecot=
if command -v dovecot >/dev/null && [ -x /usr/lib/dovecot/managesieve ] && [ -x /usr/lib/dovecot/managesieve-login ]; then
    have_dovecot=yes
    mkdir -p "$work/dovecot-run" "$work/dovecot-state"
    cat >"$work/dovecot.conf" <<EOC
base_dir = $work/dovecot-run
state_dir = $work/dovecot-state
log_path = $work/dovecot.log
protocols = sieve
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_home = $work/dv/%d/%n
mail_location = maildir:~/Maildir
mail_uid = sgbench
mail_gid = sgbench
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $work/users
}
userdb {
  driver = passwd-file
  args = $work/users
}
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = $dv_port
  }
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
EOC
    dovecot -c "$work/dovecot.conf"
fi

wait_port() { # PORT
    i=0
    until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), timeout=1).close()" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "bench_managesieve: nothing on port $1" >&2; cat "$work"/*.log >&2; exit 1; }
        sleep 0.1
    done
}
wait_port "$sg_port"
[ -z "$have_dovecot" ] || wait_port "$dv_port"

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
run() { # PORT SCRIPT ROUNDS MODE
    "$client" 127.0.0.1 "$1" bench@example.com 'bench password' "$2" "$3" "$4" ||
        { echo "bench_managesieve: the client failed on port $1" >&2; cat "$work"/*.log >&2; exit 1; }
}
s40=$work/corpus/script.sieve
s2000=$work/corpus/script2000.sieve
# warm-up, not measured
run "$sg_port" "$s40" 10 round >/dev/null
[ -z "$have_dovecot" ] || run "$dv_port" "$s40" 10 round >/dev/null

echo "bench_managesieve: 127.0.0.1, PLAIN against a {SHA512-CRYPT} hash (rounds=5000), median (mean, p95) ms"
line() { # NAME RESULT
    printf '  %-10s %8.3f  (%.3f, %.3f)' "$1" "$(field "$2" ms_median)" "$(field "$2" ms_mean)" "$(field "$2" ms_p95)"
    [ -z "$(field "$2" connect_ms)" ] || printf '  connect %.3f, login %.3f, check %.3f, logout %.3f' \
        "$(field "$2" connect_ms)" "$(field "$2" auth_ms)" "$(field "$2" check_ms)" "$(field "$2" logout_ms)"
    echo
}
for shape in "round $s40 $rounds connect,login,CHECKSCRIPT-40-rules,LOGOUT" "check $s40 $rounds CHECKSCRIPT-40-rules" \
    "check $s2000 20 CHECKSCRIPT-2000-rules" "put $s40 $((rounds / 2)) PUTSCRIPT+SETACTIVE-40-rules"; do
    set -- $shape
    echo "$4, $3 times:"
    ours=$(run "$sg_port" "$2" "$3" "$1")
    line sievegate "$ours"
    if [ -n "$have_dovecot" ]; then
        theirs=$(run "$dv_port" "$2" "$3" "$1")
        line dovecot "$theirs"
        printf '  ratio      %.1fx faster (mean)\n' "$(echo "$(field "$theirs" ms_mean) $(field "$ours" ms_mean)" | awk '{ print $1 / $2 }')"
        [ "$1" != round ] || round_ratio=$(echo "$(field "$theirs" ms_mean) $(field "$ours" ms_mean)" | awk '{ print $1 / $2 }')
    fi
    [ "$2 $1" != "$s40 check" ] || check40=$(field "$ours" ms_median)
done
printf 'target: CHECKSCRIPT of 40 rules under 2 ms: %s ms: %s\n' "$check40" \
    "$(echo "$check40" | awk '{ print ($1 < 2) ? "PASS" : "FAIL" }')"
[ -z "$have_dovecot" ] || printf 'target: a round in at most a fifth of Dovecot'"'"'s time: %.1fx: %s\n' "$round_ratio" \
    "$(echo "$round_ratio" | awk '{ print ($1 >= 5) ? "PASS" : "FAIL" }')"
