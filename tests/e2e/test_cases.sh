#!/bin/sh
# End-to-end test of `sievegate test` on real files.
# For every CASE.sieve in DIR, CASE.args holds the arguments after
# `sievegate test` (options, then CASE.sieve and a message path relative to
# DIR); the JSON output must equal
# CASE.json, the text output CASE.txt, and the exit code CASE.rc, byte for byte.
# usage: test_cases.sh SIEVEGATE DIR   (UPDATE=1 rewrites the expectations)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$2
conf=$(mktemp)
trap 'rm -f "$conf" "$conf.json" "$conf.txt"' EXIT
printf 'local_domains = example.com, lists.example.com\n' >"$conf"
passed=0
failed=0
cd "$dir" || exit 1
for script in *.sieve; do
    name=${script%.sieve}
    args=$(cat "$name.args")
    # shellcheck disable=SC2086 # the args file is split on purpose
    eval "set -- $args"
    "$bin" test --config "$conf" --format json "$@" >"$conf.json" 2>/dev/null
    rc=$?
    eval "set -- $args"
    "$bin" test --config "$conf" "$@" >"$conf.txt" 2>/dev/null
    trc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$conf.json" "$name.json"
        cp "$conf.txt" "$name.txt"
        echo "$rc" >"$name.rc"
    fi
    ok=1
    for kind in json txt; do
        if ! cmp -s "$conf.$kind" "$name.$kind"; then
            echo "FAIL $name: $kind output differs:"
            diff -u "$name.$kind" "$conf.$kind" | head -40
            ok=0
        fi
    done
    want=$(cat "$name.rc")
    if [ "$rc" != "$want" ] || [ "$trc" != "$want" ]; then
        echo "FAIL $name: exit code $rc (json) / $trc (text), expected $want"
        ok=0
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
