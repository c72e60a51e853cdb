"""server_lib.py - what the tests of the real servers share
(lmtp_protocol.py, managesieve_protocol.py, managesieve_clients.py): the
counters and their report, a free port on 127.0.0.1, and a server started
on it and waited for.

A test imports it from its own folder (sys.path holds the script's folder),
calls ok/fail/expect, and ends with finish(), which prints "N passed, N
failed" and exits 1 on any failure.
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

_counts = {"passed": 0, "failed": 0}


def ok():
    _counts["passed"] += 1


def fail(msg):
    _counts["failed"] += 1
    print("FAIL: " + msg)


def expect(name, got, want):
    if got == want:
        ok()
    else:
        fail("%s:\n  got:  %r\n  want: %r" % (name, got, want))


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)


def mail_tree(prefix):
    """A temporary directory (mode 0755) with vmail/ in it owned by the mail
    user: nobody as root (the servers must drop to it), else this user.
    Returns (tmp, vmail, owner, root)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    root = os.geteuid() == 0
    owner = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.geteuid())
    os.chmod(tmp, 0o755)
    vmail = os.path.join(tmp, "vmail")
    os.mkdir(vmail)
    os.chown(vmail, owner.pw_uid, owner.pw_gid)
    return tmp, vmail, owner, root


def remove_tree(tmp):
    """The test's temporary directory removed, or kept (and named) with KEEP=1."""
    if os.environ.get("KEEP"):
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def mail_user_conf(owner, root):
    """The configuration lines that make the servers run as the mail user."""
    return "mail_uid = nobody\nmail_gid = %d\n" % owner.pw_gid if root else ""


def write_lmtp_conf(path, users, vmail, owner, root, policy_store="none", extra=""):
    """The configuration the LMTP tests share, written to `path` (mode 0644,
    for the mail user): virtual users from the passwd-file `users`, homes
    vmail/DOMAIN/USER, Dovecot's script location, folders made on demand,
    the servers run as the mail user; then the test's own `extra` lines."""
    with open(path, "w") as f:
        f.write("userdb = passwd-file:%s\n" % users)
        f.write("mail_home = %s/%%d/%%n\n" % vmail)
        f.write("policy_store = %s\n" % policy_store)
        f.write("hostname = mx.test\n")
        f.write("sieve = file:~/sieve;active=~/.dovecot.sieve\n")
        f.write("lda_mailbox_autocreate = yes\n")
        f.write(mail_user_conf(owner, root))
        f.write(extra)
    os.chmod(path, 0o644)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(argv_for, log_path):
    """Starts argv_for(port) on a free port, appending its output to
    log_path, and waits until 127.0.0.1:port accepts a connection (three
    ports are tried). Returns (Popen, port); exits the test when it does not
    start."""
    for _ in range(3):
        port = free_port()
        log = open(log_path, "ab")
        p = subprocess.Popen(argv_for(port), stdout=log, stderr=log)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return p, port
            except OSError:
                if p.poll() is not None:
                    break
                time.sleep(0.05)
        p.kill()
        p.wait()
    print("FAIL: the server did not start:\n" + open(log_path).read())
    sys.exit(1)


class RawClient:
    """A client that sends exact bytes; each protocol's test reads its own
    answers from self.s and self.buf."""

    def __init__(self, port, host="127.0.0.1"):
        self.s = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except OSError:
            return True

    def close(self):
        self.s.close()
