#!/bin/bash
# End-to-end tests of the PostgreSQL policy store and audit log (issue 19,
# item 1) with a private PostgreSQL cluster (tests/e2e/pg_lib.sh):
#  A. `sievegate policy` on PostgreSQL answers exactly as on SQLite: every
#     command of a sequence, run on both, gives the same exit code, the same
#     stdout and the same stderr (the store's name aside); the schema is
#     checked (none: 75, "run sievegate policy migrate") and made by
#     `policy migrate`; a password in the URI is refused (78); the password
#     comes from postgresql_password_file (a wrong one: 75).
#  B. Two mail hosts (two configurations, hostname mx1 / mx2, each its own
#     homes and state) share the store and the audit table: a change made on
#     one is enforced by the other at its next delivery; both hosts' records
#     are in one report (by host); PostgreSQL stopped while mail flows:
#     tempfail (75, nothing delivered, nothing sent) or, under keep, the
#     message delivered and its audit record spooled; PostgreSQL back: the
#     spool is sent with the next record, none lost, none twice (a record
#     sent again is stored once). The mailboxes, the outgoing mail and the
#     audit table are checked exactly.
#  C. In a long-running process (tests/unit_policy/test_pg_store.c, given as
#     TEST_PG_STORE): a server restart under an open store, policy source and
#     audit; writers at once. A URI naming a host that is down, then one up.
# usage: policy_pg.sh SIEVEGATE [TEST_PG_STORE]   (skipped, 77, without PostgreSQL)
set -u
bin=$1
test_pg_store=${2:-}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
. "$(dirname "$0")/hosts_lib.sh"
pg_start

# ---- A. the same answers as SQLite -----------------------------------------------------------
lite="$tmp/lite.conf"
pgc="$tmp/pg.conf"
printf 'policy_store = sqlite:%s\n' "$tmp/p.db" >"$lite"
printf 'policy_store = %s\npostgresql_password_file = %s\n' "$pg_uri" "$pg_password_file" >"$pgc"

run "$bin" policy --config "$pgc" show
expect_rc "no schema yet" 75
expect_err "no schema yet message" "sievegate policy: policy store $pg_uri has no sievegate schema: run \`sievegate policy migrate\`"
run "$bin" policy --config "$pgc" accepted-domain add example.com
expect_rc "no schema: a write" 75
# Every command on both stores: exit code, stdout and stderr alike.
same_cmd=policy # or forward: the admin forwards live in the same store
same() { # ARGS...
    "$bin" $same_cmd --config "$lite" "$@" >"$tmp/l.out" 2>"$tmp/l.err"
    lrc=$?
    "$bin" $same_cmd --config "$pgc" "$@" >"$tmp/p.out" 2>"$tmp/p.err"
    prc=$?
    sed -i "s|sqlite:$tmp/p.db|STORE|g; s|$tmp/p.db|STORE|g" "$tmp/l.out" "$tmp/l.err"
    sed -i "s|$pg_uri|STORE|g" "$tmp/p.out" "$tmp/p.err"
    if [ "$lrc" = "$prc" ] && cmp -s "$tmp/l.out" "$tmp/p.out" && cmp -s "$tmp/l.err" "$tmp/p.err"; then
        ok
    else
        fail "$same_cmd $*: SQLite exit $lrc, PostgreSQL exit $prc"
        diff "$tmp/l.out" "$tmp/p.out" | head -10
        diff "$tmp/l.err" "$tmp/p.err" | head -10
    fi
}
same init
run "$bin" policy --config "$pgc" migrate
expect_rc "migrate" 0
expect_out "migrate after init" "policy store $pg_uri: schema version 2, up to date
audit database: none"
run "$bin" policy --config "$pgc" migrate --json
expect_out "migrate again" "{\"policy_store\": {\"name\": \"$pg_uri\", \"from\": 2, \"to\": 2}, \"audit_log\": null}"

same accepted-domain add example.com --match-subdomains
same accepted-domain add Bücher.example
same accepted-domain add corp.example
same accepted-domain add example.com
same accepted-domain remove corp.example
same accepted-domain remove nothing.example
same set-default --mode off
same group set travellers carol@example.com DAVE@example.com
same group set Sales erin@example.com
same add travellers-may-forward --mode on --priority 0 --groups travellers
same add Sales --mode off --priority 5 --domains sales.example.com --exclude-users boss@sales.example.com
same add sales --mode on --priority 5 --groups sales --json
same add other --mode on --priority 5
same add bad --mode on --priority 1 --groups nosuch
same add default --mode on --priority 9
same remote-domain set '*.partner.example' --auto-forward no --ndr no
same remote-domain set example.org --auto-reply no --internal yes
same remote-domain set zzz.example --auto-forward no
same remote-domain remove '*'
same remote-domain remove example.org
same remote-domain remove nothing.example
same org set automatic_means on
same org set max_forward_hops 7
same org set bounce_rate_period 3600 --json
same_cmd=forward
same set alice@example.com Friend@Gmail.example
same set alice@example.com friend@gmail.example --keep-copy --json
same set carol@example.com dave@example.com
same set carol@example.com CAROL@example.com
same remove carol@example.com
same remove carol@example.com
same list
same list --json
same_cmd=policy
same group remove travellers
same remove travellers-may-forward
same group remove travellers
same remove travellers-may-forward
same remove default
same show
same show --json
same explain carol@example.com friend@gmail.example --json
same explain erin@example.com x@a.partner.example
same explain dave@example.com bob@sub.example.com

# The configuration: a password in the URI is refused; the password file is read.
run "$bin" policy -o "policy_store=postgresql://sievegate:secret@127.0.0.1:$pg_port/sievegate" show
expect_rc "password in the URI" 78
expect_err "password in the URI message" "sievegate policy: configuration error: -o: policy_store: \"postgresql://sievegate:secret@127.0.0.1:$pg_port/sievegate\": a password in the URI is refused: put it in postgresql_password_file (or PGPASSWORD / PGPASSFILE in the environment)"
run "$bin" policy -o "policy_store=$pg_uri?sslmode=disable&password=secret" show
expect_rc "password= in the URI" 78
printf 'wrong\n' >"$tmp/wrong-password"
chmod 0640 "$tmp/wrong-password"
run "$bin" policy --config "$pgc" -o "postgresql_password_file=$tmp/wrong-password" show
expect_rc "wrong password" 75
expect_stderr_has() { if grep -qF -- "$2" "$tmp/err"; then ok; else fail "$1: no \"$2\" in: $(head -c 300 "$tmp/err")"; fi; }
expect_stderr_has "wrong password message" "cannot connect to policy store $pg_uri: "
chmod 0644 "$tmp/wrong-password"
run "$bin" policy --config "$pgc" -o "postgresql_password_file=$tmp/wrong-password" show
expect_rc "a password file every user can read" 75
expect_err "a password file every user can read message" "sievegate policy: postgresql_password_file $tmp/wrong-password is readable by every user: make it readable by the mail services only (e.g. chmod 0640, group mail)"
PGPASSWORD=pg-test-secret run "$bin" policy -o "policy_store=$pg_uri" show --json
expect_rc "the password from PGPASSWORD" 0

# ---- B. two hosts, one store, one audit table ------------------------------------------------
for h in mx1 mx2; do
    mail_host "$h"
    host_conf "$h" >"$tmp/$h.conf"
    printf 'redirect "friend@gmail.example";\n' >"$tmp/$h/home/alice/.dovecot.sieve"
done
run "$bin" policy --config "$tmp/mx1.conf" migrate
expect_out "migrate the audit table" "policy store $pg_uri: schema version 2, up to date
audit database $pg_audit_uri: schema created (version 1)"
"$bin" policy --config "$tmp/mx1.conf" remove sales >/dev/null
"$bin" policy --config "$tmp/mx1.conf" set-default --mode off >/dev/null
# Part A's forward of alice's mailbox served the CLI checks; here only her script forwards.
"$bin" forward --config "$tmp/mx1.conf" remove alice@example.com >/dev/null

n=0
deliver() { # HOST [ARGS...]: alice's message n+1 on HOST
    h=$1
    shift
    n=$((n + 1))
    printf 'Return-Path: <carol@sender.example>\r\nFrom: carol@sender.example\r\nTo: alice@example.com\r\nSubject: m%s\r\nMessage-ID: <m%s@sender.example>\r\n\r\nbody %s\r\n' \
        "$n" "$n" "$n" >"$tmp/msg.eml"
    HOME="$tmp/$h/home/alice" run "$bin" deliver --config "$tmp/$h.conf" -f carol@sender.example \
        -a alice@example.com -p "$tmp/msg.eml" "$@"
}
audit_rows() { pg_sql_audit "SELECT host, owner, target, mechanism, verdict, coalesce(policy, '-'), message_id FROM forwards ORDER BY host, message_id"; }

# 1. mx1: external forwarding off: blocked, kept, one bounce; audited from mx1.
deliver mx1
expect_rc "mx1 blocked" 0
expect_eq "mx1 blocked: kept" "$(inbox mx1)" 1
expect_eq "mx1 blocked: the bounce only" "$(sent mx1)" 1
if grep -q '^Status: 5.7.520' "$tmp/mx1/sent/0/data"; then ok; else fail "mx1 blocked: no 5.7.520 bounce"; fi
# 2. An admin on mx2 turns forwarding on for alice: mx1's next delivery obeys at once.
run "$bin" policy --config "$tmp/mx2.conf" add alice-may --mode on --priority 0 --users alice@example.com
expect_rc "admin on mx2" 0
deliver mx1
expect_rc "mx1 after mx2's change" 0
expect_eq "mx1 after mx2's change: forwarded, not kept" "$(inbox mx1)" 1
expect_eq "mx1 after mx2's change: sent" "$(sent mx1)" 2
if grep -qx 'friend@gmail.example' "$tmp/mx1/sent/1/argv"; then ok; else fail "mx1: the forward did not go to friend@gmail.example"; fi
deliver mx2
expect_rc "mx2 forwards" 0
expect_eq "mx2 forwards" "$(sent mx2)" 1
audit=$(audit_rows)
expect_eq "the audit of both hosts" "$audit" "mx1.example.com|alice@example.com|friend@gmail.example|redirect|block|default|<m1@sender.example>
mx1.example.com|alice@example.com|friend@gmail.example|redirect|allow|alice-may|<m2@sender.example>
mx2.example.com|alice@example.com|friend@gmail.example|redirect|allow|alice-may|<m3@sender.example>"
run "$bin" policy --config "$tmp/mx2.conf" report --json
expect_rc "one report" 0
hosts=$(python3 -c 'import json,sys; r=json.load(sys.stdin); print(";".join("%s=%d/%d/%d" % (h["host"], h["forwards"], h["allowed"], h["blocked"]) for h in r["hosts"]))' <"$tmp/out")
expect_eq "one report of both hosts" "$hosts" "mx1.example.com=2/1/1;mx2.example.com=1/1/0"

# 3. PostgreSQL stopped while mail flows. A deferred delivery records its
# decision (policy_unavailable) as every delivery does before anything else.
pg_stop
deliver mx1
expect_rc "store down: tempfail" 75
expect_eq "store down: nothing delivered" "$(inbox mx1)" 1
expect_eq "store down: nothing sent" "$(sent mx1)" 2
expect_eq "store down: tempfail's record waits" "$(ls "$tmp/mx1/spool" | grep -c '\.rec$')" 1
printf 'keep;\n' >"$tmp/mx2/home/alice/.dovecot.sieve"
deliver mx2
# Whether an admin forwards alice's mailbox cannot be known: tempfail waits for the store.
expect_rc "store down: a delivery that forwards nothing waits" 75
expect_eq "store down: a delivery that forwards nothing waits: nothing stored" "$(inbox mx2)" 0
n=$((n - 1)) # the MTA retries the same message, under policy_unavailable = keep
deliver mx2 -o policy_unavailable=keep
expect_rc "store down, keep: a delivery that forwards nothing" 0
expect_eq "store down, keep: a delivery that forwards nothing is stored" "$(inbox mx2)" 1
printf 'redirect "friend@gmail.example";\n' >"$tmp/mx2/home/alice/.dovecot.sieve"
deliver mx2 -o policy_unavailable=keep
expect_rc "store down, keep" 0
expect_eq "store down, keep: delivered" "$(inbox mx2)" 2
expect_eq "store down, keep: nothing sent" "$(sent mx2)" 1
expect_eq "store down, keep: the record waits in the spool" "$(ls "$tmp/mx2/spool" | grep -c '\.rec$')" 1
deliver mx1 -o policy_unavailable=block
expect_rc "store down, block" 0
expect_eq "store down, block: kept" "$(inbox mx1)" 2
expect_eq "store down, block: no second bounce to carol for alice within bounce_rate_period" "$(sent mx1)" 2
expect_eq "store down, block: its record waits" "$(ls "$tmp/mx1/spool" | grep -c '\.rec$')" 2
mkdir "$tmp/mx1-copy"
cp "$tmp/mx1/spool/"*.rec "$tmp/mx1-copy/"

# 4. PostgreSQL back: the spool goes with the next record; none lost, none twice.
pg_start
deliver mx2
expect_rc "store back: mx2" 0
expect_eq "store back: mx2's spool sent" "$(ls "$tmp/mx2/spool" | grep -c '\.rec$')" 0
run "$bin" policy --config "$tmp/mx1.conf" audit-flush
expect_rc "audit-flush" 0
expect_out "audit-flush" "audit records sent: 2, left in the spool: 0"
cp "$tmp/mx1-copy/"*.rec "$tmp/mx1/spool/"
run "$bin" policy --config "$tmp/mx1.conf" audit-flush
expect_out "records sent again" "audit records sent: 2, left in the spool: 0"
audit=$(audit_rows)
expect_eq "the audit after the outage: exact, each record once" "$audit" "mx1.example.com|alice@example.com|friend@gmail.example|redirect|block|default|<m1@sender.example>
mx1.example.com|alice@example.com|friend@gmail.example|redirect|allow|alice-may|<m2@sender.example>
mx1.example.com|alice@example.com|friend@gmail.example|redirect|policy_unavailable|policy_unavailable|<m4@sender.example>
mx1.example.com|alice@example.com|friend@gmail.example|redirect|policy_unavailable|policy_unavailable|<m7@sender.example>
mx2.example.com|alice@example.com|friend@gmail.example|redirect|allow|alice-may|<m3@sender.example>
mx2.example.com|alice@example.com|friend@gmail.example|redirect|policy_unavailable|policy_unavailable|<m6@sender.example>
mx2.example.com|alice@example.com|friend@gmail.example|redirect|allow|alice-may|<m8@sender.example>"
expect_eq "no record id twice" "$(pg_sql_audit 'SELECT count(*) - count(DISTINCT record_id) FROM forwards')" 0

# ---- C. failing over, restarting -----------------------------------------------------------
down=$(pg_free_port)
run "$bin" policy --config "$pgc" -o "policy_store=postgresql://sievegate@127.0.0.1:$down,127.0.0.1:$pg_port/sievegate" show --json
expect_rc "the first host down, the second up" 0
run "$bin" policy --config "$tmp/mx1.conf" -o "audit_log=syslog,postgresql://sievegate@127.0.0.1:$down,127.0.0.1:$pg_port/audit" report --host mx2.example.com --json
expect_rc "an audit URI with two hosts after syslog" 0
if [ -n "$test_pg_store" ]; then
    pg_restart_script "$tmp/restart.sh"
    SG_TEST_PG_URI=$pg_uri SG_TEST_PG_AUDIT_URI=$pg_audit_uri SG_TEST_PG_PASSWORD_FILE=$pg_password_file \
        SG_TEST_PG_RESTART=$tmp/restart.sh run "$test_pg_store"
    pg_restarted
    expect_rc "a long-running process across restarts (test_pg_store: $(grep -c OK "$tmp/out") OK)" 0
    if [ "$rc" != 0 ]; then cat "$tmp/out" "$tmp/err"; fi
fi
finish
