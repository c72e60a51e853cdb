#!/bin/sh
# End-to-end tests of `sievegate policy` (docs/cli.md): every
# subcommand in text and JSON, exact output and exit codes, every error
# (64 usage, 65 refused, 66 not found, 73 cannot create, 75 unavailable or
# locked, 78 configuration), and that a refused write changes nothing.
# usage: policy_cli.sh SIEVEGATE POLICY_FIXTURE
#   POLICY_FIXTURE (tests/unit_policy/policy_fixture.c) appends audit records
#   as delivery would and holds a store's write lock.
set -u
bin=$1
fixture=${2:-}
. "$(dirname "$0")/lib.sh"

db="$tmp/p.db"
conf="$tmp/p.conf"
printf 'policy_store = sqlite:%s\naudit_log = syslog,%s\naudit_spool_dir = %s\n' "$db" "$tmp/audit.db" "$tmp/audit-spool" >"$conf"
P="$bin policy --config $conf"

# The first line of stderr (usage errors print the usage after it).
expect_err1() { # NAME EXPECTED-LINE
    if [ "$(head -n 1 "$tmp/err")" = "$2" ]; then ok; else fail "$1: stderr starts with: $(head -n 1 "$tmp/err")"; fi
}
# Refused and failed writes change nothing: `show --json` is what it was.
snapshot() { $P show --json >"$tmp/snap" 2>&1; }
expect_unchanged() { # NAME
    $P show --json >"$tmp/snap2" 2>&1
    if cmp -s "$tmp/snap" "$tmp/snap2"; then ok; else fail "$1: the store changed"; diff "$tmp/snap" "$tmp/snap2" | head; fi
}

# ---- usage ---------------------------------------------------------------
run $P
expect_rc "no subcommand" 64
expect_err1 "no subcommand message" "sievegate policy: missing SUBCOMMAND"
run $P frobnicate
expect_rc "unknown subcommand" 64
expect_err1 "unknown subcommand message" "sievegate policy: unknown subcommand 'frobnicate'"
run $P --bogus show
expect_rc "unknown common option" 64
expect_err1 "unknown common option message" "sievegate policy: unknown option --bogus"
run $P show --bogus
expect_rc "unknown subcommand option" 64
run $P show extra
expect_rc "show with an argument" 64
expect_err1 "show with an argument message" 'sievegate policy: show: unexpected argument "extra"'
run $bin policy --help
expect_rc "help" 0
run $P add --help
expect_rc "subcommand help" 0
if grep -q '^usage: sievegate policy ' "$tmp/out"; then ok; else fail "help prints the usage on stdout"; fi

# ---- show on a store that does not exist yet: the built-in default ---------
default_text='generation 0
accepted domains: none
outbound policies:
  default: mode automatic (off), everyone
remote domains:
  *: auto-forward yes, auto-reply yes, ndr yes, internal no
groups: none
org settings:
  automatic_means off
  bounce_internal_senders yes
  bounce_rate_period 86400
  max_forward_hops 3'
default_json='{"generation": 0, "accepted_domains": [], "policies": [{"name": "default", "default": true, "enabled": true, "priority": null, "mode": "automatic", "effective_mode": "off", "users": [], "groups": [], "domains": [], "exclude_users": [], "exclude_groups": [], "exclude_domains": []}], "remote_domains": [{"pattern": "*", "auto_forward": true, "auto_reply": true, "ndr": true, "is_internal": false}], "groups": [], "org": {"automatic_means": "off", "bounce_internal_senders": true, "bounce_rate_period": 86400, "max_forward_hops": 3}}'
run $P show
expect_rc "show default" 0
expect_out "show default text" "$default_text"
run $P show --json
expect_rc "show default json" 0
expect_out "show default json" "$default_json"
run $P --json show
expect_out "--json before the subcommand" "$default_json"
if [ ! -e "$db" ]; then ok; else fail "show created the store"; fi

# ---- set-default ------------------------------------------------------------
run $P set-default
expect_rc "set-default without --mode" 64
expect_err1 "set-default without --mode message" "sievegate policy: set-default needs --mode automatic|on|off"
run $P set-default --mode sometimes
expect_rc "unknown mode" 64
expect_err1 "unknown mode message" 'sievegate policy: unknown mode "sometimes" (expected automatic, on or off)'
if [ ! -e "$db" ]; then ok; else fail "a usage error created the store"; fi
run $P set-default --mode on
expect_rc "set-default" 0
expect_out "set-default text" "updated policy default: mode automatic -> on (generation 1)"
run $P set-default --mode off --json
expect_rc "set-default json" 0
expect_out "set-default json" '{"generation": 2, "action": "updated", "policy": {"name": "default", "default": true, "enabled": true, "priority": null, "mode": "off", "effective_mode": "off", "users": [], "groups": [], "domains": [], "exclude_users": [], "exclude_groups": [], "exclude_domains": []}}'

# ---- group (extension) --------------------------------------------------------
run $P group set Sales Carol@Example.COM dave@example.com
expect_rc "group set" 0
expect_out "group set text" "added group sales: carol@example.com dave@example.com (generation 3)"
run $P group set sales carol@example.com --json
expect_rc "group replace json" 0
expect_out "group replace json" '{"generation": 4, "action": "replaced", "group": {"name": "sales", "members": ["carol@example.com"]}}'
run $P group set sales
expect_rc "group set without members" 64
expect_err1 "group set without members message" "sievegate policy: group: missing MEMBER"
run $P group set sales not-an-address
expect_rc "group set bad member" 65
expect_err "group set bad member message" 'sievegate policy: invalid address "not-an-address" (expected local@domain)'

# ---- add ----------------------------------------------------------------------
run $P add fwd --mode on --priority 1 --users Alice@Example.COM,bob@example.com --domains Example.COM --exclude-users boss@example.com
expect_rc "add" 0
expect_out "add text" "added policy fwd: priority 1, mode on, users alice@example.com bob@example.com, domains example.com, exclude-users boss@example.com (generation 5)"
run $P add legacy --json --mode automatic --priority 0 --groups sales --exclude-domains partner.example --disabled
expect_rc "add json" 0
expect_out "add json" '{"generation": 6, "action": "added", "policy": {"name": "legacy", "default": false, "enabled": false, "priority": 0, "mode": "automatic", "effective_mode": "off", "users": [], "groups": ["sales"], "domains": [], "exclude_users": [], "exclude_groups": [], "exclude_domains": ["partner.example"]}}'
run $P add legacy --mode off --priority 0 --exclude-groups sales
expect_rc "add replaces" 0
expect_out "add replaces text" "replaced policy legacy: priority 0, mode off, everyone, exclude-groups sales (generation 7)"
run $P add x --mode on
expect_rc "add without --priority" 64
expect_err1 "add without --priority message" "sievegate policy: add needs --priority N"
run $P add x --priority 3
expect_rc "add without --mode" 64
expect_err1 "add without --mode message" "sievegate policy: add needs --mode automatic|on|off"
run $P add --mode on --priority 3
expect_rc "add without a name" 64
expect_err1 "add without a name message" "sievegate policy: add: missing policy NAME"
run $P add x --mode maybe --priority 3
expect_rc "add unknown mode" 64
run $P add x --mode on --priority first
expect_rc "add bad priority" 64
expect_err1 "add bad priority message" 'sievegate policy: --priority: expected a number, not "first"'
snapshot
run $P add x --mode on --priority 1
expect_rc "duplicate priority" 65
expect_err "duplicate priority message" 'sievegate policy: priority 1 is already held by policy "fwd"'
run $P add x --mode on --priority -2
expect_rc "negative priority" 65
expect_err "negative priority message" "sievegate policy: invalid priority -2 (0 is the highest; it must be 0 or more)"
run $P add default --mode on --priority 9
expect_rc "add default" 65
expect_err "add default message" "sievegate policy: the default policy cannot be replaced or renamed; change its mode with set-default"
run $P add x --mode on --priority 9 --domains bad_domain.example
expect_rc "add invalid domain" 65
expect_err "add invalid domain message" 'sievegate policy: invalid domain "bad_domain.example": it holds a character other than letters, digits, hyphens and dots'
run $P add x --mode on --priority 9 --groups nobody
expect_rc "add unknown group" 65
expect_err "add unknown group message" 'sievegate policy: group "nobody" does not exist'
run $P add 'a b' --mode on --priority 9
expect_rc "add bad name" 65
expect_unchanged "refused adds"

# ---- remove ---------------------------------------------------------------------
run $P remove nothing
expect_rc "remove missing policy" 66
expect_err "remove missing policy message" 'sievegate policy: no policy "nothing"'
run $P remove default
expect_rc "remove default" 65
expect_err "remove default message" "sievegate policy: the default policy cannot be removed"
run $P group remove sales
expect_rc "remove a group in use" 65
expect_err "remove a group in use message" 'sievegate policy: group "sales" is used by policy "legacy"; change that policy first'
expect_unchanged "refused removes"
run $P remove legacy
expect_rc "remove" 0
expect_out "remove text" "removed policy legacy (generation 8)"

# ---- accepted-domain ---------------------------------------------------------------
run $P accepted-domain add Example.COM
expect_rc "accepted-domain add" 0
expect_out "accepted-domain add text" "added accepted domain example.com (generation 9)"
run $P accepted-domain add corp.example --match-subdomains --json
expect_rc "accepted-domain add json" 0
expect_out "accepted-domain add json" '{"generation": 10, "action": "added", "accepted_domain": {"name": "corp.example", "match_subdomains": true}}'
run $P accepted-domain add corp.example
expect_rc "accepted-domain update" 0
expect_out "accepted-domain update text" "updated accepted domain corp.example (generation 11)"
run $P accepted-domain add bücher.example
expect_out "accepted-domain IDNA" "added accepted domain xn--bcher-kva.example (generation 12)"
run $P accepted-domain remove BÜCHER.example --json
expect_rc "accepted-domain remove json" 0
expect_out "accepted-domain remove json" '{"generation": 13, "action": "removed", "accepted_domain": {"name": "xn--bcher-kva.example", "match_subdomains": false}}'
snapshot
run $P accepted-domain add a..example
expect_rc "accepted-domain invalid" 65
expect_err "accepted-domain invalid message" 'sievegate policy: invalid domain "a..example": it has an empty label'
run $P accepted-domain remove nowhere.example
expect_rc "accepted-domain remove missing" 66
expect_err "accepted-domain remove missing message" 'sievegate policy: no accepted domain "nowhere.example"'
run $P accepted-domain list example.com
expect_rc "accepted-domain unknown action" 64
run $P accepted-domain remove example.com --match-subdomains
expect_rc "accepted-domain remove with a flag" 64
expect_unchanged "refused accepted-domain changes"

# ---- remote-domain -------------------------------------------------------------------
run $P remote-domain set '*.Gmail.com' --auto-forward no
expect_rc "remote-domain set" 0
expect_out "remote-domain set text" "added remote domain *.gmail.com: auto-forward no, auto-reply yes, ndr yes, internal no (generation 14)"
run $P remote-domain set partner.example --auto-forward yes --auto-reply no --ndr no --internal yes --json
expect_rc "remote-domain set json" 0
expect_out "remote-domain set json" '{"generation": 15, "action": "added", "remote_domain": {"pattern": "partner.example", "auto_forward": true, "auto_reply": false, "ndr": false, "is_internal": true}}'
run $P remote-domain set partner.example --auto-forward no
expect_out "remote-domain update keeps the other flags" "updated remote domain partner.example: auto-forward no, auto-reply no, ndr no, internal yes (generation 16)"
run $P remote-domain set '*' --auto-forward yes --ndr no
expect_out "remote-domain set *" "updated remote domain *: auto-forward yes, auto-reply yes, ndr no, internal no (generation 17)"
run $P remote-domain remove partner.example
expect_rc "remote-domain remove" 0
expect_out "remote-domain remove text" "removed remote domain partner.example (generation 18)"
snapshot
run $P remote-domain set 'a.*.example' --auto-forward no
expect_rc "remote-domain bad pattern" 65
expect_err "remote-domain bad pattern message" 'sievegate policy: invalid remote-domain pattern "a.*.example" (expected *, example.org or *.example.org)'
run $P remote-domain set '*example.org' --auto-forward no
expect_rc "remote-domain bad wildcard" 65
run $P remote-domain remove '*'
expect_rc "remote-domain remove *" 65
expect_err "remote-domain remove * message" 'sievegate policy: the "*" remote domain always exists; change its flags with remote-domain set'
run $P remote-domain remove '*.yahoo.com'
expect_rc "remote-domain remove missing" 66
expect_err "remote-domain remove missing message" 'sievegate policy: no remote domain "*.yahoo.com"'
run $P remote-domain set x.example
expect_rc "remote-domain set without --auto-forward" 64
expect_err1 "remote-domain set without --auto-forward message" "sievegate policy: remote-domain set needs --auto-forward yes|no"
run $P remote-domain set x.example --auto-forward perhaps
expect_rc "remote-domain bad yes/no" 64
expect_err1 "remote-domain bad yes/no message" 'sievegate policy: --auto-forward: expected yes or no, not "perhaps"'
expect_unchanged "refused remote-domain changes"

# ---- org (extension) -----------------------------------------------------------------
run $P org set max_forward_hops 5
expect_rc "org set" 0
expect_out "org set text" "updated org setting max_forward_hops: 3 -> 5 (generation 19)"
run $P org set bounce_internal_senders no --json
expect_rc "org set json" 0
expect_out "org set json" '{"generation": 20, "action": "updated", "org": {"automatic_means": "off", "bounce_internal_senders": false, "bounce_rate_period": 86400, "max_forward_hops": 5}}'
snapshot
run $P org set max_forward_hops 0
expect_rc "org set out of range" 65
expect_err "org set out of range message" "sievegate policy: invalid max_forward_hops 0 (expected 1 to 100)"
run $P org set automatic_means automatic
expect_rc "org automatic_means automatic" 65
run $P org set colour blue
expect_rc "org unknown key" 64
run $P org set bounce_rate_period soon
expect_rc "org bad number" 64
expect_unchanged "refused org changes"

# ---- show the whole policy ---------------------------------------------------------------
run $P show
expect_rc "show" 0
expect_out "show text" 'generation 20
accepted domains:
  corp.example
  example.com
outbound policies:
  default: mode off, everyone
  fwd: priority 1, mode on, users alice@example.com bob@example.com, domains example.com, exclude-users boss@example.com
remote domains:
  *: auto-forward yes, auto-reply yes, ndr no, internal no
  *.gmail.com: auto-forward no, auto-reply yes, ndr yes, internal no
groups:
  sales: carol@example.com
org settings:
  automatic_means off
  bounce_internal_senders no
  bounce_rate_period 86400
  max_forward_hops 5'
run $P show --json
expect_out "show json" '{"generation": 20, "accepted_domains": [{"name": "corp.example", "match_subdomains": false}, {"name": "example.com", "match_subdomains": false}], "policies": [{"name": "default", "default": true, "enabled": true, "priority": null, "mode": "off", "effective_mode": "off", "users": [], "groups": [], "domains": [], "exclude_users": [], "exclude_groups": [], "exclude_domains": []}, {"name": "fwd", "default": false, "enabled": true, "priority": 1, "mode": "on", "effective_mode": "on", "users": ["alice@example.com", "bob@example.com"], "groups": [], "domains": ["example.com"], "exclude_users": ["boss@example.com"], "exclude_groups": [], "exclude_domains": []}], "remote_domains": [{"pattern": "*", "auto_forward": true, "auto_reply": true, "ndr": false, "is_internal": false}, {"pattern": "*.gmail.com", "auto_forward": false, "auto_reply": true, "ndr": true, "is_internal": false}], "groups": [{"name": "sales", "members": ["carol@example.com"]}], "org": {"automatic_means": "off", "bounce_internal_senders": false, "bounce_rate_period": 86400, "max_forward_hops": 5}}'

# ---- explain (engine/enforce's sg_fwd_decide) -------------------------------------------
run $P explain alice@example.com friend@gmail.com
expect_rc "explain remote-domain block" 0
expect_out "explain remote-domain block text" 'owner alice@example.com, target friend@gmail.com
1. normalise: friend@gmail.com (domain gmail.com)
2. loops and duplicates: none
3. internal: no, gmail.com is external
4. policy: "fwd" applies (mode on)
5. remote domain: "*.gmail.com" (auto_forward no): block without bounce
verdict: block, decided by remote domain "*.gmail.com"
reason: automatic forwarding to gmail.com is not allowed (remote domain "*.gmail.com")'
run $P explain --json carol@example.com friend@elsewhere.example
expect_rc "explain policy block json" 0
expect_out "explain policy block json" '{"owner": "carol@example.com", "target": "friend@elsewhere.example", "normalized_target": "friend@elsewhere.example", "target_domain": "elsewhere.example", "external": true, "verdict": "block", "status": "5.7.520", "decided_by": "policy", "policy": "default", "remote_domain": null, "reason": "external forwarding is off for you (policy \"default\")", "steps": ["1. normalise: friend@elsewhere.example (domain elsewhere.example)", "2. loops and duplicates: none", "3. internal: no, elsewhere.example is external", "4. policy: \"default\" applies (mode off): block with bounce 5.7.520"]}'
run $P explain alice@example.com bob@example.com
expect_rc "explain internal" 0
expect_out "explain internal text" 'owner alice@example.com, target bob@example.com
1. normalise: bob@example.com (domain example.com)
2. loops and duplicates: none
3. internal: yes, example.com (accepted domain example.com): allow
verdict: allow, decided by internal target (never restricted)
reason: example.com is inside the organization; internal forwarding is not restricted'
run $P explain alice@example.com
expect_rc "explain with one argument" 64
expect_err1 "explain with one argument message" "sievegate policy: explain: missing USER and RECIPIENT"

# ---- report (the audit) ---------------------------------------------------------------------
run $P report
expect_rc "report of an empty audit" 0
expect_out "report of an empty audit" 'forwards: 0 (0 allowed, 0 blocked)
forwarders: 0 (0 new)
recipient domains: 0 (0 new)
hosts: 0
mechanisms: 0
records: 0'
run $P report --since yesterday
expect_rc "report bad --since" 64
expect_err1 "report bad --since message" 'sievegate policy: --since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), not "yesterday"'
run $P -o audit_log=syslog report
expect_rc "report without an audit database" 78
expect_err "report without an audit database message" 'sievegate policy: configuration error: audit_log names no database (it is "syslog"); add a path, e.g. audit_log = syslog,/var/lib/sievegate/audit.db'
if [ -n "$fixture" ]; then
    a="$tmp/audit.db"
    "$fixture" record "$a" 2025-01-02T08:00:00Z alice@example.com a@gmail.com gmail.com redirect allow fwd '*' '<1@x>' mx1.example.com &&
    "$fixture" record "$a" 2025-01-03T08:00:00Z carol@example.com c@yahoo.com yahoo.com redirect-copy block default - '<2@x>' mx1.example.com &&
    "$fixture" record "$a" 2025-01-10T09:30:00Z alice@example.com b@gmail.com gmail.com notify block - '*.gmail.com' - mx1.example.com &&
    "$fixture" record "$a" 2025-01-11T10:00:00Z dave@example.com d@outlook.example outlook.example redirect allow fwd '*' '<4@x>' mx2.example.com
    run $P report
    expect_rc "report" 0
    expect_out "report text" 'forwards: 4 (2 allowed, 2 blocked)
forwarders: 3 (3 new)
  alice@example.com: 2 forwarded (1 allowed, 1 blocked), 2 recipients, 1 domain, first 2025-01-02T08:00:00Z, new
  carol@example.com: 1 forwarded (0 allowed, 1 blocked), 1 recipient, 1 domain, first 2025-01-03T08:00:00Z, new
  dave@example.com: 1 forwarded (1 allowed, 0 blocked), 1 recipient, 1 domain, first 2025-01-11T10:00:00Z, new
recipient domains: 3 (3 new)
  gmail.com: 2 forwarded (1 allowed, 1 blocked), 1 forwarder, first 2025-01-02T08:00:00Z, new
  outlook.example: 1 forwarded (1 allowed, 0 blocked), 1 forwarder, first 2025-01-11T10:00:00Z, new
  yahoo.com: 1 forwarded (0 allowed, 1 blocked), 1 forwarder, first 2025-01-03T08:00:00Z, new
hosts: 2
  mx1.example.com: 3 forwarded (1 allowed, 2 blocked), 2 forwarders
  mx2.example.com: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
mechanisms: 3
  notify: 1 forwarded (0 allowed, 1 blocked), 1 forwarder
  redirect: 2 forwarded (2 allowed, 0 blocked), 2 forwarders
  redirect-copy: 1 forwarded (0 allowed, 1 blocked), 1 forwarder
records: 4
  2025-01-02T08:00:00Z alice@example.com -> a@gmail.com (gmail.com): redirect allow, policy fwd, remote domain *, message-id <1@x>, host mx1.example.com
  2025-01-03T08:00:00Z carol@example.com -> c@yahoo.com (yahoo.com): redirect-copy block, policy default, message-id <2@x>, host mx1.example.com
  2025-01-10T09:30:00Z alice@example.com -> b@gmail.com (gmail.com): notify block, remote domain *.gmail.com, host mx1.example.com
  2025-01-11T10:00:00Z dave@example.com -> d@outlook.example (outlook.example): redirect allow, policy fwd, remote domain *, message-id <4@x>, host mx2.example.com'
    run $P report --since 2025-01-10 --json
    expect_rc "report json" 0
    expect_out "report json" '{"since": "2025-01-10T00:00:00Z", "total": 2, "allowed": 1, "blocked": 1, "new_forwarders": ["dave@example.com"], "new_domains": ["outlook.example"], "forwarders": [{"user": "alice@example.com", "forwards": 1, "allowed": 0, "blocked": 1, "recipients": 1, "domains": 1, "first_forward": "2025-01-02T08:00:00Z", "new": false}, {"user": "dave@example.com", "forwards": 1, "allowed": 1, "blocked": 0, "recipients": 1, "domains": 1, "first_forward": "2025-01-11T10:00:00Z", "new": true}], "domains": [{"domain": "gmail.com", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1, "first_forward": "2025-01-02T08:00:00Z", "new": false}, {"domain": "outlook.example", "forwards": 1, "allowed": 1, "blocked": 0, "forwarders": 1, "first_forward": "2025-01-11T10:00:00Z", "new": true}], "forwards": [{"time": "2025-01-10T09:30:00Z", "user": "alice@example.com", "recipient": "b@gmail.com", "domain": "gmail.com", "mechanism": "notify", "verdict": "block", "policy": null, "remote_domain": "*.gmail.com", "message_id": null, "host": "mx1.example.com"}, {"time": "2025-01-11T10:00:00Z", "user": "dave@example.com", "recipient": "d@outlook.example", "domain": "outlook.example", "mechanism": "redirect", "verdict": "allow", "policy": "fwd", "remote_domain": "*", "message_id": "<4@x>", "host": "mx2.example.com"}], "until": null, "hosts": [{"host": "mx1.example.com", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1}, {"host": "mx2.example.com", "forwards": 1, "allowed": 1, "blocked": 0, "forwarders": 1}], "mechanisms": [{"mechanism": "notify", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1}, {"mechanism": "redirect", "forwards": 1, "allowed": 1, "blocked": 0, "forwarders": 1}]}'
    run $P report --since 2025-01-11T10:00:01Z
    expect_out "report since a time" 'forwards since 2025-01-11T10:00:01Z: 0 (0 allowed, 0 blocked)
forwarders: 0 (0 new)
recipient domains: 0 (0 new)
hosts: 0
mechanisms: 0
records: 0'
    # By host, user, target domain, verdict, mechanism and period: each selects exactly its records.
    run $P report --host mx2.example.com
    expect_out "report of one host" 'forwards: 1 (1 allowed, 0 blocked)
forwarders: 1 (1 new)
  dave@example.com: 1 forwarded (1 allowed, 0 blocked), 1 recipient, 1 domain, first 2025-01-11T10:00:00Z, new
recipient domains: 1 (1 new)
  outlook.example: 1 forwarded (1 allowed, 0 blocked), 1 forwarder, first 2025-01-11T10:00:00Z, new
hosts: 1
  mx2.example.com: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
mechanisms: 1
  redirect: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
records: 1
  2025-01-11T10:00:00Z dave@example.com -> d@outlook.example (outlook.example): redirect allow, policy fwd, remote domain *, message-id <4@x>, host mx2.example.com'
    run $P report --user alice@example.com --verdict block --json
    expect_rc "report of one user's blocks" 0
    expect_out "report of one user's blocks" '{"since": null, "total": 1, "allowed": 0, "blocked": 1, "new_forwarders": ["alice@example.com"], "new_domains": ["gmail.com"], "forwarders": [{"user": "alice@example.com", "forwards": 1, "allowed": 0, "blocked": 1, "recipients": 1, "domains": 1, "first_forward": "2025-01-02T08:00:00Z", "new": true}], "domains": [{"domain": "gmail.com", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1, "first_forward": "2025-01-02T08:00:00Z", "new": true}], "forwards": [{"time": "2025-01-10T09:30:00Z", "user": "alice@example.com", "recipient": "b@gmail.com", "domain": "gmail.com", "mechanism": "notify", "verdict": "block", "policy": null, "remote_domain": "*.gmail.com", "message_id": null, "host": "mx1.example.com"}], "until": null, "hosts": [{"host": "mx1.example.com", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1}], "mechanisms": [{"mechanism": "notify", "forwards": 1, "allowed": 0, "blocked": 1, "forwarders": 1}]}'
    run $P report --domain yahoo.com --mechanism redirect-copy --since 2025-01-03 --until 2025-01-04
    expect_out "report of a domain, a mechanism and a period" 'forwards from 2025-01-03T00:00:00Z until 2025-01-04T00:00:00Z: 1 (0 allowed, 1 blocked)
forwarders: 1 (1 new)
  carol@example.com: 1 forwarded (0 allowed, 1 blocked), 1 recipient, 1 domain, first 2025-01-03T08:00:00Z, new
recipient domains: 1 (1 new)
  yahoo.com: 1 forwarded (0 allowed, 1 blocked), 1 forwarder, first 2025-01-03T08:00:00Z, new
hosts: 1
  mx1.example.com: 1 forwarded (0 allowed, 1 blocked), 1 forwarder
mechanisms: 1
  redirect-copy: 1 forwarded (0 allowed, 1 blocked), 1 forwarder
records: 1
  2025-01-03T08:00:00Z carol@example.com -> c@yahoo.com (yahoo.com): redirect-copy block, policy default, message-id <2@x>, host mx1.example.com'
    run $P report --until 2025-01-03T08:00:00Z
    expect_out "report until a time (excluded)" 'forwards until 2025-01-03T08:00:00Z: 1 (1 allowed, 0 blocked)
forwarders: 1 (1 new)
  alice@example.com: 1 forwarded (1 allowed, 0 blocked), 1 recipient, 1 domain, first 2025-01-02T08:00:00Z, new
recipient domains: 1 (1 new)
  gmail.com: 1 forwarded (1 allowed, 0 blocked), 1 forwarder, first 2025-01-02T08:00:00Z, new
hosts: 1
  mx1.example.com: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
mechanisms: 1
  redirect: 1 forwarded (1 allowed, 0 blocked), 1 forwarder
records: 1
  2025-01-02T08:00:00Z alice@example.com -> a@gmail.com (gmail.com): redirect allow, policy fwd, remote domain *, message-id <1@x>, host mx1.example.com'
    run $P report --until tomorrow
    expect_rc "report bad --until" 64
fi
printf 'not an audit database, garbage bytes: \001\002\003 .......................................\n' >"$tmp/bad-audit.db"
run $P -o audit_log="$tmp/bad-audit.db" report
expect_rc "report of a corrupt audit database" 75
expect_err "report of a corrupt audit database message" "sievegate policy: audit database $tmp/bad-audit.db is unreadable: file is not a database"

# ---- the store: -o, configuration, cannot create, corrupt, locked ---------------------------
run $P -o policy_store="sqlite:$tmp/other.db" show --json
expect_rc "-o policy_store" 0
expect_out "-o policy_store reads another store" "$default_json"
run $bin policy -o policy_store="sqlite:$tmp/other.db" set-default --mode on
expect_rc "-o policy_store without --config" 0
expect_out "-o policy_store write" "updated policy default: mode automatic -> on (generation 1)"
run $P -o policy_store=mysql://localhost/policy show
expect_rc "unsupported store URI" 78
expect_err "unsupported store URI message" 'sievegate policy: configuration error: -o: policy_store: "mysql://localhost/policy": expected sqlite:/path/to/policy.db, postgresql://host/dbname or none'
run $bin policy --config "$tmp/missing.conf" show
expect_rc "missing config file" 78
run $P -o policy_store="sqlite:$tmp/no/such/dir/p.db" set-default --mode on
expect_rc "cannot create" 73
expect_err "cannot create message" "sievegate policy: cannot create policy store $tmp/no/such/dir/p.db: directory $tmp/no/such/dir: No such file or directory"
run $P -o policy_store="sqlite:$tmp/no/such/dir/p.db" show
expect_rc "show of a store that cannot exist yet" 0
printf 'this is not an SQLite database at all, only garbage bytes \001\002\003 .................\n' >"$tmp/bad.db"
cp "$tmp/bad.db" "$tmp/bad.orig"
run $P -o policy_store="sqlite:$tmp/bad.db" show
expect_rc "corrupt store show" 75
expect_err "corrupt store show message" "sievegate policy: policy store $tmp/bad.db is unreadable: file is not a database"
run $P -o policy_store="sqlite:$tmp/bad.db" accepted-domain add example.net
expect_rc "corrupt store write" 75
run $P -o policy_store="sqlite:$tmp/bad.db" explain a@example.com b@example.org
expect_rc "corrupt store explain" 75
if cmp -s "$tmp/bad.db" "$tmp/bad.orig"; then ok; else fail "a write touched the corrupt store"; fi
if [ -n "$fixture" ]; then
    snapshot
    "$fixture" lock "$db" 8 "$tmp/locked" &
    lockpid=$!
    i=0
    while [ ! -e "$tmp/locked" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    run $P set-default --mode on
    expect_rc "locked store" 75
    expect_err "locked store message" "sievegate policy: policy store $db is locked by another process (waited 5 s)"
    wait "$lockpid"
    expect_unchanged "a locked write"
fi

# ---- the snapshot file: deliveries read it instead of loading SQLite -------
# (store/policy_snapshot_file.h). Every change writes it; `policy snapshot`
# writes it again; a change that did not refresh it is still seen at once.
printf 'redirect "friend@gmail.example";\n' >"$tmp/fw.sieve"
printf 'From: a@example.com\nTo: zed@corp.example\nSubject: s\nMessage-ID: <1@example.com>\n\nbody\n' >"$tmp/fw.eml"
verdict() { "$bin" test --config "$conf" -a zed@corp.example "$tmp/fw.sieve" "$tmp/fw.eml" 2>&1 | head -n 1; }
run $P set-default --mode on
expect_rc "snapshot: a change" 0
if [ -f "$db.snapshot" ] && [ "$(stat -c '%u %a' "$db.snapshot")" = "$(stat -c '%u' "$db") $(stat -c '%a' "$db")" ]; then
    ok
else
    fail "snapshot: the change wrote $db.snapshot, owned and moded like the store"
fi
gen=$($P show --json | sed -n 's/.*"generation": \([0-9]*\).*/\1/p' | head -n 1)
run $P snapshot
expect_rc "snapshot: rewrite" 0
expect_out "snapshot: rewrite message" "Wrote $db.snapshot (generation $gen)"
run $P snapshot --json
expect_out "snapshot: json" "{\"snapshot_file\": \"$db.snapshot\", \"generation\": $gen}"
if [ "$(verdict)" = "redirect to friend@gmail.example (external): allowed" ]; then ok; else fail "snapshot: allowed by the copy: $(verdict)"; fi
run $P -o policy_snapshot_file=no set-default --mode off
expect_rc "snapshot: a change that leaves the copy stale" 0
if [ "$(verdict)" = 'redirect to friend@gmail.example (external): not sent, external forwarding is off for you (policy "default")' ]; then
    ok
else
    fail "snapshot: a stale copy is not used: $(verdict)"
fi
run $P snapshot
expect_rc "snapshot: rewrite after a stale copy" 0
if verdict | grep -q 'not sent'; then ok; else fail "snapshot: the fresh copy blocks: $(verdict)"; fi
run $P -o policy_snapshot_file=no snapshot
expect_rc "snapshot: turned off" 78
run $bin policy --config "$conf" -o "policy_store=sqlite:$tmp/none/p.db" snapshot
expect_rc "snapshot: no store" 66

# Delivery runs as other users: they read the root-owned store (a read-only
# open, the rollback journal) but cannot change it.
if [ "$(id -u)" = 0 ] && runuser -u nobody -- true 2>/dev/null; then
    chmod 755 "$tmp"
    chmod 644 "$db" "$conf"
    $P show --json >"$tmp/want-show" 2>&1
    runuser -u nobody -- $P show --json >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc "another user reads the store" 0
    if cmp -s "$tmp/want-show" "$tmp/out"; then ok; else fail "another user reads the same policy"; fi
    runuser -u nobody -- $P accepted-domain add nobody.example >"$tmp/out" 2>"$tmp/err"
    rc=$?
    expect_rc "another user cannot write" 75
    expect_err "another user cannot write message" "sievegate policy: cannot open policy store $db: Permission denied"
fi

finish
