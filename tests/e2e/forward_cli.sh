#!/bin/sh
# End-to-end tests of `sievegate forward` (docs/cli.md): set, remove and
# list in text and JSON, exact output and exit codes (64 usage, 65 refused,
# 66 not found, 75 unavailable), every write bumping the store's generation,
# and a refused write changing nothing.
# usage: forward_cli.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"

db="$tmp/p.db"
conf="$tmp/p.conf"
printf 'policy_store = sqlite:%s\n' "$db" >"$conf"
F="$bin forward --config $conf"

run $F
expect_rc "no subcommand" 64
run $F frobnicate
expect_rc "unknown subcommand" 64
expect_eq "unknown subcommand message" "$(head -n 1 "$tmp/err")" "sievegate forward: unknown subcommand 'frobnicate'"
run $F set alice@example.com
expect_rc "set: one argument" 64
expect_eq "set: one argument message" "$(head -n 1 "$tmp/err")" "sievegate forward: set: missing USER and ADDRESS"
run $F remove
expect_rc "remove: no argument" 64
run $F set alice@example.com bob@example.org --bogus
expect_rc "unknown option" 64
run $F --help
expect_rc "help" 0
expect_eq "help first line" "$(head -n 1 "$tmp/out")" \
    "usage: sievegate forward [--config FILE] [-o KEY=VALUE] [--format text|json] SUBCOMMAND [ARGS]"

run $F list
expect_rc "list before any store" 0
expect_out "list before any store output" ""
run $F list --json
expect_out "list --json before any store" '{"generation": 0, "forwards": []}'

run $F set Alice@EXAMPLE.com Friend@Gmail.EXAMPLE
expect_rc "set" 0
expect_out "set output" "added forward alice@example.com: to friend@gmail.example, keep copy no (generation 1)"
run $F set alice@example.com friend@gmail.example --keep-copy --json
expect_rc "replace" 0
expect_out "replace output" '{"generation": 2, "action": "replaced", "forward": {"user": "alice@example.com", "address": "friend@gmail.example", "keep_copy": true}}'
run $F --json set carol@example.com dave@example.com
expect_out "set (--json before the subcommand)" '{"generation": 3, "action": "added", "forward": {"user": "carol@example.com", "address": "dave@example.com", "keep_copy": false}}'

run $F set carol@example.com CAROL@example.com
expect_rc "to itself" 65
expect_err "to itself message" "sievegate forward: carol@example.com cannot be forwarded to itself"
run $F set carol@example.com nobody
expect_rc "malformed address" 65
run $F set 'carol@exa mple.com' dave@example.com
expect_rc "malformed user" 65
run $F remove erin@example.com
expect_rc "remove what is not set" 66
expect_err "remove what is not set message" "sievegate forward: no forward for \"erin@example.com\""

run $F list
expect_rc "list" 0
expect_out "list output (refused writes changed nothing)" "alice@example.com: to friend@gmail.example, keep copy yes
carol@example.com: to dave@example.com, keep copy no"
run $F list --format json
expect_out "list --format json" '{"generation": 3, "forwards": [{"user": "alice@example.com", "address": "friend@gmail.example", "keep_copy": true}, {"user": "carol@example.com", "address": "dave@example.com", "keep_copy": false}]}'

run $F remove Carol@Example.COM
expect_rc "remove" 0
expect_out "remove output" "removed forward carol@example.com (generation 4)"
run $F remove alice@example.com --json
expect_out "remove --json" '{"generation": 5, "action": "removed", "forward": {"user": "alice@example.com", "address": "friend@gmail.example", "keep_copy": true}}'
run $F list --json
expect_out "list after removes" '{"generation": 5, "forwards": []}'
run $bin policy --config "$conf" show --json
expect_rc "the policy store reads as before" 0

# A store of schema version 1 (before admin forwards): readers are told what
# to do; `policy init` (which the package runs on upgrade) upgrades it.
$F set alice@example.com bob@example.org >/dev/null
python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TABLE admin_forwards; UPDATE meta SET value = 1 WHERE key = 'schema_version';"
                 "PRAGMA user_version = 1;")
db.close()
PY
run $F list
expect_rc "version 1 store: a read" 75
expect_err "version 1 store: a read message" "sievegate forward: policy store $db has schema version 1; run a \`sievegate policy\` write as its owner to upgrade it"
run $bin policy --config "$conf" init
expect_rc "init upgrades a version 1 store" 0
expect_out "init upgrades a version 1 store: output" "policy store sqlite:$db exists: left as it is (default mode automatic, generation 6)"
run $F list --json
expect_out "version 1 store upgraded" '{"generation": 6, "forwards": []}'

# The store unreadable: 75, as every policy command.
printf 'garbage, not a database\n' >"$tmp/bad.db"
run $bin forward --config "$conf" -o "policy_store=sqlite:$tmp/bad.db" list
expect_rc "unreadable store" 75
run $bin forward --config "$conf" -o "policy_store=sqlite:$tmp/bad.db" set a@example.com b@example.org
expect_rc "unreadable store: a write" 75
finish
