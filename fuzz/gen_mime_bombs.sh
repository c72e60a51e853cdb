#!/bin/sh
# gen_mime_bombs.sh OUTDIR [small]
#
# Writes MIME bombs for fuzz_mime (fuzz/fuzz_mime.c) into OUTDIR, generated
# rather than kept in the repository: nesting far past the depth limit
# (multipart and message/rfc822), 100,000 parts (ten times the part limit),
# and single base64 / quoted-printable lines of 1 MiB. With "small", the same
# shapes fit libFuzzer's -max_len=65536 (fuzz/run.sh uses these as seeds);
# without it, fuzz/replay.sh (ctest fuzz_regressions) replays the full sizes.
# Exit status: 0, or 2 on usage errors.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [small]" >&2; exit 2; }
out=$1
if [ "${2:-}" = small ]; then
    depth=150 parts=1000 line=30000 tag=small
else
    depth=1000 parts=100000 line=1048576 tag=full
fi
mkdir -p "$out"

# multipart/mixed inside multipart/mixed ... $depth levels, a text leaf inside
# (fixed-width boundaries: none is a prefix of another, RFC 2046 §5.1.1).
awk -v n="$depth" 'BEGIN {
    printf "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n"
    for (i = 0; i < n; i++)
        printf "Content-Type: multipart/mixed; boundary=\"b%04d\"\n\npreamble %d\n--b%04d\n", i, i, i
    printf "Content-Type: text/plain\n\nleaf\n"
    for (i = n - 1; i >= 0; i--)
        printf "--b%04d--\nepilogue %d\n", i, i
}' >"$out/mime-bomb-deep-multipart-$tag.eml"

# message/rfc822 inside message/rfc822 ... $depth levels.
awk -v n="$depth" 'BEGIN {
    printf "From: a@example.com\nSubject: deep\n"
    for (i = 0; i < n; i++)
        printf "Content-Type: message/rfc822\n\nSubject: level %d\n", i
    printf "\nleaf\n"
}' >"$out/mime-bomb-deep-rfc822-$tag.eml"

# One multipart with $parts parts (past the part limit), CRLF, alternating
# encodings, and no close delimiter (the last part runs to the end).
awk -v n="$parts" 'BEGIN {
    printf "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
    for (i = 0; i < n; i++) {
        if (i % 3 == 0) printf "--x\r\n\r\n%d\r\n", i
        else if (i % 3 == 1) printf "--x\r\nContent-Transfer-Encoding: base64\r\n\r\nYQ==\r\n"
        else printf "--x\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<b>=E9</b>\r\n"
    }
}' >"$out/mime-bomb-parts-$tag.eml"

# A base64 text/html body and a quoted-printable body, each one line of $line bytes.
awk -v n="$line" 'BEGIN {
    printf "From: a@example.com\nContent-Type: multipart/alternative; boundary=q\n\n--q\n"
    printf "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    s = "PGI+aGk8L2I+PHNjcmlwdD54PC9zY3JpcHQ+JmFtcDsg"   # "<b>hi</b><script>x</script>&amp; "
    for (i = 0; i + length(s) <= n; i += length(s)) printf "%s", s
    printf "\n--q\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
    for (i = 0; i + 4 <= n; i += 4) printf "=E9a"
    printf "\n--q--\n"
}' >"$out/mime-bomb-long-lines-$tag.eml"
