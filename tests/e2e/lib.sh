# lib.sh - tiny assertion helpers for the end-to-end shell tests.
# Each test ends with `finish`, which prints "N passed, N failed".
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# capture_sendmail PROGRAM DIR: writes PROGRAM, a sendmail program that keeps
# each submission in DIR/N/ (N from 0; argv: one argument per line; args: the
# arguments on one line; data: the message) and then exits with the number in
# DIR.rc (0 when there is none). While DIR.fail.ADDRESS exists for its last
# argument (the recipient) it reads the message, keeps nothing and exits 75.
capture_sendmail() {
    mkdir -p "$2"
    cat >"$1" <<EOS
#!/bin/sh
for last in "\$@"; do :; done
if [ -e "$2.fail.\$last" ]; then cat >/dev/null; exit 75; fi
n=\$(ls "$2" | wc -l)
mkdir -p "$2/\$n"
printf '%s\n' "\$@" >"$2/\$n/argv"
echo "\$@" >"$2/\$n/args"
cat >"$2/\$n/data"
exit \$(cat "$2.rc" 2>/dev/null || echo 0)
EOS
    chmod +x "$1"
}

# run CMD...: runs it, capturing stdout in $tmp/out, stderr in $tmp/err, code in $rc
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

expect_rc() { # NAME WANT
    if [ "$rc" = "$2" ]; then ok; else fail "$1: exit code $rc, expected $2 (stderr: $(head -c 300 "$tmp/err"))"; fi
}
expect_out() { # NAME EXPECTED-TEXT  (exact stdout; "" means no output at all)
    if [ -n "$2" ]; then printf '%s\n' "$2" >"$tmp/want"; else : >"$tmp/want"; fi
    if cmp -s "$tmp/want" "$tmp/out"; then ok; else fail "$1: stdout differs"; diff -u "$tmp/want" "$tmp/out" | head -30; fi
}
expect_eq() { if [ "$2" = "$3" ]; then ok; else fail "$1: got $2, expected $3"; fi; } # NAME GOT WANT
expect_err() { # NAME EXPECTED-TEXT  (exact stderr)
    printf '%s\n' "$2" >"$tmp/want"
    if cmp -s "$tmp/want" "$tmp/err"; then ok; else fail "$1: stderr differs"; diff -u "$tmp/want" "$tmp/err" | head -30; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
