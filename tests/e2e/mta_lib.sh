# mta_lib.sh - what the end-to-end tests with a real MTA share (postfix.sh,
# exim.sh): local users with homes in $tmp, a pipe sink that stores every
# external message with its envelope, mail in by SMTP (swaks), and
# assertions on Maildirs. Source it after lib.sh, with $bin set, as root.

# mta_users PREFIX NAME...: the local users PREFIX-NAME (created once, reused),
# homes in $tmp/home; sets $users and $prefix. Skips (77) when it cannot.
mta_users() {
    prefix=$1
    shift
    users=
    for name in "$@"; do
        u=$prefix-$name
        users="$users $u"
        id "$u" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin -d "$tmp/home/$u" "$u" ||
            skip "cannot create the local user $u"
        usermod -d "$tmp/home/$u" "$u" >/dev/null 2>&1 || skip "cannot set the home directory of $u"
        mkdir -p "$tmp/home/$u"
        chown "$u:" "$tmp/home/$u"
        chmod 700 "$tmp/home/$u"
    done
    su -s /bin/sh -c "test -x '$bin'" "$prefix-$1" 2>/dev/null ||
        skip "$bin cannot be run by an unprivileged user (a parent directory is not searchable)"
}
home() { echo "$tmp/home/$prefix-$1"; }

# mta_sink USER: $tmp/sink.sh stores each message in $tmp/sink, with
# X-Sink-Sender and X-Sink-Recipient first: from its arguments (SENDER
# RECIPIENT, Postfix's pipe), else from the environment a pipe transport
# sets (Exim's: its variables would be tainted in the command).
mta_sink() {
    mkdir -p "$tmp/sink"
    chown "$1:" "$tmp/sink"
    cat >"$tmp/sink.sh" <<EOS
#!/bin/sh
# pipe sink: the message with its envelope first; nothing leaves the host.
f=\$(mktemp "$tmp/sink/msg.XXXXXX") || exit 75
if [ \$# = 2 ]; then sender=\$1 rcpt=\$2; else sender=\$SENDER rcpt=\$LOCAL_PART@\$DOMAIN; fi
{ printf 'X-Sink-Sender: <%s>\nX-Sink-Recipient: <%s>\n' "\$sender" "\$rcpt"; cat; } >"\$f" || exit 75
EOS
    chmod 755 "$tmp/sink.sh"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
count() { # DIR: number of files in it (0 when missing)
    if [ -d "$1" ]; then ls "$1" | wc -l | tr -d ' '; else echo 0; fi
}
expect_count() { # NAME DIR N
    got=$(count "$2")
    if [ "$got" = "$3" ]; then ok; else fail "$1: $got files in $2, expected $3"; fi
}
only() { # DIR: the path of its single file
    echo "$1/$(ls "$1" | head -n 1)"
}
expect_line() { # NAME FILE LINE-REGEX  (a whole line, CR ignored)
    if [ -f "$2" ] && tr -d '\r' <"$2" | grep -qx -- "$3"; then ok; else fail "$1: no line /$3/ in ${2#"$tmp"/}"; fi
}
expect_no_line() { # NAME FILE LINE-REGEX
    if [ -f "$2" ] && ! tr -d '\r' <"$2" | grep -qx -- "$3"; then ok; else fail "$1: a line /$3/ in ${2#"$tmp"/}"; fi
}
# A header field in the header section (up to the first empty line), CR ignored.
expect_header() { # NAME FILE FIELD-REGEX
    if [ -f "$2" ] && tr -d '\r' <"$2" | sed '/^$/q' | grep -qx -- "$3"; then ok; else
        fail "$1: no header /$3/ in ${2#"$tmp"/}"
    fi
}
# Stored or sent as a message: it starts with a header field (not an mbox
# From_ line); SKIP lines first (the sink's X-Sink-* lines).
expect_message() { # NAME FILE [SKIP]
    first=$(sed -n "$((${3:-0} + 1))p" "$2" 2>/dev/null)
    if printf '%s\n' "$first" | grep -q '^[!-9;-~][!-9;-~]*:'; then ok; else
        fail "$1: ${2#"$tmp"/} does not start with a header field: $first"
    fi
}
reset() { # remove every user's mail, script and state; empty the sink
    for u in $users; do
        h="$tmp/home/$u"
        rm -rf "$h/Maildir" "$h/.dovecot.sieve" "$h/.dovecot.sieve.log" "$h/.sievegate.state.db"
    done
    rm -f "$tmp/sink"/*
}
script() { # USER SIEVE-TEXT
    printf '%s\n' "$2" >"$(home "$1")/.dovecot.sieve"
    chown "$prefix-$1:" "$(home "$1")/.dovecot.sieve"
}
n=0
smtp() { # NAME FROM TO SUBJECT: one message by SMTP to $port; expects 250
    n=$((n + 1))
    # No newline at the end: swaks adds one (CRLF before its ".").
    printf 'From: <%s>\nTo: <%s>\nSubject: %s\nMessage-ID: <m%d.%d@e2e.test>\nDate: %s\n\nBody of message %d.' \
        "$2" "$3" "$4" "$n" "$$" "$(date -R)" "$n" >"$tmp/msg$n.eml"
    run swaks --server 127.0.0.1 --port "$port" --helo client.e2e.test --from "$2" --to "$3" \
        --data "@$tmp/msg$n.eml" --timeout 20
    if [ "$rc" = 0 ]; then ok; else fail "$1: swaks exit $rc: $(grep -E '^ *<~?\*? *[45]' "$tmp/out" | head -n 3)"; fi
}
