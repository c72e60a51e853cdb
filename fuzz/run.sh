#!/usr/bin/env bash
# run.sh SECONDS [BUILD_DIR] [EXTRA_LIBFUZZER_ARGS...]
#
# Runs every libFuzzer target for an equal share of SECONDS in all (at least
# 5 s each), from BUILD_DIR (default: build-fuzz, relative to the repository
# root). Set SIEVEGATE_FUZZ_TARGETS="fuzz_message fuzz_enforce" to run some only.
# Build them first:
#   CC=clang cmake -S . -B build-fuzz -DSIEVEGATE_FUZZ=ON -DSIEVEGATE_TESTS=OFF -DSIEVEGATE_BENCH=OFF
#   cmake --build build-fuzz -j2
#
# Targets (fuzz/README.md): fuzz_script (parser + validator), fuzz_message
# (headers, RFC 2047, address lists), fuzz_enforce (policy address
# normaliser), fuzz_mailto (mailto URIs), fuzz_pipeline (test pipeline, message
# fuzzed), fuzz_builders (DSN, MDN, vacation and notify messages), fuzz_mime
# (the MIME walker with decoding; seeds include fuzz/gen_mime_bombs.sh's bombs),
# fuzz_lmtp (the LMTP session and command parser), fuzz_passwd_file (the
# userdb's passwd-file parser), fuzz_managesieve (the ManageSieve session and
# parser), fuzz_ldap (LDAP filter values and templates, DN comparison).
# Seed corpus per target: *.sieve (fuzz_script) or *.eml (message targets)
# under tests/ and examples/, plus fuzz/seeds/TARGET/* (and fuzz/seeds/*.sieve
# for fuzz_script), copied into a temporary directory (or into
# $SIEVEGATE_FUZZ_CORPUS/TARGET when set, which then persists across runs).
# Inputs already in fuzz/regressions/TARGET/ are replayed first. New
# crashing/leaking/slow inputs are written to fuzz/regressions/TARGET/.
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
targets=${SIEVEGATE_FUZZ_TARGETS:-fuzz_script fuzz_message fuzz_enforce fuzz_mailto fuzz_pipeline fuzz_builders fuzz_mime fuzz_lmtp fuzz_passwd_file fuzz_managesieve fuzz_ldap}
ntargets=$(echo $targets | wc -w)
share=$((seconds / ntargets))
[ "$share" -ge 5 ] || share=5
# UBSan findings must stop the run like ASan's.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sievegate-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
status=0

fuzz_one() { # TARGET
    local t=$1 fuzzer=$build_dir/fuzz/$1
    [ -x "$fuzzer" ] || fuzzer=$build_dir/$1
    if [ ! -x "$fuzzer" ]; then
        echo "$0: no $t in $build_dir (configure with -DSIEVEGATE_FUZZ=ON and build it)" >&2
        exit 2
    fi
    local corpus=${SIEVEGATE_FUZZ_CORPUS:+$SIEVEGATE_FUZZ_CORPUS/$t}
    corpus=${corpus:-$tmp/corpus-$t}
    local regdir=$root/fuzz/regressions/$t
    mkdir -p "$corpus" "$regdir" || exit 2
    # Seeds; names carry their path so that two tests/*/x.sieve don't clash.
    local pattern='*.eml' extra=() nseeds=0 f
    [ "$t" = fuzz_script ] && pattern='*.sieve'
    case $t in fuzz_enforce|fuzz_mailto|fuzz_lmtp|fuzz_passwd_file|fuzz_ldap) pattern='' ;; esac
    while IFS= read -r -d '' f; do
        cp "$f" "$corpus/seed-${f//\//_}" && nseeds=$((nseeds + 1))
    done < <([ -z "$pattern" ] || find tests examples -type f -name "$pattern" -print0 2>/dev/null
             [ "$t" != fuzz_script ] || find fuzz/seeds -maxdepth 1 -type f -print0 2>/dev/null
             find "fuzz/seeds/$t" -type f -print0 2>/dev/null)
    if [ "$t" = fuzz_mime ]; then # MIME bombs, in the sizes that fit -max_len
        fuzz/gen_mime_bombs.sh "$corpus" small || exit 2
        nseeds=$((nseeds + 4))
    fi
    echo "run.sh: $t: $nseeds seed file(s) copied to $corpus, fuzzing for ${share}s"
    [ "$t" = fuzz_script ] && extra=(-dict=fuzz/sieve.dict)

    # Replay known regressions: each file is run once, without fuzzing.
    local r
    while IFS= read -r -d '' r; do
        if "$fuzzer" -timeout=25 -runs=1 "$r" >"$tmp/replay.log" 2>&1; then
            echo "run.sh: regression ${r#"$root"/}: ok"
        else
            echo "run.sh: regression ${r#"$root"/}: STILL FAILS"
            grep -E '^(==[0-9]+== ?ERROR|SUMMARY|    #[0-9]+ )|runtime error' "$tmp/replay.log" | head -20
            status=1
        fi
    done < <(find "$regdir" -type f ! -name '.*' ! -name '*.md' -print0 | sort -z)

    touch "$tmp/start"
    "$fuzzer" "$corpus" \
        -max_total_time="$share" \
        "${extra[@]}" \
        -max_len=65536 \
        -timeout=25 \
        -print_final_stats=1 \
        -artifact_prefix="$regdir/" \
        "${libfuzzer_args[@]}" >"$tmp/fuzz.log" 2>&1
    local rc=$?
    grep -E '^(stat::number_of_executed_units|Done )' "$tmp/fuzz.log"

    # With -jobs/-workers the parent may exit 0 even though a worker failed: also
    # look for new artifacts and error reports.
    local new
    new=$(find "$regdir" -type f -newer "$tmp/start" ! -name '.*' ! -name '*.md')
    if [ "$rc" -ne 0 ] || [ -n "$new" ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: |runtime error' "$tmp/fuzz.log"; then
        echo "run.sh: $t: FAILURE (libFuzzer exit status $rc)" >&2
        grep -E '^(==[0-9]+== ?ERROR|SUMMARY|    #[0-9]+ )|runtime error|fuzz_check' "$tmp/fuzz.log" | head -30 >&2
        [ -z "$new" ] || printf 'run.sh: new input(s) saved:\n%s\n' "$new" >&2
        status=1
    else
        echo "run.sh: $t: no crash, leak or timeout in ${share}s"
    fi
}

libfuzzer_args=("$@")
for t in $targets; do
    fuzz_one "$t"
done
[ "$status" -eq 0 ] || echo "run.sh: FAILURE: see above (inputs in fuzz/regressions/TARGET/)" >&2
exit $status
