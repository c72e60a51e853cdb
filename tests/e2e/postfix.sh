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
# usage: postfix.sh SIEVEGATE [PRELOAD]   (as root; exit 77 = skipped)
# PRELOAD: the fault shim (tests/unit_maildir/fault_shim.c, after the ASan
# runtime in ASan builds), for (i): deliveries killed with SIGKILL.
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
[ $# = 1 ] || [ $# = 2 ] || { echo "usage: $0 SIEVEGATE [PRELOAD]" >&2; exit 2; }
preload=${2:-}
[ "$(id -u)" = 0 ] || skip "needs root (a private Postfix instance and local users)"
command -v postfix >/dev/null && command -v postqueue >/dev/null && [ -x /usr/sbin/sendmail ] ||
    skip "Postfix is not installed (apt-get install postfix swaks)"
command -v swaks >/dev/null || skip "swaks is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v flock >/dev/null || skip "flock is not installed"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

. "$(dirname "$0")/lib.sh"
chmod 755 "$tmp" # Postfix's daemons and the test users walk through it
. "$(dirname "$0")/mta_lib.sh"
. "$(dirname "$0")/postfix_lib.sh"
pf_lock
cleanup() {
    pf_stop
    if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- local users sgpf-* (homes in $tmp) and the sink ----
mta_users sgpf alice bob carol dave sink
mta_sink sgpf-sink

# ---- the Postfix instance (postfix_lib.sh) ----
pf_init
pf_main_cf "mydestination = corp.example
mailbox_command = $bin deliver -c $tmp/sievegate.conf -f \"\$SENDER\" -a \"\$RECIPIENT\""

# ---- sievegate: policy off by default, corp.example is ours ----
conf="$tmp/sievegate.conf"
write_conf() {
    submit=$(pf_submit)
    cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
$submit
hostname = mx.corp.example
audit_log = syslog,$tmp/lib/audit.db
audit_spool_dir = $tmp/audit-spool
lda_mailbox_autocreate = yes
EOC
    chmod 644 "$conf"
}
write_conf
P="$bin policy --config $conf"
$P accepted-domain add corp.example >/dev/null && $P set-default --mode off >/dev/null &&
    $P add travellers --mode on --priority 0 --users sgpf-dave@corp.example >/dev/null ||
    { echo "FAIL: cannot create the policy store"; exit 1; }
chmod 644 "$tmp/policy.db"
# The audit as documented (docs/delivery.md): the database root's, in a
# directory root owns; `policy migrate` creates it and the spool (1777) the
# users, who may not write the database, drop their records into.
mkdir -m 755 "$tmp/lib"
$P migrate >/dev/null || { echo "FAIL: policy migrate"; exit 1; }
if [ "$(stat -c '%a %U' "$tmp/audit-spool")" = "1777 root" ] && [ "$(stat -c '%U' "$tmp/lib/audit.db")" = root ]; then ok; else
    fail "policy migrate: spool $(stat -c '%a %U' "$tmp/audit-spool"), database $(stat -c '%U' "$tmp/lib/audit.db")"
fi

pf_start "local     unix  - n n -    - local" sgpf-sink

# ---- helpers (and mta_lib.sh's) ----
drain() { pf_drain "$@"; }
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
typo_line=$(($(wc -l <"$conf") + 1))
printf 'policy_unavailble = block\n' >>"$conf"
smtp "(g) accepted" "$C" "$A" "Typo in the configuration"
deferred_then_delivered "(g) exit 75" "temporary failure. Command output: sievegate deliver: configuration error: $conf:$typo_line: unknown key 'policy_unavailble' (did you mean 'policy_unavailable'?)"
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

# The audit arrives: each user's decisions wait in the spool, one file each,
# theirs alone (sticky directory, 0640); a user cannot collect the others'
# (the report fails with a clear error instead of leaving them out); root's
# report collects them all, exactly once.
spool_files() { find "$tmp/audit-spool" -name '*.rec' | wc -l; }
expect_eq "audit: the users' records wait in the spool" "$(spool_files)" 4
expect_eq "audit: each record its writer's, 0640" \
    "$(find "$tmp/audit-spool" -name '*.rec' -printf '%u %m\n' | sort | uniq -c | sed 's/^ *//')" \
    "3 sgpf-alice 640
1 sgpf-dave 640"
run runuser -u sgpf-bob -- "$bin" policy --config "$conf" report
expect_rc "audit: a user's report" 75
expect_err "audit: a user's report says why" "sievegate policy: 4 audit record(s) in $tmp/audit-spool cannot be collected by this user: the report would miss them (run it as root; \`sievegate policy audit-flush\` says more)"
run $P report --format json
expect_rc "audit: root's report" 0
python3 - "$tmp/out" >"$tmp/records" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1]))
for x in sorted((x["user"], x["recipient"], x["mechanism"], x["verdict"], x["policy"] or "-") for x in r["forwards"]):
    print(" ".join(x))
EOP
expect_eq "audit: every decision once, from every user" "$(cat "$tmp/records")" \
    "sgpf-alice@corp.example alice.private@gmail.example redirect block default
sgpf-alice@corp.example alice.private@gmail.example redirect block default
sgpf-alice@corp.example alice.private@gmail.example redirect policy_unavailable policy_unavailable
sgpf-dave@corp.example dave@home.example redirect allow travellers"
expect_eq "audit: the spool collected" "$(spool_files)" 0
run $P report --format json
python3 - "$tmp/out" >"$tmp/records2" <<'EOP'
import json, sys
print(len(json.load(open(sys.argv[1]))["forwards"]))
EOP
expect_eq "audit: a second report counts them once" "$(cat "$tmp/records2")" 4

# (i) Deliveries killed by a signal (kill -9, the OOM killer, a crash) are
# deferred, never bounced (Postfix bounces a mailbox_command that dies by a
# signal: sievegate's supervising parent turns it into 75), and the retry
# stores the message exactly once: killed while writing, before the rename
# into new/, and after it (at the directory's fsync). The same command line
# as the documented one, run through /bin/sh, with the fault shim in its
# environment for the first attempt only.
if [ -n "$preload" ]; then
    cat >"$tmp/killing-deliver" <<EOS
#!/bin/sh
if [ -f "$tmp/kill/at" ]; then
    read -r op match <"$tmp/kill/at"
    rm -f "$tmp/kill/at"
    LD_PRELOAD="$preload" SG_FAULT_OP=\$op SG_FAULT_MATCH=\$match SG_FAULT_SIGNAL=9 SG_FAULT_ID=\$\$ \
        "$bin" deliver -c "$tmp/sievegate.conf" -f "\$1" -a "\$2"
else
    "$bin" deliver -c "$tmp/sievegate.conf" -f "\$1" -a "\$2"
fi
EOS
    chmod 755 "$tmp/killing-deliver"
    mkdir -p "$tmp/kill" && chmod 777 "$tmp/kill"
    postconf -c "$pf/etc" "mailbox_command = $tmp/killing-deliver \"\$SENDER\" \"\$RECIPIENT\"" >/dev/null
    postfix -c "$pf/etc" reload >/dev/null 2>&1
    n=0
    for step in "write /tmp/" "rename /new/" "fsync /Maildir/new"; do
        n=$((n + 1))
        reset
        script alice 'keep;'
        # queue files only: qmgr, restarted by the reload above, scans the
        # hashed directories and exits (fatal) if one is removed under it
        find "$pf/spool/deferred" -type f -delete 2>/dev/null
        echo "$step" >"$tmp/kill/at" # read and removed by the user's delivery: a directory it may write
        chmod 644 "$tmp/kill/at"
        smtp "(i$n) accepted" "$C" "$A" "Killed at $step"
        i=0
        while [ -z "$(find "$pf/spool/deferred" -type f 2>/dev/null | head -n 1)" ] && [ $i -lt 200 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        if [ $i -lt 200 ]; then ok; else fail "(i$n) killed at $step: not deferred"; fi
        if grep "to=<$A>" "$pf/maillog" | tail -n 1 | grep -q 'status=deferred (temporary failure.*killed by signal 9'; then ok; else
            fail "(i$n) killed at $step: $(grep "to=<$A>" "$pf/maillog" | tail -n 1)"
        fi
        if grep -q "to=<$A>.*status=bounced" "$pf/maillog"; then fail "(i$n) killed at $step: bounced"; else ok; fi
        expect_count "(i$n) no bounce to carol" "$(home carol)/Maildir/new" 0
        postqueue -c "$pf/etc" -f
        drain "(i$n) after the retry"
        expect_count "(i$n) killed at $step: exactly one copy after the retry" "$(home alice)/Maildir/new" 1
    done
    postconf -c "$pf/etc" "mailbox_command = $bin deliver -c $tmp/sievegate.conf -f \"\$SENDER\" -a \"\$RECIPIENT\"" >/dev/null
    postfix -c "$pf/etc" reload >/dev/null 2>&1
else
    echo "note: no fault shim given: (i), deliveries killed by a signal, not run"
fi

# No warnings or errors from Postfix (a failed pipe, a sievegate exit status, ...).
if grep -E 'postfix/[a-z]+\[[0-9]+\]: (warning|error|fatal|panic):' "$pf/maillog" | grep -v 'postfix-script' >"$tmp/warn"; then
    fail "Postfix logged problems:"
    head -n 10 "$tmp/warn"
else
    ok
fi

finish
