#!/bin/sh
# End-to-end tests of `sievegate filter` (sieve-filter for stored mail): the
# real binary on a real Maildir. Asserts the dry run changes nothing and prints
# exact JSON lines, the exact files after --execute (moves, flags, keywords,
# discard modes), that redirects are off unless --allow-redirect and then go
# through the policy and the duplicate tracker (a capturing sendmail), and the
# exit codes.
# usage: filter.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
home="$tmp/home"
md="$home/Maildir"
mkdir -p "$home" "$tmp/sent"
export HOME="$home"

capture_sendmail "$tmp/sendmail" "$tmp/sent"
conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/sendmail
hostname = mx.example.com
audit_log = $tmp/audit.db
audit_spool_dir = $tmp/audit-spool
mail_fsync = never
EOC
"$bin" policy --config "$conf" accepted-domain add example.com >/dev/null
"$bin" policy --config "$conf" set-default --mode off >/dev/null

# The mailbox: three messages in INBOX, one of them with a keyword.
reset() {
    rm -rf "$md" "$tmp/sent" "$home/.sievegate.state.db"
    mkdir -p "$md/new" "$md/cur" "$md/tmp" "$tmp/sent"
    printf 'Return-Path: <carol@partner.example>\nDelivered-To: alice@example.com\nFrom: carol@partner.example\nTo: alice@example.com\nSubject: work plan\nMessage-ID: <m1@partner.example>\n\nplan\n' >"$md/new/1000.M1P1.mx"
    printf 'From: dev-list@lists.example.org\nTo: alice@example.com\nList-Id: <dev.lists.example.org>\nSubject: [dev] release\nMessage-ID: <m2@lists.example.org>\n\nrelease\n' >"$md/cur/2000.M1P1.mx,S=140:2,Sa"
    printf '0 $Important\n' >"$md/dovecot-keywords"
    printf 'From: promo@spam.example\nTo: alice@example.com\nSubject: buy now\nMessage-ID: <m3@spam.example>\n\nbuy\n' >"$md/cur/3000.M1P1.mx:2,"
}
files() { (cd "$md" && find . -type f ! -name dovecot-keywords | LC_ALL=C sort | tr '\n' ' '); }
expect_files() { # NAME WANT
    got=$(files)
    if [ "$got" = "$2" ]; then ok; else fail "$1: files are '$got', expected '$2'"; fi
}
filter() { run "$bin" filter --config "$conf" "$@"; }

cat >"$tmp/s.sieve" <<'EOS'
require ["fileinto", "imap4flags"];
if header :contains "subject" "work" { fileinto "Work"; stop; }
if exists "list-id" { addflag "\\Flagged"; fileinto "Lists/dev"; keep; stop; }
if address :domain "from" "spam.example" { discard; }
EOS

# 1. Dry run, JSON lines: one plan per message (new/ then cur/), nothing changed.
reset
filter --format json "$tmp/s.sieve" "$md"
expect_rc "dry run json" 0
# The folders do not exist and may not be created (no lda_mailbox_autocreate):
# the plan says so, and that --execute leaves those messages where they are.
expect_out "dry run json" "{\"message\": \"$md/new/1000.M1P1.mx\", \"implicit_keep\": false, \"actions\": [{\"action\": \"fileinto\", \"mailbox\": \"Work\", \"flags\": [], \"copy\": false, \"create\": false, \"skipped\": \"mailbox \\\"Work\\\" does not exist and may not be created\"}, {\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": [], \"implicit\": true}], \"errors\": []}
{\"message\": \"$md/cur/2000.M1P1.mx,S=140:2,Sa\", \"implicit_keep\": false, \"actions\": [{\"action\": \"fileinto\", \"mailbox\": \"Lists/dev\", \"flags\": [\"\\\\Flagged\"], \"copy\": false, \"create\": false, \"skipped\": \"mailbox \\\"Lists/dev\\\" does not exist and may not be created\"}, {\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": [\"\\\\Flagged\"], \"implicit\": true}, {\"action\": \"keep\", \"mailbox\": \"INBOX\", \"flags\": [\"\\\\Flagged\"], \"implicit\": false}], \"errors\": []}
{\"message\": \"$md/cur/3000.M1P1.mx:2,\", \"implicit_keep\": false, \"actions\": [{\"action\": \"discard\"}], \"errors\": []}"
expect_files "dry run leaves the Maildir" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "

# 2. Dry run, text, on message files.
filter "$tmp/s.sieve" "$md/new/1000.M1P1.mx" "$md/cur/3000.M1P1.mx:2,"
expect_rc "dry run text" 0
expect_out "dry run text" "== $md/new/1000.M1P1.mx
file into Work
  skipped: mailbox \"Work\" does not exist and may not be created
keep in INBOX (instead)
== $md/cur/3000.M1P1.mx:2,
discard"
expect_files "dry run text leaves the Maildir" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "

# 3. --execute: Work gets the file itself (same name), the list message is
# flagged in place (its \Seen and $Important kept) and copied into Lists/dev,
# the discarded one stays (the safe default, as sieve-filter's "keep").
filter -o lda_mailbox_autocreate=yes --execute "$tmp/s.sieve" "$md"
expect_rc "execute" 0
got=$(files | sed 's/[0-9]*\.M[0-9]*P[0-9]*Q[0-9]*\.mx\.example\.com/UNIQUE/')
want="./.Lists.dev/cur/UNIQUE,S=155:2,FSa ./.Lists.dev/maildirfolder ./.Work/maildirfolder ./.Work/new/1000.M1P1.mx ./cur/2000.M1P1.mx,S=140:2,FSa ./cur/3000.M1P1.mx:2, "
if [ "$got" = "$want" ]; then ok; else fail "execute: files are '$got', expected '$want'"; fi
if grep -qx '0 \$Important' "$md/.Lists.dev/dovecot-keywords"; then ok; else fail "execute: the copy's keyword"; fi
if grep -q '^Subject: work plan' "$md/.Work/new/1000.M1P1.mx"; then ok; else fail "execute: moved file content"; fi
if grep -q -- "-> $md/.Work/new/1000.M1P1.mx" "$tmp/out"; then ok; else fail "execute: text says where"; fi

# 4. A second run changes nothing more (the list message is already flagged; Work is another folder).
filter -o lda_mailbox_autocreate=yes --execute "$tmp/s.sieve" "$md/cur/2000.M1P1.mx,S=140:2,FSa"
expect_rc "execute again" 0
n=$(ls "$md/.Lists.dev/cur" | wc -l | tr -d ' ')
if [ "$n" = 2 ]; then ok; else fail "execute again: $n copies in Lists.dev (a copy per run, as fileinto does)"; fi
if [ -f "$md/cur/2000.M1P1.mx,S=140:2,FSa" ]; then ok; else fail "execute again: the message left its place"; fi

# 5. --discard delete flags \Deleted (never unlinks); --discard move:Trash moves.
reset
filter --execute --discard delete "$tmp/s.sieve" "$md/cur/3000.M1P1.mx:2,"
expect_rc "discard delete" 0
expect_files "discard delete" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2,T ./new/1000.M1P1.mx "
reset
filter --execute --discard move:Trash -o lda_mailbox_autocreate=yes "$tmp/s.sieve" "$md/cur/3000.M1P1.mx:2,"
expect_rc "discard move" 0
expect_files "discard move" "./.Trash/cur/3000.M1P1.mx:2, ./.Trash/maildirfolder ./cur/2000.M1P1.mx,S=140:2,Sa ./new/1000.M1P1.mx "

# 6. A folder that may not be created: the message stays (not lost), the run goes on.
reset
filter --execute "$tmp/s.sieve" "$md"
expect_rc "no autocreate" 0
expect_files "no autocreate" "./cur/2000.M1P1.mx,S=140:2,FSa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "
if grep -q 'mailbox "Work" does not exist' "$tmp/err"; then ok; else fail "no autocreate: says why"; fi

# 7. -m: keep (implicit too) moves into that mailbox.
reset
printf 'keep;\n' >"$tmp/keep.sieve"
filter --execute -m Archive -o lda_mailbox_autocreate=yes "$tmp/keep.sieve" "$md/new/1000.M1P1.mx"
expect_rc "-m" 0
expect_files "-m" "./.Archive/maildirfolder ./.Archive/new/1000.M1P1.mx ./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, "

# 7b. In a subfolder, keep (its own folder) and fileinto that same folder:
# one message, left in place, with both flags.
reset
mkdir -p "$md/.Work/cur" "$md/.Work/new" "$md/.Work/tmp"
: >"$md/.Work/maildirfolder"
mv "$md/new/1000.M1P1.mx" "$md/.Work/new/"
printf 'require ["fileinto", "imap4flags"];\nkeep :flags "\\\\Seen";\nfileinto :flags "\\\\Flagged" "Work";\n' >"$tmp/work.sieve"
filter --execute "$tmp/work.sieve" "$md/.Work/new/1000.M1P1.mx"
expect_rc "keep + fileinto own folder" 0
expect_files "keep + fileinto own folder" "./.Work/cur/1000.M1P1.mx:2,FS ./.Work/maildirfolder ./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, "

# 8. Redirects are off without --allow-redirect: nothing sent, the message stays, the plan says so.
reset
printf 'redirect "bob@example.com";\n' >"$tmp/fwd.sieve"
filter --execute "$tmp/fwd.sieve" "$md/new/1000.M1P1.mx"
expect_rc "redirect off" 0
expect_out "redirect off" "== $md/new/1000.M1P1.mx
redirect to bob@example.com (internal): allowed
(redirects and notifications are off in filter mode: --allow-redirect)
-> unchanged"
n=$(ls "$tmp/sent" | wc -l | tr -d ' ')
if [ "$n" = 0 ]; then ok; else fail "redirect off: $n sent"; fi
expect_files "redirect off" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "

# 9. --allow-redirect: an internal target is sent once; a second run sends
# nothing (the tracker); an external one is blocked by the policy (mode off),
# nothing is sent and no bounce goes to the old message's sender.
filter --execute --allow-redirect "$tmp/fwd.sieve" "$md/new/1000.M1P1.mx"
expect_rc "allow redirect" 0
filter --execute --allow-redirect "$tmp/fwd.sieve" "$md/new/1000.M1P1.mx"
expect_rc "allow redirect again" 0
n=$(ls "$tmp/sent" | wc -l | tr -d ' ')
if [ "$n" = 1 ]; then ok; else fail "allow redirect: $n sent, expected 1"; fi
if grep -qx 'bob@example.com' "$tmp/sent/0/argv"; then ok; else fail "allow redirect: recipient"; fi
expect_files "allow redirect: left in place" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "
printf 'redirect "mallory@elsewhere.example";\n' >"$tmp/ext.sieve"
filter --execute --allow-redirect --format json "$tmp/ext.sieve" "$md/new/1000.M1P1.mx"
expect_rc "external blocked" 0
n=$(ls "$tmp/sent" | wc -l | tr -d ' ')
if [ "$n" = 1 ]; then ok; else fail "external blocked: $n sent, expected 1"; fi
if grep -q '"verdict": "block"' "$tmp/out"; then ok; else fail "external blocked: verdict"; fi
expect_files "external blocked: kept" "./cur/2000.M1P1.mx,S=140:2,Sa ./cur/3000.M1P1.mx:2, ./new/1000.M1P1.mx "

# 10. Exit codes: invalid script 1 (nothing filtered), usage 64, unreadable message 66 (others still filtered).
printf 'frobnicate;\n' >"$tmp/bad.sieve"
filter --execute "$tmp/bad.sieve" "$md"
expect_rc "invalid script" 1
filter "$tmp/s.sieve"
expect_rc "usage" 64
filter --discard maybe "$tmp/s.sieve" "$md"
expect_rc "bad --discard" 64
filter "$tmp/s.sieve" "$tmp/missing.eml" "$md/new/1000.M1P1.mx"
expect_rc "missing message" 66
if grep -q "^== $md/new/1000.M1P1.mx" "$tmp/out"; then ok; else fail "missing message: the other still filtered"; fi
filter "$tmp/s.sieve" "$tmp/nofolder"
expect_rc "missing folder" 66

# 11. The policy store cannot be read: the plan says why (the reason used to be
# printed from a buffer whose scope had ended: empty or garbage).
reset
filter -o policy_store=sqlite:$tmp/missing/policy.db --format json "$tmp/fwd.sieve" "$md/new/1000.M1P1.mx"
expect_rc "unreadable policy store" 0
if grep -q '"policy_unavailable": "the forwarding policy cannot be read: policy store sqlite:'"$tmp"'/missing/policy.db' "$tmp/out"; then ok; else fail "unreadable policy store: reason: $(cat "$tmp/out")"; fi

finish
