#!/bin/sh
# End-to-end test of `sievegate check` on real files.
# For every CASE.sieve in DIR: the text output must equal CASE.out, the JSON
# output CASE.json, and the exit code CASE.rc, byte for byte.
# usage: check_cases.sh SIEVEGATE DIR   (UPDATE=1 rewrites the expectations)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$2
conf=$(mktemp)
trap 'rm -f "$conf" "$conf.out" "$conf.json"' EXIT
passed=0
failed=0
cd "$dir" || exit 1
for script in *.sieve; do
    name=${script%.sieve}
    "$bin" check --config "$conf" "$script" >"$conf.out" 2>/dev/null
    rc=$?
    "$bin" check --config "$conf" --format json "$script" >"$conf.json" 2>/dev/null
    jrc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$conf.out" "$name.out"
        cp "$conf.json" "$name.json"
        echo "$rc" >"$name.rc"
    fi
    ok=1
    if ! cmp -s "$conf.out" "$name.out"; then
        echo "FAIL $name: text output differs:"
        diff -u "$name.out" "$conf.out" | head -40
        ok=0
    fi
    if ! cmp -s "$conf.json" "$name.json"; then
        echo "FAIL $name: JSON output differs:"
        diff -u "$name.json" "$conf.json" | head -40
        ok=0
    fi
    want=$(cat "$name.rc")
    if [ "$rc" != "$want" ] || [ "$jrc" != "$want" ]; then
        echo "FAIL $name: exit code $rc (text) / $jrc (json), expected $want"
        ok=0
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
