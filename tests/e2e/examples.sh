#!/bin/sh
# The bundled examples must all be valid: README's first command runs them.
# usage: examples.sh SIEVEGATE EXAMPLES-DIR
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
conf="$tmp/empty.conf"
: >"$conf"
for f in "$2"/*.sieve; do
    run "$bin" check --config "$2/sievegate.conf" "$f"
    expect_rc "$(basename "$f") is valid" 0
    expect_out "$(basename "$f") has no diagnostics" ""
done
finish
