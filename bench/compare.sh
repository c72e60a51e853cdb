#!/bin/sh
# compare.sh - sievegate side by side with Pigeonhole (issue 7).
#
# Generates the seeded corpus (bench_interp --write: 1,000 ~4 KB messages with
# lists, CCs, encoded words and multipart; the 40-rule user script; generated
# 400- and 2,000-rule organisation scripts; the growth corpora) and measures,
# each over several runs (median [min-max] wall time, peak RSS of the
# largest process):
#   (1) `sievegate check` of the 2,000-rule script vs `sievec`
#   (2) one `sievegate test` process per message vs one `sieve-test` per
#       message, and the floor: a trivial C program (cat) that only starts and
#       reads the message file
#   (3) `sievegate filter` over the 1,000-message Maildir (dry run) vs
#       `sieve-filter` (its simulation mode), 40 and 2,000 rules
#   (4) `sievegate deliver` vs `dovecot-lda` (bench_deliver.sh)
#   and how our cost grows: message size 1K -> 100K, rules 40 -> 2,000,
#   header fields ~10 -> 1,000 (Pigeonhole's beside it).
# Ratios are ours/theirs of the time (below 1: we are faster) when Pigeonhole
# is installed (Debian dovecot-core dovecot-sieve); otherwise only ours. As
# root, both sides run as the unprivileged user sgtest (Pigeonhole refuses
# root), so both pay the same runuser once per run.
#
# usage: bench/compare.sh BUILD-DIR       (or: cmake --build BUILD-DIR --target bench)
# environment: RUNS (default 3), PER_PROCESS (messages in figure 2, default 100),
#              SKIP_DELIVER=1 to leave out figure 4, DELIVER_MESSAGES (default 300)
set -eu
build=$(cd "$1" && pwd)
bin="$build/sievegate"
interp="$build/bench/bench_interp"
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-3}
PER_PROCESS=${PER_PROCESS:-100}
work=$(mktemp -d /tmp/sievegate-compare.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

"$interp" --write "$work/corpus" >/dev/null
corpus="$work/corpus"
nmsg=$(ls "$corpus/messages" | wc -l)

# Who runs the programs: as root, the unprivileged sgtest for both sides.
as_user=""
if [ "$(id -u)" = 0 ]; then
    id sgtest >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin sgtest 2>/dev/null || true
    if id sgtest >/dev/null 2>&1; then as_user=sgtest; fi
fi
ph=yes
for tool in sievec sieve-test sieve-filter; do
    command -v "$tool" >/dev/null 2>&1 || ph=""
done
if [ "$(id -u)" = 0 ] && [ -z "$as_user" ]; then ph=""; fi

# A Maildir whose cur/ is a copy of a directory of .eml files (one cp: the
# names need no ":2," info, Dovecot and sievegate read them as unflagged).
maildir_of() { # SRC-DIR DEST
    mkdir -p "$2/new" "$2/tmp"
    cp -r "$1" "$2/cur"
}
maildir_of "$corpus/messages" "$work/md/main"
for g in "$corpus"/growth/*; do
    maildir_of "$g" "$work/md/$(basename "$g")"
done
mkdir -p "$work/rules500"
ls "$corpus/messages" | head -n 500 | sed "s|^|$corpus/messages/|" | xargs cp -t "$work/rules500"
maildir_of "$work/rules500" "$work/md/rules"
mkdir -p "$work/md/empty/new" "$work/md/empty/cur" "$work/md/empty/tmp"

cat >"$work/sievegate.conf" <<EOC
policy_store = sqlite:$work/policy.db
audit_log = $work/audit.db
hostname = mx.example.com
EOC
"$bin" policy --config "$work/sievegate.conf" accepted-domain add example.com >/dev/null
mkdir -p "$work/ph"
for m in "$work"/md/*; do
    printf 'protocols =\nmail_location = maildir:%s\n' "$m" >"$work/ph/$(basename "$m").conf"
done
printf 'protocols =\nmail_location = maildir:%s/ph/raw\n' "$work" >"$work/ph/test.conf"
[ -n "$as_user" ] && chown -R "$as_user" "$work"
chmod -R a+rX "$work"

# Dovecot builds its index of a folder on the first sieve-filter run: built
# here once, so every measured run finds it (as ours finds the page cache).
if [ -n "$ph" ]; then
    printf 'keep;\n' >"$work/ph/keep.sieve"
    chmod a+r "$work/ph/keep.sieve"
    for m in "$work"/md/*; do
        if [ -n "$as_user" ]; then
            runuser -u "$as_user" -- env HOME="$work/ph" \
                sieve-filter -c "$work/ph/$(basename "$m").conf" "$work/ph/keep.sieve" INBOX >/dev/null 2>&1 || true
        else
            sieve-filter -c "$work/ph/$(basename "$m").conf" "$work/ph/keep.sieve" INBOX >/dev/null 2>&1 || true
        fi
    done
fi

# The timer (bench_timeit.c): the wall time of CMD alone from fork to wait
# (microseconds), its peak RSS (KiB) and CPU (user, system seconds), on one
# line of OUT; copied where the measuring user can run it.
cp "$build/bench/bench_timeit" "$work/timeit"
chmod 755 "$work/timeit"

# measure RUNS CMD...: runs CMD RUNS times (as $as_user when set); sets med,
# lo, hi (microseconds of wall time), cpu (the median user + system) and rss
# (KiB, the largest over the runs).
measure() {
    runs=$1
    shift
    : >"$work/times"
    : >"$work/cpus"
    rss=0
    i=0
    while [ "$i" -lt "$runs" ]; do
        if [ -n "$as_user" ]; then
            runuser -u "$as_user" -- env HOME="$work/ph" "$work/timeit" "$work/ph/m" "$@" ||
                echo "  (warning: $1 failed: $(tail -c 300 "$work/ph/m.err"))"
        else
            "$work/timeit" "$work/ph/m" "$@" || echo "  (warning: $1 failed: $(tail -c 300 "$work/ph/m.err"))"
        fi
        last=$(cat "$work/ph/m")
        echo "$last" | awk '{ printf "%d\n", $1 }' >>"$work/times"
        r=$(echo "$last" | awk '{ printf "%d", $2 }')
        [ "$r" -gt "$rss" ] && rss=$r
        echo "$last" | awk '{ printf "%d\n", ($3 + $4) * 1e6 }' >>"$work/cpus"
        i=$((i + 1))
    done
    set -- $(sort -n "$work/times" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d %d %d", m, v[1], v[NR] }')
    med=$1 lo=$2 hi=$3
    cpu=$(sort -n "$work/cpus" | awk '{ v[NR] = $1 } END { printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
}
ms() { echo "$1 ${2:-1}" | awk '{ printf "%.2f", $1 / 1000 / $2 }'; }
mb() { echo "$1" | awk '{ printf "%.1f MB", $1 / 1024 }'; }
line() { # LABEL N PER: the last measure, its times divided by N
    printf '  %-22s %8s ms [%s-%s] wall, %s ms cpu per %s, peak RSS %s\n' "$1" "$(ms "$med" "$2")" \
        "$(ms "$lo" "$2")" "$(ms "$hi" "$2")" "$(ms "$cpu" "$2")" "$3" "$(mb "$rss")"
}
ratio() { # OURS-WALL THEIRS-WALL OURS-CPU THEIRS-CPU TARGET-TEXT: ours/theirs
    echo "$1 $2 $3 $4" | awk -v t="$5" '{ r = $1 / $2; c = $3 / ($4 > 0 ? $4 : 1);
        printf "  ratio ours/theirs      %.3f wall (%.1fx faster), %.3f cpu (%.1fx)%s\n", r, 1 / r, c, 1 / (c > 0 ? c : 1), t }'
}

echo "sievegate compare: $nmsg messages (~4 KB), seeded corpus; $RUNS runs per figure, median [min-max]"
echo "machine: $(nproc) cores, $(uname -sr); shared with other work, so the spread matters"
[ -n "$ph" ] && echo "Pigeonhole: dovecot-sieve $(dpkg-query -W -f '${Version}' dovecot-sieve 2>/dev/null || echo '?'), dovecot $(dovecot --version 2>/dev/null || echo '?')" \
    || echo "Pigeonhole: not installed (or no unprivileged user): only our figures"

echo
echo "(1) check of the 2,000-rule script"
measure "$RUNS" "$bin" check "$corpus/script2000.sieve"
o1=$med o1rss=$rss o1cpu=$cpu
line "sievegate check" 1 "run"
if [ -n "$ph" ]; then
    measure "$RUNS" sievec "$corpus/script2000.sieve" "$work/ph/script2000.svbin"
    line "sievec" 1 "run"
    ratio "$o1" "$med" "$o1cpu" "$cpu" "   (target <= 0.33)"
    echo "  peak RSS ours/theirs   $(echo "$o1rss $rss" | awk '{ printf "%.2f", $1 / $2 }')"
fi

echo
echo "(2) one process per message, 40 rules, $PER_PROCESS messages"
ls "$corpus/messages" | head -n "$PER_PROCESS" | sed "s|^|$corpus/messages/|" >"$work/list"
chmod a+r "$work/list"
cat >"$work/per_process.sh" <<'EOS'
#!/bin/sh
# per_process.sh WHAT LIST ARGS...: one process per message of LIST
what=$1 list=$2
shift 2
while read -r m; do
    case "$what" in
    floor) cat "$m" >/dev/null ;;
    ours) "$1" test --config "$2" -a alice+lists@example.com "$3" "$m" >/dev/null ;;
    theirs) sieve-test -c "$1" "$2" "$m" -a alice+lists@example.com >/dev/null 2>&1 ;;
    esac
done <"$list"
EOS
chmod 755 "$work/per_process.sh"
measure "$RUNS" "$work/per_process.sh" floor "$work/list"
floor=$med floorcpu=$cpu
line "floor (cat the file)" "$PER_PROCESS" "message"
measure "$RUNS" "$work/per_process.sh" ours "$work/list" "$bin" "$work/sievegate.conf" "$corpus/script.sieve"
o2=$med o2rss=$rss o2cpu=$cpu
line "sievegate test" "$PER_PROCESS" "message"
echo "$o2 $floor $o2cpu $floorcpu" | awk '{ printf "  ours/floor             %.2fx wall, %.2fx cpu   (target <= 1.5x)\n", $1 / $2, $3 / $4 }'
if [ -n "$ph" ]; then
    measure "$RUNS" "$work/per_process.sh" theirs "$work/list" "$work/ph/test.conf" "$corpus/script.sieve"
    line "sieve-test" "$PER_PROCESS" "message"
    ratio "$o2" "$med" "$o2cpu" "$cpu" "   (target <= 0.17, i.e. 6x)"
    echo "  peak RSS ours/theirs   $(echo "$o2rss $rss" | awk '{ printf "%.2f", $1 / $2 }')   (target <= 0.5)"
fi

echo
echo "(3) one process over the $nmsg-message Maildir (dry run / simulation)"
for rules in 40 2000; do
    script="$corpus/script.sieve"
    [ "$rules" = 2000 ] && script="$corpus/script2000.sieve"
    measure "$RUNS" "$bin" filter --config "$work/sievegate.conf" "$script" "$work/md/main"
    o3=$med o3cpu=$cpu
    line "sievegate filter $rules" "$nmsg" "message"
    echo "$nmsg $med" | awk '{ printf "  %-22s %9.0f messages/s\n", "", $1 / ($2 / 1e6) }'
    if [ -n "$ph" ]; then
        measure "$RUNS" sieve-filter -c "$work/ph/main.conf" "$script" INBOX
        line "sieve-filter $rules" "$nmsg" "message"
        echo "$nmsg $med" | awk '{ printf "  %-22s %9.0f messages/s\n", "", $1 / ($2 / 1e6) }'
        if [ "$rules" = 40 ]; then
            ratio "$o3" "$med" "$o3cpu" "$cpu" "   (target <= 0.5, i.e. 2x the messages/s)"
        else
            ratio "$o3" "$med" "$o3cpu" "$cpu" "   (target <= 0.1, i.e. 10x the messages/s)"
        fi
    fi
done

echo
echo "(growth) per message: the best wall time of one filter process over a folder less its best on an empty"
echo "  folder (the start and the script), divided by the messages; ratio = ours/theirs"
growth() { # LABEL MAILDIR SCRIPT
    n=$(ls "$work/md/$2/cur" | wc -l)
    measure "$RUNS" "$bin" filter --config "$work/sievegate.conf" "$3" "$work/md/empty"
    base=$lo
    measure "$RUNS" "$bin" filter --config "$work/sievegate.conf" "$3" "$work/md/$2"
    o=$((lo - base))
    t=""
    if [ -n "$ph" ]; then
        measure "$RUNS" sieve-filter -c "$work/ph/empty.conf" "$3" INBOX
        base=$lo
        measure "$RUNS" sieve-filter -c "$work/ph/$2.conf" "$3" INBOX
        th=$((lo - base))
        t=$(printf '   sieve-filter %8s ms   ratio %.3f' "$(ms "$th" "$n")" "$(echo "$o $th" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')")
    fi
    printf '  %-18s %5d msgs  sievegate %8s ms%s\n' "$1" "$n" "$(ms "$o" "$n")" "$t"
}
growth "size 1 KB" size-1k "$corpus/script.sieve"
growth "size 10 KB" size-10k "$corpus/script.sieve"
growth "size 100 KB" size-100k "$corpus/script.sieve"
growth "headers ~13" headers-10 "$corpus/script.sieve"
growth "headers ~100" headers-100 "$corpus/script.sieve"
growth "headers ~1,000" headers-1000 "$corpus/script.sieve"
growth "rules 40" rules "$corpus/script.sieve"
growth "rules 400" rules "$corpus/script400.sieve"
growth "rules 2,000" rules "$corpus/script2000.sieve"

if [ "${SKIP_DELIVER:-0}" != 1 ]; then
    echo
    echo "(4) deliver, one process per message (bench_deliver.sh)"
    DELIVER_MESSAGES=${DELIVER_MESSAGES:-300} "$here/bench_deliver.sh" "$bin" "$interp" 2>&1 | sed 's/^/  /'
fi
echo
echo "compare.sh: $(($(date +%s) - start)) s in all"
