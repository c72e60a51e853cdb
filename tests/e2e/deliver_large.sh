#!/bin/sh
# A large message (12 MB, CRLF line endings) through `sievegate deliver`, on a
# pipe (as an MTA gives it: spooled, never read whole) and as a file (-p,
# mapped): the stored copy is byte for byte the message with LF line endings
# (Dovecot's Maildir form), also when a CRLF falls on a 64 KiB boundary; a
# redirected copy carries the body byte for byte; the delivery's peak RSS
# stays under 8 MB (the body is copied in 64 KiB chunks, never held).
# usage: deliver_large.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
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
hostname = mx.example.com
first_valid_uid = 0
EOC
"$bin" policy --config "$conf" accepted-domain add example.com >/dev/null

msg="$tmp/large.eml"
python3 - "$msg" <<'PY'
import sys
head = b"From: Carol <carol@partner.example>\r\nTo: alice@example.com\r\nSubject: large\r\nMessage-ID: <large@partner.example>\r\n\r\n"
line = b"x" * 78 + b"\r\n"
body = bytearray()
while len(head) + len(body) < 12 * 1024 * 1024:
    body += line
# a CRLF split across a 64 KiB boundary of the body
k = 65536 * 3 - 1
body[k:k + 2] = b"\r\n"
open(sys.argv[1], "wb").write(head + bytes(body) + b"the end\r\n")
PY
sed 's/\r$//' "$msg" >"$tmp/want"
stored() { find "$home/Maildir/new" "$home/Maildir/cur" -type f 2>/dev/null | head -1; }

for form in pipe file; do
    rm -rf "$home/Maildir"
    : >"$home/.dovecot.sieve"
    if [ "$form" = pipe ]; then
        cat "$msg" | "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com >"$tmp/out" 2>"$tmp/err"
    else
        "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg" >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    expect_rc "large on a $form" 0
    if cmp -s "$(stored)" "$tmp/want"; then ok; else fail "large on a $form: the stored copy differs from the message with LF endings"; fi
done

# The peak RSS of a delivery of it, with a header-only script, on a pipe.
printf 'require "fileinto";\nif header :contains "subject" "large" { fileinto "Large"; }\n' >"$home/.dovecot.sieve"
rm -rf "$home/Maildir"
printf '#!/bin/sh\ncat "%s" | "%s" deliver --config "%s" -o lda_mailbox_autocreate=yes -f carol@partner.example -a alice@example.com\n' \
    "$msg" "$bin" "$conf" >"$tmp/one.sh"
chmod +x "$tmp/one.sh"
if [ -x /usr/bin/time ] && [ -z "${SG_SANITIZED:-}" ]; then
    kib=$(/usr/bin/time -f %M "$tmp/one.sh" 2>&1 >/dev/null | tail -1)
    if [ "$kib" -le 8192 ]; then ok; else fail "peak RSS of a 12 MB delivery: $kib KiB, expected at most 8192"; fi
else
    # GNU time (Debian: time) measures the peak RSS; without it, or in a
    # sanitizer build (its runtime alone is bigger than the bound), only the bytes
    "$tmp/one.sh" >/dev/null 2>&1
fi
if cmp -s "$(find "$home/Maildir/.Large/new" -type f | head -1)" "$tmp/want"; then ok; else fail "fileinto Large: copy differs"; fi

# A redirect sends the body byte for byte (an internal target, allowed).
rm -rf "$home/Maildir"
printf 'redirect "bob@example.com";\n' >"$home/.dovecot.sieve"
cat "$msg" | "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_rc "large redirect" 0
sent="$tmp/sent/0/data"
# the copy is the redirect's trace fields, then the message as received (CRLF)
from_at=$(grep -b -m1 -a '^From: Carol' "$sent" 2>/dev/null | cut -d: -f1)
if [ -n "$from_at" ] && tail -c +"$((from_at + 1))" "$sent" | cmp -s - "$msg"; then ok; else
    fail "large redirect: the sent copy does not end with the message as received"
fi
finish
