#!/bin/sh
# A delivery killed by a signal is retried, never bounced, and stores its
# message exactly once (issue: nothing lost, nothing twice). The real binary
# is killed with SIGKILL at each step of the Maildir transaction by the fault
# shim (tests/unit_maildir/fault_shim.c, SG_FAULT_SIGNAL): while writing the
# copy, after writing it and before the rename into new/, and after the rename
# (at the directory's fsync). Each time deliver must exit 75 (EX_TEMPFAIL: the
# MTA defers) with the reason on stderr; after the retry (no fault) the
# mailbox holds exactly one copy of the message.
# usage: deliver_killed.sh SIEVEGATE PRELOAD   (the fault shim, after the ASan runtime in ASan builds)
set -u
bin=$1
shim=$2
. "$(dirname "$0")/lib.sh"
home="$tmp/home"
mkdir -p "$home"
export HOME="$home"
conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
hostname = mx.example.com
first_valid_uid = 0
EOC
printf 'From: carol@partner.example\nTo: alice@example.com\nSubject: hello\nMessage-ID: <kill-1@partner.example>\n\nhello\n' >"$tmp/msg.eml"
count() { find "$home/Maildir/new" "$home/Maildir/cur" -type f 2>/dev/null | wc -l | tr -d ' '; }

# STEP OP MATCH AFTER: kill -9 at the AFTER+1-th OP call whose path holds MATCH.
killed_at() {
    name=$1
    rm -rf "$home/Maildir"
    env LD_PRELOAD="$shim" SG_FAULT_OP="$2" SG_FAULT_MATCH="$3" SG_FAULT_AFTER="$4" SG_FAULT_SIGNAL=9 \
        SG_FAULT_ID="$name" "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com \
        -p "$tmp/msg.eml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc "$name: killed, deferred" 75
    if grep -q 'killed by signal 9' "$tmp/err"; then ok; else fail "$name: stderr: $(cat "$tmp/err")"; fi
    run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$tmp/msg.eml"
    expect_rc "$name: the retry" 0
    n=$(count)
    if [ "$n" = 1 ]; then ok; else fail "$name: $n copies after the retry, expected exactly 1"; fi
}

killed_at "while writing the copy" write /Maildir/tmp/ 0 # the copy, not the stderr file (which may be under /tmp too)
killed_at "after the write, before the rename" rename /new/ 0
# The copy is in new/, the process dies before it can exit 0: the MTA
# retries, and the journal (exactly once) says the copy is there.
killed_at "after the rename, before exit" fsync /Maildir/new 0
# A second folder: killed between the two renames; the retry completes the
# second from tmp/ and stores nothing twice.
printf 'require ["fileinto", "copy"];\nfileinto :copy "Work";\n' >"$home/.dovecot.sieve"
count() { find "$home/Maildir/new" "$home/Maildir/cur" "$home/Maildir/.Work/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
conf_autocreate() { echo 'lda_mailbox_autocreate = yes' >>"$conf"; }
conf_autocreate
killed_at_two() {
    name=$1
    rm -rf "$home/Maildir"
    env LD_PRELOAD="$shim" SG_FAULT_OP=rename SG_FAULT_MATCH=/new/ SG_FAULT_AFTER=1 SG_FAULT_SIGNAL=9 \
        SG_FAULT_ID="$name" "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com \
        -p "$tmp/msg.eml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc "$name: killed, deferred" 75
    n=$(count)
    if [ "$n" = 1 ]; then ok; else fail "$name: $n copies before the retry, expected 1 (the first rename)"; fi
    run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$tmp/msg.eml"
    expect_rc "$name: the retry" 0
    n=$(count)
    if [ "$n" = 2 ]; then ok; else fail "$name: $n copies after the retry, expected exactly 2 (INBOX and Work)"; fi
    if grep -q 'stored by an earlier attempt' "$tmp/err"; then ok; else fail "$name: the retry says nothing about it: $(cat "$tmp/err")"; fi
    # A third delivery of the same message is a retry too (within the window): nothing more.
    run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$tmp/msg.eml"
    n=$(count)
    if [ "$rc" = 0 ] && [ "$n" = 2 ]; then ok; else fail "$name: again: exit $rc, $n copies"; fi
}
killed_at_two "two folders, between the renames"
# tmp/ is cleaned of what killed deliveries left, older than 36 hours.
mkdir -p "$home/Maildir/tmp"
printf 'partial' >"$home/Maildir/tmp/1.M1P1.dead"
printf 'recent' >"$home/Maildir/tmp/2.M2P2.recent"
touch -d '40 hours ago' "$home/Maildir/tmp/1.M1P1.dead"
touch -a -d '9 hours ago' "$home/Maildir/tmp"
printf 'From: x@partner.example\nTo: alice@example.com\nSubject: other\n\nother\n' >"$tmp/other.eml"
run "$bin" deliver --config "$conf" -f x@partner.example -a alice@example.com -p "$tmp/other.eml"
expect_rc "tmp cleaned: delivered" 0
if [ ! -e "$home/Maildir/tmp/1.M1P1.dead" ] && [ -e "$home/Maildir/tmp/2.M2P2.recent" ]; then ok; else fail "tmp cleaned: $(ls "$home/Maildir/tmp")"; fi
finish
