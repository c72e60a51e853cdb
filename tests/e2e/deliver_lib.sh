# deliver_lib.sh - the setting of the end-to-end tests of `sievegate deliver`
# with a library that cannot be loaded (deliver_no_sqlite.sh) and of admin
# mailbox forwarding
# (deliver_admin_forward.sh): a home, a sendmail that keeps each message in
# $tmp/sent/N/data, a configuration with a policy store and an audit log,
# one message, and the helpers. Sourced after lib.sh, with $bin (the
# program) and, for deliver_nolib, $fake (the directory of the stand-in
# library) set.
home="$tmp/home"
mkdir -p "$home" "$tmp/sent"
export HOME="$home"

capture_sendmail "$tmp/sendmail" "$tmp/sent"

conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
mail_location = maildir:~/Maildir
sieve = ~/.dovecot.sieve
policy_store = sqlite:$tmp/policy.db
sendmail_path = $tmp/sendmail
hostname = mx.example.com
audit_log = $tmp/audit.db
audit_spool_dir = $tmp/audit-spool
lda_mailbox_autocreate = yes
first_valid_uid = 0
EOC
"$bin" policy --config "$conf" accepted-domain add example.com >/dev/null

msg="$tmp/msg.eml"
printf 'From: Carol <carol@partner.example>\r\nTo: alice@example.com\r\nSubject: Project plan\r\nMessage-ID: <plan-1@partner.example>\r\n\r\nHere is the plan.\r\n' >"$msg"

count() { if [ -d "$1" ]; then ls "$1" | wc -l | tr -d ' '; else echo 0; fi; }
expect_count() { # NAME DIR N
    got=$(count "$2")
    if [ "$got" = "$3" ]; then ok; else fail "$1: $got files in $2, expected $3"; fi
}
expect_no_stderr() { # NAME
    if [ -s "$tmp/err" ]; then fail "$1: stderr: $(head -c 300 "$tmp/err")"; else ok; fi
}
expect_stderr() { # NAME TEXT (a fixed string somewhere in stderr)
    if grep -qF -- "$2" "$tmp/err"; then ok; else fail "$1: no \"$2\" in stderr: $(head -c 300 "$tmp/err")"; fi
}
expect_no_file() { # NAME PATH
    if [ -e "$2" ]; then fail "$1: $2 exists"; else ok; fi
}
reset() {
    rm -rf "$home/Maildir" "$home/.dovecot.sieve" "$home/.sievegate.state.db" "$tmp/sent" "$tmp/audit.db"
    mkdir -p "$tmp/sent"
}
deliver() { # extra args...
    run "$bin" deliver --config "$conf" -f carol@partner.example -a alice@example.com -p "$msg" "$@"
}
deliver_nolib() { # extra args...: with the stand-in library of $fake found first
    LD_LIBRARY_PATH="$fake${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" deliver "$@"
}
