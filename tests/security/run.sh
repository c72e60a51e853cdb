#!/bin/sh
# Policy-bypass suite (issue 8; README.md here). Every case tries to get a
# message out of the organization (corp.example, accepted without subdomains)
# while external forwarding is off (the default policy), and must end with the
# forward blocked and the message kept. For every cases/NAME.sieve:
#  1. `sievegate test --format json` must print cases/NAME.json and exit with
#     cases/NAME.rc, byte for byte, and no target may be external and allowed;
#  2. `sievegate deliver` with a capturing sendmail must exit 0, store the
#     message exactly once in INBOX, and submit nothing to any address that is
#     not exactly LOCAL@corp.example (no %, !, @, quotes or routes in LOCAL).
# Optional per case: NAME.eml (the message; default cases/message.eml),
# NAME.policy (`sievegate policy` commands, one a line), NAME.conf (config
# lines; @CASES@ is the cases directory), NAME.rcpts (the exact envelope
# recipients submitted, one a line), NAME.before (a sieve_before script:
# then step 1 runs it instead of NAME.sieve, step 2 runs both).
# usage: run.sh SIEVEGATE   (UPDATE=1 rewrites NAME.json and NAME.rc)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cases=$(cd "$(dirname "$0")/cases" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
fail() { echo "FAIL $name: $*"; ok=0; }

cat >"$tmp/sendmail" <<EOS
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
dir="$tmp/sent/\$n"
mkdir -p "\$dir"
printf '%s\n' "\$@" >"\$dir/argv"
cat >"\$dir/data"
EOS
chmod +x "$tmp/sendmail"

cd "$cases" || exit 1
for script in *.sieve; do
    name=${script%.sieve}
    ok=1
    rm -rf "$tmp/home" "$tmp/sent" "$tmp/policy.db" "$tmp/audit.db"
    mkdir -p "$tmp/home" "$tmp/sent"
    conf="$tmp/sievegate.conf"
    # first_valid_uid = 0: the suite may run as root without -d (cli.md).
    cat >"$conf" <<EOC
policy_store = sqlite:$tmp/policy.db
hostname = mx.corp.example
mail_location = maildir:$tmp/home/Maildir
sieve = $tmp/home/.dovecot.sieve
state_file = $tmp/home/.sievegate.state.db
sendmail_path = $tmp/sendmail
audit_log = $tmp/audit.db
audit_spool_dir = $tmp/audit-spool
first_valid_uid = 0
EOC
    if [ -f "$name.conf" ]; then sed "s|@CASES@|$cases|g" "$name.conf" >>"$conf"; fi
    "$bin" policy --config "$conf" accepted-domain add corp.example >/dev/null || fail "policy setup"
    if [ -f "$name.policy" ]; then
        while IFS= read -r line; do
            # shellcheck disable=SC2086 # one command a line, split on purpose
            eval "\"\$bin\" policy --config \"\$conf\" $line" >/dev/null || fail "policy $line"
        done <"$name.policy"
    fi
    msg=message.eml
    [ -f "$name.eml" ] && msg=$name.eml
    first=$script
    [ -f "$name.before" ] && first=$name.before

    # 1. The dry run: exact verdicts.
    "$bin" test --config "$conf" --format json --now 2026-01-05T09:00:00Z -f carol@corp.example \
        -a alice@corp.example "$first" "$msg" >"$tmp/out.json" 2>/dev/null
    rc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/out.json" "$name.json"
        echo "$rc" >"$name.rc"
    fi
    if ! cmp -s "$tmp/out.json" "$name.json"; then
        fail "sievegate test: JSON differs"
        diff -u "$name.json" "$tmp/out.json" | head -30
    fi
    [ "$rc" = "$(cat "$name.rc")" ] || fail "sievegate test: exit code $rc, expected $(cat "$name.rc")"
    if grep -q '"external": true, "verdict": "allow"' "$tmp/out.json"; then fail "an external target is allowed"; fi

    # 2. The real delivery: kept once, nothing submitted outside corp.example.
    cp "$script" "$tmp/home/.dovecot.sieve"
    extra=
    [ -f "$name.before" ] && extra="sieve_before=$cases/$name.before"
    "$bin" deliver --config "$conf" ${extra:+-o "$extra"} -f carol@corp.example -a alice@corp.example \
        -p "$msg" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 0 ] || fail "deliver: exit code $rc (stderr: $(head -c 300 "$tmp/err"))"
    n=$(ls "$tmp/home/Maildir/new" 2>/dev/null | wc -l | tr -d ' ')
    [ "$n" = 1 ] || fail "deliver: $n message(s) in INBOX, expected 1"
    : >"$tmp/all-rcpts"
    for sub in "$tmp"/sent/*; do
        [ -d "$sub" ] || continue
        # argv: options, then --, then the recipients.
        sed '1,/^--$/d' "$sub/argv" >"$tmp/rcpts"
        if grep -qx -- '-t' "$sub/argv"; then fail "deliver: sendmail -t (recipients from the header)"; fi
        [ -s "$tmp/rcpts" ] || fail "deliver: a submission without recipients"
        while IFS= read -r r; do
            if ! printf '%s\n' "$r" | grep -Eqx '[A-Za-z0-9._+-]+@corp\.example'; then
                fail "deliver: submitted to \"$r\""
            fi
        done <"$tmp/rcpts"
        cat "$tmp/rcpts" >>"$tmp/all-rcpts"
    done
    # NAME.rcpts: the exact envelope recipients of every submission, in order.
    if [ -f "$name.rcpts" ] && ! cmp -s "$name.rcpts" "$tmp/all-rcpts"; then
        fail "deliver: envelope recipients $(tr '\n' ' ' <"$tmp/all-rcpts"), expected $(tr '\n' ' ' <"$name.rcpts")"
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
