#!/bin/sh
# End-to-end test of `sievegate test` on real files.
# For every CASE.sieve in DIR, CASE.args holds the arguments after
# `sievegate test` (options, then CASE.sieve and a message path relative to
# DIR). Each case gets a fresh policy database where example.com (with its
# subdomains) is the organization and forwarding is at its default (off);
# CASE.policy, when present, holds `sievegate policy` commands (one a line)
# run first, and CASE.conf, when present, configuration lines added after the
# defaults. The JSON output must equal
# CASE.json, the text output CASE.txt, and the exit code CASE.rc, byte for byte.
# usage: test_cases.sh SIEVEGATE DIR   (UPDATE=1 rewrites the expectations)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$2
conf=$(mktemp)
db=$(mktemp -u)
trap 'rm -f "$conf" "$conf.json" "$conf.txt" "$db"' EXIT
printf 'policy_store = sqlite:%s\nhostname = mx.example.com\n' "$db" >"$conf"
passed=0
failed=0
cd "$dir" || exit 1
for script in *.sieve; do
    name=${script%.sieve}
    rm -f "$db"
    printf 'policy_store = sqlite:%s\nhostname = mx.example.com\n' "$db" >"$conf"
    "$bin" policy --config "$conf" accepted-domain add example.com --match-subdomains >/dev/null
    if [ -f "$name.policy" ]; then
        while IFS= read -r line; do
            # shellcheck disable=SC2086 # one command a line, split on purpose
            eval "\"\$bin\" policy --config \"\$conf\" $line" >/dev/null || echo "FAIL $name: policy $line"
        done <"$name.policy"
    fi
    if [ -f "$name.conf" ]; then cat "$name.conf" >>"$conf"; fi # later keys win
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
