#!/bin/sh
# End-to-end tests of `sievegate deliver` (the dovecot-lda drop-in): the real
# binary, a real Maildir in a temporary home, a real policy store, and a
# capturing sendmail program that records every submission. Asserts the exact
# files in the Maildir, what was submitted, and the exit codes.
# usage: deliver.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
home="$tmp/home"
mkdir -p "$home" "$tmp/sent"
export HOME="$home"

# The capturing sendmail (lib.sh): one directory per submission under
# $tmp/sent; exits with the code in $tmp/sent.rc (0 when missing).
capture_sendmail "$tmp/sendmail" "$tmp/sent"

conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/sendmail
hostname = mx.example.com
audit_log = $tmp/audit.db
audit_spool_dir = $tmp/audit-spool
# the tests run as root without -d (cli.md: first_valid_uid)
first_valid_uid = 0
EOC
"$bin" policy --config "$conf" accepted-domain add example.com >/dev/null

msg="$tmp/msg.eml"
printf 'Return-Path: <carol@partner.example>\r\nFrom: Carol <carol@partner.example>\r\nTo: alice@example.com\r\nSubject: Project plan\r\nMessage-ID: <plan-1@partner.example>\r\n\r\nHere is the plan.\r\n' >"$msg"

count() { # DIR: number of files in it (0 when missing)
    if [ -d "$1" ]; then ls "$1" | wc -l | tr -d ' '; else echo 0; fi
}
expect_count() { # NAME DIR N
    got=$(count "$2")
    if [ "$got" = "$3" ]; then ok; else fail "$1: $got files in $2, expected $3"; fi
}
reset() {
    rm -rf "$home/Maildir" "$home/.dovecot.sieve" "$home/.dovecot.sieve.log" "$home/.sievegate.state.db" \
        "$tmp/sent" "$tmp/sent.rc"
    mkdir -p "$tmp/sent"
}
deliver() { # extra args...
    run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg" "$@"
}

# 1. No script: the message lands in INBOX (new/), byte for byte (LF endings, as Dovecot stores).
reset
deliver
expect_rc "no script" 0
expect_count "no script: INBOX new" "$home/Maildir/new" 1
expect_count "no script: nothing in tmp" "$home/Maildir/tmp" 0
expect_count "no script: nothing sent" "$tmp/sent" 0

# 2. fileinto: only the folder gets it.
reset
printf 'require "fileinto";\nfileinto "Work";\n' >"$home/.dovecot.sieve"
deliver -o lda_mailbox_autocreate=yes
expect_rc "fileinto" 0
expect_count "fileinto: folder" "$home/Maildir/.Work/new" 1
expect_count "fileinto: not in INBOX" "$home/Maildir/new" 0

# 3. An internal redirect is sent, not kept; the copy carries X-Sieve-Redirected-From.
reset
printf 'redirect "bob@example.com";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "internal redirect" 0
expect_count "internal redirect: one submission" "$tmp/sent" 1
expect_count "internal redirect: not kept" "$home/Maildir/new" 0
if grep -q '^X-Sieve-Redirected-From: alice@example.com' "$tmp/sent/0/data"; then ok; else fail "redirected copy lacks X-Sieve-Redirected-From"; fi
if grep -q '^Return-Path:' "$tmp/sent/0/data"; then fail "redirected copy kept Return-Path"; else ok; fi
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\ncarol@partner.example\n--\nbob@example.com')" ]; then ok; else fail "sendmail argv: $(cat "$tmp/sent/0/argv" | tr '\n' ' ')"; fi

# 3b. Comments and folding white space around the local part and the domain
# (RFC 5322 §3.4.1) are allowed, and the address without them is what is
# decided and what the MTA gets: one form a delivery, the envelope exactly
# bob@example.com each time.
for form in 'bob @example.com' 'Bob <bob@example.com >' 'bob@(the boss) example.com' \
    'bob(x)@example.com' "$(printf 'bob@example.com\r\n (folded)')"; do
    reset
    printf 'redirect "%s";\n' "$form" >"$home/.dovecot.sieve"
    deliver
    expect_rc "redirect \"$form\"" 0
    expect_count "redirect \"$form\": one submission" "$tmp/sent" 1
    if [ "$(cat "$tmp/sent/0/argv" 2>/dev/null)" = "$(printf -- '-i\n-f\ncarol@partner.example\n--\nbob@example.com')" ]; then ok; else
        fail "redirect \"$form\": argv $(tr '\n' ' ' <"$tmp/sent/0/argv" 2>/dev/null)"
    fi
done

# 3c. More than 26 keywords: the file name holds 26 letters; the others are
# named on stderr (and in the plan), never dropped in silence.
reset
kws=$(i=1; while [ $i -le 28 ]; do printf 'k%02d ' $i; i=$((i + 1)); done)
printf 'require "imap4flags";\nkeep :flags "%s";\n' "$kws" >"$home/.dovecot.sieve"
deliver
expect_rc "28 keywords" 0
stored=$(ls "$home/Maildir/cur" 2>/dev/null | head -1)
letters=${stored##*:2,}
if [ "${#letters}" = 26 ]; then ok; else fail "28 keywords: file name $stored"; fi
if grep -q 'flags not stored .*INBOX: k27, INBOX: k28' "$tmp/err"; then ok; else fail "28 keywords: stderr: $(cat "$tmp/err")"; fi

# 4. An external redirect under the default policy (off): not sent, kept, and one 5.7.520 bounce from <>.
reset
printf 'redirect "alice.private@gmail.example";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "blocked external redirect" 0
expect_count "blocked: kept in INBOX" "$home/Maildir/new" 1
expect_count "blocked: only the bounce was sent" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "bounce argv: $(cat "$tmp/sent/0/argv" | tr '\n' ' ')"; fi
if grep -q '^Status: 5.7.520' "$tmp/sent/0/data" && grep -q 'report-type=delivery-status' "$tmp/sent/0/data"; then ok; else fail "bounce is not a 5.7.520 DSN"; fi
# The same sender again within bounce_rate_period (another message: the same
# one again would be a retry, which exactly-once stores nothing for): kept, no
# second bounce.
rm -rf "$tmp/sent" && mkdir -p "$tmp/sent"
sed 's/plan-1@/plan-2@/' "$msg" >"$tmp/msg2.eml"
deliver -p "$tmp/msg2.eml"
expect_rc "second blocked delivery" 0
expect_count "rate period: no second bounce" "$tmp/sent" 0
expect_count "rate period: still kept" "$home/Maildir/new" 2

# 5. sendmail fails: exit 75, nothing delivered; the retry sends the copy once and delivers once.
reset
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sent.rc"
deliver
expect_rc "sendmail fails: retry later" 75
expect_count "sendmail fails: nothing in INBOX" "$home/Maildir/new" 0
rm -f "$tmp/sent.rc"
deliver
expect_rc "retry succeeds" 0
expect_count "retry: INBOX once" "$home/Maildir/new" 1
sent=$(count "$tmp/sent")
deliver
expect_rc "the same message again" 0
if [ "$(count "$tmp/sent")" = "$sent" ]; then ok; else fail "the forward was sent twice"; fi

# 6. Unknown user: 67.
reset
run "$bin" deliver --config "$conf" -d no-such-user-sievegate -p "$msg"
expect_rc "unknown user" 67

# 7. A script that does not parse: kept in INBOX, the errors in ~/.dovecot.sieve.log.
reset
printf 'fileinto "Work"\n' >"$home/.dovecot.sieve"
deliver
expect_rc "broken script" 0
expect_count "broken script: kept in INBOX" "$home/Maildir/new" 1
if grep -q "error: expected ';' before end of script" "$home/.dovecot.sieve.log"; then ok; else fail "no error log beside the script"; fi

# 8. reject under -e: 77, the reason on stderr, nothing delivered.
reset
printf 'require "reject";\nreject "No attachments please.";\n' >"$home/.dovecot.sieve"
deliver -e
expect_rc "reject -e" 77
if grep -q "No attachments please." "$tmp/err"; then ok; else fail "reject reason not on stderr"; fi
expect_count "reject -e: nothing delivered" "$home/Maildir/new" 0

# 9. The policy cannot be read and an external forward is planned: 75 before anything happens.
reset
printf 'redirect "alice.private@gmail.example";\n' >"$home/.dovecot.sieve"
printf 'garbage' >"$tmp/corrupt.db"
deliver -o "policy_store=sqlite:$tmp/corrupt.db"
expect_rc "policy unavailable: tempfail" 75
expect_count "policy unavailable: nothing delivered" "$home/Maildir/new" 0
expect_count "policy unavailable: nothing sent" "$tmp/sent" 0
deliver -o "policy_store=sqlite:$tmp/corrupt.db" -o policy_unavailable=keep
expect_rc "policy unavailable, keep" 0
expect_count "policy unavailable, keep: kept" "$home/Maildir/new" 1
expect_count "policy unavailable, keep: nothing sent" "$tmp/sent" 0

# 10. -m MAILBOX that does not exist: INBOX instead, as dovecot-lda does.
reset
deliver -m Missing
expect_rc "-m missing mailbox" 0
expect_count "-m missing: INBOX" "$home/Maildir/new" 1

# 11. sievegate-lda is the same program.
reset
run "$(dirname "$bin")/sievegate-lda" --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg"
expect_rc "sievegate-lda" 0
expect_count "sievegate-lda: INBOX" "$home/Maildir/new" 1

# 13. vacation: one reply to the sender, from <>, kept in INBOX; not again within the period.
reset
printf 'require "vacation";\nvacation :days 7 :subject "Away" "I am away until Monday.";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "vacation" 0
expect_count "vacation: kept" "$home/Maildir/new" 1
expect_count "vacation: one reply" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "vacation argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
if grep -q '^Auto-Submitted: auto-replied' "$tmp/sent/0/data" && grep -q '^Subject: Away' "$tmp/sent/0/data" &&
    grep -q '^In-Reply-To: <plan-1@partner.example>' "$tmp/sent/0/data"; then ok; else fail "vacation reply headers"; fi
deliver
expect_rc "vacation again" 0
expect_count "vacation: no second reply within :days" "$tmp/sent" 1

# 13c. A vacation reply that cannot be sent now is not lost: the whole delivery
# is deferred (75, nothing stored), and the retry sends the reply once and
# stores the message once. Likewise when the policy (whose remote domains
# decide automatic replies) cannot be read under policy_unavailable = tempfail.
reset
printf 'require "vacation";\nvacation :days 7 :subject "Away" "I am away until Monday.";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sent.rc"
deliver
expect_rc "vacation, sendmail fails for now: deferred" 75
expect_count "vacation, sendmail fails for now: nothing stored" "$home/Maildir/new" 0
rm -f "$tmp/sent.rc"
rm -rf "$tmp/sent" && mkdir -p "$tmp/sent"
deliver
expect_rc "vacation, the retry" 0
expect_count "vacation, the retry: stored once" "$home/Maildir/new" 1
expect_count "vacation, the retry: one reply" "$tmp/sent" 1
reset
printf 'require "vacation";\nvacation :days 7 "Away.";\n' >"$home/.dovecot.sieve"
run "$bin" deliver --config "$conf" -o "policy_store=sqlite:$tmp/missing/policy.db" -f carol@partner.example \
    -a alice@example.com -p "$msg"
expect_rc "vacation, policy unreadable: deferred" 75
expect_count "vacation, policy unreadable: nothing stored" "$home/Maildir/new" 0
expect_count "vacation, policy unreadable: nothing sent" "$tmp/sent" 0
if grep -q 'policy cannot be read' "$tmp/err"; then ok; else fail "vacation, policy unreadable: why: $(cat "$tmp/err")"; fi

# 13b. RFC 5230 §4.2: tracking uses the arguments before variable expansion, so a
# :subject built from each message's subject is still one response per sender.
reset
printf 'require ["vacation", "variables"];\nif header :matches "subject" "*" { set "s" "${1}"; }\nvacation :subject "Re: ${s}" "Away.";\n' >"$home/.dovecot.sieve"
deliver
msg2="$tmp/msg2.eml"
sed 's/^Subject: Project plan/Subject: Another topic/; s/plan-1@/plan-2@/' "$msg" >"$msg2"
run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg2"
expect_rc "vacation with variables, second message" 0
expect_count "vacation: one reply for two subjects (unexpanded tracking)" "$tmp/sent" 1
if grep -q '^Subject: Re: Project plan' "$tmp/sent/0/data"; then ok; else fail "vacation: expanded :subject missing in the reply"; fi

# 13c. RFC 5230 §4.5: :addresses names the user's other addresses; without it a
# message addressed to an alias gets no reply.
reset
sed 's/^To: alice@example.com/To: sales@example.com/' "$msg" >"$msg2"
printf 'require "vacation";\nvacation "Away.";\n' >"$home/.dovecot.sieve"
run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg2"
expect_count "vacation: not addressed to the user, no reply" "$tmp/sent" 0
printf 'require "vacation";\nvacation :addresses ["sales@EXAMPLE.com"] "Away.";\n' >"$home/.dovecot.sieve"
run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg2"
expect_rc "vacation :addresses" 0
expect_count "vacation: :addresses names the alias, one reply" "$tmp/sent" 1

# 14. ... never to a mailing list.
reset
printf 'require "vacation";\nvacation "Away.";\n' >"$home/.dovecot.sieve"
printf 'Return-Path: <dev-bounces@lists.example.org>\r\nFrom: dev@lists.example.org\r\nTo: alice@example.com\r\nList-Id: <dev.lists.example.org>\r\nSubject: digest\r\n\r\nlist mail\r\n' >"$tmp/list.eml"
run "$bin" deliver --config "$conf" -f dev-bounces@lists.example.org -a alice@example.com -p "$tmp/list.eml"
expect_rc "vacation, list mail" 0
expect_count "vacation: no reply to a list" "$tmp/sent" 0
expect_count "vacation, list mail: kept" "$home/Maildir/new" 1

# 15. ... nor to a remote domain with auto_reply = no.
reset
printf 'require "vacation";\nvacation "Away.";\n' >"$home/.dovecot.sieve"
"$bin" policy --config "$conf" remote-domain set partner.example --auto-forward yes --auto-reply no >/dev/null
deliver
expect_rc "vacation, auto_reply = no" 0
expect_count "vacation: no reply where auto_reply = no" "$tmp/sent" 0
"$bin" policy --config "$conf" remote-domain remove partner.example >/dev/null

# 16. sieve_before / sieve_after (Pigeonhole's sequence): each script runs while the
# message is still kept; a directory runs its *.sieve files in name order; a broken
# admin script is skipped and logged, never a reason to lose or defer the message.
reset
admin="$tmp/admin"
rm -rf "$admin" && mkdir -p "$admin/before.d"
printf 'if header :contains "subject" "nomatch" { discard; }\n' >"$admin/before.d/10-first.sieve"
printf 'this does not parse\n' >"$admin/before.d/20-broken.sieve"
printf 'require "fileinto";\nif header :contains "subject" "plan" { fileinto "Plans"; }\n' >"$admin/before.d/30-plans.sieve"
printf 'not a script: no .sieve suffix\n' >"$admin/before.d/README"
printf 'require "fileinto";\nfileinto "AfterRan";\n' >"$admin/after.sieve"
printf 'require "fileinto";\nfileinto "User";\n' >"$home/.dovecot.sieve"
deliver -o lda_mailbox_autocreate=yes -o "sieve_before=$admin/before.d"
expect_rc "sieve_before: a before script files the message" 0
expect_count "sieve_before: Plans got it" "$home/Maildir/.Plans/new" 1
expect_count "sieve_before: the user's script did not run (keep cancelled)" "$home/Maildir/.User/new" 0
expect_count "sieve_before: not in INBOX" "$home/Maildir/new" 0
if grep -q "20-broken.sieve:1:[0-9]*: .*(script skipped)" "$tmp/err"; then ok; else fail "sieve_before: broken admin script not reported: $(cat "$tmp/err")"; fi
if [ ! -e "$home/.dovecot.sieve.log" ]; then ok; else fail "sieve_before: an admin script's errors went to the user's log"; fi

reset
printf 'require "fileinto";\nif header :contains "subject" "nomatch" { fileinto "X"; }\n' >"$admin/before.sieve"
printf 'require "fileinto";\nfileinto "User";\n' >"$home/.dovecot.sieve"
deliver -o lda_mailbox_autocreate=yes -o "sieve_before=file:$admin/before.sieve" -o "sieve_after=$admin/after.sieve"
expect_rc "sieve_before keeps: the user's script runs" 0
expect_count "the user's fileinto" "$home/Maildir/.User/new" 1
expect_count "sieve_after does not run once the user's script cancelled the keep" "$home/Maildir/.AfterRan/new" 0

reset
printf 'keep;\n' >"$home/.dovecot.sieve"
deliver -o lda_mailbox_autocreate=yes -o "sieve_after=$admin/missing.sieve" -o "sieve_after2=$admin/after.sieve"
expect_rc "sieve_after after an explicit keep" 0
expect_count "sieve_after: INBOX (the user's keep)" "$home/Maildir/new" 1
expect_count "sieve_after2 ran (the message was still kept)" "$home/Maildir/.AfterRan/new" 1
if grep -q "cannot open the script $admin/missing.sieve" "$tmp/err"; then ok; else fail "sieve_after: missing admin script not reported: $(cat "$tmp/err")"; fi

# 17. Outgoing mail over SMTP (submission_host) to a loopback sink: the envelope,
# dot-stuffing undone byte for byte, a 4xx reply is a failure (75, nothing stored)
# and the retry sends exactly one copy.
reset
sink="$tmp/sink"
mkdir -p "$sink"
python3 "$(dirname "$0")/smtp_sink.py" "$sink" &
sink_pid=$!
i=0
while [ ! -s "$sink/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
smtp="-o submission_host=127.0.0.1:$(cat "$sink/port")"
dots="$tmp/dots.eml"
printf 'From: carol@partner.example\r\nTo: alice@example.com\r\nSubject: dots\r\nMessage-ID: <dots-1@partner.example>\r\n\r\n.\r\n..two\r\n.leading\r\nend\r\n' >"$dots"
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
echo "451 4.3.0 try again later" >"$sink/reply"
run "$bin" deliver --config "$conf" $smtp -f carol@partner.example -a alice@example.com -p "$dots"
expect_rc "SMTP 451 at end of data" 75
expect_count "SMTP 451: nothing stored" "$home/Maildir/new" 0
rm -f "$sink/reply"
run "$bin" deliver --config "$conf" $smtp -f carol@partner.example -a alice@example.com -p "$dots"
expect_rc "SMTP retry" 0
expect_count "SMTP retry: kept (:copy)" "$home/Maildir/new" 1
if [ -d "$sink/0" ] && [ ! -d "$sink/1" ]; then ok; else fail "SMTP: expected exactly one accepted message"; fi
if [ "$(cat "$sink/0/envelope" 2>/dev/null)" = "$(printf 'MAIL FROM <carol@partner.example>\nRCPT TO <bob@example.com>')" ]; then ok; else fail "SMTP envelope: $(cat "$sink/0/envelope" 2>/dev/null)"; fi
tail -c 25 "$sink/0/data" >"$tmp/body.got" 2>/dev/null
printf '.\r\n..two\r\n.leading\r\nend\r\n' >"$tmp/body.want"
if cmp -s "$tmp/body.got" "$tmp/body.want"; then ok; else fail "SMTP: the body did not arrive byte for byte"; od -c "$sink/0/data" | tail -5; fi
kill "$sink_pid" 2>/dev/null
wait "$sink_pid" 2>/dev/null
# 16. notify (RFC 5435/5436) to internal recipients: sent once, with exact headers; the message is kept.
reset
printf 'require "enotify";\nnotify :importance "1" :message "Carol wrote" "mailto:bob@example.com?cc=dave@example.com&subject=x";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "internal notify" 0
expect_count "notify: kept in INBOX" "$home/Maildir/new" 1
expect_count "notify: one notification" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\nalice@example.com\n--\nbob@example.com\ndave@example.com')" ]; then ok; else fail "notify argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
got=$(tr -d '\r' <"$tmp/sent/0/data" | sed -e 's/^Date: .*/Date: D/' -e 's/^Message-ID: <notify\.[0-9]*\.[0-9a-f]*@mx\.example\.com>$/Message-ID: M/')
want='Auto-Submitted: auto-notified; owner-email="alice@example.com"
Date: D
Message-ID: M
From: <alice@example.com>
To: <bob@example.com>
Cc: <dave@example.com>
Subject: Carol wrote
X-Priority: 1 (Highest)
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Carol wrote

A new message arrived for alice@example.com.

From: Carol <carol@partner.example>
Subject: Project plan'
if [ "$got" = "$want" ]; then ok; else fail "notification text differs: $got"; fi
if [ "$(grep -c "$(printf '\r$')" "$tmp/sent/0/data")" = "$(wc -l <"$tmp/sent/0/data" | tr -d ' ')" ]; then ok; else fail "notification lines do not all end in CRLF"; fi
deliver
expect_rc "notify, the same message again" 0
expect_count "notify: a retried delivery does not notify twice" "$tmp/sent" 1

# 17. A notification whose submission fails: 75, nothing kept; the retry sends it once.
reset
printf 'require "enotify";\nnotify "mailto:bob@example.com";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sent.rc"
deliver
expect_rc "notify: sendmail fails" 75
expect_count "notify fails: nothing in INBOX" "$home/Maildir/new" 0
rm -f "$tmp/sent.rc"
rm -rf "$tmp/sent" && mkdir -p "$tmp/sent"
deliver
expect_rc "notify: retry" 0
expect_count "notify retry: sent once" "$tmp/sent" 1
expect_count "notify retry: kept once" "$home/Maildir/new" 1

# 18. An external ?cc= under the default policy (off): dropped from the notification, bounced, audited.
reset
printf 'require "enotify";\nnotify "mailto:bob@example.com?cc=evil@gmail.example";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "notify with a blocked cc" 0
expect_count "blocked cc: kept" "$home/Maildir/new" 1
expect_count "blocked cc: the notification and the bounce" "$tmp/sent" 2
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\nalice@example.com\n--\nbob@example.com')" ]; then ok; else fail "notify argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
if grep -q 'evil' "$tmp/sent/0/data"; then fail "the blocked recipient appears in the notification"; else ok; fi
if [ "$(cat "$tmp/sent/1/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "bounce argv: $(tr '\n' ' ' <"$tmp/sent/1/argv")"; fi
if grep -q '^Final-Recipient: rfc822; evil@gmail.example' "$tmp/sent/1/data" && grep -q '^Status: 5.7.520' "$tmp/sent/1/data"; then ok; else fail "bounce does not list the blocked notify recipient"; fi
run "$bin" policy --config "$conf" report --json
if grep -q 'notify' "$tmp/out" && grep -q 'evil@gmail.example' "$tmp/out"; then ok; else fail "the blocked notify recipient is not audited: $(cat "$tmp/out")"; fi
# All recipients blocked: no notification at all, only the bounce (once per rate period).
reset
printf 'require "enotify";\nnotify "mailto:evil@gmail.example";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "notify, every recipient blocked" 0
expect_count "every recipient blocked: only the bounce" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "bounce argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
# 16. duplicate (RFC 7352): the same message twice is delivered once; the id is
# recorded only after a successful delivery, so a deferred (75) one is retried as new.
reset
printf 'require "duplicate";\nif duplicate { discard; stop; }\n' >"$home/.dovecot.sieve"
deliver
expect_rc "duplicate: first" 0
expect_count "duplicate: first delivered" "$home/Maildir/new" 1
deliver
expect_rc "duplicate: second" 0
expect_count "duplicate: second discarded" "$home/Maildir/new" 1
printf 'Return-Path: <carol@partner.example>\r\nFrom: carol@partner.example\r\nTo: alice@example.com\r\nSubject: Other\r\nMessage-ID: <plan-2@partner.example>\r\n\r\nAnother.\r\n' >"$tmp/other.eml"
deliver -p "$tmp/other.eml"
expect_rc "duplicate: another message" 0
expect_count "duplicate: another Message-ID is delivered" "$home/Maildir/new" 2
reset
printf 'require ["duplicate", "copy"];\nif duplicate { discard; stop; }\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sent.rc"
deliver
expect_rc "duplicate: sendmail fails" 75
expect_count "duplicate: deferred, nothing stored" "$home/Maildir/new" 0
rm -f "$tmp/sent.rc"
deliver
expect_rc "duplicate: the retry is not a duplicate" 0
expect_count "duplicate: the retry is delivered" "$home/Maildir/new" 1
expect_count "duplicate: the retry forwards" "$tmp/sent" 2
deliver
expect_rc "duplicate: once delivered, a duplicate" 0
expect_count "duplicate: not stored again" "$home/Maildir/new" 1
expect_count "duplicate: not forwarded again" "$tmp/sent" 2

# 17. reject without -e: an RFC 5429 MDN to the envelope sender from <>, nothing stored, exit 0.
reset
printf 'require "reject";\nreject "No attachments please.";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "reject MDN" 0
expect_count "reject MDN: nothing stored" "$home/Maildir/new" 0
expect_count "reject MDN: one submission" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "MDN argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
tr -d '\r' <"$tmp/sent/0/data" >"$tmp/mdn.txt"
for line in 'To: <carol@partner.example>' 'Subject: Automatically rejected mail' \
    'Auto-Submitted: auto-replied (rejected)' \
    'Content-Type: multipart/report; report-type=disposition-notification;' \
    'Your message to <alice@example.com> was automatically rejected:' 'No attachments please.' \
    'Reporting-UA: mx.example.com; sievegate' 'Final-Recipient: rfc822; alice@example.com' \
    'Original-Message-ID: <plan-1@partner.example>' \
    'Disposition: automatic-action/MDN-sent-automatically; deleted' 'Subject: Project plan'; do
    if grep -qxF "$line" "$tmp/mdn.txt"; then ok; else fail "MDN lacks the line: $line"; fi
done
if grep -q 'Here is the plan.' "$tmp/mdn.txt"; then fail "the MDN carries the body"; else ok; fi
deliver
expect_rc "reject MDN: the same message again" 0
expect_count "reject MDN: no second MDN" "$tmp/sent" 1
expect_count "reject MDN: still nothing stored" "$home/Maildir/new" 0
# The null sender gets no MDN (RFC 5429 2.2.1): the message is kept, not lost.
reset
printf 'require "reject";\nreject "No.";\n' >"$home/.dovecot.sieve"
deliver -f '<>'
expect_rc "reject, null sender" 0
expect_count "reject, null sender: nothing sent" "$tmp/sent" 0
expect_count "reject, null sender: kept in INBOX" "$home/Maildir/new" 1
# sendmail fails: 75, nothing stored; the retry sends one MDN; a third run sends none.
reset
printf 'require "reject";\nreject "No.";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sent.rc"
deliver
expect_rc "reject MDN fails: retry later" 75
expect_count "reject MDN fails: nothing stored" "$home/Maildir/new" 0
rm -f "$tmp/sent.rc"
deliver
expect_rc "reject MDN retry" 0
expect_count "reject MDN retry: sent (after the failed attempt)" "$tmp/sent" 2
expect_count "reject MDN retry: nothing stored" "$home/Maildir/new" 0
deliver
expect_rc "reject MDN after the retry" 0
expect_count "reject MDN: the retry's MDN is the only one" "$tmp/sent" 2
# 16. An mbox From_ line on stdin (Postfix's mailbox_command writes one): dropped, as dovecot-lda
# does, and its sender is the envelope sender without -f; a file given with -p is taken as it is.
reset
printf 'require ["envelope", "fileinto"];\nif envelope :is "from" "dave@partner.example" { fileinto "FromLine"; }\n' \
    >"$home/.dovecot.sieve"
{ printf 'From dave@partner.example  Mon Nov 23 20:23:07 2026\n'; cat "$msg"; } >"$tmp/fromline.eml"
"$bin" deliver --config "$conf" -a alice@example.com -o lda_mailbox_autocreate=yes <"$tmp/fromline.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_rc "From_ line on stdin" 0
expect_count "From_ line: its sender is the envelope sender" "$home/Maildir/.FromLine/new" 1
stored="$home/Maildir/.FromLine/new/$(ls "$home/Maildir/.FromLine/new" 2>/dev/null | head -1)"
if [ "$(head -n 1 "$stored" 2>/dev/null)" = "Return-Path: <carol@partner.example>" ] && ! grep -q '^From ' "$stored"; then ok; else
    fail "From_ line: not dropped ($(head -n 1 "$stored" 2>/dev/null))"
fi
"$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com <"$tmp/fromline.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_rc "From_ line with -f" 0
expect_count "From_ line with -f: -f wins" "$home/Maildir/new" 1
deliver -p "$tmp/fromline.eml"
expect_rc "From_ line in a -p file" 0
expect_count "From_ line in a -p file: delivered" "$home/Maildir/new" 2
if [ "$(grep -l '^From dave@partner.example ' "$home/Maildir/new"/* | wc -l)" = 1 ]; then ok; else fail "-p: the file is not stored as it is"; fi

# Language extensions through deliver's configuration: environment items from -o
# (as an MTA passes them), currentdate from the clock, regex captures into the folder
# name, ihave guarding an unknown extension; an invalid :regex built from variables is
# logged as a runtime warning in the mail log (stderr) and the message still filed.
reset
cat >"$home/.dovecot.sieve" <<'EOS'
require ["environment", "date", "regex", "ihave", "variables", "relational", "fileinto"];
if ihave "vnd.example.teleport" { teleport "mars"; }
set "p" "(";
if header :regex "subject" "${p}" { discard; }
if allof(environment :is "remote-ip" "192.0.2.7", environment :is "host" "mx.example.com",
         currentdate :value "ge" "year" "2024",
         header :regex "subject" "^([a-z]+) ([a-z]+)$") {
  fileinto "Net.${2}";
}
EOS
deliver -o lda_mailbox_autocreate=yes -o environment_remote_ip=192.0.2.7
expect_rc "language extensions" 0
expect_count "language extensions: filed by environment, date and regex" "$home/Maildir/.Net.plan/new" 1
expect_count "language extensions: not in INBOX" "$home/Maildir/new" 0
if grep -q 'runtime warning: invalid regular expression "(" for :regex' "$tmp/err"; then ok; else fail "no runtime warning for the invalid :regex: $(cat "$tmp/err")"; fi
# 18. editheader (RFC 5293 section 7): each action stores the header as it was when the
# action was taken; the body is untouched; the redirected copy carries the edits, gets exactly
# one X-Sieve-Redirected-From (a protected field) and goes only where the envelope says.
reset
cat >"$home/.dovecot.sieve" <<'EOS'
require ["editheader", "fileinto"];
fileinto "Before";
addheader "X-Filed" "yes";
deleteheader "Subject";
addheader :last "X-Sieve-Redirected-From" "mallory@evil.example";
deleteheader "X-Sieve-Redirected-From";
addheader "Bcc" "mallory@evil.example";
addheader :last "To" "mallory@evil.example";
redirect "bob@example.com";
addheader "X-Final" "Grüße";
keep;
EOS
deliver -o lda_mailbox_autocreate=yes
expect_rc "editheader" 0
expect_count "editheader: Before" "$home/Maildir/.Before/new" 1
expect_count "editheader: INBOX" "$home/Maildir/new" 1
expect_count "editheader: one submission" "$tmp/sent" 1
before="$home/Maildir/.Before/new/$(ls "$home/Maildir/.Before/new" | head -1)"
if cmp -s "$before" "$(tr -d '\r' <"$msg" >"$tmp/msg.lf"; echo "$tmp/msg.lf")"; then ok; else fail "editheader: the copy filed before the edits is not the original"; fi
inbox="$home/Maildir/new/$(ls "$home/Maildir/new" | head -1)"
printf 'X-Final: =?UTF-8?B?R3LDvMOfZQ==?=\nBcc: mallory@evil.example\nX-Filed: yes\nReturn-Path: <carol@partner.example>\nFrom: Carol <carol@partner.example>\nTo: alice@example.com\nMessage-ID: <plan-1@partner.example>\nTo: mallory@evil.example\n\nHere is the plan.\n' >"$tmp/edited.expected"
if cmp -s "$inbox" "$tmp/edited.expected"; then ok; else fail "editheader: INBOX copy differs: $(cat "$inbox")"; fi
tr -d '\r' <"$tmp/sent/0/data" | sed -n '3,$p' >"$tmp/redirected"
printf 'X-Sieve-Redirected-From: alice@example.com\nBcc: mallory@evil.example\nX-Filed: yes\nFrom: Carol <carol@partner.example>\nTo: alice@example.com\nMessage-ID: <plan-1@partner.example>\nTo: mallory@evil.example\n\nHere is the plan.\n' >"$tmp/redirected.expected"
if cmp -s "$tmp/redirected" "$tmp/redirected.expected"; then ok; else fail "editheader: redirected copy differs: $(cat "$tmp/redirected")"; fi
if [ "$(grep -c '^X-Sieve-Redirected-From:' "$tmp/sent/0/data")" = 1 ]; then ok; else fail "editheader: not exactly one X-Sieve-Redirected-From"; fi
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\ncarol@partner.example\n--\nbob@example.com')" ]; then ok; else fail "editheader: sendmail argv: $(tr '\n' ' ' <"$tmp/sent/0/argv")"; fi
# A runtime error: the implicit keep stores the original header (RFC 5293 section 7).
reset
printf 'require ["editheader", "variables"];\naddheader "X-Early" "1";\nset "n" "Bad Name";\naddheader "${n}" "v";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "editheader runtime error" 0
inbox="$home/Maildir/new/$(ls "$home/Maildir/new" | head -1)"
if cmp -s "$inbox" "$tmp/msg.lf"; then ok; else fail "editheader: the keep after an error is not the original"; fi
# sieve_extensions = -editheader turns it off: the script does not compile, the message is kept as it is.
reset
printf 'require "editheader";\naddheader "X-Off" "1";\n' >"$home/.dovecot.sieve"
deliver -o "sieve_extensions=-editheader"
expect_rc "editheader disabled" 0
inbox="$home/Maildir/new/$(ls "$home/Maildir/new" | head -1)"
if cmp -s "$inbox" "$tmp/msg.lf"; then ok; else fail "editheader disabled: the message was edited"; fi
if grep -q 'unsupported extension "editheader"' "$home/.dovecot.sieve.log"; then ok; else fail "editheader disabled: no log line"; fi

# 19. mailbox (RFC 5490), special-use (RFC 8579) and fcc (RFC 8580) against the real Maildir:
# mailboxexists sees the folders, :create makes one, :specialuse finds the configured folder, and
# the vacation reply sent is filed into Sent with \Seen.
reset
mkdir -p "$home/Maildir/.Archive/cur" "$home/Maildir/.Archive/new" "$home/Maildir/.Archive/tmp" \
    "$home/Maildir/.Spam/cur" "$home/Maildir/.Spam/new" "$home/Maildir/.Spam/tmp"
cat >"$home/.dovecot.sieve" <<'EOS'
require ["mailbox", "fileinto", "special-use", "fcc", "vacation", "imap4flags"];
if mailboxexists "Archive" { fileinto "Archive"; }
if mailboxexists "Nowhere" { fileinto "Wrong"; }
fileinto :create "Projects/2026";
fileinto :specialuse "\\Junk" "Fallback";
if specialuse_exists "Spam" "\\Junk" { fileinto :create "SpamIsJunk"; }
vacation :fcc "Sent" :create :flags "\\Seen" :subject "Away" "I am away.";
EOS
deliver -o 'mailbox_special_use=Spam:\Junk; Sent:\Sent'
expect_rc "mailbox/special-use/fcc" 0
expect_count "mailboxexists Archive" "$home/Maildir/.Archive/new" 1
expect_count "mailboxexists Nowhere: false" "$home/Maildir/.Wrong/new" 0
expect_count ":create" "$home/Maildir/.Projects.2026/new" 1
expect_count ":specialuse found Spam" "$home/Maildir/.Spam/new" 1
expect_count ":specialuse: not the fallback" "$home/Maildir/.Fallback/new" 0
expect_count "specialuse_exists" "$home/Maildir/.SpamIsJunk/new" 1
expect_count "no implicit keep" "$home/Maildir/new" 0
expect_count "vacation sent" "$tmp/sent" 1
expect_count "fcc: filed with \\Seen (cur/)" "$home/Maildir/.Sent/cur" 1
fcc="$home/Maildir/.Sent/cur/$(ls "$home/Maildir/.Sent/cur" | head -1)"
case "$fcc" in *:2,S) ok ;; *) fail "fcc: not flagged \\Seen: $fcc" ;; esac
if tr -d '\r' <"$tmp/sent/0/data" | cmp -s - "$fcc"; then ok; else fail "fcc: the filed copy is not the message sent"; fi
if grep -q '^Subject: Away' "$fcc"; then ok; else fail "fcc: no Subject: Away"; fi
# fcc into a folder that does not exist, without :create: the reply is still sent, nothing filed, logged.
reset
printf 'require ["fcc", "vacation"];\nvacation :fcc "NoSuchFolder" "I am away.";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "fcc without :create" 0
expect_count "fcc without :create: sent" "$tmp/sent" 1
expect_count "fcc without :create: not filed" "$home/Maildir/.NoSuchFolder/new" 0
expect_count "fcc without :create: kept" "$home/Maildir/new" 1

# 12. Started as root with -d USER: the files are created as that user, never as root.
if [ "$(id -u)" = 0 ]; then
    u=sievegate-e2e
    id "$u" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin "$u" 2>/dev/null
    if id "$u" >/dev/null 2>&1; then
        uhome="$tmp/uhome"
        mkdir -p "$uhome" && chown "$u" "$uhome"
        chmod 755 "$tmp" && chmod 644 "$msg" "$conf" && chmod 755 "$tmp/sendmail"
        # The user's home comes from the passwd entry (-d), so point mail_location at it explicitly.
        run "$bin" deliver --config "$conf" -o "mail_location=maildir:$uhome/Maildir" -o "sieve=$uhome/.dovecot.sieve" \
            -o "state_file=$uhome/.sievegate.state.db" -d "$u" -f carol@partner.example -p "$msg"
        expect_rc "-d USER as root" 0
        expect_count "-d USER: delivered" "$uhome/Maildir/new" 1
        owner=$(stat -c %U "$uhome/Maildir/new/$(ls "$uhome/Maildir/new" | head -1)" 2>/dev/null)
        if [ "$owner" = "$u" ]; then ok; else fail "-d USER: the message file belongs to '$owner', not $u"; fi
    else
        echo "skipped: cannot create a test user"
    fi
fi

finish
