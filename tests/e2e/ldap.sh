#!/bin/bash
# End-to-end tests of directory groups in scoped policies (issue 19, items 3
# and 5, "a slow directory") with a private slapd (tests/e2e/ldap_lib.sh)
# holding tests/e2e/ldap_tree.ldif: alice in groupOfNames travellers; carol
# in groupOfUniqueNames sales, itself a member of travellers; erin in
# interns, a member of sales, in a cycle with the group loop; dave in the
# posixGroup remote (memberUid); bob in none.
#  A. Policy "travel" (on) scoped to ldap:travellers, "remote" (on) to
#     ldap:remote, the default off: a member's external redirect goes out
#     (the exact message handed to sendmail, nothing stored), a non-member's
#     is blocked (the 5.7.520 bounce, the message stored exactly); nested
#     members by their depth, through a cycle; ldap_group_nesting_max
#     honoured; posixGroup memberUid.
#  B. `policy explain` and `test` name the directory group (exact output).
#  C. slapd stopped: deliver exits 75 with the reason on stderr, nothing sent,
#     nothing stored; policy_unavailable = keep: stored, nothing sent. slapd
#     stopped with SIGSTOP ("slow"): 75 within ldap_timeout and a margin;
#     after SIGCONT the delivery goes through. A policy naming a directory
#     group without ldap_uri: 75.
#  D. `sievegate lmtp` with userdb = ldap: a directory user's message is
#     stored (exact replies, exact file), an unknown address is 550 5.1.1 at
#     RCPT, slapd stopped or hung is 451 4.3.0 at RCPT (never 550).
#  E. One long LMTP session (a passwd-file userdb, ldap_cache_ttl 0): alice's
#     redirect goes out; slapd restarted under the server's open connection:
#     the next one goes out too (the connection is made again); slapd
#     stopped: 451 4.3.0 after DATA, nothing sent, nothing stored.
# usage: ldap.sh SIEVEGATE   (skipped, 77, without slapd)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ldap_lib.sh"
ldap_start "$(dirname "$0")/ldap_tree.ldif"

home="$tmp/home"
mkdir -p "$home" "$tmp/sent"
export HOME="$home"
capture_sendmail "$tmp/sendmail" "$tmp/sent"
conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/sendmail
hostname = mx.example.org
audit_log = syslog
lda_mailbox_autocreate = yes
first_valid_uid = 0
ldap_uri = $ldap_uri
ldap_base = dc=example,dc=org
ldap_group_base = ou=groups,dc=example,dc=org
ldap_timeout = 2
EOC
run "$bin" policy --config "$conf" accepted-domain add example.org
expect_rc "accepted domain" 0
run "$bin" policy --config "$conf" add travel --mode on --priority 1 --groups ldap:Travellers
expect_rc "policy naming a directory group" 0
expect_out "policy naming a directory group: output" "added policy travel: priority 1, mode on, groups ldap:travellers (generation 2)"
run "$bin" policy --config "$conf" add remote --mode on --priority 2 --groups ldap:remote
expect_rc "policy naming a posixGroup" 0
run "$bin" policy --config "$conf" add bad --mode on --priority 3 --groups 'ldap:no such'
expect_rc "a directory group's name is checked" 65
run "$bin" policy --config "$conf" add bad --mode on --priority 3 --groups nosuchgroup
expect_rc "a store group must exist" 65
expect_err "a store group must exist: message" 'sievegate policy: group "nosuchgroup" does not exist'

run "$bin" config -c /dev/null -o ldap_uri=http://ldap.example.org
expect_rc "ldap_uri is checked" 78
expect_err "ldap_uri is checked: message" 'sievegate config: configuration error: -o: ldap_uri: "http://ldap.example.org": expected ldap://HOST[:PORT], ldaps://... or ldapi://..., space-separated'

printf 'redirect "friend@partner.example";\n' >"$home/.dovecot.sieve"
msg="$tmp/msg.eml"
printf 'From: Carol <carol@partner.example>\r\nTo: team@example.org\r\nSubject: Plan\r\nMessage-ID: <plan-1@partner.example>\r\n\r\nHere is the plan.\r\n' >"$msg"

reset() {
    rm -rf "$home/Maildir" "$home/.sievegate.state.db" "$tmp/sent"
    mkdir -p "$tmp/sent"
}
deliver() { # OWNER [args...]
    local owner=$1
    shift
    run "$bin" deliver --config "$conf" -f carol@partner.example -a "$owner@example.org" -p "$msg" "$@"
}
count() { if [ -d "$1" ]; then ls "$1" | wc -l | tr -d ' '; else echo 0; fi; }
expect_count() { # NAME DIR N
    got=$(count "$2")
    if [ "$got" = "$3" ]; then ok; else fail "$1: $got files in $2, expected $3"; fi
}
expect_file() { # NAME FILE EXPECTED-TEXT (exact)
    printf '%s\n' "$3" >"$tmp/want"
    if cmp -s "$tmp/want" "$2"; then ok; else fail "$1: $2 differs"; diff -u "$tmp/want" "$2" | head -20; fi
}
# The redirect of OWNER's message, exactly (the Received date aside).
expect_forwarded() { # NAME OWNER
    expect_rc "$1" 0
    expect_count "$1: one message sent" "$tmp/sent" 1
    expect_file "$1: envelope" "$tmp/sent/0/args" "-i -f carol@partner.example -- friend@partner.example"
    sed '2s/; [^\r]*/; DATE/' "$tmp/sent/0/data" >"$tmp/sent0"
    expect_file "$1: message" "$tmp/sent0" "$(printf 'Received: by mx.example.org (sievegate)\r\n\tfor <friend@partner.example>; DATE\r\nX-Sieve-Redirected-From: %s@example.org\r\nFrom: Carol <carol@partner.example>\r\nTo: team@example.org\r\nSubject: Plan\r\nMessage-ID: <plan-1@partner.example>\r\n\r\nHere is the plan.\r' "$2")"
    expect_count "$1: nothing stored" "$home/Maildir/new" 0
}
# Blocked: the bounce to the sender, and the message stored exactly.
expect_blocked() { # NAME
    expect_rc "$1" 0
    expect_count "$1: one bounce sent" "$tmp/sent" 1
    expect_file "$1: bounce envelope" "$tmp/sent/0/args" "-i -f <> -- carol@partner.example"
    if grep -q '^Status: 5.7.520' "$tmp/sent/0/data" && grep -q '^Final-Recipient: rfc822; friend@partner.example' "$tmp/sent/0/data"; then
        ok
    else
        fail "$1: the bounce is not a 5.7.520 DSN for friend@partner.example"
    fi
    expect_count "$1: stored" "$home/Maildir/new" 1
    expect_file "$1: the stored message" "$(ls -d "$home"/Maildir/new/* | head -1)" "$(printf 'From: Carol <carol@partner.example>\nTo: team@example.org\nSubject: Plan\nMessage-ID: <plan-1@partner.example>\n\nHere is the plan.')"
}

# ---- A. membership ---------------------------------------------------------------------------
reset; deliver alice; expect_forwarded "alice, a member of travellers" alice
reset; deliver bob; expect_blocked "bob, in no group"
reset; deliver carol; expect_forwarded "carol, through sales (nested)" carol
reset; deliver erin; expect_forwarded "erin, through interns and sales (and a cycle)" erin
reset; deliver dave; expect_forwarded "dave, memberUid of the posixGroup remote" dave
reset; deliver erin -o ldap_group_nesting_max=1; expect_blocked "erin beyond ldap_group_nesting_max 1"
reset; deliver carol -o ldap_group_nesting_max=1; expect_forwarded "carol within ldap_group_nesting_max 1" carol
reset; deliver carol -o ldap_group_nesting_max=0; expect_blocked "carol with ldap_group_nesting_max 0"
reset; deliver alice -o ldap_group_nesting_max=0; expect_forwarded "alice with ldap_group_nesting_max 0" alice

# ---- B. explain and test name the group ------------------------------------------------------
run "$bin" policy --config "$conf" explain carol@example.org friend@partner.example
expect_rc "explain carol" 0
expect_out "explain carol: output" 'owner carol@example.org, target friend@partner.example
1. normalise: friend@partner.example (domain partner.example)
2. loops and duplicates: none
3. internal: no, partner.example is external
4. policy: "travel" applies (mode on)
5. remote domain: "*" (auto_forward yes)
6. allow
directory group: ldap:travellers has carol@example.org as a member
verdict: allow, decided by policy "travel"
reason: external forwarding is on for you (policy "travel")'
run "$bin" policy --config "$conf" explain bob@example.org friend@partner.example
expect_rc "explain bob" 0
expect_out "explain bob: output" 'owner bob@example.org, target friend@partner.example
1. normalise: friend@partner.example (domain partner.example)
2. loops and duplicates: none
3. internal: no, partner.example is external
4. policy: "default" applies (mode automatic, which means off): block with bounce 5.7.520
verdict: block (5.7.520), decided by policy "default"
reason: external forwarding is off for you (policy "default")'
run "$bin" policy --config "$conf" --json explain dave@example.org friend@partner.example
expect_rc "explain --json dave" 0
if grep -qF '"policy": "remote", "remote_domain": "*", "directory_group": "ldap:remote", ' "$tmp/out"; then ok; else fail "explain --json dave: $(cat "$tmp/out")"; fi
run "$bin" test --config "$conf" -a alice@example.org -f carol@partner.example "$home/.dovecot.sieve" "$msg"
expect_rc "test alice" 0
expect_out "test alice: output" 'redirect to friend@partner.example (external): allowed (policy "travel" by directory group ldap:travellers)'

# ---- C. the directory down or slow -----------------------------------------------------------
ldap_stop
reset; deliver alice
expect_rc "slapd stopped: deferred" 75
expect_err "slapd stopped: the reason" "sievegate deliver: forwarding policy: policy store sqlite:$tmp/policy.db
sievegate deliver: delivery deferred: the forwarding policy cannot be decided: directory $ldap_uri: search: Can't contact LDAP server"
expect_count "slapd stopped: nothing sent" "$tmp/sent" 0
expect_count "slapd stopped: nothing stored" "$home/Maildir/new" 0
run "$bin" policy --config "$conf" explain alice@example.org friend@partner.example
expect_rc "slapd stopped: explain" 75
reset; deliver alice -o policy_unavailable=keep
expect_rc "slapd stopped, keep: delivered" 0
expect_count "slapd stopped, keep: nothing sent" "$tmp/sent" 0
expect_count "slapd stopped, keep: stored" "$home/Maildir/new" 1

ldap_start
kill -STOP "$ldap_pid"
reset
start=$(date +%s%N)
deliver alice
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc "slapd hung: deferred" 75
if grep -qF "directory $ldap_uri: search: no answer within ldap_timeout (2 s)" "$tmp/err"; then ok; else fail "slapd hung: stderr $(cat "$tmp/err")"; fi
if [ "$elapsed_ms" -ge 1900 ] && [ "$elapsed_ms" -lt 4000 ]; then ok; else fail "slapd hung: took $elapsed_ms ms, expected ldap_timeout (2 s) and a margin"; fi
expect_count "slapd hung: nothing sent" "$tmp/sent" 0
expect_count "slapd hung: nothing stored" "$home/Maildir/new" 0
kill -CONT "$ldap_pid"
reset; deliver alice; expect_forwarded "slapd answering again" alice

# ---- D. the LMTP server with the LDAP userdb --------------------------------------------------
chmod 755 "$tmp"
mkdir -p "$tmp/vmail"
mail_user=
if [ "$(id -u)" = 0 ]; then # the server drops to mail_uid: nobody owns the mail
    chown nobody "$tmp/vmail"
    mail_user="mail_uid = nobody
mail_gid = $(id -g nobody)"
fi
lconf="$tmp/lmtp.conf"
cat >"$lconf" <<EOC
userdb = ldap
ldap_uri = $ldap_uri
ldap_base = ou=people,dc=example,dc=org
ldap_timeout = 2
ldap_user_uid_attribute =
ldap_user_gid_attribute =
ldap_user_home_attribute =
mail_home = $tmp/vmail/%d/%n
policy_store = none
hostname = mx.example.org
lda_mailbox_autocreate = yes
$mail_user
EOC
chmod 644 "$lconf"
lmtp() { # the session's commands (CRLF added): replies in $tmp/out, LMTP ids as ID
    printf '%s\r\n' "$@" | "$bin" lmtp -c "$lconf" --stdio >"$tmp/raw" 2>"$tmp/err"
    rc=$?
    sed 's/^\(250 2\.0\.0 <[^>]*>\) [0-9A-F]* /\1 ID /' "$tmp/raw" | tr -d '\r' >"$tmp/out"
}
greeting='220 mx.example.org LMTP sievegate ready
250-mx.example.org
250-PIPELINING
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-SIZE 67108864
250 CHUNKING
250 2.1.0 Sender OK'
lmtp "LHLO c" "MAIL FROM:<s@partner.example>" "RCPT TO:<alice@example.org>" "RCPT TO:<zed@example.org>" DATA \
    "Subject: s" "" "x" "." QUIT
expect_rc "lmtp, userdb ldap" 0
expect_out "lmtp, userdb ldap: replies" "$greeting
250 2.1.5 <alice@example.org> OK
550 5.1.1 <zed@example.org> User doesn't exist
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 <alice@example.org> ID Saved
221 2.0.0 Bye"
expect_count "lmtp, userdb ldap: alice's message" "$tmp/vmail/example.org/alice/Maildir/new" 1
sed '4s/ id [0-9A-F]*$/ id ID/; 5s/; .*/; DATE/' "$tmp"/vmail/example.org/alice/Maildir/new/* >"$tmp/stored"
expect_file "lmtp, userdb ldap: the stored message" "$tmp/stored" "Return-Path: <s@partner.example>
Delivered-To: alice@example.org
Received: from c
	by mx.example.org (sievegate) with LMTP id ID
	for <alice@example.org>; DATE
Subject: s

x"
expect_count "lmtp, userdb ldap: nothing for the unknown address" "$tmp/vmail/example.org/zed" 0

kill -STOP "$ldap_pid"
start=$(date +%s%N)
lmtp "LHLO c" "MAIL FROM:<s@partner.example>" "RCPT TO:<bob@example.org>" QUIT
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_out "lmtp, slapd hung: 451 at RCPT" "$greeting
451 4.3.0 <bob@example.org> Temporary user lookup failure
221 2.0.0 Bye"
if [ "$elapsed_ms" -lt 4000 ]; then ok; else fail "lmtp, slapd hung: took $elapsed_ms ms"; fi
if grep -qF "reason=directory $ldap_uri: search: no answer within ldap_timeout (2 s)" "$tmp/err"; then ok; else
    fail "lmtp, slapd hung: the log: $(cat "$tmp/err")"
fi
kill -CONT "$ldap_pid"
ldap_stop
lmtp "LHLO c" "MAIL FROM:<s@partner.example>" "RCPT TO:<bob@example.org>" QUIT
expect_out "lmtp, slapd stopped: 451 at RCPT" "$greeting
451 4.3.0 <bob@example.org> Temporary user lookup failure
221 2.0.0 Bye"
expect_count "lmtp, slapd stopped: nothing stored" "$tmp/vmail/example.org/bob" 0
ldap_start

# ---- E. a long LMTP session: slapd restarted, then stopped ----------------------------------
rm -rf "$tmp/vmail/example.org/alice/Maildir" # section D's message
mkdir -p "$tmp/vmail/example.org/alice" "$tmp/lsent"
printf 'redirect "friend@partner.example";\n' >"$tmp/vmail/example.org/alice/.dovecot.sieve"
printf 'alice@example.org::::::\n' >"$tmp/users"
capture_sendmail "$tmp/lsendmail" "$tmp/lsent"
chmod 644 "$tmp/users"
if [ "$(id -u)" = 0 ]; then chown -R nobody "$tmp/vmail" "$tmp/lsent"; fi
sed -i "s|^userdb = ldap|userdb = passwd-file:$tmp/users|" "$lconf"
cat >>"$lconf" <<EOC
ldap_group_base = ou=groups,dc=example,dc=org
ldap_cache_ttl = 0
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/lsendmail
audit_log = syslog
EOC
sed -i '/^policy_store = none$/d' "$lconf"
chmod 644 "$tmp"/policy.db*
mkfifo "$tmp/in"
"$bin" lmtp -c "$lconf" --stdio <"$tmp/in" >"$tmp/raw" 2>"$tmp/err" &
lmtp_pid=$!
exec 3>"$tmp/in"
txn() { # SUBJECT
    printf 'MAIL FROM:<s@partner.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nSubject: %s\r\nMessage-ID: <%s@partner.example>\r\n\r\nx\r\n.\r\n' "$1" "$1" >&3
}
replies_for_alice() { # N: wait until N replies name alice
    for _ in $(seq 1 100); do
        [ "$(grep -c '^[245][0-9][0-9] [0-9.]* <alice' "$tmp/raw")" -ge "$1" ] && return 0
        sleep 0.1
    done
}
printf 'LHLO c\r\n' >&3
txn one
replies_for_alice 2
ldap_stop
ldap_start
txn two
replies_for_alice 4
ldap_stop
txn three
replies_for_alice 6
printf 'QUIT\r\n' >&3
exec 3>&-
wait "$lmtp_pid"
expect_eq "long session: exit" "$?" 0
sed 's/^\(250 2\.0\.0 <[^>]*>\) [0-9A-F]* /\1 ID /' "$tmp/raw" | tr -d '\r' >"$tmp/out"
txn_ok='250 2.1.0 Sender OK
250 2.1.5 <alice@example.org> OK
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 <alice@example.org> ID Saved'
expect_out "long session: replies" "$(sed -n 1,7p <<<"$greeting")
$txn_ok
$txn_ok
250 2.1.0 Sender OK
250 2.1.5 <alice@example.org> OK
354 End data with <CR><LF>.<CR><LF>
451 4.3.0 <alice@example.org> Temporary failure
221 2.0.0 Bye"
expect_count "long session: two redirects sent" "$tmp/lsent" 2
expect_file "long session: the second after the restart" "$tmp/lsent/1/args" "-i -f s@partner.example -- friend@partner.example"
expect_count "long session: nothing stored" "$tmp/vmail/example.org/alice/Maildir/new" 0
if grep -qF "delivery deferred: the forwarding policy cannot be decided: directory $ldap_uri: search: Can't contact LDAP server" "$tmp/err"; then
    ok
else
    fail "long session: the log: $(cat "$tmp/err")"
fi
ldap_start

sed -i '/^ldap_/d' "$conf"
reset; deliver alice
expect_rc "no ldap_uri: deferred" 75
if grep -qF "a policy's scope names a directory group (ldap:...) but ldap_uri is not set" "$tmp/err"; then ok; else fail "no ldap_uri: stderr $(cat "$tmp/err")"; fi
expect_count "no ldap_uri: nothing sent" "$tmp/sent" 0

finish
