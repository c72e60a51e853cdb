# server_bench_lib.sh - sourced by the servers' benchmarks (bench_lmtp.sh,
# bench_managesieve.sh), side by side with a private Dovecot: as root, a
# work directory ($work, kept with KEEP=1) removed at exit with the servers
# stopped (sievegate by $sg_pid, Dovecot by its $work/dovecot.conf), the mail
# user sgbench both run as, and bench_interp's corpus in $work/corpus.
# usage: NAME=... . server_bench_lib.sh   (needs $interp set; NAME names $work)
[ "$(id -u)" = 0 ] || { echo "bench_$NAME: run as root (both servers drop to a mail user)" >&2; exit 77; }
work=$(mktemp -d "/tmp/sievegate-bench-$NAME.XXXXXX")
chmod 755 "$work"
sg_pid=
cleanup() {
    [ -z "$sg_pid" ] || { kill -TERM "$sg_pid" 2>/dev/null; wait "$sg_pid" 2>/dev/null; }
    [ ! -f "$work/dovecot.conf" ] || dovecot -c "$work/dovecot.conf" stop 2>/dev/null || true
    [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
id sgbench >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin -d /nonexistent sgbench
"$interp" --write "$work/corpus" >/dev/null
