#!/bin/sh
# End to end with a real MTA and virtual users (issue 17): a private Postfix
# instance on 127.0.0.1 delivers to `sievegate lmtp` through
# virtual_transport = lmtp:unix:SOCKET, for virtual users of a passwd-file
# (no Unix accounts), all files owned by one mail user. What sievegate sends
# (redirects, the 5.7.520 bounce, vacation replies) re-enters the same
# Postfix through its sendmail; every other domain goes to a pipe(8) sink
# that stores the message, so nothing leaves loopback. A private memcached
# caches the policy. Mail comes in by SMTP (swaks).
#
# Cases: a 10-recipient message with one recipient's mail store full (a
# tmpfs of its own: the others 250, that one 452 4.3.1, deferred, then
# delivered once after space is freed); an external redirect blocked with the
# 5.7.520 DSN reaching the sender; an allowed forward leaving through
# Postfix; vacation once; an unknown user (550 5.1.1 at RCPT, bounced by
# Postfix); `policy report` listing the decisions. Faults: a worker killed
# (-9) in the middle of DATA, and between the commit and the reply; memcached
# stopped and restarted while mail flows; the policy store unreadable. After
# each recovery and a queue flush the exact contents of every mailbox are
# asserted, and that no forbidden forward left.
#
# The window where a duplicate was possible for every LMTP server (a copy
# committed, the worker dead or the connection lost before the MTA read its
# 250, the MTA retrying) is closed by the Maildir's exactly-once journal
# (engine/deliver/maildir.h): the kill-between-commit-and-reply case asserts
# one copy after the retry. What remains is the journal's own window: a power
# failure in the instant between a rename into new/ and the journal's 'done'.
#
# usage: lmtp_postfix.sh SIEVEGATE FAULT_SHIM   (as root; exit 77 = skipped)
# FAULT_SHIM: tests/unit_maildir's preloadable library (an absolute path) (SG_FAULT_HOLD holds
# a worker at a chosen call so that the test can kill it there).
# By hand: ctest --test-dir build -R e2e_lmtp_postfix --output-on-failure (KEEP=1 keeps the temp dir)
set -u
PATH=$PATH:/usr/sbin:/sbin
skip() { echo "SKIP: $*"; exit 77; }
[ $# = 2 ] || { echo "usage: $0 SIEVEGATE FAULT_SHIM" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (a private Postfix instance, a mail user, a tmpfs)"
command -v postfix >/dev/null && command -v postqueue >/dev/null && [ -x /usr/sbin/sendmail ] ||
    skip "Postfix is not installed (apt-get install postfix swaks)"
for c in swaks python3 flock memcached; do command -v $c >/dev/null || skip "$c is not installed"; done
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shim=$2 # an LD_PRELOAD value: the shim last (under ASan its runtime first)
[ -f "${shim##*:}" ] || { echo "FAIL: no fault shim at ${shim##*:}"; exit 1; }

. "$(dirname "$0")/lib.sh"
chmod 755 "$tmp"
. "$(dirname "$0")/mta_lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
pf_lock
lmtp_pid=
mc_pid=
mounted=
stop_lmtp() {
    [ -n "$lmtp_pid" ] || return 0
    kill -TERM "$lmtp_pid" 2>/dev/null
    wait "$lmtp_pid" 2>/dev/null
    lmtp_rc=$?
    lmtp_pid=
}
stop_memcached() {
    [ -n "$mc_pid" ] || return 0
    kill "$mc_pid" 2>/dev/null
    wait "$mc_pid" 2>/dev/null
    mc_pid=
}
cleanup() {
    rm -f "$tmp/hold/hold"
    stop_lmtp
    stop_memcached
    pf_stop
    [ -z "$mounted" ] || umount "$mounted" 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- the mail user, the sink's user (created once, reused) and the sink ----
for u in sglmtp-vmail sglmtp-sink; do
    id "$u" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin -d /nonexistent "$u" ||
        skip "cannot create the local user $u"
done
su -s /bin/sh -c "test -x '$bin'" sglmtp-vmail ||
    skip "$bin cannot be run by an unprivileged user (a parent directory is not searchable)"
vmail="$tmp/vmail"
mkdir -p "$vmail" "$tmp/run" "$tmp/policy" "$tmp/audit" "$tmp/hold"
chown sglmtp-vmail: "$vmail" "$tmp/audit" "$tmp/run" "$tmp/hold" # run: the server removes its socket when it stops
mta_sink sglmtp-sink
home() { echo "$vmail/corp.example/$1"; }

# virtual users: no uid, gid or home of their own (mail_uid, mail_home)
{
    for u in alice bob carol dave u1 u2 u3 u4 u5 u6 u7 u8 u9 u10; do echo "$u@corp.example:{PLAIN}x::::::"; done
} >"$tmp/users"
chmod 644 "$tmp/users"

# ---- memcached ----
mcport=$(free_port)
start_memcached() {
    memcached -u nobody -l 127.0.0.1 -p "$mcport" -U 0 -m 16 >/dev/null 2>&1 &
    mc_pid=$!
    i=0
    until python3 -c "import socket; socket.create_connection(('127.0.0.1', $mcport), 1)" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "FAIL: memcached did not start"; exit 1; }
        sleep 0.05
    done
}
start_memcached

# ---- Postfix (postfix_lib.sh): the virtual domain goes to the LMTP server ----
pf_init
pf_main_cf "mydestination =
virtual_mailbox_domains = corp.example
virtual_transport = lmtp:unix:$tmp/run/lmtp.sock
# the LMTP server says who exists (550 5.1.1), not a Postfix table
smtpd_reject_unlisted_recipient = no
# deferred mail stays deferred until the test flushes the queue (or 5 s)
minimal_backoff_time = 5s
maximal_backoff_time = 10s
queue_run_delay = 5s"

# ---- sievegate: the policy off by default, corp.example ours, dave may forward ----
conf="$tmp/sievegate.conf"
write_conf() {
    submit=$(pf_submit)
    cat >"$conf" <<EOC
userdb = passwd-file:$tmp/users
mail_uid = sglmtp-vmail
mail_home = $vmail/%d/%n
lmtp_listen = unix:$tmp/run/lmtp.sock
policy_store = sqlite:$tmp/policy/policy.db
memcached = 127.0.0.1:$mcport
$submit
hostname = mx.corp.example
audit_log = $tmp/audit/audit.db
audit_spool_dir = $tmp/audit-spool
lda_mailbox_autocreate = yes
EOC
    chmod 644 "$conf"
}
write_conf
P="$bin policy --config $conf"
$P accepted-domain add corp.example >/dev/null && $P set-default --mode off >/dev/null &&
    $P add travellers --mode on --priority 0 --users dave@corp.example >/dev/null ||
    { echo "FAIL: cannot create the policy store"; exit 1; }
chmod 644 "$tmp/policy/policy.db" "$tmp/policy/policy.db.snapshot" 2>/dev/null

pf_start "lmtp      unix  - - n -    - lmtp" sglmtp-sink

# ---- the LMTP server ----
start_lmtp() { # [ENV=VALUE...]: started as root, it drops to sglmtp-vmail
    env "$@" "$bin" lmtp -c "$conf" >>"$tmp/lmtp.log" 2>&1 &
    lmtp_pid=$!
    i=0
    until [ -S "$tmp/run/lmtp.sock" ] && grep -q "listening on" "$tmp/lmtp.log" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -ge 100 ] || ! kill -0 "$lmtp_pid" 2>/dev/null; then
            echo "FAIL: the LMTP server did not start:"
            cat "$tmp/lmtp.log"
            exit 1
        fi
        sleep 0.05
    done
    : >"$tmp/lmtp.log.mark"
}
start_lmtp

# ---- helpers ----
inbox() { echo "$(home "$1")/Maildir/new"; }
sink_count() { # RECIPIENT: messages the sink got for it
    grep -l "^X-Sink-Recipient: <$1>" "$tmp/sink"/* 2>/dev/null | wc -l | tr -d ' '
}
expect_sink() { # NAME RECIPIENT N
    got=$(sink_count "$2")
    if [ "$got" = "$3" ]; then ok; else fail "$1: the sink got $got messages for $2, expected $3"; fi
}
script() { # USER SIEVE-TEXT
    mkdir -p "$(home "$1")"
    printf '%s\n' "$2" >"$(home "$1")/.dovecot.sieve"
    chown -R sglmtp-vmail: "$(home "$1")"
}
queue_state() { # prints "ACTIVE DEFERRED" message counts
    a=$(find "$pf/spool/active" "$pf/spool/incoming" "$pf/spool/maildrop" -type f 2>/dev/null | wc -l)
    d=$(find "$pf/spool/deferred" -type f 2>/dev/null | wc -l)
    echo "$a $d"
}
# Waits until nothing is active and DEFERRED messages are deferred (20 s);
# with 0, flushes every 3 s (a destination Postfix throttled after a fault).
settle() { # NAME DEFERRED
    i=0
    while :; do
        set -- "$1" "$2" $(queue_state)
        if [ "$3" = 0 ] && [ "$4" = "$2" ]; then ok; return 0; fi
        [ "$2" != 0 ] || [ $((i % 30)) != 29 ] || postqueue -c "$pf/etc" -f >/dev/null 2>&1
        if [ $i -ge 200 ]; then
            fail "$1: the queue did not settle at $2 deferred (active $3, deferred $4):"
            postqueue -c "$pf/etc" -p | head -n 20
            tail -n 15 "$pf/maillog"
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
}
drain() { settle "$1" 0; } # pf_drain fails at the first deferral; faults defer
flush() { postqueue -c "$pf/etc" -f >/dev/null 2>&1; sleep 0.5; }
reset() {
    rm -rf "$vmail/corp.example" "$tmp/sink"/*
    mkdir "$vmail/corp.example" && chown sglmtp-vmail: "$vmail/corp.example"
}

A=alice@corp.example
B=bob@corp.example
C=carol@corp.example
D=dave@corp.example
E=eve@partner.example

# ---- (a) ten recipients, one mail store full ----
reset
mkdir -p "$(home u7)/Maildir"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$(home u7)/Maildir" || { fail "(a) cannot mount a tmpfs"; finish; exit 1; }
mounted="$(home u7)/Maildir"
chown -R sglmtp-vmail: "$vmail/corp.example"
dd if=/dev/zero of="$(home u7)/Maildir/filler" bs=4096 2>/dev/null
ten=u1@corp.example,u2@corp.example,u3@corp.example,u4@corp.example,u5@corp.example,u6@corp.example,u7@corp.example,u8@corp.example,u9@corp.example,u10@corp.example
smtp "(a) accepted" "$C" "$ten" "Ten"
settle "(a) one recipient deferred" 1
for u in u1 u2 u3 u4 u5 u6 u8 u9 u10; do expect_count "(a) $u has it" "$(inbox $u)" 1; done
expect_count "(a) u7 has nothing" "$(inbox u7)" 0
expect_count "(a) nothing left in u7's tmp/" "$(home u7)/Maildir/tmp" 0
if grep -q "to=<u7@corp.example>.*status=deferred.*said: 452 4.3.1 <u7@corp.example> Mail system full" "$pf/maillog"; then ok; else
    fail "(a) Postfix did not log u7's 452 4.3.1"; fi
if grep -q "to=<u7@corp.example>, user=u7@corp.example, status=deferred" "$tmp/lmtp.log"; then ok; else fail "(a) no deferred line for u7"; fi
if [ "$(grep -c "status=sent" "$tmp/lmtp.log")" = 9 ]; then ok; else fail "(a) not 9 'sent' lines: $(grep -c status=sent "$tmp/lmtp.log")"; fi
rm -f "$(home u7)/Maildir/filler"
flush
drain "(a) after space is freed"
expect_count "(a) u7 has it once" "$(inbox u7)" 1
for u in u1 u2 u3 u4 u5 u6 u8 u9 u10; do expect_count "(a) $u still once" "$(inbox $u)" 1; done
m=$(only "$(inbox u7)")
expect_header "(a) u7's copy" "$m" "Subject: Ten"
expect_header "(a) Delivered-To" "$m" "Delivered-To: u7@corp.example"
expect_header "(a) Return-Path" "$m" "Return-Path: <$C>"
owner=$(stat -c %U "$(only "$(inbox u1)")")
if [ "$owner" = sglmtp-vmail ]; then ok; else fail "(a) the file belongs to $owner"; fi
umount "$mounted" && mounted=

# ---- (b) an external redirect blocked: kept, the 5.7.520 DSN to the sender ----
reset
script alice 'redirect "alice.private@gmail.example";'
smtp "(b) accepted" "$C" "$A" "Private matter"
drain "(b)"
expect_count "(b) kept by alice" "$(inbox alice)" 1
expect_count "(b) one DSN for carol" "$(inbox carol)" 1
m=$(only "$(inbox carol)")
expect_line "(b) DSN status" "$m" "Status: 5.7.520"
expect_header "(b) DSN subject" "$m" "Subject: Undeliverable: Private matter"
expect_header "(b) DSN from <>" "$m" "Return-Path: <>"
expect_sink "(b) nothing left" "alice.private@gmail.example" 0

# ---- (c) an allowed forward leaves through Postfix ----
reset
script dave 'redirect "dave@home.example";'
smtp "(c) accepted" "$C" "$D" "Itinerary"
drain "(c)"
expect_count "(c) not kept" "$(inbox dave)" 0
expect_sink "(c) forwarded once" "dave@home.example" 1
m=$(grep -l "^X-Sink-Recipient: <dave@home.example>" "$tmp/sink"/* | head -n 1)
expect_header "(c) the sender kept" "$m" "X-Sink-Sender: <$C>"
expect_header "(c) X-Sieve-Redirected-From" "$m" "X-Sieve-Redirected-From: $D"

# ---- (d) vacation once ----
reset
script alice 'require "vacation";
vacation :days 7 :subject "Away" "I am away until Monday.";'
smtp "(d) first" "$E" "$A" "Question 1"
drain "(d) first"
smtp "(d) second" "$E" "$A" "Question 2"
drain "(d) second"
expect_count "(d) both kept" "$(inbox alice)" 2
expect_sink "(d) one reply" "$E" 1
m=$(grep -l "^X-Sink-Recipient: <$E>" "$tmp/sink"/* | head -n 1)
expect_header "(d) from <>" "$m" "X-Sink-Sender: <>"
expect_header "(d) subject" "$m" "Subject: Away"

# ---- (e) an unknown user: 550 5.1.1 from the LMTP server, bounced by Postfix ----
reset
smtp "(e) accepted by Postfix" "$C" "nobody@corp.example" "Lost"
drain "(e)"
if grep -q "to=<nobody@corp.example>.*status=bounced.*said: 550 5.1.1 <nobody@corp.example> User doesn't exist" "$pf/maillog"; then
    ok; else fail "(e) no 550 5.1.1 bounce in Postfix's log"; fi
expect_count "(e) Postfix's bounce reached carol" "$(inbox carol)" 1

# ---- (f) policy report lists the decisions ----
run $P report --json
if [ "$rc" = 0 ] && grep -q '"alice.private@gmail.example"' "$tmp/out" && grep -q '"dave@home.example"' "$tmp/out"; then
    ok; else fail "(f) policy report: exit $rc, $(head -c 300 "$tmp/out")"; fi
run $P report
if grep -q "alice@corp.example.*alice.private@gmail.example.*block" "$tmp/out" &&
    grep -q "dave@corp.example.*dave@home.example.*allow" "$tmp/out"; then ok; else
    fail "(f) policy report does not list both decisions:"; cat "$tmp/out"; fi

# ---- (F1) a worker killed in the middle of DATA: nothing stored, delivered once on retry ----
reset
stop_lmtp
start_lmtp LD_PRELOAD="$shim" SG_FAULT_OP=read SG_FAULT_MARK=HOLD-MID-DATA SG_FAULT_HOLD="$tmp/hold"
touch "$tmp/hold/hold"
smtp "(F1) accepted" "$C" "$B" "HOLD-MID-DATA"
i=0
while [ -z "$(ls "$tmp/hold" | grep '^held\.[0-9]*$')" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
held=$(ls "$tmp/hold" | grep '^held\.[0-9]*$' | head -n 1)
if [ -n "$held" ]; then ok; kill -9 "${held#held.}"; else fail "(F1) no worker held in DATA"; fi
rm -f "$tmp/hold/hold" "$tmp/hold"/held.*
settle "(F1) deferred" 1
expect_count "(F1) nothing stored" "$(inbox bob)" 0
flush
drain "(F1) after the retry"
expect_count "(F1) stored once" "$(inbox bob)" 1
if grep -q "worker [0-9]* killed by signal 9" "$tmp/lmtp.log"; then ok; else fail "(F1) the master did not log the kill"; fi

# ---- (F2) killed between the commit and the reply: the retry stores nothing twice ----
reset
stop_lmtp
start_lmtp LD_PRELOAD="$shim" SG_FAULT_OP=fsync SG_FAULT_MATCH=/corp.example/bob/Maildir/new SG_FAULT_HOLD="$tmp/hold"
touch "$tmp/hold/hold"
smtp "(F2) accepted" "$C" "$B" "Committed"
i=0
while [ -z "$(ls "$tmp/hold" | grep '^held\.[0-9]*$')" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
held=$(ls "$tmp/hold" | grep '^held\.[0-9]*$' | head -n 1)
if [ -n "$held" ]; then ok; else fail "(F2) no worker held at the commit"; fi
expect_count "(F2) committed: in new/ before the reply" "$(inbox bob)" 1
[ -z "$held" ] || kill -9 "${held#held.}"
rm -f "$tmp/hold/hold" "$tmp/hold"/held.*
settle "(F2) deferred: no 250 was read" 1
flush
drain "(F2) after the retry"
# the Maildir's exactly-once journal knows the copy: the retry stores nothing
expect_count "(F2) one copy after the retry" "$(inbox bob)" 1
if grep -q "user=bob@corp.example: stored by an earlier attempt of this delivery (1 copies): nothing stored twice" "$tmp/lmtp.log"; then
    ok; else fail "(F2) the retry did not find the earlier copy"; fi
stop_lmtp
start_lmtp

# ---- (F3) memcached stopped and restarted while mail flows ----
reset
script alice 'redirect "alice.private@gmail.example";'
script dave 'redirect "dave@home.example";'
round() { # PHASE
    smtp "(F3) $1: blocked" "$C" "$A" "Blocked $1"
    smtp "(F3) $1: allowed" "$C" "$D" "Allowed $1"
    smtp "(F3) $1: plain" "$C" "$B" "Plain $1"
}
round up
drain "(F3) up"
stop_memcached
round down
drain "(F3) down"
start_memcached
round again
drain "(F3) again"
expect_count "(F3) alice kept all three" "$(inbox alice)" 3
expect_count "(F3) one DSN for carol (one per sender and owner a day)" "$(inbox carol)" 1
expect_count "(F3) bob has all three" "$(inbox bob)" 3
expect_sink "(F3) three forwards of dave" "dave@home.example" 3
expect_sink "(F3) no forbidden forward" "alice.private@gmail.example" 0

# ---- (F4) the policy store unreadable (memcached down: no last known policy) ----
reset
script alice 'redirect "alice.private@gmail.example";'
script dave 'redirect "dave@home.example";'
stop_memcached
chmod 000 "$tmp/policy/policy.db"
chmod 000 "$tmp/policy/policy.db.snapshot" 2>/dev/null
smtp "(F4) blocked, undecidable" "$C" "$A" "Undecided A"
smtp "(F4) allowed, undecidable" "$C" "$D" "Undecided D"
smtp "(F4) plain" "$C" "$B" "Plain"
# The plain one needs the policy too (is bob's mailbox forwarded?). A
# session Postfix kept from before still holds the store open and reads it
# (bob stored at once); a new session cannot (bob deferred with the forwards).
# Either way the forwards wait, and bob's message is never lost nor stored twice.
i=0
while :; do
    set -- $(queue_state) "$(ls "$(inbox bob)" 2>/dev/null | wc -l | tr -d ' ')"
    if [ "$1" = 0 ] && { { [ "$2" = 3 ] && [ "$3" = 0 ]; } || { [ "$2" = 2 ] && [ "$3" = 1 ]; }; }; then ok; break; fi
    if [ $i -ge 200 ]; then
        fail "(F4) the forwards deferred, the plain one deferred or stored: active $1, deferred $2, bob $3"
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
expect_count "(F4) alice: nothing yet" "$(inbox alice)" 0
expect_sink "(F4) nothing sent" "dave@home.example" 0
chmod 644 "$tmp/policy/policy.db"
chmod 644 "$tmp/policy/policy.db.snapshot" 2>/dev/null
start_memcached
flush
drain "(F4) after recovery"
expect_count "(F4) alice kept once" "$(inbox alice)" 1
expect_count "(F4) one DSN" "$(inbox carol)" 1
expect_sink "(F4) dave forwarded once" "dave@home.example" 1
expect_sink "(F4) no forbidden forward" "alice.private@gmail.example" 0
expect_count "(F4) bob still once" "$(inbox bob)" 1

# ---- the server stops on SIGTERM with 0 ----
stop_lmtp
if [ "$lmtp_rc" = 0 ]; then ok; else fail "the server exited $lmtp_rc on SIGTERM"; fi
if [ -e "$tmp/run/lmtp.sock" ]; then fail "the socket is left behind"; else ok; fi

# No warnings from Postfix but those the faults caused (lost connections, deferrals).
if grep -E 'postfix/[a-z]+\[[0-9]+\]: (warning|error|fatal|panic):' "$pf/maillog" | grep -v 'postfix-script' >"$tmp/warn"; then
    fail "Postfix logged problems:"
    head -n 10 "$tmp/warn"
else
    ok
fi
[ "$failed" = 0 ] || { echo "--- lmtp.log"; tail -n 30 "$tmp/lmtp.log"; }
finish
