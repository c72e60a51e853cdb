#!/bin/sh
# End to end with Exim 4.96 from Debian (docs/exim.md): a private Exim, its
# files unpacked from Debian's packages with dpkg -x (Exim and Postfix cannot
# both be the system MTA, and nothing is installed or removed on the host),
# run as root with its own configuration (-C): the documented router and
# transport deliver through `sievegate deliver` to local users' Maildirs;
# every other domain goes to a pipe sink that stores the message, so nothing
# leaves loopback. Mail comes in by SMTP (swaks).
# Asserts: delivery to INBOX; an external redirect blocked with the 5.7.520
# bounce delivered to the local sender; an allowed forward at the sink with
# the original envelope sender; a deferral on exit 75 (the policy store
# vanished) delivered once it is back; no "Tainted" error, nothing frozen.
#
# usage: exim.sh SIEVEGATE CACHE-DIR [PRELOAD]  (as root; exit 77 = skipped)
# PRELOAD: the fault shim (after the ASan runtime in ASan builds), for (i):
# deliveries killed with SIGKILL.
#   CACHE-DIR keeps the downloaded packages between runs.
# The daemon only queues (queue_only) and the test runs the queue as root:
# a re-executed Exim with -C drops root (TRUSTED_CONFIG_LIST is compiled in).
# By hand: ctest --test-dir build -R e2e_exim --output-on-failure
#     or:  tests/e2e/exim.sh build/sievegate build/exim-cache  (KEEP=1 keeps the temp dir)
# Needs root, apt-get (the packages exim4-daemon-light, exim4-base, libidn12
# are downloaded, not installed), swaks, python3 (a free port), flock. It
# creates the system user Debian-exim (as the package would) and local users
# sgex-*, and reuses them.
set -u
PATH=$PATH:/usr/sbin:/sbin
skip() { echo "SKIP: $*"; exit 77; }
[ $# = 2 ] || [ $# = 3 ] || { echo "usage: $0 SIEVEGATE CACHE-DIR [PRELOAD]" >&2; exit 2; }
preload=${3:-}
[ "$(id -u)" = 0 ] || skip "needs root (a private Exim and local users)"
command -v swaks >/dev/null || skip "swaks is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || skip "not Debian (apt-get, dpkg)"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2" && cache=$(cd "$2" && pwd)

exec 9>"${TMPDIR:-/tmp}/sievegate-e2e-exim.lock"
flock -w 100 9 || { echo "FAIL: another exim.sh holds the lock"; exit 1; }

# ---- Exim's files: Debian's packages, downloaded once, unpacked ----
root=$cache/root
if [ ! -x "$root/usr/sbin/exim4" ]; then
    (cd "$cache" && apt-get download exim4-daemon-light exim4-base libidn12 >/dev/null 2>&1) ||
        skip "cannot download exim4-daemon-light, exim4-base and libidn12 (apt-get download)"
    for deb in "$cache"/*.deb; do dpkg -x "$deb" "$root" || { echo "FAIL: dpkg -x $deb"; exit 1; }; done
fi
# Run by root only: not setuid, so that the loader honours LD_LIBRARY_PATH.
chmod 755 "$root/usr/sbin/exim4"
exim_bin=$root/usr/sbin/exim4
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
version=$("$exim_bin" -C /dev/null -bV 2>/dev/null | sed -n 's/^Exim version \([0-9.]*\) .*/\1/p')
# Exim looks its compiled-in user up before reading any configuration.
id Debian-exim >/dev/null 2>&1 || useradd -r -U -M -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim ||
    skip "cannot create the system user Debian-exim"
[ -n "$version" ] || version=$("$exim_bin" -C /dev/null -bV 2>/dev/null | sed -n 's/^Exim version \([0-9.]*\) .*/\1/p')
[ "$version" = 4.96 ] || skip "the unpacked Exim does not run (version: '$version')"

. "$(dirname "$0")/lib.sh"
chmod 755 "$tmp"
ex="$tmp/exim"
pid=
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- local users sgex-* (homes in $tmp) and the sink ----
. "$(dirname "$0")/mta_lib.sh"
mta_users sgex alice carol dave sink
mta_sink sgex-sink

# ---- sievegate: corp.example is ours; external forwarding off, dave may ----
port=$(free_port)
conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
policy_store = sqlite:$tmp/policy.db
submission_host = 127.0.0.1:$port
hostname = mx.corp.example
audit_log = syslog
EOC
chmod 644 "$conf"
P="$bin policy --config $conf"
$P init >/dev/null && $P accepted-domain add corp.example >/dev/null &&
    $P add travellers --mode on --priority 0 --users sgex-dave@corp.example >/dev/null ||
    { echo "FAIL: cannot create the policy store"; exit 1; }

# ---- Exim's configuration: docs/exim.md's router and transport, verbatim
# from the documentation (between its "exim-router" and "exim-transport"
# markers), in a minimal main section ----
doc=$(dirname "$0")/../../docs/exim.md
snippet() { # MARKER: the code block after <!-- MARKER --> in docs/exim.md
    awk -v m="<!-- $1 -->" '$0 == m { on = 1; next } on && /^```/ { if (++fence == 2) exit; next } on == 1 && fence == 1' "$doc"
}
# The documented command, through a wrapper that, for (i), puts the fault
# shim into the environment of one attempt (and otherwise is the command).
mkdir -p "$tmp/kill" && chmod 777 "$tmp/kill"
cat >"$tmp/killing-deliver" <<EOS
#!/bin/sh
if [ -f "$tmp/kill/at" ]; then
    read -r op match <"$tmp/kill/at"
    rm -f "$tmp/kill/at"
    LD_PRELOAD="$preload" SG_FAULT_OP=\$op SG_FAULT_MATCH=\$match SG_FAULT_SIGNAL=9 SG_FAULT_ID=\$\$ "$bin" deliver "\$@"
    exit \$?
fi
exec "$bin" deliver "\$@"
EOS
chmod 755 "$tmp/killing-deliver"
mkdir -p "$ex/spool" "$ex/log"
chown -R Debian-exim: "$ex"
printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$LD_LIBRARY_PATH" "$exim_bin" >"$ex/exim4"
chmod 755 "$ex/exim4"
cat >"$ex/exim.conf" <<EOF
primary_hostname = mx.corp.example
domainlist local_domains = corp.example
spool_directory = $ex/spool
log_file_path = $ex/log/%slog
daemon_smtp_ports = $port
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
never_users = root
# Exim re-executes itself (deliveries, queue runs) with a purged environment:
# a wrapper that gives this copy its libidn.
exim_path = $ex/exim4
keep_environment = ASAN_OPTIONS : UBSAN_OPTIONS
acl_smtp_rcpt = acl_check_rcpt
# Exim drops root when it re-executes itself with -C (a configuration not in
# its compiled-in TRUSTED_CONFIG_LIST): the daemon only queues, and the test
# runs the queue as root (exim -qff), which delivers without re-executing.
queue_only = true

begin acl
acl_check_rcpt:
  accept domains = +local_domains
  accept hosts = 127.0.0.1
  deny message = relay not permitted

begin routers
$(snippet exim-router | sed "s|/usr/bin/sievegate|$bin|")

external:
  driver = accept
  domains = ! +local_domains
  transport = sink

begin transports
$(snippet exim-transport | sed "s|/usr/bin/sievegate deliver|$tmp/killing-deliver -c $conf|")

sink:
  driver = pipe
  command = $tmp/sink.sh
  user = sgex-sink
  message_suffix =
  allow_commands = $tmp/sink.sh

begin retry
*   *   F,1h,1s
EOF
grep -q '^sievegate_delivery:' "$ex/exim.conf" && grep -q '^sievegate:' "$ex/exim.conf" ||
    { echo "FAIL: docs/exim.md lost its router or transport"; exit 1; }
E() { "$exim_bin" -C "$ex/exim.conf" "$@"; }
E -bV >/dev/null 2>"$tmp/bv" || { echo "FAIL: Exim refuses the configuration:"; cat "$tmp/bv"; exit 1; }
E -bd -oP "$ex/exim.pid" || { echo "FAIL: the Exim daemon did not start"; exit 1; }
i=0
while [ ! -s "$ex/exim.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(cat "$ex/exim.pid" 2>/dev/null)

# ---- helpers (and mta_lib.sh's) ----
queue_empty() { [ -z "$(E -bp 2>/dev/null)" ]; }
drain() { # NAME: queue runs (as root) until the queue is empty (within 20 s)
    i=0
    while E -qff && ! queue_empty && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
    if queue_empty; then ok; else
        fail "$1: the queue did not drain:"
        E -bp | head -n 10
        tail -n 10 "$ex/log/mainlog"
    fi
}
A="sgex-alice@corp.example"
C="sgex-carol@corp.example"
D="sgex-dave@corp.example"

# (a) Plain delivery to INBOX, the message unchanged (no newline added).
reset
script alice 'keep;'
smtp "(a) accepted" "$C" "$A" "Lunch"
drain "(a)"
expect_count "(a) INBOX" "$(home alice)/Maildir/new" 1
m=$(only "$(home alice)/Maildir/new")
expect_header "(a) the message" "$m" "Subject: Lunch"
expect_header "(a) Return-path" "$m" "Return-path: <$C>"
expect_header "(a) Envelope-to" "$m" "Envelope-to: $A"
if [ "$(tail -c 19 "$m" | od -An -c | tr -d ' \n')" = 'Bodyofmessage1.\n' ]; then ok; else
    fail "(a) the stored message does not end as sent: $(tail -c 30 "$m" | od -c | head -n 3)"
fi

# (c) An external redirect, policy off: kept, nothing leaves, the 5.7.520
# DSN (from <>) lands in the local sender's Maildir.
reset
script alice 'redirect "alice.private@gmail.example";'
smtp "(c) accepted" "$C" "$A" "Private matter"
drain "(c)"
expect_count "(c) kept in alice's INBOX" "$(home alice)/Maildir/new" 1
expect_count "(c) nothing reached the sink" "$tmp/sink" 0
expect_count "(c) one DSN in carol's INBOX" "$(home carol)/Maildir/new" 1
m=$(only "$(home carol)/Maildir/new")
expect_line "(c) DSN status" "$m" "Status: 5.7.520"
expect_header "(c) DSN subject" "$m" "Subject: Undeliverable: Private matter"
expect_header "(c) DSN from the null sender" "$m" "Return-path: <>"

# (f) An external redirect the policy allows (dave): at the sink once, with
# the original envelope sender, and no Sender: added.
reset
script dave 'redirect "dave@home.example";'
smtp "(f) accepted" "$C" "$D" "Itinerary"
drain "(f)"
expect_count "(f) not kept by dave" "$(home dave)/Maildir/new" 0
expect_count "(f) one message at the sink" "$tmp/sink" 1
m=$(only "$tmp/sink")
expect_header "(f) to the external address" "$m" "X-Sink-Recipient: <dave@home.example>"
expect_header "(f) envelope sender kept" "$m" "X-Sink-Sender: <$C>"
expect_header "(f) X-Sieve-Redirected-From" "$m" "X-Sieve-Redirected-From: $D"
expect_header "(f) the same message" "$m" "Subject: Itinerary"
if tr -d '\r' <"$m" | sed '/^$/q' | grep -q '^Sender:'; then fail "(f) a Sender: header was added"; else ok; fi

# (h) Exit 75 (the policy store vanished, policy_unavailable = tempfail):
# Exim defers, logs sievegate's reason, and delivers once the store is back.
reset
script alice 'redirect "alice.private@gmail.example";'
mv "$tmp/policy.db" "$tmp/policy.db.away"
mv "$tmp/policy.db.snapshot" "$tmp/policy.db.snapshot.away"
smtp "(h) accepted" "$C" "$A" "While the store is away"
E -qff
if grep -q "== $A .*returned 75" "$ex/log/mainlog"; then ok; else fail "(h) not deferred: $(tail -n 3 "$ex/log/mainlog")"; fi
if grep -q "<$A>: sievegate_delivery transport output: sievegate deliver: forwarding policy: policy store .* does not exist: forwards follow policy_unavailable = tempfail" "$ex/log/mainlog"; then ok; else
    fail "(h) the mainlog lacks sievegate's reason (log_defer_output): $(grep "$A" "$ex/log/mainlog" | tail -n 2)"
fi
expect_count "(h) nothing stored while deferred" "$(home alice)/Maildir/new" 0
if queue_empty; then fail "(h) not in the queue after the deferral"; else ok; fi
mv "$tmp/policy.db.away" "$tmp/policy.db"
mv "$tmp/policy.db.snapshot.away" "$tmp/policy.db.snapshot"
drain "(h) after the store is back"
expect_count "(h) kept once the store is back" "$(home alice)/Maildir/new" 1
expect_count "(h) and the DSN to carol" "$(home carol)/Maildir/new" 1

# (i) Deliveries killed by a signal: Exim's temp_errors covers exit codes
# only, and a death by signal would bounce; sievegate's supervising parent
# exits 75 instead, so Exim defers (with the reason in the mainlog), and the
# retry stores the message exactly once: killed while writing, before the
# rename into new/, and after it (at the directory's fsync).
if [ -n "$preload" ]; then
    kn=0
    for step in "write /tmp/" "rename /new/" "fsync /Maildir/new"; do
        kn=$((kn + 1))
        reset
        script alice 'keep;'
        echo "$step" >"$tmp/kill/at"
        chmod 644 "$tmp/kill/at"
        smtp "(i$kn) accepted" "$C" "$A" "Killed at $step"
        E -qff
        if grep "== $A" "$ex/log/mainlog" | tail -n 1 | grep -q 'returned 75'; then ok; else
            fail "(i$kn) killed at $step: not deferred: $(grep "$A" "$ex/log/mainlog" | tail -n 2)"
        fi
        if grep -q "<$A>: sievegate_delivery transport output: .*killed by signal 9" "$ex/log/mainlog"; then ok; else
            fail "(i$kn) killed at $step: the mainlog lacks the reason"
        fi
        if grep -q "\*\* $A" "$ex/log/mainlog"; then fail "(i$kn) killed at $step: bounced"; else ok; fi
        drain "(i$kn) after the retry"
        expect_count "(i$kn) killed at $step: exactly one copy after the retry" "$(home alice)/Maildir/new" 1
        expect_count "(i$kn) no bounce to carol" "$(home carol)/Maildir/new" 0
    done
else
    echo "note: no fault shim given: (i), deliveries killed by a signal, not run"
fi

# Nothing tainted, frozen or panicking.
if grep -E 'Tainted|frozen|panic' "$ex/log/mainlog" "$ex/log/paniclog" 2>/dev/null >"$tmp/bad"; then
    fail "Exim logged problems:"
    head -n 5 "$tmp/bad"
else
    ok
fi
finish
