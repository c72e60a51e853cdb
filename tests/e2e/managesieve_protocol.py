#!/usr/bin/env python3
"""managesieve_protocol.py - the real `sievegate managesieve` server over TCP
on 127.0.0.1 (and a non-loopback address of this host when there is one),
with STARTTLS through Python's ssl module and a test certificate made here,
and over --stdio; exact answer bytes (RFC 5804).

usage: managesieve_protocol.py SIEVEGATE

Starts the server with a temporary configuration (virtual users in a
passwd-file with {SHA512-CRYPT} and {BLF-CRYPT} hashes, homes under a
temporary directory), on a free port, and stops it by its PID. As root the
server must drop to mail_uid (nobody). Prints "N passed, N failed"; exit 1
on any failure.

Cases: the greeting; STARTTLS (the capabilities again, without STARTTLS;
a command pipelined in clear after STARTTLS is dropped); PLAIN refused with
ENCRYPT-NEEDED from a non-loopback client without TLS, taken over TLS; a
whole session pipelined in one write; brute force (20 wrong passwords over
several connections, each answered after auth_failure_delay, each logged,
then a correct login works); the login timeout; SIGHUP; SIGTERM; --stdio;
configuration errors.
"""
import base64
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

from server_lib import (RawClient, expect, fail, finish, mail_tree, mail_user_conf, ok,  # noqa: E402
                        start_server)

BIN = os.path.abspath(sys.argv[1])
tmp, vmail, owner, root = mail_tree("sg-ms-")


def sha512_crypt(password):
    return subprocess.run(["openssl", "passwd", "-6", password], capture_output=True, text=True,
                          check=True).stdout.strip()


users = os.path.join(tmp, "users")
with open(users, "w") as f:
    f.write("alice@example.org:{SHA512-CRYPT}%s\n" % sha512_crypt("secret"))
    f.write("bob@example.org:{BLF-CRYPT}$2b$04$P5.iHFL4I8y/EvDtB12t/uskRXkL5MDKRRm3Mg5pGxP4J0yxdxNBm\n")
os.chmod(users, 0o644)
cert = os.path.join(tmp, "cert.pem")
key = os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
os.chmod(key, 0o600)  # root's only: read before the privileges are dropped
conf = os.path.join(tmp, "sievegate.conf")


def write_conf(extra=""):
    with open(conf, "w") as f:
        f.write("userdb = passwd-file:%s\n" % users)
        f.write("mail_home = %s/%%d/%%n\n" % vmail)
        f.write("policy_store = none\n")
        f.write("ssl_cert = <%s\n" % cert)
        f.write("ssl_key = %s\n" % key)
        f.write("auth_failure_delay = 0.25\n")
        f.write("managesieve_login_timeout = 3s\n")
        f.write(mail_user_conf(owner, root))
        f.write(extra)
    os.chmod(conf, 0o644)


def outside_address():
    """An address of this host that is not loopback, or None."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
        a = s.getsockname()[0]
        s.close()
        return None if a.startswith("127.") else a
    except OSError:
        return None


OUTSIDE = outside_address()


def start():
    def argv(port):
        listen = ["--listen", "127.0.0.1:%d" % port]
        if OUTSIDE:
            listen += ["--listen", "%s:%d" % (OUTSIDE, port)]
        return [BIN, "managesieve", "-c", conf] + listen
    return start_server(argv, os.path.join(tmp, "server.log"))


class Raw(RawClient):
    """A client that sends exact bytes and reads exact answers."""

    def fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def answers(self, n):
        """Everything up to and including the n-th OK/NO/BYE line (literals read whole)."""
        out = b""
        got = 0
        try:
            while got < n:
                while b"\r\n" not in self.buf:
                    self.fill()
                line, self.buf = self.buf.split(b"\r\n", 1)
                out += line + b"\r\n"
                if line.endswith(b"}") and b"{" in line:
                    size = int(line[line.rindex(b"{") + 1:-1])
                    while len(self.buf) < size:
                        self.fill()
                    out += self.buf[:size]
                    self.buf = self.buf[size:]
                    continue
                if line.startswith((b"OK", b"NO", b"BYE")):
                    got += 1
        except (EOFError, OSError):
            pass
        return out

    def starttls(self):
        ctx = ssl.create_default_context(cafile=cert)
        self.s = ctx.wrap_socket(self.s, server_hostname="localhost")


def plain(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())


CAPS = (b'"IMPLEMENTATION" "sievegate ' + subprocess.run([BIN, "--version"], capture_output=True).stdout.split()[-1]
        + b'"\r\n')
LOGIN = b'AUTHENTICATE "PLAIN" "' + plain("alice@example.org", "secret") + b'"\r\n'
BAD = b'AUTHENTICATE "PLAIN" "' + plain("alice@example.org", "wrong") + b'"\r\n'

write_conf()
server, port = start()
try:
    # ---- the greeting: STARTTLS offered, PLAIN too (loopback) ----
    r = Raw(port)
    greeting = r.answers(1)
    lines = greeting.split(b"\r\n")
    expect("greeting: IMPLEMENTATION first", lines[0] + b"\r\n", CAPS)
    expect("greeting: the rest", lines[2:], [b'"NOTIFY" "mailto"', b'"SASL" "PLAIN"', b'"STARTTLS"',
                                            b'"MAXREDIRECTS" "4"', b'"UNAUTHENTICATE"', b'"VERSION" "1.0"',
                                            b'OK "sievegate ready."', b""])
    sieve = lines[1].split(b'"')[3].split()
    expect("SIEVE: the registry's extensions", [e in sieve for e in (b"fileinto", b"enotify", b"include",
                                                                       b"variables", b"vacation")], [True] * 5)
    expect("SIEVE: not the implicit comparators", b"comparator-i;octet" in sieve, False)

    # ---- STARTTLS: a command sent in clear after it is dropped ----
    r.send(b"STARTTLS\r\nLOGOUT\r\n")
    expect("STARTTLS", r.answers(1), b'OK "Begin TLS negotiation now."\r\n')
    r.buf = b""
    r.starttls()
    expect("TLS: the capabilities again, no STARTTLS", r.answers(1), greeting.replace(b'"STARTTLS"\r\n', b"")
           .replace(b'OK "sievegate ready."', b'OK "TLS negotiation successful."'))
    expect("TLS: a version of 1.2 or later", r.s.version() in ("TLSv1.2", "TLSv1.3"), True)
    # the whole session pipelined in one write
    r.send(LOGIN + b'PUTSCRIPT "main" {6+}\r\nkeep;\n\r\nSETACTIVE "main"\r\nLISTSCRIPTS\r\nGETSCRIPT "main"\r\n'
           b'CHECKSCRIPT "frob;"\r\nNOOP "tag"\r\nLOGOUT\r\n')
    expect("TLS: a pipelined session", r.answers(8),
           b'OK "Logged in."\r\nOK "Putscript completed."\r\nOK "Setactive completed."\r\n"main" ACTIVE\r\n'
           b'OK "Listscripts completed."\r\n{6}\r\nkeep;\n\r\nOK "Getscript completed."\r\n'
           b'NO "line 1, column 1: error: unknown command \'frob\'"\r\nOK (TAG "tag") "Done."\r\n'
           b'OK "Logout completed."\r\n')
    expect("TLS: closed after LOGOUT", r.closed(), True)
    r.close()
    home = os.path.join(vmail, "example.org", "alice")
    expect("the active link", os.readlink(os.path.join(home, ".dovecot.sieve")), "sieve/main.sieve")
    if root:
        st = os.stat(os.path.join(home, "sieve", "main.sieve"))
        expect("the script belongs to mail_uid", (st.st_uid, st.st_gid), (owner.pw_uid, owner.pw_gid))

    # ---- a failed handshake ends the connection, and is logged ----
    r = Raw(port)
    r.answers(1)
    r.send(b"STARTTLS\r\n")
    r.answers(1)
    r.send(b"AUTHENTICATE \"PLAIN\" \"in clear after STARTTLS\"\r\n")
    expect("STARTTLS: not a TLS hello: closed", r.closed(), True)
    r.close()
    time.sleep(0.2)
    log = open(os.path.join(tmp, "server.log")).read()
    expect("STARTTLS: the failed handshake logged",
           "ip=127.0.0.1: disconnect: TLS handshake failed" in log and "ip=127.0.0.1: STARTTLS: error:" in log, True)

    # ---- {BLF-CRYPT}, and a login over the continuation form ----
    r = Raw(port)
    r.answers(1)
    r.send(b'AUTHENTICATE "PLAIN"\r\n')
    expect("continuation: an empty challenge", r.s.recv(100), b'""\r\n')
    r.send(b'"' + plain("bob@example.org", "secret") + b'"\r\nLOGOUT\r\n')
    expect("continuation: bcrypt login", r.answers(2), b'OK "Logged in."\r\nOK "Logout completed."\r\n')
    r.close()

    # ---- a client from outside: PLAIN only over TLS ----
    if OUTSIDE:
        r = Raw(port, OUTSIDE)
        g = r.answers(1)
        expect("outside: SASL empty before TLS", b'"SASL" ""\r\n' in g, True)
        r.send(LOGIN)
        expect("outside: ENCRYPT-NEEDED", r.answers(1), b'NO (ENCRYPT-NEEDED) "Plain-text authentication is not '
               b'allowed without TLS: use STARTTLS."\r\n')
        r.send(b"STARTTLS\r\n")
        r.answers(1)
        r.starttls()
        expect("outside: SASL PLAIN over TLS", b'"SASL" "PLAIN"\r\n' in r.answers(1), True)
        r.send(LOGIN + b"LOGOUT\r\n")
        expect("outside: a login over TLS", r.answers(2), b'OK "Logged in."\r\nOK "Logout completed."\r\n')
        r.close()
    else:
        print("note: no non-loopback address here; ENCRYPT-NEEDED is covered by the unit tests only")

    # ---- brute force: 20 wrong passwords, slowed and logged; then the right one ----
    t0 = time.time()
    answers = []
    tries = 0
    while tries < 20:
        r = Raw(port)
        r.answers(1)
        for _ in range(3):
            if tries == 20:
                break
            t1 = time.time()
            r.send(BAD)
            answers.append((r.answers(1), time.time() - t1 >= 0.24))
            tries += 1
        r.close()
    expect("brute force: every failure slowed", all(slow for _, slow in answers), True)
    expect("brute force: NO, NO, then BYE on each connection",
           [a for a, _ in answers[:3]], [b'NO "Authentication failed."\r\n', b'NO "Authentication failed."\r\n',
                                        b'BYE "Too many failed authentication attempts."\r\n'])
    expect("brute force: at least 20 x 0.25 s", time.time() - t0 >= 5.0, True)
    r = Raw(port)
    r.answers(1)
    r.send(LOGIN + b"LOGOUT\r\n")
    expect("brute force: the right password still works", r.answers(2),
           b'OK "Logged in."\r\nOK "Logout completed."\r\n')
    r.close()
    log = open(os.path.join(tmp, "server.log")).read()
    expect("brute force: 20 failures logged with the address",
           log.count("ip=127.0.0.1: login of alice@example.org failed: wrong password"), 20)
    expect("brute force: the last of each connection disconnects",
           log.count("wrong name or password, failure 3 of 3: disconnected"), 6)
    expect("no password in the log", "secret" in log or "wrong\n" in log, False)

    # ---- the login timeout (3 s here) ----
    r = Raw(port)
    r.answers(1)
    t0 = time.time()
    expect("login timeout", r.answers(1), b'BYE "Disconnected for inactivity."\r\n')
    expect("login timeout after about 3 s", 2.5 < time.time() - t0 < 6, True)
    r.close()

    # ---- the workers: the busy one and two idle ones (process_min_avail), all as mail_uid ----
    idle = Raw(port)
    idle.answers(1)
    idle.send(LOGIN)
    idle.answers(1)
    time.sleep(0.3)  # the master forks the busy one's replacement
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    expect("one busy worker and two idle ones", len(workers), 3)
    if root:
        for w in workers:
            status = open("/proc/%s/status" % w).read()
            uids = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()[1:]
            expect("worker %s runs as mail_uid" % w, uids, [str(owner.pw_uid)] * 4)
            groups = [l for l in status.splitlines() if l.startswith("Groups:")][0].split()[1:]
            expect("no supplementary groups", groups, [str(owner.pw_gid)])

    # ---- SIGHUP: a new quota for new sessions ----
    write_conf("sieve_quota_max_scripts = 1\n")
    os.kill(server.pid, signal.SIGHUP)
    time.sleep(0.5)
    r = Raw(port)
    r.answers(1)
    r.send(LOGIN + b'PUTSCRIPT "second" "keep;"\r\nLOGOUT\r\n')
    expect("SIGHUP: the new quota", r.answers(3), b'OK "Logged in."\r\nNO (QUOTA/MAXSCRIPTS) "Too many scripts '
           b'(at most 1)."\r\nOK "Logout completed."\r\n')
    r.close()
    log = open(os.path.join(tmp, "server.log")).read()
    expect("SIGHUP logged", "SIGHUP: configuration and user database (passwd-file:%s) read again" % users in log,
           True)

    # ---- SIGTERM: a session between commands is told, then the server exits 0 ----
    os.kill(server.pid, signal.SIGTERM)
    expect("SIGTERM: BYE to the idle session", idle.answers(1), b'BYE "Server shutting down."\r\n')
    idle.close()
    try:
        rc = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = "still running"
    expect("SIGTERM: exit 0", rc, 0)
    log = open(os.path.join(tmp, "server.log")).read()
    expect("one line per command, with the user",
           "ip=127.0.0.1, user=alice@example.org: PUTSCRIPT \"main\" 6 octets: OK, " in log, True)
    expect("the TLS handshake logged", "ip=127.0.0.1: STARTTLS: TLSv1." in log, True)
finally:
    if server.poll() is None:
        server.kill()
        server.wait()

# ---- managesieve_max_connections: the next client waits in the listen queue ----
write_conf("managesieve_max_connections = 1\n")
server, port = start()  # start() itself connected once: wait for that worker to be replaced
time.sleep(0.5)
try:
    a = Raw(port)
    expect("max 1: the first is served", a.answers(1).endswith(b'OK "sievegate ready."\r\n'), True)
    b = Raw(port)
    b.s.settimeout(1.5)
    try:
        early = b.s.recv(100)
    except socket.timeout:
        early = b""
    expect("max 1: the second waits", early, b"")
    a.send(b"LOGOUT\r\n")
    a.answers(1)
    a.close()
    b.s.settimeout(10)
    expect("max 1: then it is served", b.answers(1).endswith(b'OK "sievegate ready."\r\n'), True)
    b.close()
finally:
    server.terminate()
    server.wait(timeout=10)

# ---- --stdio: one session on stdin/stdout (no STARTTLS: a pipe is local) ----
write_conf()
p = subprocess.run([BIN, "managesieve", "-c", conf, "--stdio"], input=LOGIN + b"LISTSCRIPTS\r\nLOGOUT\r\n",
                   capture_output=True, timeout=30)
out = p.stdout.split(b'OK "sievegate ready."\r\n', 1)
expect("--stdio: no STARTTLS", b"STARTTLS" in out[0], False)
expect("--stdio: a session", out[1] if len(out) > 1 else p.stdout,
       b'OK "Logged in."\r\n"main" ACTIVE\r\nOK "Listscripts completed."\r\nOK "Logout completed."\r\n')
expect("--stdio: exit 0", p.returncode, 0)

# ---- configuration errors: 78 before anything ----
p = subprocess.run([BIN, "managesieve", "-c", conf, "-o", "ssl_key=", "--listen", "127.0.0.1:1"], capture_output=True)
expect("ssl_cert without ssl_key", (p.returncode, p.stderr),
       (78, b"sievegate managesieve: configuration error: ssl_cert and ssl_key go together\n"))
p = subprocess.run([BIN, "managesieve", "-c", conf, "-o", "ssl_cert=/nonexistent.pem", "--listen", "127.0.0.1:1"],
                   capture_output=True, input=b"")
expect("an unreadable certificate", (p.returncode, p.stderr.startswith(
    b"sievegate managesieve: configuration error: ssl_cert /nonexistent.pem: ")), (78, True))
p = subprocess.run([BIN, "managesieve", "-c", conf, "-o", "managesieve_max_auth_failures=0", "--stdio"],
                   capture_output=True, input=b"")
expect("a bad value", (p.returncode, p.stderr), (78, b"sievegate managesieve: configuration error: -o: "
                                                     b"managesieve_max_auth_failures: \"0\" is out of the range "
                                                     b"1..100\n"))
p = subprocess.run([BIN, "managesieve", "-c", conf, "--listen", "nowhere:"], capture_output=True)
expect("a bad address: 64", p.returncode, 64)

shutil.rmtree(tmp, ignore_errors=True)
finish()
