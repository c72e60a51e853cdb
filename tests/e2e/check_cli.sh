#!/bin/sh
# End-to-end tests of the `sievegate check` command-line contract
# (docs/cli.md): options, exit codes, several files, stdin, config.
# usage: check_cli.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
conf="$tmp/empty.conf"
: >"$conf"
printf 'keep;\n' >"$tmp/good.sieve"
printf 'keep\n' >"$tmp/bad.sieve"

run "$bin"
expect_rc "no subcommand" 64
run "$bin" frobnicate
expect_rc "unknown subcommand" 64
expect_err "unknown subcommand message" "sievegate: unknown command 'frobnicate'
usage: sievegate COMMAND [OPTIONS] [ARGS]
commands:
  check     parse and validate Sieve scripts (lint)
  test      run a script on a message and print the plan (dry run)
  filter    run a script over stored mail (a Maildir folder or message files)
  deliver   local delivery agent, a drop-in for dovecot-lda (also sievegate-lda)
  policy    administer the organization's forwarding policy
  forward   administer mailbox forwarding (set by an admin, decided by the policy)
  config    print the effective configuration (--all: with the defaults)
  lmtp      an LMTP server (RFC 2033) for virtual users
  managesieve  a ManageSieve server (RFC 5804) for users' scripts
Run 'sievegate COMMAND --help' for a command's options."
run "$bin" check --config "$conf"
expect_rc "check without script" 64
run "$bin" check --config "$conf" --bogus "$tmp/good.sieve"
expect_rc "unknown option" 64
run "$bin" check --config "$conf" --format xml "$tmp/good.sieve"
expect_rc "unknown format" 64
expect_err "unknown format message" 'sievegate check: unknown format "xml" (expected text or json)'
run "$bin" check --config "$conf" -o nonsense "$tmp/good.sieve"
expect_rc "malformed -o" 64
run "$bin" check --help
expect_rc "help" 0

run "$bin" check --config "$conf" "$tmp/good.sieve"
expect_rc "valid script" 0
expect_out "valid script prints no diagnostics" ""
expect_err "valid script summary" "$tmp/good.sieve: valid"

run "$bin" check --config "$conf" "$tmp/missing.sieve"
expect_rc "missing file" 66
expect_err "missing file message" "sievegate check: cannot open $tmp/missing.sieve: No such file or directory"
run "$bin" check --config "$conf" "$tmp"
expect_rc "directory as script" 66

# A missing file does not stop the others from being checked; 66 wins over 1.
run "$bin" check --config "$conf" --format json "$tmp/bad.sieve" "$tmp/missing.sieve" "$tmp/good.sieve"
expect_rc "several files, one missing" 66
expect_out "several files give a JSON array" "[
{\"file\": \"$tmp/bad.sieve\", \"valid\": false, \"diagnostics\": [{\"severity\": \"error\", \"line\": 1, \"column\": 5, \"message\": \"expected ';' before end of script\", \"code\": \"syntax\"}]},
{\"file\": \"$tmp/missing.sieve\", \"valid\": false, \"diagnostics\": [{\"severity\": \"error\", \"line\": 0, \"column\": 0, \"message\": \"cannot open $tmp/missing.sieve: No such file or directory\", \"code\": \"cannot-open\"}]},
{\"file\": \"$tmp/good.sieve\", \"valid\": true, \"diagnostics\": []}
]"
run "$bin" check --config "$conf" "$tmp/good.sieve" "$tmp/bad.sieve"
expect_rc "one invalid of two" 1

# Standard input.
printf 'discard;\nkeep' | "$bin" check --config "$conf" - >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_rc "stdin" 1
expect_out "stdin is named <stdin>" "<stdin>:2:5: error: expected ';' before end of script
keep
    ^"

# Limits come from the configuration and -o, and the message names them.
printf 'if true { if true { if true { keep; } } }\n' >"$tmp/deep.sieve"
run "$bin" check --config "$conf" -o max_nesting=2 "$tmp/deep.sieve"
expect_rc "max_nesting" 1
expect_out "max_nesting message" "$tmp/deep.sieve:1:29: error: blocks are nested too deeply (more than limit max_nesting 2)
if true { if true { if true { keep; } } }
                            ^"
run "$bin" check --config "$conf" -o max_script_size=4 "$tmp/good.sieve"
expect_rc "max_script_size" 1
expect_out "max_script_size message" "$tmp/good.sieve:1:1: error: script is too large (6 bytes > limit max_script_size 4)
keep;
^"
printf 'max_nesting = 1\n' >"$tmp/nest.conf"
run "$bin" check --config "$tmp/nest.conf" "$tmp/deep.sieve"
expect_rc "limit from the config file" 1
run "$bin" check --config "$tmp/nest.conf" -o max_nesting=5 "$tmp/deep.sieve"
expect_rc "-o overrides the config file" 0

# Configuration errors: EX_CONFIG, naming the file and line.
run "$bin" check --config "$tmp/nonexistent.conf" "$tmp/good.sieve"
expect_rc "explicit missing config" 78
printf '# ok\nthis line is wrong\n' >"$tmp/broken.conf"
run "$bin" check --config "$tmp/broken.conf" "$tmp/good.sieve"
expect_rc "broken config" 78
expect_err "broken config message" "sievegate check: configuration error: $tmp/broken.conf:2: expected KEY = VALUE"
run "$bin" check --config "$conf" -o max_nesting=lots "$tmp/good.sieve"
expect_rc "bad limit value" 78

# -u USER: the forwarding policy's verdict on literal redirects (policy.md).
db="$tmp/policy.db"
"$bin" policy -o "policy_store=sqlite:$db" accepted-domain add example.com >/dev/null
printf 'require ["copy", "variables"];\nredirect "bob@example.com";\nredirect :copy "bob@gmail.example";\nset "t" "x@gmail.example";\nredirect "${t}";\n' >"$tmp/fwd.sieve"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u alice@example.com "$tmp/fwd.sieve"
expect_rc "check -u: warnings only" 0
expect_out "check -u warns at the blocked literal redirect only" "$tmp/fwd.sieve:3:16: warning: forwarding to bob@gmail.example will be blocked: external forwarding is off for you (policy \"default\")
redirect :copy \"bob@gmail.example\";
               ^"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u alice@example.com --format json "$tmp/fwd.sieve"
expect_out "check -u in JSON" "{\"file\": \"$tmp/fwd.sieve\", \"valid\": true, \"diagnostics\": [{\"severity\": \"warning\", \"line\": 3, \"column\": 16, \"message\": \"forwarding to bob@gmail.example will be blocked: external forwarding is off for you (policy \\\"default\\\")\", \"code\": \"policy-block\"}]}"
"$bin" policy -o "policy_store=sqlite:$db" add travel --mode on --priority 0 --users alice@example.com >/dev/null
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u alice@example.com "$tmp/fwd.sieve"
expect_out "a policy that allows alice removes the warning" ""
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u carol@example.com "$tmp/fwd.sieve"
expect_rc "carol is still under the default" 0
# notify :method "mailto:..." is forwarding to each recipient (policy.md), ?cc= included.
printf 'require "enotify";\nnotify "mailto:bob@example.com?cc=evil@gmail.example";\n' >"$tmp/notify.sieve"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u carol@example.com "$tmp/notify.sieve"
expect_rc "check -u notify: warnings only" 0
expect_out "check -u warns at a notify's blocked cc recipient only" "$tmp/notify.sieve:2:8: warning: forwarding to evil@gmail.example will be blocked: external forwarding is off for you (policy \"default\")
notify \"mailto:bob@example.com?cc=evil@gmail.example\";
       ^"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u alice@example.com "$tmp/notify.sieve"
expect_out "a policy that allows alice removes the notify warning" ""
# A display name, comments, folding white space: check -u decides on the
# address inside, as delivery does (it used to call "Bob <bob@gmail.example>"
# unforwardable while deliver forwarded it): allowed for alice, blocked for carol.
printf 'redirect "Bob <bob (home) @gmail.example>";\n' >"$tmp/name.sieve"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u alice@example.com "$tmp/name.sieve"
expect_rc "check -u: a display name, allowed" 0
expect_out "check -u: a display name, allowed: no warning" ""
run "$bin" check --config "$conf" -o "policy_store=sqlite:$db" -u carol@example.com "$tmp/name.sieve"
expect_rc "check -u: a display name, blocked" 0
expect_out "check -u: a display name, blocked: the address inside is named" "$tmp/name.sieve:1:10: warning: forwarding to bob@gmail.example will be blocked: external forwarding is off for you (policy \"default\")
redirect \"Bob <bob (home) @gmail.example>\";
         ^"
printf 'garbage' >"$tmp/corrupt.db"
run "$bin" check --config "$conf" -o "policy_store=sqlite:$tmp/corrupt.db" -u alice@example.com "$tmp/fwd.sieve"
expect_rc "check -u with an unreadable policy store" 75

finish
