# lib.sh - tiny assertion helpers for the end-to-end shell tests.
# Each test ends with `finish`, which prints "N passed, N failed".
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
