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

# The capturing sendmail: one directory per submission, argv and stdin; exits
# with the code in $tmp/sendmail.rc (0 when missing).
cat >"$tmp/sendmail" <<EOS
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
dir="$tmp/sent/\$n"
mkdir -p "\$dir"
printf '%s\n' "\$@" >"\$dir/argv"
cat >"\$dir/data"
exit \$(cat "$tmp/sendmail.rc" 2>/dev/null || echo 0)
EOS
chmod +x "$tmp/sendmail"

conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/sendmail
hostname = mx.example.com
audit_log = $tmp/audit.db
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
        "$tmp/sent" "$tmp/sendmail.rc"
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

# 4. An external redirect under the default policy (off): not sent, kept, and one 5.7.520 bounce from <>.
reset
printf 'redirect "alice.private@gmail.example";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "blocked external redirect" 0
expect_count "blocked: kept in INBOX" "$home/Maildir/new" 1
expect_count "blocked: only the bounce was sent" "$tmp/sent" 1
if [ "$(cat "$tmp/sent/0/argv")" = "$(printf -- '-i\n-f\n<>\n--\ncarol@partner.example')" ]; then ok; else fail "bounce argv: $(cat "$tmp/sent/0/argv" | tr '\n' ' ')"; fi
if grep -q '^Status: 5.7.520' "$tmp/sent/0/data" && grep -q 'report-type=delivery-status' "$tmp/sent/0/data"; then ok; else fail "bounce is not a 5.7.520 DSN"; fi
# The same sender again within bounce_rate_period: kept, no second bounce.
rm -rf "$tmp/sent" && mkdir -p "$tmp/sent"
deliver
expect_rc "second blocked delivery" 0
expect_count "rate period: no second bounce" "$tmp/sent" 0
expect_count "rate period: still kept" "$home/Maildir/new" 2

# 5. sendmail fails: exit 75, nothing delivered; the retry sends the copy once and delivers once.
reset
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
echo 75 >"$tmp/sendmail.rc"
deliver
expect_rc "sendmail fails: retry later" 75
expect_count "sendmail fails: nothing in INBOX" "$home/Maildir/new" 0
rm -f "$tmp/sendmail.rc"
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
