#!/bin/sh
# self_test.sh - check_layers.sh can fail: a small tree with one include of
# each kind it must refuse, and one it must accept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/base" "$t/grammar" "$t/policy" "$t/store" "$t/engine/core" "$t/cli"
: >"$t/base/arena.h"
: >"$t/cli/cli.h"
printf '#include "base/arena.h"\n' >"$t/engine/core/interp.h"
printf '#include "base/arena.h"\n#include "engine/core/interp.h"\n' >"$t/store/audit.c"
printf '#include "store/audit.h"\n' >"$t/grammar/parse.c"
: >"$t/store/audit.h"
printf '#include "cli/cli.h"\n' >"$t/engine/core/interp.c"
printf '#include "arena.h"\n' >"$t/policy/policy.c"
printf '#include "grammar/parser.h"\n#include "engine/core/interp.h"\n' >"$t/cli/main.c"
set +e
out=$("$here/check_layers.sh" "$t")
rc=$?
set -e
expected='engine/core/interp.c:1: engine/ must not include cli/ ("cli/cli.h"): layers point one way
grammar/parse.c:1: grammar/ must not include store/ ("store/audit.h"): layers point one way
policy/policy.c:1: "arena.h" is not a path from the source root
store/audit.c:2: store/ must not include engine/ ("engine/core/interp.h"): layers point one way'
got=$(printf '%s\n' "$out" | sort)
if [ "$rc" != 1 ] || [ "$got" != "$expected" ]; then
    printf 'check_layers.sh: exit %s, expected 1; output:\n%s\n--- expected:\n%s\n' "$rc" "$got" "$expected"
    exit 1
fi
echo "check_layers.sh refuses each wrong include and accepts the rest"
