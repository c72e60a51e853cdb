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

killed_at "while writing the copy" write /tmp/ 0
killed_at "after the write, before the rename" rename /new/ 0
finish
