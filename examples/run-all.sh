#!/bin/sh
# Runs every example script on every example message with `sievegate test`
# and prints the plans: README's first command ends with this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${SIEVEGATE:-$here/../build/sievegate}
for script in "$here"/*.sieve; do
    for message in "$here"/messages/*.eml; do
        echo "== $(basename "$script") on $(basename "$message")"
        "$bin" test --config "$here/sievegate.conf" -a alice@example.com "$script" "$message"
    done
done
