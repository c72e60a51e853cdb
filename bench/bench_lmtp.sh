#!/bin/sh
# bench_lmtp.sh - `sievegate lmtp` side by side with Dovecot's LMTP server
# running Pigeonhole (issue 17): the same 40-rule script (bench_interp
# --write), 100 virtual users from one passwd-file, Maildir, 2,000 messages of
# about 4 KB, a pipelining client (bench_lmtp_client) on unix sockets.
# Shapes: messages/s with 1 and with 4 concurrent sessions, recipient
# deliveries/s with 10-recipient messages (200 messages, 1 session); peak RSS
# per server process (VmHWM, sampled while the sessions run); the client's own
# CPU per message; each message's time from MAIL to its last reply (median,
# 99th percentile, slowest); and sievegate's one-process-per-message `deliver` for
# comparison. Targets: >= 4x Dovecot LMTP in each shape, <= its peak RSS,
# >= 5x our own per-process deliver.
#
# Durability: sievegate fsyncs each file and each new/ directory before the
# 250 (its default mail_fsync); Dovecot runs with mail_fsync = optimized (the
# file fsynced, not the directory). Outgoing mail (the script's redirects and
# vacation replies) goes to a sendmail that reads and drops the message, on
# both sides.
#
# usage: bench_lmtp.sh SIEVEGATE BENCH_INTERP BENCH_LMTP_CLIENT   (as root)
#   e.g. bench/bench_lmtp.sh build/sievegate build/bench/bench_interp build/bench/bench_lmtp_client
# BENCH_MESSAGES (2000) changes the count. Needs Debian's dovecot-lmtpd and
# dovecot-sieve for the Dovecot side (skipped when missing).
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
interp=$2
client=$3
count=${BENCH_MESSAGES:-2000}
users=100
NAME=lmtp . "$(dirname "$0")/server_bench_lib.sh"
cat >"$work/sendmail" <<'EOS'
#!/bin/sh
exec cat >/dev/null
EOS
chmod 755 "$work/sendmail"

# 100 virtual users, the same file for both servers; the script in each home
i=0
while [ $i -lt $users ]; do
    echo "user$i@example.com:{PLAIN}x::::::"
    for side in sg dv; do
        mkdir -p "$work/$side/example.com/user$i"
        cp "$work/corpus/script.sieve" "$work/$side/example.com/user$i/.dovecot.sieve"
    done
    i=$((i + 1))
done >"$work/users"
chown -R sgbench: "$work/sg" "$work/dv"
mkdir "$work/audit" && chown sgbench: "$work/audit"
chmod 644 "$work/users"

# ---- sievegate lmtp ----
cat >"$work/sievegate.conf" <<EOC
userdb = passwd-file:$work/users
mail_uid = sgbench
mail_home = $work/sg/%d/%n
lmtp_listen = unix:$work/sievegate.sock
policy_store = sqlite:$work/policy.db
sendmail_path = $work/sendmail
audit_log = $work/audit/audit.db
hostname = mx.example.com
lda_mailbox_autocreate = yes
EOC
chmod 644 "$work/sievegate.conf"
"$bin" policy --config "$work/sievegate.conf" accepted-domain add example.com >/dev/null
chmod 644 "$work/policy.db"*
"$bin" lmtp -c "$work/sievegate.conf" 2>"$work/sievegate.log" &
sg_pid=$!

# ---- Dovecot LMTP with Pigeonhole ----
have_dovecot=
if command -v dovecot >/dev/null && [ -x /usr/lib/dovecot/lmtp ] && [ -f /usr/lib/dovecot/modules/lib90_sieve_plugin.so ]; then
    have_dovecot=yes
    mkdir -p "$work/dovecot-run" "$work/dovecot-state"
    cat >"$work/dovecot.conf" <<EOC
base_dir = $work/dovecot-run
state_dir = $work/dovecot-state
log_path = $work/dovecot.log
protocols = lmtp
ssl = no
mail_location = maildir:~/Maildir
mail_home = $work/dv/%d/%n
mail_uid = sgbench
mail_gid = sgbench
first_valid_uid = 1
mail_fsync = optimized
lda_mailbox_autocreate = yes
sendmail_path = $work/sendmail
postmaster_address = postmaster@example.com
hostname = mx.example.com
passdb {
  driver = passwd-file
  args = $work/users
}
userdb {
  driver = passwd-file
  args = $work/users
}
service lmtp {
  unix_listener $work/dovecot.sock {
    mode = 0666
  }
}
protocol lmtp {
  mail_plugins = sieve
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
EOC
    dovecot -c "$work/dovecot.conf"
fi

wait_socket() { # PATH
    i=0
    until [ -S "$1" ]; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "bench_lmtp: no socket $1" >&2; cat "$work"/*.log >&2; exit 1; }
        sleep 0.05
    done
}
wait_socket "$work/sievegate.sock"
[ -z "$have_dovecot" ] || wait_socket "$work/dovecot.sock"

# Peak RSS (KiB) of the processes named COMM while the run goes on: each
# one's VmHWM, sampled every 0.1 s. Only the server's own: its master (PID
# MASTER) and the processes it started, not another program of that name
# running on the machine meanwhile (e.g. a test suite's sievegate). A
# process gone between the two reads (a sendmail child not yet exec'ed is
# named sievegate too) is skipped: under set -e its awk failing would end
# the sampler, and the benchmark with it, silently.
sample_rss() { # COMM OUTFILE MASTER: the VmHWM of MASTER and its children named COMM
    # Cheap on purpose: one pgrep and shell builtins per tick. Reading every
    # /proc/PID with cat and awk ten times a second made a thousand processes
    # a second, which slowed the one-session runs (latency-bound) by half.
    : >"$2"
    while [ -f "$work/sampling" ]; do
        for p in "$3" $(pgrep -P "$3" -x "$1"); do
            read -r c <"/proc/$p/comm" 2>/dev/null || continue
            [ "$c" = "$1" ] || continue
            while read -r k v _; do
                [ "$k" = VmHWM: ] && echo "$v"
            done <"/proc/$p/status" 2>/dev/null || true
        done >>"$2"
        sleep 0.2
    done
}
msgs=$(ls "$work"/corpus/messages/*.eml)
# run SIDE SOCKET COMM SESSIONS RCPTS COUNT: prints the client's line and the peak RSS
run() {
    touch "$work/sampling"
    master=$sg_pid
    [ "$1" = sg ] || master=$(cat "$work/dovecot-run/master.pid")
    sample_rss "$3" "$work/rss.$1" "$master" &
    sp=$!
    # shellcheck disable=SC2086
    out=$("$client" "unix:$2" "$4" "$5" $users "$6" $msgs) || { echo "bench_lmtp: $1: the client failed" >&2; exit 1; }
    rm -f "$work/sampling"
    wait $sp
    peak=$(sort -n "$work/rss.$1" | tail -n 1)
    echo "$out peak_rss_kb ${peak:-0}"
}
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
report() { # NAME LINE UNIT
    n=$(field "$2" "$3")
    s=$(field "$2" seconds)
    printf '  %-10s %6.0f %s/s  (%d in %.2f s), peak RSS %s KiB per process, client CPU %.3f ms/message\n' "$1" \
        "$(echo "$n $s" | awk '{ print $1 / $2 }')" "$3" "$n" "$s" "$(field "$2" peak_rss_kb)" \
        "$(echo "$(field "$2" client_cpu_ms) $(field "$2" messages)" | awk '{ print $1 / $2 }')"
    printf '  %-10s per message, MAIL to last reply: median %s ms, 99th percentile %s ms, slowest %s ms\n' "" \
        "$(field "$2" latency_ms_median)" "$(field "$2" latency_ms_p99)" "$(field "$2" latency_ms_max)"
}
rate() { echo "$(field "$1" "$2") $(field "$1" seconds)" | awk '{ print $1 / $2 }'; }
ratio() { # OURS THEIRS UNIT
    echo "$(rate "$1" "$3") $(rate "$2" "$3")" | awk '{ printf "%.1fx (target >= 4x: %s)", $1 / $2, (($1 >= 4 * $2) ? "PASS" : "FAIL") }'
}

# warm-up, not measured: 5 messages to each user, so that Pigeonhole has
# compiled each user's script and most folders exist on both sides (the
# measured runs then deliver into existing Maildirs, as a server mostly does)
run sg "$work/sievegate.sock" sievegate 1 1 $((users * 5)) >/dev/null
[ -z "$have_dovecot" ] || run dv "$work/dovecot.sock" lmtp 1 1 $((users * 5)) >/dev/null

ten=$((count / 10))
echo "bench_lmtp: $count messages of about 4 KB ($(ls "$work/corpus/messages" | wc -l) distinct), the 40-rule script, $users virtual users, Maildir"
for shape in "1 1 $count messages" "4 1 $count messages" "1 10 $ten deliveries"; do
    set -- $shape
    echo "$1 session(s), $2 recipient(s) per message:"
    ours=$(run sg "$work/sievegate.sock" sievegate "$1" "$2" "$3")
    report sievegate "$ours" "$4"
    if [ -n "$have_dovecot" ]; then
        theirs=$(run dv "$work/dovecot.sock" lmtp "$1" "$2" "$3")
        report dovecot "$theirs" "$4"
        echo "  ratio      $(ratio "$ours" "$theirs" "$4"), peak RSS $(field "$ours" peak_rss_kb) vs $(field "$theirs" peak_rss_kb) KiB: $(
            [ "$(field "$ours" peak_rss_kb)" -le "$(field "$theirs" peak_rss_kb)" ] && echo PASS || echo FAIL)"
    fi
    [ "$1 $2" != "1 1" ] || one_session=$ours
done

# ---- sievegate deliver, one process per message (200 messages) ----
mkdir -p "$work/lda"
cp "$work/corpus/script.sieve" "$work/lda/.dovecot.sieve"
cat >"$work/lda.conf" <<EOC
mail_location = maildir:$work/lda/Maildir
sieve = $work/lda/.dovecot.sieve
state_file = $work/lda/.sievegate.state.db
policy_store = sqlite:$work/policy.db
sendmail_path = $work/sendmail
audit_log = $work/audit/audit.db
hostname = mx.example.com
first_valid_uid = 0
lda_mailbox_autocreate = yes
EOC
t0=$(date +%s%N)
k=0
for m in $msgs; do
    [ $k -lt 200 ] || break
    "$bin" deliver -c "$work/lda.conf" -f sender@partner.example -a user0@example.com -p "$m" </dev/null
    k=$((k + 1))
done
t1=$(date +%s%N)
lda=$(echo "$k $t0 $t1" | awk '{ print $1 / (($3 - $2) / 1e9) }')
printf 'sievegate deliver, one process per message: %.0f messages/s (%d messages)\n' "$lda" "$k"
printf 'sievegate lmtp (1 session) / deliver: %.1fx (target >= 5x: %s)\n' \
    "$(echo "$(rate "$one_session" messages) $lda" | awk '{ print $1 / $2 }')" \
    "$(echo "$(rate "$one_session" messages) $lda" | awk '{ print (($1 >= 5 * $2) ? "PASS" : "FAIL") }')"
