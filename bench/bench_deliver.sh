#!/bin/sh
# bench_deliver.sh - one `sievegate deliver` process per message, as an MTA
# runs it: 1,000 generated ~4 KB messages, the 40-rule script, Maildir
# delivery, the forwarding policy from SQLite. Prints deliveries/second and
# the peak RSS of one delivery; the same for dovecot-lda (with Pigeonhole)
# side by side when it is installed. Targets (issue 6): at least 5x
# dovecot-lda's deliveries/second and a peak RSS under 4 MB.
# usage: bench_deliver.sh SIEVEGATE BENCH_INTERP
set -eu
bin=$1
interp=$2
work=$(mktemp -d /tmp/sievegate-bench-deliver.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
"$interp" --write "$work/corpus" >/dev/null
n=$(ls "$work/corpus/messages" | wc -l)
# DELIVER_MESSAGES: deliver only the first N (bench/compare.sh keeps its run short)
[ -n "${DELIVER_MESSAGES:-}" ] && [ "$DELIVER_MESSAGES" -lt "$n" ] && n=$DELIVER_MESSAGES

# The outgoing mail of both sides: a sendmail that reads the whole message and
# throws it away. (/bin/true exits without reading it; whether the write then
# fails with EPIPE is a race, and sievegate rightly counts a sendmail that did
# not take the whole message as a failure: exit 75 stopped the run at random.)
cat >"$work/sendmail" <<'EOS'
#!/bin/sh
exec cat >/dev/null
EOS
chmod 755 "$work/sendmail"
rate() { echo "$1 $2 $3" | awk '{ printf "%.0f", $1 / ($3 - $2) }'; }
peak_kb() { # COMMAND...: the largest max RSS of 20 runs on the first 20 messages
    max=0
    for m in $(ls "$work/corpus/messages" | head -20); do
        kb=$(/usr/bin/time -f %M "$@" -p "$work/corpus/messages/$m" 2>&1 >/dev/null | tail -1)
        [ "$kb" -gt "$max" ] && max=$kb
    done
    echo "$max"
}

# sievegate
home="$work/home"
mkdir -p "$home"
cp "$work/corpus/script.sieve" "$home/.dovecot.sieve"
cat >"$work/sievegate.conf" <<EOC
mail_location = maildir:$home/Maildir
sieve = $home/.dovecot.sieve
state_file = $home/.sievegate.state.db
policy_store = sqlite:$work/policy.db
sendmail_path = $work/sendmail
audit_log = $work/audit.db
hostname = mx.example.com
first_valid_uid = 0
lda_mailbox_autocreate = yes
EOC
"$bin" policy --config "$work/sievegate.conf" accepted-domain add example.com >/dev/null

# The two sides take turns, 100 messages each, so that both see the same
# machine (it is shared: a slow minute must not land on one side only).
ls "$work"/corpus/messages/*.eml | head -n "$n" >"$work/list"
mkdir "$work/chunks"
split -l 100 "$work/list" "$work/chunks/c"
chmod -R a+rX "$work/list" "$work/chunks" "$work/corpus"
ours_ns=0 theirs_ns=0
# deliver_chunk CHUNK: ours over one chunk; its wall time (ns) is added to ours_ns
deliver_chunk() {
    t0=$(date +%s%N)
    while read -r m; do
        "$bin" deliver --config "$work/sievegate.conf" -f sender@partner.example -a alice+lists@example.com -p "$m" </dev/null ||
            { echo "bench_deliver: sievegate deliver failed on $m" >&2; exit 1; }
    done <"$1"
    t1=$(date +%s%N)
    ours_ns=$((ours_ns + t1 - t0))
}

# dovecot-lda, when installed: as an unprivileged user (Dovecot refuses root)
lda=/usr/lib/dovecot/dovecot-lda
have_lda=""
if [ -x "$lda" ] && [ "$(id -u)" = 0 ] && { id sgtest >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin sgtest 2>/dev/null; }; then
    have_lda=yes
    dhome="$work/dhome"
    mkdir -p "$dhome"
    cp "$work/corpus/script.sieve" "$dhome/.dovecot.sieve"
    cat >"$work/dovecot.conf" <<EOC
protocols =
mail_location = maildir:$dhome/Maildir
# the same outgoing path as ours: nothing is really sent by either side
sendmail_path = $work/sendmail
lda_mailbox_autocreate = yes
protocol lda {
  mail_plugins = sieve
}
plugin {
  sieve = file:$dhome/sieve;active=$dhome/.dovecot.sieve
}
EOC
    chown -R sgtest "$dhome" && chmod 644 "$work/dovecot.conf"
    # One runuser per chunk, timed from inside it: runuser's own start is not
    # dovecot-lda's cost.
    cat >"$work/lda_chunk.sh" <<'EOS'
#!/bin/sh
# lda_chunk.sh LDA CONF CHUNK: prints the wall time (ns) of dovecot-lda over CHUNK
t0=$(date +%s%N)
while read -r m; do
    "$1" -c "$2" -f sender@partner.example -a alice+lists@example.com -p "$m" </dev/null ||
        { echo "bench_deliver: dovecot-lda failed on $m" >&2; exit 1; }
done <"$3"
t1=$(date +%s%N)
echo $((t1 - t0))
EOS
    chmod 755 "$work/lda_chunk.sh"
fi

for chunk in "$work"/chunks/c*; do
    deliver_chunk "$chunk"
    if [ -n "$have_lda" ]; then
        ns=$(HOME="$dhome" runuser -u sgtest -- "$work/lda_chunk.sh" "$lda" "$work/dovecot.conf" "$chunk")
        theirs_ns=$((theirs_ns + ns))
    fi
done

rate_ns() { echo "$1 $2" | awk '{ printf "%.0f", $1 / ($2 / 1e9) }'; }
ours=$(rate_ns "$n" "$ours_ns")
ours_kb=$(peak_kb "$bin" deliver --config "$work/sievegate.conf" -f sender@partner.example -a alice@example.com)
stored=$(find "$home/Maildir" -type f -path '*/new/*' | wc -l)
echo "sievegate deliver: $n messages in $(echo "$ours_ns" | awk '{printf "%.2f", $1 / 1e9}') s = $ours deliveries/s ($stored copies stored), peak RSS $ours_kb KiB   target < 4096 KiB: $([ "$ours_kb" -lt 4096 ] && echo PASS || echo FAIL)"
if [ -n "$have_lda" ]; then
    theirs=$(rate_ns "$n" "$theirs_ns")
    theirs_kb=$(HOME="$dhome" peak_kb runuser -u sgtest -- "$lda" -c "$work/dovecot.conf" -f sender@partner.example)
    echo "dovecot-lda:       $n messages in $(echo "$theirs_ns" | awk '{printf "%.2f", $1 / 1e9}') s = $theirs deliveries/s, peak RSS $theirs_kb KiB (runuser's own RSS included)"
    echo "ratio:             sievegate/dovecot-lda = $(echo "$ours $theirs" | awk '{printf "%.1f", $1 / $2}')x deliveries/s   target >= 5x: $(echo "$ours $theirs" | awk '{print ($1 >= 5 * $2) ? "PASS" : "FAIL"}')"
else
    echo "dovecot-lda: not installed (or not root): skipped"
fi
