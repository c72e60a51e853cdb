#!/bin/sh
# bench_large.sh - one large message (50 MB by default) delivered by
# `sievegate deliver` and by `dovecot-lda` (Pigeonhole), side by side: wall
# time and peak RSS, the message given on a pipe (as an MTA gives it) and as
# a file (-p), with a header-only script and with a body test. Targets (the
# large-message issue): with the header-only script, peak RSS <= 8 MB and
# time not above Pigeonhole's; with a body test, bounded (the body is read
# through the mapping, never copied into memory).
# usage: bench_large.sh SIEVEGATE BENCH_TIMEIT   (environment: LARGE_MB, RUNS)
set -eu
bin=$1
timeit=$2
mb=${LARGE_MB:-50}
runs=${RUNS:-5}
work=$(mktemp -d /tmp/sievegate-bench-large.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# The message: a small header, then MB megabytes of 76-column text lines.
msg="$work/large.eml"
{
    printf 'Return-Path: <sender@partner.example>\nFrom: Sender <sender@partner.example>\n'
    printf 'To: alice@example.com\nSubject: the quarterly figures\nMessage-ID: <large-1@partner.example>\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
    yes 'The quick brown fox jumps over the lazy dog, and then it jumps back again. 0123' |
        head -c $((mb * 1024 * 1024))
    printf 'the end\n'
} >"$msg"
chmod 644 "$msg"
header_script='require "fileinto";
if header :contains "subject" "figures" { fileinto "Reports"; }'
body_script='require ["fileinto", "body"];
if body :contains "the end" { fileinto "Ends"; }'

cat >"$work/sendmail" <<'EOS'
#!/bin/sh
exec cat >/dev/null
EOS
chmod 755 "$work/sendmail"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure LABEL COMMAND...: RUNS runs; prints "LABEL: median wall ms, max RSS KiB"
measure() {
    label=$1
    shift
    : >"$work/times"
    : >"$work/rss"
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$timeit" "$work/one" "$@" || { echo "bench_large: $label failed: $(cat "$work/one.err" 2>/dev/null)" >&2; exit 1; }
        read -r wall_us rss_kib user sys <"$work/one"
        echo "$wall_us" >>"$work/times"
        echo "$rss_kib" >>"$work/rss"
        rm -rf "$work/home/Maildir" "$work/dhome/Maildir"
        i=$((i + 1))
    done
    wall=$(median <"$work/times")
    rss=$(sort -n "$work/rss" | tail -1)
    printf '  %-44s %8.1f ms  peak RSS %7d KiB\n' "$label" "$(echo "$wall" | awk '{ print $1 / 1000 }')" "$rss"
    echo "$wall $rss" >"$work/last"
}

# sievegate
mkdir -p "$work/home"
cat >"$work/sievegate.conf" <<EOC
mail_location = maildir:$work/home/Maildir
sieve = $work/home/.dovecot.sieve
policy_store = none
sendmail_path = $work/sendmail
hostname = mx.example.com
first_valid_uid = 0
lda_mailbox_autocreate = yes
EOC
sg() { # script form: runs one delivery of the message
    cat >"$work/sg.sh" <<EOS
#!/bin/sh
$2 "$bin" deliver --config "$work/sievegate.conf" -f sender@partner.example -a alice@example.com $1
EOS
    chmod 755 "$work/sg.sh"
}

# dovecot-lda, when installed: as an unprivileged user (Dovecot refuses root)
lda=/usr/lib/dovecot/dovecot-lda
have_lda=""
if [ -x "$lda" ] && [ "$(id -u)" = 0 ] && { id sgtest >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin sgtest 2>/dev/null; }; then
    have_lda=yes
    mkdir -p "$work/dhome"
    cat >"$work/dovecot.conf" <<EOC
protocols =
mail_location = maildir:$work/dhome/Maildir
sendmail_path = $work/sendmail
lda_mailbox_autocreate = yes
protocol lda {
  mail_plugins = sieve
}
plugin {
  sieve = file:$work/dhome/sieve;active=$work/dhome/.dovecot.sieve
}
EOC
    chown -R sgtest "$work/dhome" && chmod 644 "$work/dovecot.conf"
fi
lda_run() { # FORM: a runuser'd dovecot-lda on the message
    cat >"$work/lda.sh" <<EOS
#!/bin/sh
$2 runuser -u sgtest -- env HOME="$work/dhome" "$lda" -c "$work/dovecot.conf" -f sender@partner.example -a alice@example.com $1
EOS
    chmod 755 "$work/lda.sh"
}

echo "bench_large: one ${mb} MB message, $runs runs each, median wall time and the largest peak RSS"
for kind in header body; do
    if [ "$kind" = header ]; then script=$header_script; else script=$body_script; fi
    printf '%s\n' "$script" >"$work/home/.dovecot.sieve"
    [ -n "$have_lda" ] && printf '%s\n' "$script" >"$work/dhome/.dovecot.sieve" && chown sgtest "$work/dhome/.dovecot.sieve"
    echo "($kind script)"
    for form in pipe file; do
        if [ "$form" = pipe ]; then sg "" "cat \"$msg\" |"; else sg "-p \"$msg\"" ""; fi
        measure "sievegate deliver, message on a $form" "$work/sg.sh"
        read -r ours_us ours_kib <"$work/last"
        if [ -n "$have_lda" ]; then
            if [ "$form" = pipe ]; then lda_run "" "cat \"$msg\" |"; else lda_run "-p \"$msg\"" ""; fi
            measure "dovecot-lda, message on a $form (with runuser)" "$work/lda.sh"
            read -r theirs_us theirs_kib <"$work/last"
            echo "    ratio ours/theirs: time $(echo "$ours_us $theirs_us" | awk '{ printf "%.2f", $1 / $2 }'), RSS $(echo "$ours_kib $theirs_kib" | awk '{ printf "%.2f", $1 / $2 }')"
        fi
        [ "$kind" = header ] && echo "    target: peak RSS <= 8192 KiB: $([ "$ours_kib" -le 8192 ] && echo PASS || echo FAIL)"
    done
done
