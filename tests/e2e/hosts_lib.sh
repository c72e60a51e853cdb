# hosts_lib.sh - mail hosts for the tests that share a policy store between
# hosts (policy_pg.sh, orgscale.sh): per host NAME, $tmp/NAME/ holds the
# user alice's home, the audit spool, the cache's failure memory, and a
# sendmail that keeps each message (argv, data) in $tmp/NAME/sent/N/.
# Source it after lib.sh.

mail_host() { # NAME
    mkdir -p "$tmp/$1/home/alice" "$tmp/$1/sent" "$tmp/$1/spool" "$tmp/$1/failures"
    capture_sendmail "$tmp/$1/sendmail" "$tmp/$1/sent"
}

# host_conf NAME: the lines every host's configuration has
host_conf() {
    cat <<EOC
policy_store = $pg_uri
postgresql_password_file = $pg_password_file
audit_log = $pg_audit_uri
audit_spool_dir = $tmp/$1/spool
sendmail_path = $tmp/$1/sendmail
hostname = $1.example.com
first_valid_uid = 0
EOC
}

inbox() { ls "$tmp/$1/home/alice/Maildir/new" 2>/dev/null | wc -l | tr -d ' '; }
sent() { ls "$tmp/$1/sent" | wc -l | tr -d ' '; }
