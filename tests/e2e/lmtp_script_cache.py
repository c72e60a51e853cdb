#!/usr/bin/env python3
"""lmtp_script_cache.py - the compiled scripts an LMTP worker keeps across
the messages of its session (lmtp_script_cache_size, engine/deliver/
script_cache.h) never hide a change: over one connection to the real
`sievegate lmtp`, a user's script and a sieve_before script are edited
between messages and the next message must follow the new text.

usage: lmtp_script_cache.py SIEVEGATE

Cases, each asserting the exact reply and the mailbox the message went to:
the same script twice (kept, then reused); rewritten in place with the same
size; rewritten in place again once kept; replaced by rename (as ManageSieve
stores a script); the admin script rewritten in place with the same size and
its mtime set back (only its ctime tells); the active-script symlink pointed
at another script. A script only settles into the cache SG_SCRIPT_CACHE_SETTLE
(2) seconds after its last change, hence the pauses. Prints "N passed, N
failed"; exit 1 on any failure.
"""
import os
import socket
import sys
import time

from server_lib import expect, finish, mail_tree, remove_tree, start_server, write_lmtp_conf  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SETTLE = 2.5
tmp, vmail, owner, root = mail_tree("sg-lmtp-cache-")
users = os.path.join(tmp, "users")
with open(users, "w") as f:
    f.write("a@x.org\n")
conf = os.path.join(tmp, "sievegate.conf")
before = os.path.join(tmp, "before.sieve")
write_lmtp_conf(conf, users, vmail, owner, root, extra="sieve_before = %s\n" % before)
home = os.path.join(vmail, "x.org", "a")
os.makedirs(os.path.join(home, "sieve"))
script = os.path.join(home, "sieve", "main.sieve")


def write(path, folder, keep_mtime=False):
    """The script that files into `folder`: rewritten in place (same inode)."""
    old = os.stat(path) if keep_mtime else None
    with open(path, "r+" if os.path.exists(path) else "w") as f:
        f.write('require "fileinto"; fileinto "%s";\n' % folder)
        f.truncate()
    if old:
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))


with open(before, "w") as f:
    f.write('require "fileinto"; if header :is "subject" "adm" { fileinto "ADM1"; }\n')
write(script, "AAAA")
os.symlink("sieve/main.sieve", os.path.join(home, ".dovecot.sieve"))
for dirpath, dirs, files in os.walk(os.path.join(vmail, "x.org")):
    for n in dirs + files:
        os.lchown(os.path.join(dirpath, n), owner.pw_uid, owner.pw_gid)
os.lchown(os.path.join(vmail, "x.org"), owner.pw_uid, owner.pw_gid)


def count(folder):
    d = os.path.join(home, "Maildir", "." + folder, "new")
    return len(os.listdir(d)) if os.path.isdir(d) else 0


class Session:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.line()
        self.s.sendall(b"LHLO t\r\n")
        while self.line()[3:4] == b"-":
            pass

    def line(self):
        return self.f.readline()

    def deliver(self, subject):
        """One message to a@x.org; its DATA reply without the queue id."""
        self.s.sendall(b"MAIL FROM:<s@y.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n")
        got = [self.line()[:3] for _ in range(3)]
        self.n += 1  # each message its own: the same bytes again would be a retry (exactly once)
        self.s.sendall(b"Message-ID: <%d@y.org>\r\nSubject: %s\r\n\r\nbody\r\n.\r\n" % (self.n, subject.encode()))
        r = self.line().split(b" ")
        return got + [b" ".join(r[:3]) + b" " + b" ".join(r[4:])]


OK = [b"250", b"250", b"354", b"250 2.0.0 <a@x.org> Saved\r\n"]
server, port = start_server(lambda p: [BIN, "lmtp", "-c", conf, "--listen", "127.0.0.1:%d" % p],
                            os.path.join(tmp, "server.log"))
try:
    time.sleep(SETTLE)  # both scripts settled: kept at their first use
    s = Session(port)
    expect("first message", s.deliver("x"), OK)
    expect("second message, the kept script", s.deliver("x"), OK)
    expect("both in AAAA", count("AAAA"), 2)

    write(script, "BBBB")  # same size, same inode
    expect("rewritten in place", s.deliver("x"), OK)
    expect("rewritten in place: BBBB", (count("AAAA"), count("BBBB")), (2, 1))

    time.sleep(SETTLE)
    expect("kept again", s.deliver("x"), OK)
    write(script, "CCCC")
    expect("rewritten once kept", s.deliver("x"), OK)
    expect("rewritten once kept: CCCC", (count("BBBB"), count("CCCC")), (2, 1))

    new = script + ".tmp"
    write(new, "DDDD")
    os.chown(new, owner.pw_uid, owner.pw_gid)
    os.replace(new, script)  # ManageSieve's PUTSCRIPT: a new file renamed over the old
    expect("replaced by rename", s.deliver("x"), OK)
    expect("replaced by rename: DDDD", count("DDDD"), 1)

    expect("admin script", s.deliver("adm"), OK)
    expect("admin script: ADM1", count("ADM1"), 1)
    with open(before, "r+") as f:  # same size, mtime set back: only the ctime changes
        old = os.stat(before)
        f.write('require "fileinto"; if header :is "subject" "adm" { fileinto "ADM2"; }\n')
    os.utime(before, ns=(old.st_atime_ns, old.st_mtime_ns))
    expect("admin script rewritten", s.deliver("adm"), OK)
    expect("admin script rewritten: ADM2", (count("ADM1"), count("ADM2")), (1, 1))

    other = os.path.join(home, "sieve", "other.sieve")
    write(other, "EEEE")
    os.chown(other, owner.pw_uid, owner.pw_gid)
    link = os.path.join(home, ".dovecot.sieve")
    os.symlink("sieve/other.sieve", link + ".new")
    os.replace(link + ".new", link)  # another script activated
    expect("another script active", s.deliver("x"), OK)
    expect("another script active: EEEE", count("EEEE"), 1)
    s.s.sendall(b"QUIT\r\n")
    expect("QUIT", s.line(), b"221 2.0.0 Bye\r\n")
finally:
    server.terminate()
    server.wait()
    remove_tree(tmp)

finish()
