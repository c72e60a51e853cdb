#!/bin/sh
# Runs every example script on every example message with `sievegate test`
# under the example policy (policy.txt) and prints the plans: README's first
# command ends with this. Nothing is delivered or sent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${SIEVEGATE:-$here/../build/sievegate}
db=$(mktemp -u /tmp/sievegate-example-policy.XXXXXX)
trap 'rm -f "$db"' EXIT
conf="-o policy_store=sqlite:$db"
grep -v '^#' "$here/policy.txt" | while read -r line; do
    [ -n "$line" ] || continue
    # shellcheck disable=SC2086 # one command a line, split on purpose
    "$bin" policy --config "$here/sievegate.conf" $conf $line >/dev/null
done
echo "== the example policy"
"$bin" policy --config "$here/sievegate.conf" $conf show
for script in "$here"/*.sieve; do
    for message in "$here"/messages/*.eml; do
        echo "== $(basename "$script") on $(basename "$message") for alice@example.com"
        # shellcheck disable=SC2086
        "$bin" test --config "$here/sievegate.conf" $conf -a alice@example.com "$script" "$message"
    done
done
