#!/bin/sh
# End-to-end tests of admin mailbox forwarding at delivery (docs/policy.md,
# "Admin mailbox forwarding"): `sievegate forward set` on alice, then the real
# `sievegate deliver` into a real Maildir with a capturing sendmail. Asserts
# the exact mailbox contents, every submission (envelope and bytes), the
# audit rows through `policy report --mechanism admin-forward`, exit codes,
# and that `sievegate test -u` prints what deliver then does.
# usage: deliver_admin_forward.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deliver_lib.sh" # the home, the configuration with a policy store and an audit log
# The capturing sendmail (lib.sh), failing (exit 75) while
# $tmp/sent.fail.RECIPIENT exists for its last argument.
capture_sendmail "$tmp/sendmail" "$tmp/sent"
F="$bin forward --config $conf"
n=1

expect_argv() { # NAME N WANT...: the argv of submission N
    name=$1 k=$2
    shift 2
    want=$(printf '%s\n' "$@")
    got=$(cat "$tmp/sent/$k/argv" 2>/dev/null)
    if [ "$got" = "$want" ]; then ok; else fail "$name: argv $(printf '%s' "$got" | tr '\n' ' '), expected $*"; fi
}
reset() {
    rm -rf "$home/Maildir" "$home/.dovecot.sieve" "$home/.sievegate.state.db" "$tmp/sent" "$tmp/audit.db" "$tmp"/fail.*
    mkdir -p "$tmp/sent"
}
next_message() { # a new Message-ID (the same one again would be a retry, which stores nothing)
    n=$((n + 1))
    sed "s/plan-[0-9]*@/plan-$n@/" "$msg" >"$tmp/m.eml" && mv "$tmp/m.eml" "$msg"
}
plan() { # FORMAT: what `sievegate test -u alice` says the delivery will do
    script="$home/.dovecot.sieve"
    [ -f "$script" ] || script=/dev/null
    run "$bin" test --config "$conf" -u alice@example.com -f carol@partner.example -a alice@example.com \
        --format "$1" "$script" "$msg"
}
# The audit as `policy report` prints it, times replaced by T.
report() { # ARGS...
    run "$bin" policy --config "$conf" report "$@"
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/T/g' "$tmp/out" >"$tmp/out.t" && mv "$tmp/out.t" "$tmp/out"
}
# The redirected copy as the target gets it, after our Received field (its date varies).
expect_copy() { # NAME N
    tr -d '\r' <"$tmp/sent/$2/data" | sed -n '3,$p' >"$tmp/copy"
    printf 'X-Sieve-Redirected-From: alice@example.com\nFrom: Carol <carol@partner.example>\nTo: alice@example.com\nSubject: Project plan\nMessage-ID: <plan-%s@partner.example>\n\nHere is the plan.\n' "$n" >"$tmp/copy.expected"
    if cmp -s "$tmp/copy" "$tmp/copy.expected"; then ok; else fail "$1: the copy differs: $(cat "$tmp/copy")"; fi
    if head -n 2 "$tmp/sent/$2/data" | tr -d '\r' | grep -q "^	for <$3>; "; then ok; else fail "$1: no Received for <$3>"; fi
}

no_records='forwards: 0 (0 allowed, 0 blocked)
forwarders: 0 (0 new)
recipient domains: 0 (0 new)
hosts: 0
mechanisms: 0
records: 0'

# 1. Blocked: default policy (automatic = off), external target. The message
# is in INBOX exactly once, the sender gets one 5.7.520 bounce, the target nothing.
reset
run $F set alice@example.com Friend@Gmail.example
expect_rc "forward set" 0
plan text
expect_rc "test -u: blocked" 0
expect_out "test -u: blocked" 'admin forward to friend@gmail.example (external): not sent, external forwarding is off for you (policy "default")
bounce 5.7.520 to carol@partner.example for friend@gmail.example
keep in INBOX (implicit keep)'
plan json
expect_out "test -u --format json: blocked" '{"implicit_keep": true,
 "actions": [
   {"action": "admin-forward", "address": "friend@gmail.example", "keep_copy": false, "external": true, "verdict": "block", "policy": "default", "status": "5.7.520", "reason": "external forwarding is off for you (policy \"default\")"},
   {"action": "bounce", "to": "carol@partner.example", "status": "5.7.520", "recipient": "friend@gmail.example"},
   {"action": "keep", "mailbox": "INBOX", "flags": [], "implicit": true}
 ],
 "errors": []}'
deliver
expect_rc "blocked" 0
expect_count "blocked: in INBOX once" "$home/Maildir/new" 1
expect_count "blocked: the bounce only" "$tmp/sent" 1
expect_argv "blocked: the bounce" 0 -i -f '<>' -- carol@partner.example
if grep -q '^Status: 5.7.520' "$tmp/sent/0/data" && grep -q '^Final-Recipient: rfc822; friend@gmail.example' "$tmp/sent/0/data"; then ok; else
    fail "blocked: the bounce is not a 5.7.520 DSN for friend@gmail.example"
fi
if cat "$home/Maildir/new/"* | grep -q '^X-Sieve-Redirected-From'; then fail "blocked: the stored copy was changed"; else ok; fi
# Another message from the same sender within bounce_rate_period: kept, no second bounce.
next_message
deliver
expect_rc "blocked again" 0
expect_count "blocked again: kept" "$home/Maildir/new" 2
expect_count "blocked again: no second bounce" "$tmp/sent" 1
report --mechanism admin-forward
expect_out "report: the blocked admin forwards" 'forwards: 2 (0 allowed, 2 blocked)
forwarders: 1 (1 new)
  alice@example.com: 2 forwarded (0 allowed, 2 blocked), 1 recipient, 1 domain, first T, new
recipient domains: 1 (1 new)
  gmail.example: 2 forwarded (0 allowed, 2 blocked), 1 forwarder, first T, new
hosts: 1
  mx.example.com: 2 forwarded (0 allowed, 2 blocked), 1 forwarder
mechanisms: 1
  admin-forward: 2 forwarded (0 allowed, 2 blocked), 1 forwarder
records: 2
  T alice@example.com -> friend@gmail.example (gmail.example): admin-forward block, policy default, message-id <plan-1@partner.example>, host mx.example.com
  T alice@example.com -> friend@gmail.example (gmail.example): admin-forward block, policy default, message-id <plan-2@partner.example>, host mx.example.com'
report --mechanism redirect
expect_out "report: no inbox rule forwarded" "$no_records"

# 2. A policy scoped to alice turns forwarding on: sent to the target, not kept.
reset
next_message
"$bin" policy --config "$conf" add alice-may --mode on --priority 0 --users alice@example.com >/dev/null
plan text
expect_out "test -u: allowed" 'admin forward to friend@gmail.example (external): allowed'
deliver
expect_rc "allowed" 0
expect_count "allowed: not kept" "$home/Maildir/new" 0
expect_count "allowed: one submission" "$tmp/sent" 1
expect_argv "allowed: to the target, from the sender" 0 -i -f carol@partner.example -- friend@gmail.example
expect_copy "allowed" 0 friend@gmail.example
report --mechanism admin-forward
expect_out "report: the allowed admin forward" 'forwards: 1 (1 allowed, 0 blocked)
forwarders: 1 (1 new)
  alice@example.com: 1 forwarded (1 allowed, 0 blocked), 1 recipient, 1 domain, first T, new
recipient domains: 1 (1 new)
  gmail.example: 1 forwarded (1 allowed, 0 blocked), 1 forwarder, first T, new
hosts: 1
  mx.example.com: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
mechanisms: 1
  admin-forward: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
records: 1
  T alice@example.com -> friend@gmail.example (gmail.example): admin-forward allow, policy alice-may, remote domain *, message-id <plan-3@partner.example>, host mx.example.com'

# 3. --keep-copy: sent and kept.
reset
next_message
run $F set alice@example.com friend@gmail.example --keep-copy
expect_rc "forward set --keep-copy" 0
plan text
expect_out "test -u: keep copy" 'admin forward to friend@gmail.example (keep copy) (external): allowed
keep in INBOX (implicit keep)'
deliver
expect_rc "keep copy" 0
expect_count "keep copy: kept" "$home/Maildir/new" 1
expect_count "keep copy: sent" "$tmp/sent" 1
expect_argv "keep copy: to the target" 0 -i -f carol@partner.example -- friend@gmail.example

# 4. An internal target is always allowed (the default policy is off): sent,
# not kept; internal forwards are not audited.
"$bin" policy --config "$conf" remove alice-may >/dev/null
reset
next_message
run $F set alice@example.com bob@example.com
plan text
expect_out "test -u: internal" 'admin forward to bob@example.com (internal): allowed'
deliver
expect_rc "internal" 0
expect_count "internal: not kept" "$home/Maildir/new" 0
expect_argv "internal: to bob" 0 -i -f carol@partner.example -- bob@example.com
expect_copy "internal" 0 bob@example.com
report --mechanism admin-forward
expect_out "report: internal forwards are not audited" "$no_records"

# 5. The user's script still runs: its fileinto stores (the forward replaces
# only the implicit keep); its redirect goes too, after the admin forward.
reset
next_message
printf 'require "fileinto";\nfileinto "Work";\nredirect "dave@example.com";\n' >"$home/.dovecot.sieve"
plan text
expect_out "test -u: with a script" 'admin forward to bob@example.com (internal): allowed
file into Work
redirect to dave@example.com (internal): allowed'
deliver
expect_rc "with a script" 0
expect_count "with a script: not in INBOX" "$home/Maildir/new" 0
expect_count "with a script: filed into Work" "$home/Maildir/.Work/new" 1
expect_count "with a script: two submissions" "$tmp/sent" 2
expect_argv "with a script: the admin forward first" 0 -i -f carol@partner.example -- bob@example.com
expect_argv "with a script: then the redirect" 1 -i -f carol@partner.example -- dave@example.com

# 6. A script that redirects to an external target under off, with an internal
# admin forward: the forward goes, the redirect is blocked (one bounce), and
# the message is kept, as for a blocked redirect.
reset
next_message
printf 'redirect "evil@gmail.example";\n' >"$home/.dovecot.sieve"
plan text
expect_out "test -u: blocked redirect" 'admin forward to bob@example.com (internal): allowed
redirect to evil@gmail.example (external): not sent, external forwarding is off for you (policy "default")
bounce 5.7.520 to carol@partner.example for evil@gmail.example
keep in INBOX (implicit keep)'
deliver
expect_rc "blocked redirect" 0
expect_count "blocked redirect: kept" "$home/Maildir/new" 1
expect_count "blocked redirect: forward and bounce" "$tmp/sent" 2
expect_argv "blocked redirect: the admin forward" 0 -i -f carol@partner.example -- bob@example.com
expect_argv "blocked redirect: the bounce" 1 -i -f '<>' -- carol@partner.example

# 7. A retried delivery never sends the forward twice: the script's redirect
# fails the first time (exit 75, nothing stored); the retry sends only it.
reset
next_message
printf 'redirect "dave@example.com";\n' >"$home/.dovecot.sieve"
: >"$tmp/sent.fail.dave@example.com"
deliver
expect_rc "redirect fails: deferred" 75
expect_count "redirect fails: nothing stored" "$home/Maildir/new" 0
expect_count "redirect fails: the admin forward went" "$tmp/sent" 1
expect_argv "redirect fails: the admin forward" 0 -i -f carol@partner.example -- bob@example.com
rm -f "$tmp/sent.fail.dave@example.com"
deliver
expect_rc "retry" 0
expect_count "retry: one more submission" "$tmp/sent" 2
expect_argv "retry: the redirect only" 1 -i -f carol@partner.example -- dave@example.com
expect_count "retry: not kept" "$home/Maildir/new" 0

# 8. The envelope sender rules of redirect: SRS when configured.
reset
next_message
deliver -o redirect_envelope_from=srs -o srs_secret=s3cret -o srs_domain=fwd.example.com
expect_rc "srs" 0
if sed -n 3p "$tmp/sent/0/argv" | grep -q '^SRS0=[^=]*=[^=]*=partner.example=carol@fwd.example.com$'; then ok; else
    fail "srs: envelope sender $(sed -n 3p "$tmp/sent/0/argv")"
fi

# 9. The policy cannot be read: whether alice's mailbox is forwarded is not
# known. tempfail (the default) defers with nothing done; keep delivers
# locally and sends nothing. A store that does not exist holds no forward.
reset
next_message
printf 'not a database\n' >"$tmp/broken.db"
deliver -o "policy_store=sqlite:$tmp/broken.db"
expect_rc "unreadable store: deferred" 75
expect_count "unreadable store: nothing stored" "$home/Maildir/new" 0
expect_count "unreadable store: nothing sent" "$tmp/sent" 0
deliver -o "policy_store=sqlite:$tmp/broken.db" -o policy_unavailable=keep
expect_rc "unreadable store, keep" 0
expect_count "unreadable store, keep: stored" "$home/Maildir/new" 1
expect_count "unreadable store, keep: nothing sent" "$tmp/sent" 0
reset
next_message
deliver -o "policy_store=sqlite:$tmp/missing.db"
expect_rc "missing store" 0
expect_count "missing store: stored" "$home/Maildir/new" 1
reset
next_message
deliver -o policy_store=none
expect_rc "policy_store = none" 0
expect_count "policy_store = none: stored" "$home/Maildir/new" 1
expect_count "policy_store = none: nothing sent" "$tmp/sent" 0

# 10. Removed: delivered as before.
reset
next_message
run $F remove alice@example.com
deliver
expect_rc "removed" 0
expect_count "removed: kept" "$home/Maildir/new" 1
expect_count "removed: nothing sent" "$tmp/sent" 0
plan text
expect_out "test -u: removed" 'keep in INBOX (implicit keep)'

finish
