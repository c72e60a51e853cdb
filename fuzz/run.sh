#!/usr/bin/env bash
# run.sh SECONDS [BUILD_DIR] [EXTRA_LIBFUZZER_ARGS...]
#
# Fuzzes sg_parse + sg_validate for SECONDS with fuzz_script from BUILD_DIR
# (default: build-fuzz, relative to the repository root). Build it first:
#   CC=clang cmake -S . -B build-fuzz -DSIEVEGATE_FUZZ=ON -DSIEVEGATE_TESTS=OFF -DSIEVEGATE_BENCH=OFF
#   cmake --build build-fuzz -j2
#
# Seed corpus: every *.sieve under tests/ and examples/ plus fuzz/seeds/*,
# copied into a temporary directory (or into $SIEVEGATE_FUZZ_CORPUS when set,
# which then persists across runs). Inputs already in fuzz/regressions/ are
# replayed first. New crashing/leaking/slow inputs are written to fuzz/regressions/.
# Exit status: 0 when nothing was found, 1 otherwise (2 on usage/setup errors).
set -u -o pipefail

usage() { echo "usage: $0 SECONDS [BUILD_DIR] [EXTRA_LIBFUZZER_ARGS...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
seconds=$1
shift
[[ $seconds =~ ^[0-9]+$ ]] || usage
build_dir=build-fuzz
if [ $# -ge 1 ]; then
    build_dir=$1
    shift
fi

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
[[ $build_dir == /* ]] || build_dir=$root/$build_dir
fuzzer=$build_dir/fuzz/fuzz_script
[ -x "$fuzzer" ] || fuzzer=$build_dir/fuzz_script
if [ ! -x "$fuzzer" ]; then
    echo "$0: no fuzz_script in $build_dir (configure with -DSIEVEGATE_FUZZ=ON and build it)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sievegate-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

corpus=${SIEVEGATE_FUZZ_CORPUS:-$tmp/corpus}
regdir=$root/fuzz/regressions
mkdir -p "$corpus" "$regdir" || exit 2

# Seeds; names carry their path so that two tests/*/x.sieve don't clash.
nseeds=0
while IFS= read -r -d '' f; do
    cp "$f" "$corpus/seed-${f//\//_}" && nseeds=$((nseeds + 1))
done < <(find tests examples -type f -name '*.sieve' -print0 2>/dev/null; find fuzz/seeds -type f -print0 2>/dev/null)
echo "run.sh: $nseeds seed file(s) copied to $corpus"

status=0

# Replay known regressions: each file is run once, without fuzzing.
while IFS= read -r -d '' r; do
    if "$fuzzer" -timeout=25 -runs=1 "$r" >"$tmp/replay.log" 2>&1; then
        echo "run.sh: regression ${r#"$root"/}: ok"
    else
        echo "run.sh: regression ${r#"$root"/}: STILL FAILS"
        grep -E '^(==[0-9]+== ?ERROR|SUMMARY|    #[0-9]+ )' "$tmp/replay.log" | head -20
        status=1
    fi
done < <(find "$regdir" -type f ! -name '.*' ! -name '*.md' -print0 | sort -z)

touch "$tmp/start"
"$fuzzer" "$corpus" \
    -max_total_time="$seconds" \
    -dict=fuzz/sieve.dict \
    -max_len=65536 \
    -timeout=25 \
    -print_final_stats=1 \
    -artifact_prefix="$regdir/" \
    "$@" 2>&1 | tee "$tmp/fuzz.log"
rc=$?

# With -jobs/-workers the parent may exit 0 even though a worker failed: also
# look for new artifacts and error reports.
new=$(find "$regdir" -type f -newer "$tmp/start" ! -name '.*' ! -name '*.md')
if [ "$rc" -ne 0 ] || [ -n "$new" ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: ' "$tmp/fuzz.log"; then
    echo "run.sh: FAILURE (libFuzzer exit status $rc)" >&2
    [ -z "$new" ] || printf 'run.sh: new input(s) saved:\n%s\n' "$new" >&2
    status=1
else
    echo "run.sh: fuzzing found no crash, leak or timeout in ${seconds}s"
    [ "$status" -eq 0 ] || echo "run.sh: FAILURE: known regression(s) in fuzz/regressions/ still fail" >&2
fi
exit $status
