#!/bin/sh
# End to end with a real MTA (issue 6): a private Postfix instance on
# 127.0.0.1 delivers through `sievegate deliver` as its mailbox_command, to
# local Unix users with real Maildirs; what sievegate sends (redirects, the
# 5.7.520 bounce, vacation replies) re-enters the same Postfix through its
# sendmail, and every non-local domain goes to a pipe(8) sink that stores the
# message, so nothing leaves loopback. Mail comes in by SMTP (swaks).
# Asserts the files in each Maildir, key header lines, what the sink got and
# that Postfix's queue drains.
#
# usage: postfix.sh SIEVEGATE        (as root; exit 77 = skipped)
# By hand: ctest --test-dir build -R e2e_postfix --output-on-failure
#     or:  sudo tests/e2e/postfix.sh build/sievegate   (KEEP=1 keeps the temp dir)
#
# Needs root (its own Postfix instance, local users sgpf-*, created once and
# reused), Debian's postfix and swaks packages, python3 (a free port).
# Postfix lets an unprivileged user's `sendmail -C DIR` use another instance
# only when DIR is listed in alternate_config_directories of the *default*
# /etc/postfix/main.cf (postconf(5)). When there is no such file (the package
# installed with "No configuration", as in CI) the test writes one with only
# that line and removes it at the end; when a system Postfix owns that file,
# sievegate submits by SMTP to the instance (submission_host) instead.
set -u
PATH=$PATH:/usr/sbin:/sbin
skip() { echo "SKIP: $*"; exit 77; }
[ $# = 1 ] || { echo "usage: $0 SIEVEGATE" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (a private Postfix instance and local users)"
command -v postfix >/dev/null && command -v postqueue >/dev/null && [ -x /usr/sbin/sendmail ] ||
    skip "Postfix is not installed (apt-get install postfix swaks)"
command -v swaks >/dev/null || skip "swaks is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v flock >/dev/null || skip "flock is not installed"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

# One run at a time on a host: the users' home directories and
# /etc/postfix/main.cf are shared state.
exec 9>"${TMPDIR:-/tmp}/sievegate-e2e-postfix.lock"
flock -w 100 9 || { echo "FAIL: another postfix.sh holds the lock"; exit 1; }

. "$(dirname "$0")/lib.sh"
chmod 755 "$tmp" # Postfix's daemons and the test users walk through it
pf="$tmp/postfix"
sysmain=/etc/postfix/main.cf
marker="# written by sievegate tests/e2e/postfix.sh; removed when it ends"
started=
wrote_sysmain=
cleanup() {
    if [ -n "$started" ]; then
        postfix -c "$pf/etc" stop >/dev/null 2>&1
        i=0 # the master exits after its children; wait for it (up to 10 s)
        while [ -f "$pf/spool/pid/master.pid" ] && kill -0 "$(cat "$pf/spool/pid/master.pid")" 2>/dev/null &&
            [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        [ $i -lt 100 ] || postfix -c "$pf/etc" abort >/dev/null 2>&1
    fi
    [ -z "$wrote_sysmain" ] || rm -f "$sysmain"
    if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- local users sgpf-* (homes in $tmp) and the sink ----
. "$(dirname "$0")/mta_lib.sh"
mta_users sgpf alice bob carol dave sink
mta_sink sgpf-sink

# ---- the Postfix instance ----
mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
chown postfix: "$pf/data"
if [ ! -e "$sysmain" ] || [ "$(head -n 1 "$sysmain")" = "$marker" ]; then
    printf '%s\nalternate_config_directories = %s\n' "$marker" "$pf/etc" >"$sysmain"
    wrote_sysmain=1
else
    echo "note: $sysmain belongs to a system Postfix; sievegate submits by SMTP (submission_host) instead of sendmail -C"
fi

cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
myhostname = mx.corp.example
mydomain = corp.example
myorigin = corp.example
mydestination = corp.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
alias_maps =
alias_database =
biff = no
notify_classes =
recipient_delimiter = +
mailbox_command = $bin deliver -c $tmp/sievegate.conf -f "\$SENDER" -a "\$RECIPIENT"
default_transport = sink
relay_transport = sink
sink_destination_recipient_limit = 1
# A sanitizer build's options (CI sets them) reach sievegate through master and local(8).
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME ASAN_OPTIONS UBSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG ASAN_OPTIONS UBSAN_OPTIONS
EOF
# chroot off everywhere; smtpd on the loopback port only.
write_master_cf() {
    cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
sink      unix  - n n -    - pipe flags=q null_sender= user=sgpf-sink argv=$tmp/sink.sh \${sender} \${recipient}
EOF
}

# ---- sievegate: policy off by default, corp.example is ours ----
conf="$tmp/sievegate.conf"
write_conf() {
    if [ -n "$wrote_sysmain" ]; then submit="sendmail_path = /usr/sbin/sendmail -C $pf/etc"; else
        submit="submission_host = 127.0.0.1:$port"
    fi
    cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
$submit
hostname = mx.corp.example
audit_log = syslog
lda_mailbox_autocreate = yes
EOC
    chmod 644 "$conf"
}
port=0
write_conf
P="$bin policy --config $conf"
$P accepted-domain add corp.example >/dev/null && $P set-default --mode off >/dev/null &&
    $P add travellers --mode on --priority 0 --users sgpf-dave@corp.example >/dev/null ||
    { echo "FAIL: cannot create the policy store"; exit 1; }
chmod 644 "$tmp/policy.db"

# A free port can be taken before Postfix binds it: up to three tries.
started=1
for attempt in 1 2 3; do
    port=$(free_port)
    write_master_cf
    write_conf
    postfix -c "$pf/etc" check >/dev/null 2>&1 && postfix -c "$pf/etc" start >/dev/null 2>&1 && break
    postfix -c "$pf/etc" stop >/dev/null 2>&1
    if [ $attempt = 3 ]; then
        echo "FAIL: the Postfix instance did not start:"
        tail -n 20 "$pf/maillog" 2>/dev/null
        exit 1
    fi
done

# ---- helpers (and mta_lib.sh's) ----
# The queue drained: everything (and all it caused) delivered or bounced.
# A deferral (sievegate exit 75, say) fails at once with Postfix's reason.
drain() { # NAME
    i=0
    while :; do
        q=$(postqueue -c "$pf/etc" -p 2>&1)
        [ "$q" = "Mail queue is empty" ] && { ok; return 0; }
        if [ -n "$(find "$pf/spool/deferred" -type f 2>/dev/null | head -n 1)" ] || [ $i -ge 200 ]; then
            fail "$1: the queue did not drain:"
            echo "$q" | head -n 20
            tail -n 15 "$pf/maillog"
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
}
A="sgpf-alice@corp.example"
B="sgpf-bob@corp.example"
C="sgpf-carol@corp.example"
D="sgpf-dave@corp.example"

# (a) Plain delivery to INBOX, and fileinto a folder (created on demand).
reset
script alice 'require "fileinto";
if header :contains "subject" "report" { fileinto "Reports"; }'
smtp "(a) to INBOX: accepted" "$C" "$A" "Lunch"
smtp "(a) to a folder: accepted" "$C" "$A" "Weekly report"
drain "(a)"
expect_count "(a) INBOX" "$(home alice)/Maildir/new" 1
expect_count "(a) folder Reports" "$(home alice)/Maildir/.Reports/new" 1
m=$(only "$(home alice)/Maildir/new")
expect_message "(a) stored as a message" "$m"
expect_header "(a) INBOX has the right message" "$m" "Subject: Lunch"
expect_header "(a) Postfix local delivered it" "$m" "Delivered-To: $A"
expect_header "(a) the envelope sender" "$m" "Return-Path: <$C>"
expect_header "(a) folder has the report" "$(only "$(home alice)/Maildir/.Reports/new")" "Subject: Weekly report"
owner=$(stat -c %U "$m")
if [ "$owner" = sgpf-alice ]; then ok; else fail "(a) the message file belongs to $owner"; fi
expect_count "(a) nothing to the sink" "$tmp/sink" 0

# (b) Redirect to another local user: re-enters Postfix, lands in bob's Maildir.
reset
script alice 'redirect "sgpf-bob@corp.example";'
smtp "(b) accepted" "$C" "$A" "For Bob"
drain "(b)"
expect_count "(b) not kept by alice" "$(home alice)/Maildir/new" 0
expect_count "(b) delivered to bob" "$(home bob)/Maildir/new" 1
m=$(only "$(home bob)/Maildir/new")
expect_message "(b) stored as a message" "$m"
expect_header "(b) X-Sieve-Redirected-From" "$m" "X-Sieve-Redirected-From: $A"
expect_header "(b) Postfix delivered it to bob" "$m" "Delivered-To: $B"
expect_header "(b) the original sender kept" "$m" "Return-Path: <$C>"
expect_header "(b) the same message" "$m" "Subject: For Bob"
expect_header "(b) its own Message-ID" "$m" "Message-ID: <m[0-9]*\.$$@e2e\.test>"
expect_count "(b) nothing to the sink" "$tmp/sink" 0
expect_count "(b) no bounce to carol" "$(home carol)/Maildir/new" 0

# (c) Redirect to an external address, policy off: kept, nothing leaves, and
# the 5.7.520 DSN (from <>) lands in the local sender's Maildir.
reset
script alice 'redirect "alice.private@gmail.example";'
smtp "(c) accepted" "$C" "$A" "Private matter"
drain "(c)"
expect_count "(c) kept in alice's INBOX" "$(home alice)/Maildir/new" 1
expect_header "(c) the original kept" "$(only "$(home alice)/Maildir/new")" "Subject: Private matter"
expect_count "(c) nothing reached the sink" "$tmp/sink" 0
expect_count "(c) one DSN in carol's INBOX" "$(home carol)/Maildir/new" 1
m=$(only "$(home carol)/Maildir/new")
expect_message "(c) DSN stored as a message" "$m"
expect_line "(c) DSN status" "$m" "Status: 5.7.520"
expect_header "(c) DSN subject" "$m" "Subject: Undeliverable: Private matter"
expect_line "(c) DSN action" "$m" "Action: failed"
expect_line "(c) DSN final recipient" "$m" "Final-Recipient: rfc822; *alice.private@gmail.example"
expect_header "(c) DSN is a delivery-status report" "$m" "Content-Type: multipart/report; report-type=delivery-status;.*"
expect_header "(c) DSN from the null sender" "$m" "Return-Path: <>"
expect_header "(c) DSN delivered to carol by Postfix" "$m" "Delivered-To: $C"
expect_no_line "(c) no From_ line in the returned headers" "$m" "From $C .*"

# (f) Redirect to an external address that the policy allows (travellers: dave):
# sent once, through Postfix, to the sink; no DSN.
reset
script dave 'redirect "dave@home.example";'
smtp "(f) accepted" "$C" "$D" "Itinerary"
drain "(f)"
expect_count "(f) not kept by dave" "$(home dave)/Maildir/new" 0
expect_count "(f) one message at the sink" "$tmp/sink" 1
m=$(only "$tmp/sink")
expect_header "(f) to the external address" "$m" "X-Sink-Recipient: <dave@home.example>"
expect_header "(f) envelope sender kept" "$m" "X-Sink-Sender: <$C>"
expect_header "(f) X-Sieve-Redirected-From" "$m" "X-Sieve-Redirected-From: $D"
expect_message "(f) sent as a message" "$m" 2
expect_header "(f) the same message" "$m" "Subject: Itinerary"
expect_header "(f) its own Message-ID" "$m" "Message-ID: <m[0-9]*\.$$@e2e\.test>"
expect_count "(f) no DSN to carol" "$(home carol)/Maildir/new" 0

# (d) Vacation: two messages from the same (external) sender, exactly one reply.
reset
script alice 'require "vacation";
vacation :days 7 :subject "Away" "I am away until Monday.";'
smtp "(d) first message" "eve@partner.example" "$A" "Question 1"
drain "(d) first"
smtp "(d) second message" "eve@partner.example" "$A" "Question 2"
drain "(d) second"
expect_count "(d) both kept" "$(home alice)/Maildir/new" 2
expect_count "(d) exactly one reply" "$tmp/sink" 1
m=$(only "$tmp/sink")
expect_message "(d) sent as a message" "$m" 2
expect_header "(d) reply to the sender" "$m" "X-Sink-Recipient: <eve@partner.example>"
expect_header "(d) reply from <>" "$m" "X-Sink-Sender: <>"
expect_header "(d) reply subject" "$m" "Subject: Away"
expect_header "(d) auto-replied" "$m" "Auto-Submitted: auto-replied"
expect_header "(d) answers the first message" "$m" "In-Reply-To: <m[0-9]*\.$$@e2e\.test>"
expect_line "(d) the reason" "$m" "I am away until Monday."

# (e) An unknown local user: Postfix refuses it at RCPT (nothing queued).
reset
run swaks --server 127.0.0.1 --port "$port" --helo client.e2e.test --from "$C" --to sgpf-nobody@corp.example \
    --timeout 20
if [ "$rc" != 0 ] && grep -q '<\*\* *550 5\.1\.1 .*User unknown' "$tmp/out"; then ok; else
    fail "(e) unknown user: swaks exit $rc, no 550 5.1.1"
fi
drain "(e)"
expect_count "(e) nothing at the sink" "$tmp/sink" 0

# (g) A broken configuration (a misspelled key): deliver says FILE:LINE and
# exits 75 before reading the message (not 78: local(8) bounces a
# mailbox_command's EX_CONFIG with 5.3.5), so Postfix defers it; once the
# file is fixed, the retry delivers it. (h) The same for a policy store that
# vanished (policy_unavailable = tempfail): deferred, then decided.
deferred_then_delivered() { # NAME STATUS-REGEX
    i=0
    while [ -z "$(find "$pf/spool/deferred" -type f 2>/dev/null | head -n 1)" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ $i -lt 200 ]; then ok; else fail "$1: not deferred"; fi
    if grep -q "to=<$A>.*status=deferred ($2" "$pf/maillog"; then ok; else
        fail "$1: no deferral /$2/ in the maillog: $(grep "to=<$A>" "$pf/maillog" | tail -n 1)"
    fi
    expect_count "$1: nothing stored while deferred" "$(home alice)/Maildir/new" 0
    expect_count "$1: no bounce to carol" "$(home carol)/Maildir/new" 0
}
reset
script alice 'keep;'
printf 'policy_unavailble = block\n' >>"$conf"
smtp "(g) accepted" "$C" "$A" "Typo in the configuration"
deferred_then_delivered "(g) exit 75" "temporary failure. Command output: sievegate deliver: configuration error: $conf:8: unknown key 'policy_unavailble' (did you mean 'policy_unavailable'?)"
write_conf
postqueue -c "$pf/etc" -f
drain "(g) after the fix"
expect_count "(g) delivered after the fix" "$(home alice)/Maildir/new" 1

reset
script alice 'redirect "alice.private@gmail.example";'
mv "$tmp/policy.db" "$tmp/policy.db.away"
mv "$tmp/policy.db.snapshot" "$tmp/policy.db.snapshot.away"
smtp "(h) accepted" "$C" "$A" "While the store is away"
deferred_then_delivered "(h) exit 75" "temporary failure. Command output: "
mv "$tmp/policy.db.away" "$tmp/policy.db"
mv "$tmp/policy.db.snapshot.away" "$tmp/policy.db.snapshot"
postqueue -c "$pf/etc" -f
drain "(h) after the store is back"
expect_count "(h) kept once the store is back" "$(home alice)/Maildir/new" 1
expect_count "(h) and the 5.7.520 DSN to carol" "$(home carol)/Maildir/new" 1

# No warnings or errors from Postfix (a failed pipe, a sievegate exit status, ...).
if grep -E 'postfix/[a-z]+\[[0-9]+\]: (warning|error|fatal|panic):' "$pf/maillog" | grep -v 'postfix-script' >"$tmp/warn"; then
    fail "Postfix logged problems:"
    head -n 10 "$tmp/warn"
else
    ok
fi

finish
