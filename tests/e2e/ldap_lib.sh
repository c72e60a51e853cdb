# ldap_lib.sh - a private OpenLDAP server for the tests (Debian's slapd):
# a generated slapd.conf, an mdb database in $tmp/ldap, the server on
# 127.0.0.1 at a free port in the foreground (-d 0), stopped by its PID.
# Source it after lib.sh.
#
# ldap_start LDIF: loads LDIF (once, with slapadd) under dc=example,dc=org
#   and starts the server; sets $ldap_port, $ldap_uri, $ldap_pid. Skips (77)
#   when slapd or slapadd is not installed or the server does not start.
#   The first ldap_start sets an EXIT trap that stops it and removes $tmp.
# ldap_stop: SIGTERM to the server's PID, and waits until it is gone.
#   ldap_start again restarts it on the same port with the same data.
# The root DN is cn=admin,dc=example,dc=org, password "secret".

ldap_skip() {
    echo "SKIP: $*"
    exit 77
}

ldap_start() { # LDIF
    [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] || ldap_skip "slapd is not installed"
    ldap_dir=$tmp/ldap
    if [ ! -d "$ldap_dir/db" ]; then
        mkdir -p "$ldap_dir/db"
        cat >"$ldap_dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $ldap_dir/slapd.pid
database mdb
maxsize 10485760
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw secret
directory $ldap_dir/db
index objectClass,mail,member,uniqueMember,memberUid,cn eq
CONF
        /usr/sbin/slapadd -f "$ldap_dir/slapd.conf" -l "$1" >"$ldap_dir/slapadd.log" 2>&1 ||
            ldap_skip "slapadd failed: $(tail -3 "$ldap_dir/slapadd.log")"
        ldap_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        ldap_uri="ldap://127.0.0.1:$ldap_port"
    fi
    /usr/sbin/slapd -d 0 -f "$ldap_dir/slapd.conf" -h "$ldap_uri/" >>"$ldap_dir/slapd.log" 2>&1 &
    ldap_pid=$!
    for _ in $(seq 1 100); do
        ldapsearch -x -H "$ldap_uri" -b dc=example,dc=org -s base -LLL dn >/dev/null 2>&1 && break
        kill -0 "$ldap_pid" 2>/dev/null || ldap_skip "slapd did not start: $(tail -3 "$ldap_dir/slapd.log")"
        sleep 0.1
    done
    if [ -z "${ldap_trapped:-}" ]; then
        trap 'ldap_stop; rm -rf "$tmp"' EXIT
        ldap_trapped=1
    fi
}

ldap_stop() {
    [ -n "${ldap_pid:-}" ] || return 0
    kill -CONT "$ldap_pid" 2>/dev/null
    kill -TERM "$ldap_pid" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$ldap_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$ldap_pid" 2>/dev/null
    wait "$ldap_pid" 2>/dev/null
    ldap_pid=
}
