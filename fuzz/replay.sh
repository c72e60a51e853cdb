#!/bin/sh
# replay.sh DIR_OF_REPLAY_BINARIES: runs every fuzz/regressions/TARGET/* and
# fuzz/seeds/TARGET/* input once through replay_TARGET (ctest fuzz_regressions),
# and for fuzz_mime the full-size MIME bombs of fuzz/gen_mime_bombs.sh.
# Exit 0 when every input runs clean.
set -u
bindir=$1
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
bombs=$(mktemp -d "${TMPDIR:-/tmp}/sievegate-bombs.XXXXXX") || exit 2
trap 'rm -rf "$bombs"' EXIT
"$root/fuzz/gen_mime_bombs.sh" "$bombs" || exit 2
for t in fuzz_script fuzz_message fuzz_enforce fuzz_mailto fuzz_pipeline fuzz_builders fuzz_mime fuzz_lmtp fuzz_passwd_file fuzz_managesieve fuzz_ldap; do
    set --
    extra=
    [ "$t" != fuzz_mime ] || extra=$bombs
    for f in "$root/fuzz/regressions/$t"/* "$root/fuzz/seeds/$t"/* ${extra:+"$extra"/*}; do
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
