#!/bin/sh
# Resource limits (issue 8; README.md here). For every limit a case hits it and
#  1. `sievegate test --format json` reports the exact error text (code and
#     message), or, for the limits that bound silently as Pigeonhole does
#     (variable size, MIME depth and parts), shows the bounded result exactly;
#  2. `sievegate deliver` with a capturing sendmail exits 0, stores the message
#     exactly once in INBOX (implicit keep), submits nothing, and writes the
#     same error text to the user's ~/.dovecot.sieve.log.
# Every script would otherwise submit mail (a redirect to bob@corp.example),
# so "nothing submitted" proves the whole run was discarded.
# usage: limits.sh SIEVEGATE
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
fail() { echo "FAIL $name: $*"; ok=0; }

cat >"$tmp/sendmail" <<EOS
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
mkdir -p "$tmp/sent/\$n"
printf '%s\n' "\$@" >"$tmp/sent/\$n/argv"
cat >"$tmp/sent/\$n/data"
EOS
chmod +x "$tmp/sendmail"

cat >"$tmp/message.eml" <<'EOM'
Return-Path: <carol@corp.example>
From: Carol <carol@corp.example>
To: alice@corp.example
Subject: Quarterly numbers
Date: Mon, 05 Jan 2026 08:00:00 +0000
Message-ID: <q1@corp.example>

Confidential.
EOM

# repeat N TEXT: TEXT N times, one a line.
repeat() { i=0; while [ "$i" -lt "$1" ]; do printf '%s\n' "$2"; i=$((i + 1)); done; }

# setup: a fresh home, config and case files; the case then writes
# $tmp/script.sieve (and $tmp/home/sieve/*.sieve, $tmp/global/*.sieve, $tmp/msg.eml).
setup() {
    name=$1
    ok=1
    rm -rf "$tmp/home" "$tmp/global" "$tmp/sent" "$tmp/policy.db" "$tmp/audit.db" "$tmp/msg.eml"
    mkdir -p "$tmp/home/sieve" "$tmp/global" "$tmp/sent"
    cp "$tmp/message.eml" "$tmp/msg.eml"
    conf="$tmp/sievegate.conf"
    # first_valid_uid = 0: the suite may run as root without -d (cli.md).
    cat >"$conf" <<EOC
policy_store = sqlite:$tmp/policy.db
hostname = mx.corp.example
mail_location = maildir:$tmp/home/Maildir
sieve = $tmp/home/.dovecot.sieve
sieve_dir = $tmp/home/sieve
sieve_global = $tmp/global
state_file = $tmp/home/.sievegate.state.db
sendmail_path = $tmp/sendmail
audit_log = $tmp/audit.db
audit_spool_dir = $tmp/audit-spool
first_valid_uid = 0
EOC
    "$bin" policy --config "$conf" accepted-domain add corp.example >/dev/null || fail "policy setup"
}

# check RC JSON_TEXT LOG_TEXT: step 1 exits RC and its JSON holds JSON_TEXT
# (a fixed string); step 2 as above, and the script log holds LOG_TEXT ("":
# no log: the run had no error).
check() {
    "$bin" test --config "$conf" --format json --now 2026-01-05T09:00:00Z -f carol@corp.example \
        -a alice@corp.example "$tmp/script.sieve" "$tmp/msg.eml" >"$tmp/out.json" 2>"$tmp/test.err"
    rc=$?
    [ "$rc" = "$1" ] || fail "sievegate test: exit code $rc, expected $1"
    if ! grep -qF -- "$2" "$tmp/out.json"; then
        fail "sievegate test: no $2"
        head -c 600 "$tmp/out.json"
        echo
    fi
    cp "$tmp/script.sieve" "$tmp/home/.dovecot.sieve"
    "$bin" deliver --config "$conf" -f carol@corp.example -a alice@corp.example -p "$tmp/msg.eml" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 0 ] || fail "deliver: exit code $rc (stderr: $(head -c 300 "$tmp/err"))"
    n=$(ls "$tmp/home/Maildir/new" 2>/dev/null | wc -l | tr -d ' ')
    [ "$n" = 1 ] || fail "deliver: $n message(s) in INBOX, expected 1"
    if [ "$n" = 1 ] && ! cmp -s "$tmp/msg.eml" "$tmp/home/Maildir/new/"*; then
        fail "deliver: the stored message differs from the input"
    fi
    n=$(ls "$tmp/home/Maildir" | grep -c '^\.' )
    [ "$n" = 0 ] || fail "deliver: $n folder(s) created"
    n=$(ls "$tmp/sent" | wc -l | tr -d ' ')
    [ "$n" = 0 ] || fail "deliver: $n submission(s), expected none"
    if [ -n "$3" ]; then
        if ! grep -qF -- "$3" "$tmp/home/.dovecot.sieve.log" 2>/dev/null; then
            fail "deliver: the script log lacks: $3"
            cat "$tmp/home/.dovecot.sieve.log" 2>/dev/null | head -5
        fi
        if ! grep -q 'was kept in INBOX because the script has errors' "$tmp/home/.dovecot.sieve.log" 2>/dev/null; then
            fail "deliver: the script log does not say the message was kept"
        fi
    elif [ -e "$tmp/home/.dovecot.sieve.log" ]; then
        fail "deliver: unexpected script log: $(head -c 300 "$tmp/home/.dovecot.sieve.log")"
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# err CODE MESSAGE: the JSON form of one error (line, column and file not checked).
err() { printf '"message": "%s", "code": "%s"' "$(printf '%s' "$2" | sed 's/"/\\"/g')" "$1"; }

R='redirect "bob@corp.example";'

# max_cpu_time: many costly :regex tests on a long header (the clock is read
# after every regexec, engine/core/interp.c).
setup max_cpu_time
echo 'max_cpu_time = 0.05' >>"$conf"
{ printf 'From: carol@corp.example\nTo: alice@corp.example\nSubject: '; repeat 8000 a | tr -d '\n'
  printf '\nMessage-ID: <cpu@corp.example>\n\nx\n'; } >"$tmp/msg.eml"
{ echo 'require ["regex"];'; echo "$R"
  repeat 400 'if header :regex "subject" "(.*)(.*)(.*)(.*)(.*)(.*)b" { stop; }'; } >"$tmp/script.sieve"
m='script exceeded its CPU time limit (max_cpu_time 0.05 s)'
check 0 "$(err limit-cpu-time "$m")" "runtime error: $m"

# max_actions (32): a redirect and 32 fileinto.
setup max_actions
{ echo 'require ["fileinto"];'; echo "$R"; i=0
  while [ $i -lt 32 ]; do echo "fileinto \"F$i\";"; i=$((i + 1)); done; } >"$tmp/script.sieve"
m='number of actions exceeds policy limit (33 > 32)'
check 0 "$(err limit-actions "$m")" "runtime error: $m"

# max_redirects (4): five internal redirects.
setup max_redirects
for i in 1 2 3 4 5; do echo "redirect \"bob$i@corp.example\";"; done >"$tmp/script.sieve"
m='number of redirect actions exceeds policy limit (5 > 4)'
check 0 "$(err limit-redirects "$m")" "runtime error: $m"

# max_redirects set lower in the configuration.
setup max_redirects_config
echo 'max_redirects = 1' >>"$conf"
printf '%s\nredirect "dave@corp.example";\n' "$R" >"$tmp/script.sieve"
m='number of redirect actions exceeds policy limit (2 > 1)'
check 0 "$(err limit-redirects "$m")" "runtime error: $m"

# sieve_variables_max_variable_size: a longer value is cut (RFC 5229 §6, as
# Pigeonhole), no error: the script keeps only if the cut happened.
setup variable_size
echo 'sieve_variables_max_variable_size = 64' >>"$conf"
{ echo 'require ["variables"];'; printf 'set "x" "'; repeat 300 b | tr -d '\n'; echo '";'
  echo 'set :length "n" "${x}";'
  echo "if string :is \"\${n}\" \"64\" { keep; } else { $R }"; } >"$tmp/script.sieve"
check 0 '{"action": "keep", "mailbox": "INBOX", "flags": [], "implicit": false}' ""

# max_script_size.
setup max_script_size
echo 'max_script_size = 1000' >>"$conf"
{ echo "$R"; repeat 100 '# padding'; } >"$tmp/script.sieve"
size=$(wc -c <"$tmp/script.sieve" | tr -d ' ')
m="script is too large ($size bytes > limit max_script_size 1000)"
check 1 "$(err limit-script-size "$m")" "$m"

# max_nesting: blocks, then tests.
setup max_nesting_blocks
echo 'max_nesting = 4' >>"$conf"
{ repeat 5 'if true {'; echo "$R"; repeat 5 '}'; } >"$tmp/script.sieve"
m='blocks are nested too deeply (more than limit max_nesting 4)'
check 1 "$(err limit-nesting "$m")" "$m"

setup max_nesting_tests
echo 'max_nesting = 4' >>"$conf"
echo "if not not not not not true { $R }" >"$tmp/script.sieve"
check 1 '"code": "limit-nesting"}' 'limit max_nesting 4'

# max_string_length: a quoted string and a multi-line one.
setup max_string_length
echo 'max_string_length = 100' >>"$conf"
{ printf 'redirect "bob@corp.example'; repeat 150 x | tr -d '\n'; echo '";'; } >"$tmp/script.sieve"
m='string is too long (166 bytes > limit max_string_length 100)'
check 1 "$(err limit-string-length "$m")" "$m"

setup max_string_length_text
echo 'max_string_length = 100' >>"$conf"
{ echo "$R"; echo 'require "reject"; reject text:'; repeat 30 'padding'; echo '.'; echo ';'; } >"$tmp/script.sieve"
m='string is too long (more than limit max_string_length 100 bytes)'
check 1 "$(err limit-string-length "$m")" "$m"

# mime_max_depth / mime_max_parts: parts beyond the bound are not seen (no
# error, as Pigeonhole): the part that would trigger the redirect is not seen.
mime() { # DEPTH PARTS: nested multiparts, then PARTS leaves, the last one text/x-last
    printf 'From: carol@corp.example\nTo: alice@corp.example\nSubject: mime\nMessage-ID: <m@corp.example>\nMIME-Version: 1.0\n'
    d=0
    while [ $d -lt "$1" ]; do printf 'Content-Type: multipart/mixed; boundary="b%s"\n\n--b%s\n' $d $d; d=$((d + 1)); done
    printf 'Content-Type: multipart/mixed; boundary="leaf"\n\n'
    p=1
    while [ $p -le "$2" ]; do
        t=text/plain; [ $p = "$2" ] && t=text/x-last
        printf -- '--leaf\nContent-Type: %s\n\npart %s\n' $t $p; p=$((p + 1))
    done
    printf -- '--leaf--\n'
    while [ $d -gt 0 ]; do d=$((d - 1)); printf -- '--b%s--\n' $d; done
}
mscript='require ["mime"]; if header :mime :anychild :contains "content-type" "x-last" { redirect "bob@corp.example"; }'
for lim in depth parts; do
    setup mime_max_$lim
    if [ $lim = depth ]; then mime 5 1 >"$tmp/msg.eml"; else mime 0 8 >"$tmp/msg.eml"; fi
    echo "$mscript" >"$tmp/script.sieve"
    # control: without the bound the part is found
    "$bin" test --config "$conf" --format json -f carol@corp.example -a alice@corp.example \
        "$tmp/script.sieve" "$tmp/msg.eml" | grep -q '"action": "redirect"' || fail "control: the part is not found"
    if [ $lim = depth ]; then echo 'mime_max_depth = 3' >>"$conf"; else echo 'mime_max_parts = 5' >>"$conf"; fi
    check 0 '"actions": [
   {"action": "keep", "mailbox": "INBOX", "flags": [], "implicit": true}
 ],' ""
done

# foreverypart nesting (RFC 5703 leaves it open; 4 here).
setup foreverypart_nesting
{ echo 'require ["foreverypart"];'; repeat 5 'foreverypart {'; echo "$R"; repeat 5 '}'; } >"$tmp/script.sieve"
m='foreverypart loops are nested too deeply (more than 4)'
check 1 "$(err limit-loop-nesting "$m")" "$m"

# sieve_include_max_nesting_depth: s0 includes s1 ... includes s3.
setup include_depth
echo 'sieve_include_max_nesting_depth = 2' >>"$conf"
printf 'require "include"; %s include "s1";\n' "$R" >"$tmp/script.sieve"
for i in 1 2 3; do printf 'require "include"; %s include "s%s";\n' "$R" $((i + 1)) >"$tmp/home/sieve/s$i.sieve"; done
echo "$R" >"$tmp/home/sieve/s4.sieve"
m='cannot include "s3": includes are nested too deeply (more than limit sieve_include_max_nesting_depth 2)'
check 1 "$(err limit-include-depth "$m")" "$m"

# sieve_include_max_includes: four different scripts, limit 3.
setup include_count
echo 'sieve_include_max_includes = 3' >>"$conf"
{ echo 'require "include";'; for i in 1 2 3 4; do echo "include \"c$i\";"; done; } >"$tmp/script.sieve"
for i in 1 2 3 4; do echo "redirect \"bob$i@corp.example\";" >"$tmp/home/sieve/c$i.sieve"; done
m='cannot include "c4": too many included scripts (more than limit sieve_include_max_includes 3)'
check 1 "$(err limit-includes "$m")" "$m"

# a global include over max_script_size
setup include_size
echo 'max_script_size = 200' >>"$conf"
echo 'require "include"; include :global "big";' >"$tmp/script.sieve"
{ echo "$R"; repeat 40 '# padding'; } >"$tmp/global/big.sieve"
m='included global script "big" is too large (more than limit max_script_size 200)'
check 1 "$(err limit-script-size "$m")" "$m"

# editheader: at most 100 changes a run, and sieve_editheader_max_header_size.
setup editheader_changes
{ echo 'require ["editheader"];'; echo "$R"; repeat 101 'addheader "X-Spam" "1";'; } >"$tmp/script.sieve"
m='addheader: more than 100 header changes in one run'
check 0 "$(err limit-editheader "$m")" "runtime error: $m"

setup editheader_size
echo 'sieve_editheader_max_header_size = 1024' >>"$conf"
{ echo 'require ["editheader"];'; echo "$R"; printf 'addheader "X-Big" "'; repeat 1100 y | tr -d '\n'; echo '";'; } >"$tmp/script.sieve"
m='addheader: the value of X-Big is too large (1100 bytes > sieve_editheader_max_header_size 1024)'
check 0 "$(err limit-header-size "$m")" "runtime error: $m"

# regex guards on a literal pattern: compile errors (engine/core/compare.c).
regex_guard() { # PATTERN WHY
    setup "regex_guard_$1"
    printf 'require "regex"; if header :regex "subject" "%s" { %s }\n' "$(printf '%s' "$1" | sed 's/\\/\\\\/g')" \
        "$R" >"$tmp/script.sieve"
    m="invalid regular expression \"$1\" for :regex: $2"
    check 1 "$(err invalid-regex "$(printf '%s' "$m" | sed 's/\\/\\\\/g')")" "$m"
}
regex_guard 'a{256}' 'repetition bound too large'
regex_guard 'a{100}{100}' 'repetition bounds too large together'
regex_guard '(a)\1' 'back-references are not part of POSIX extended regular expressions'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
