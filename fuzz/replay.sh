#!/bin/sh
# replay.sh DIR_OF_REPLAY_BINARIES: runs every fuzz/regressions/TARGET/* and
# fuzz/seeds/TARGET/* input once through replay_TARGET (ctest fuzz_regressions).
# Exit 0 when every input runs clean.
set -u
bindir=$1
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for t in fuzz_script fuzz_message fuzz_enforce fuzz_mailto fuzz_pipeline fuzz_builders; do
    set --
    for f in "$root/fuzz/regressions/$t"/* "$root/fuzz/seeds/$t"/*; do
        [ -f "$f" ] && set -- "$@" "$f"
    done
    [ $# -gt 0 ] || continue
    if "$bindir/replay_$t" "$@" >/dev/null; then
        echo "$t: $# input(s) ok"
    else
        echo "FAIL $t: an input crashed (rerun: $bindir/replay_$t FILE...)"
        status=1
    fi
done
exit $status
