# postfix_lib.sh - a private Postfix instance on 127.0.0.1 for the end-to-end
# tests (postfix.sh: sievegate as the mailbox_command; lmtp_postfix.sh:
# sievegate lmtp as the virtual_transport). Source it after lib.sh and
# mta_lib.sh, as root, with $tmp set; everything lives in $tmp/postfix.
#
# Postfix lets an unprivileged user's `sendmail -C DIR` use another instance
# only when DIR is listed in alternate_config_directories of the *default*
# /etc/postfix/main.cf (postconf(5)). When there is no such file (the package
# installed with "No configuration", as in CI) pf_init writes one with only
# that line and pf_stop removes it; when a system Postfix owns that file,
# $pf_submit tells sievegate to submit by SMTP to the instance instead.
#
# Use: pf_init; pf_main_cf "EXTRA LINES"; pf_start "EXTRA master.cf LINES"
# (it calls the caller's write_conf after choosing $port, so the sievegate
# configuration can name it); pf_stop in the EXIT trap; pf_drain NAME.

pf="$tmp/postfix"
pf_sysmain=/etc/postfix/main.cf
pf_marker="# written by sievegate tests/e2e/postfix.sh; removed when it ends"
pf_started=
pf_wrote_sysmain=
port=0

# One Postfix test at a time on a host: /etc/postfix/main.cf (and the users'
# homes) are shared.
pf_lock() {
    exec 9>"${TMPDIR:-/tmp}/sievegate-e2e-postfix.lock"
    flock -w 200 9 || { echo "FAIL: another Postfix test holds the lock"; exit 1; }
}

pf_init() {
    mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
    chown postfix: "$pf/data"
    if [ ! -e "$pf_sysmain" ] || [ "$(head -n 1 "$pf_sysmain")" = "$pf_marker" ]; then
        printf '%s\nalternate_config_directories = %s\n' "$pf_marker" "$pf/etc" >"$pf_sysmain"
        pf_wrote_sysmain=1
    else
        echo "note: $pf_sysmain belongs to a system Postfix; sievegate submits by SMTP (submission_host) instead of sendmail -C"
    fi
}

# The line of sievegate.conf that sends mail back into the instance.
pf_submit() {
    if [ -n "$pf_wrote_sysmain" ]; then echo "sendmail_path = /usr/sbin/sendmail -C $pf/etc"; else
        echo "submission_host = 127.0.0.1:$port"
    fi
}

pf_main_cf() { # EXTRA-LINES: after the common ones (later lines win)
    cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
myhostname = mx.corp.example
mydomain = corp.example
myorigin = corp.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
alias_maps =
alias_database =
biff = no
notify_classes =
recipient_delimiter = +
default_transport = sink
relay_transport = sink
sink_destination_recipient_limit = 1
# A sanitizer build's options (CI sets them) reach sievegate through master and its children.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME ASAN_OPTIONS UBSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG ASAN_OPTIONS UBSAN_OPTIONS
$1
EOF
}

# chroot off everywhere; smtpd on the loopback port only; the sink (mta_lib.sh).
pf_master_cf() { # EXTRA-LINES SINK-USER
    cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
sink      unix  - n n -    - pipe flags=q null_sender= user=$2 argv=$tmp/sink.sh \${sender} \${recipient}
$1
EOF
}

# A free port can be taken before Postfix binds it: up to three tries. The
# caller's write_conf is called once $port is known.
pf_start() { # EXTRA-MASTER-LINES SINK-USER
    pf_started=1
    for attempt in 1 2 3; do
        port=$(free_port)
        pf_master_cf "$1" "$2"
        write_conf
        postfix -c "$pf/etc" check >/dev/null 2>&1 && postfix -c "$pf/etc" start >/dev/null 2>&1 && return 0
        postfix -c "$pf/etc" stop >/dev/null 2>&1
    done
    echo "FAIL: the Postfix instance did not start:"
    tail -n 20 "$pf/maillog" 2>/dev/null
    exit 1
}

pf_stop() {
    if [ -n "$pf_started" ]; then
        postfix -c "$pf/etc" stop >/dev/null 2>&1
        i=0 # the master exits after its children; wait for it (up to 10 s)
        while [ -f "$pf/spool/pid/master.pid" ] && kill -0 "$(cat "$pf/spool/pid/master.pid")" 2>/dev/null &&
            [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        [ $i -lt 100 ] || postfix -c "$pf/etc" abort >/dev/null 2>&1
        pf_started=
    fi
    [ -z "$pf_wrote_sysmain" ] || rm -f "$pf_sysmain"
    pf_wrote_sysmain=
}

# The queue drained: everything (and all it caused) delivered or bounced.
# A deferral fails at once with Postfix's reason.
pf_drain() { # NAME
    i=0
    while :; do
        q=$(postqueue -c "$pf/etc" -p 2>&1)
        [ "$q" = "Mail queue is empty" ] && { ok; return 0; }
        if [ -n "$(find "$pf/spool/deferred" -type f 2>/dev/null | head -n 1)" ] || [ $i -ge 200 ]; then
            fail "$1: the queue did not drain:"
            echo "$q" | head -n 20
            tail -n 15 "$pf/maillog"
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
}
