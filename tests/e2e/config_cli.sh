#!/bin/sh
# End to end: the strict configuration (docs/configuration.md) and the
# options every command shares (docs/cli.md).
# - an unknown key or a bad value, in the file or in -o, is one error naming
#   FILE:LINE (or -o) in every command: exit 78, except deliver, which defers
#   (75) before reading the message (Postfix bounces a mailbox_command's 78);
# - `sievegate config` prints the settings that differ from the defaults
#   (--all: every key) and which forwarding policy applies;
# - -c and --config, --format json and --json, --version on every name;
# - postmaster_address is the From of bounces; policy init and policy_store = none.
# usage: config_cli.sh SIEVEGATE
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
ex=$(cd "$(dirname "$0")/../../examples" && pwd)

printf '# a typo in a key\nhostname = mx.example.com\npolicy_unavailble = block\n' >"$tmp/typo.conf"
printf 'policy_unavailable = blok\n' >"$tmp/value.conf"
printf 'require "vacation";\nvacation "Away.";\n' >"$tmp/ok.sieve"
typo="configuration error: $tmp/typo.conf:3: unknown key 'policy_unavailble' (did you mean 'policy_unavailable'?)"
value="configuration error: $tmp/value.conf:1: policy_unavailable: \"blok\" is not one of tempfail, keep or block"

# Every command, with -c and with --config: the same error, before any work.
for opt in -c --config; do
    run "$bin" check $opt "$tmp/typo.conf" "$tmp/ok.sieve"
    expect_rc "check $opt: unknown key" 78
    expect_err "check $opt: unknown key message" "sievegate check: $typo"
    expect_out "check $opt: nothing checked" ""
    run "$bin" test $opt "$tmp/value.conf" "$tmp/ok.sieve" "$ex/messages/family.eml"
    expect_rc "test $opt: bad value" 78
    expect_err "test $opt: bad value message" "sievegate test: $value"
    run "$bin" filter $opt "$tmp/typo.conf" "$tmp/ok.sieve" "$ex/messages/family.eml"
    expect_rc "filter $opt: unknown key" 78
    expect_err "filter $opt: unknown key message" "sievegate filter: $typo"
    run "$bin" policy $opt "$tmp/typo.conf" show
    expect_rc "policy $opt: unknown key" 78
    expect_err "policy $opt: unknown key message" "sievegate policy: $typo"
    run "$bin" config $opt "$tmp/value.conf"
    expect_rc "config $opt: bad value" 78
    expect_err "config $opt: bad value message" "sievegate config: $value"
    mkdir -p "$tmp/home"
    HOME=$tmp/home run "$bin" deliver $opt "$tmp/typo.conf" -p "$ex/messages/family.eml"
    expect_rc "deliver $opt: unknown key defers" 75
    expect_err "deliver $opt: unknown key message" "sievegate deliver: $typo"
    if [ -e "$tmp/home/Maildir" ]; then fail "deliver $opt: a Maildir was created"; else ok; fi
done
run "$bin" check -o max_nesting=0 "$tmp/ok.sieve"
expect_rc "-o bad value" 78
expect_err "-o bad value message" 'sievegate check: configuration error: -o: max_nesting: "0" is out of the range 1..4294967295'
run "$bin" check -o sieve_befor=/x "$tmp/ok.sieve"
expect_err "-o unknown key message" "sievegate check: configuration error: -o: unknown key 'sieve_befor' (did you mean 'sieve_before'?)"
run "$bin" check -o sieve_before2=/x -o sieve_spamtest_text_value10=x -o postmaster_address=postmaster@example.com "$tmp/ok.sieve"
expect_rc "numbered keys and postmaster_address are keys" 0
run "$bin" check -o sieve_before1=/x "$tmp/ok.sieve"
expect_rc "sieve_before1 is not a key" 78
run "$bin" check -o "postmaster_address=a@b>" "$tmp/ok.sieve"
expect_err "postmaster_address must be an address" 'sievegate check: configuration error: -o: postmaster_address: "a@b>": expected an address local@domain'

# sievegate config: like postconf -n, then the policy case.
printf 'hostname = mx.example.com\nmax_redirects = 4\npolicy_store = none\nsieve_before2 = /etc/sieve/b2\n' >"$tmp/c.conf"
run "$bin" config -c "$tmp/c.conf"
expect_rc "config" 0
expect_out "config prints what differs from the defaults" "hostname = mx.example.com
policy_store = none
sieve_before2 = /etc/sieve/b2
# forwarding policy: policy_store = none: the built-in default policy (mode automatic: external forwarding off, blocked forwards bounce with 5.7.520)"
run "$bin" config -c "$tmp/c.conf" --format json
expect_out "config --format json" "{\"config_file\": \"$tmp/c.conf\", \"settings\": {\"hostname\": \"mx.example.com\", \"policy_store\": \"none\", \"sieve_before2\": \"/etc/sieve/b2\"}, \"policy\": {\"case\": \"none\", \"text\": \"policy_store = none: the built-in default policy (mode automatic: external forwarding off, blocked forwards bounce with 5.7.520)\"}}"
run "$bin" config -c "$tmp/c.conf" --json
expect_out "config --json is --format json" "$(cat "$tmp/out")"
run "$bin" config -c "$tmp/c.conf" -o policy_store="sqlite:$tmp/none/policy.db" -o policy_unavailable=keep
expect_out "config: a missing store is a fault" "hostname = mx.example.com
policy_store = sqlite:$tmp/none/policy.db
policy_unavailable = keep
sieve_before2 = /etc/sieve/b2
# forwarding policy: policy store sqlite:$tmp/none/policy.db does not exist: forwards follow policy_unavailable = keep (create it with \`sievegate policy init\`, or set policy_store = none)"
run "$bin" config --all -c /dev/null
expect_rc "config --all" 0
if grep -qx 'policy_unavailable = tempfail' "$tmp/out" && grep -qx 'max_redirects = 4' "$tmp/out" &&
    grep -qx 'postmaster_address =' "$tmp/out" && grep -qx 'mail_location = maildir:~/Maildir' "$tmp/out"; then ok; else
    fail "config --all lacks defaults: $(head -n 5 "$tmp/out")"
fi

# --version on every name, after every subcommand.
for cmd in "" check test filter deliver policy config; do
    run "$bin" $cmd --version
    expect_rc "sievegate $cmd --version" 0
    expect_out "sievegate $cmd --version output" "sievegate $("$bin" --version | cut -d' ' -f2)"
done
ln -s "$bin" "$tmp/sievegate-lda"
run "$tmp/sievegate-lda" --version
expect_rc "sievegate-lda --version" 0
expect_out "sievegate-lda --version output" "$("$bin" --version)"

# --format json and --json everywhere a command prints.
run "$bin" check --json -c /dev/null "$tmp/ok.sieve"
expect_out "check --json" "{\"file\": \"$tmp/ok.sieve\", \"valid\": true, \"diagnostics\": []}"
run "$bin" test --json -c /dev/null -o policy_store=none -a alice@example.com "$tmp/ok.sieve" "$ex/messages/family.eml"
expect_rc "test --json" 0
if head -c 17 "$tmp/out" | grep -q '^{"implicit_keep":'; then ok; else fail "test --json: $(head -c 80 "$tmp/out")"; fi
run "$bin" policy -c /dev/null -o policy_store=none --format json show
expect_rc "policy --format json" 0
if head -c 1 "$tmp/out" | grep -q '{'; then ok; else fail "policy --format json: $(head -c 80 "$tmp/out")"; fi
run "$bin" policy -c /dev/null -o policy_store=none --format yaml show
expect_rc "policy --format yaml" 64

# A fresh install: policy init creates the store (and its directory) holding
# the default; again, it leaves it alone; policy_store = none needs none.
P="$bin policy -c /dev/null -o policy_store=sqlite:$tmp/var/lib/sievegate/policy.db"
run $P init
expect_rc "policy init" 0
expect_out "policy init creates the store" "created policy store sqlite:$tmp/var/lib/sievegate/policy.db: default mode automatic (external forwarding off) (generation 1)"
run $P set-default --mode on
run $P init
expect_out "policy init leaves a store alone" "policy store sqlite:$tmp/var/lib/sievegate/policy.db exists: left as it is (default mode on, generation 2)"
run "$bin" policy -c /dev/null -o policy_store=none set-default --mode on
expect_rc "policy_store = none: nothing to change" 78

# policy_store = none: the built-in default decides; a blocked forward bounces
# (no deferral), and the bounce comes from postmaster_address.
printf 'redirect "friend@gmail.example";\n' >"$tmp/fwd.sieve"
run "$bin" test -c /dev/null -o policy_store=none -o postmaster_address=postmaster@example.com \
    --show-messages --now 2026-11-23T10:00:00Z --message-id '<b1@mx.example.com>' --boundary XyZ \
    -a alice@example.com "$tmp/fwd.sieve" "$ex/messages/family.eml"
expect_rc "policy_store = none: test" 0
if grep -qx 'bounce 5.7.520 to mum@family.example for friend@gmail.example' "$tmp/out"; then ok; else
    fail "policy_store = none: not blocked: $(head -c 300 "$tmp/out")"
fi
if tr -d '\r' <"$tmp/out" | grep -qx 'From: Mail Delivery System <postmaster@example.com>'; then ok; else
    fail "postmaster_address is not the bounce's From: $(grep -i '^from:' "$tmp/out")"
fi
run "$bin" check -c /dev/null -o policy_store=none -u alice@example.com "$tmp/fwd.sieve"
expect_rc "check -u with policy_store = none" 0
if grep -qx "sievegate check: forwarding policy: policy_store = none: the built-in default policy (mode automatic: external forwarding off, blocked forwards bounce with 5.7.520)" "$tmp/err"; then ok; else
    fail "check -u does not say which policy: $(cat "$tmp/err")"
fi

# max_forward_hops, a key cli.md names, overrides the store's org setting.
printf 'From: <a@b.example>\nTo: <alice@example.com>\nX-Sieve-Redirected-From: zed@example.com\nSubject: t\n\nx\n' >"$tmp/hop.eml"
run "$bin" test -c /dev/null -o policy_store=none -o max_forward_hops=1 -a alice@example.com "$tmp/fwd.sieve" "$tmp/hop.eml"
expect_out "max_forward_hops from the configuration" "redirect to friend@gmail.example (external): not sent, the message was already forwarded 1 times (max_forward_hops = 1)
keep in INBOX (implicit keep)"

finish
