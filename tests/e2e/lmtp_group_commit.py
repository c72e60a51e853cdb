#!/usr/bin/env python3
"""lmtp_group_commit.py - the recipients of one LMTP message are delivered
together (server/lmtp/lmtp_deliver.h: threads that take turns, their fsyncs
issued at once), yet each stays its own all-or-nothing transaction (issue 17).

usage: lmtp_group_commit.py SIEVEGATE FAULT_SHIM

Runs `sievegate lmtp --stdio` with unit_maildir's fault shim preloaded
(LD_PRELOAD; SG_FAULT_* in its environment) and asserts the exact reply
bytes: with an fsync failing for one recipient's new/ directory (EIO) and
for another's message file (ENOSPC), in a 10-recipient message filed into
several folders each, those two get 451 4.3.0 / 452 4.3.1 and have nothing
in new/, cur/ or tmp/ of any folder; the eight others get 250 with one copy
in each folder. The MTA's retry of the same transaction then stores the two
and nothing twice for the eight (the exactly-once journal). Two addresses of
one user in one message (one home: delivered one after the other) both get
250 and a copy each. Prints "N passed, N failed"; exit 1 on any failure.
"""
import errno
import os
import shutil
import subprocess
import sys

from server_lib import expect, finish, mail_tree, remove_tree, write_lmtp_conf  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SHIM = sys.argv[2]
tmp, vmail, owner, root = mail_tree("sg-lmtp-gc-")
USERS = ["u%d" % i for i in range(10)]
FOLDERS = ["", ".Work", ".Lists.dev"]  # INBOX and the two fileinto targets
conf = os.path.join(tmp, "sievegate.conf")
with open(os.path.join(tmp, "users"), "w") as f:
    f.write("".join("%s@x.org::::::\n" % u for u in USERS))
write_lmtp_conf(conf, os.path.join(tmp, "users"), vmail, owner, root)
for u in USERS:
    home = os.path.join(vmail, "x.org", u)
    os.makedirs(home)
    with open(os.path.join(home, ".dovecot.sieve"), "w") as f:
        f.write('require ["fileinto", "copy"];\nfileinto :copy "Work";\nfileinto :copy "Lists/dev";\n')
for dirpath, dirs, files in os.walk(vmail):
    for n in dirs + files:
        os.chown(os.path.join(dirpath, n), owner.pw_uid, owner.pw_gid)

MESSAGE = b"From: a@y.org\r\nSubject: group\r\nMessage-ID: <group-1@y.org>\r\n\r\nten recipients\r\n.\r\n"


def session(rcpts, fault=None):
    """One LMTP session with one transaction; the replies after DATA's 354."""
    cmds = b"LHLO c\r\nMAIL FROM:<s@y.org>\r\n" + b"".join(b"RCPT TO:<%s>\r\n" % r.encode() for r in rcpts)
    cmds += b"DATA\r\n" + MESSAGE + b"QUIT\r\n"
    env = dict(os.environ)
    if fault:
        env.update({"LD_PRELOAD": SHIM, "SG_FAULT_ID": fault[0], "SG_FAULT_OP": "fsync",
                    "SG_FAULT_MATCH": fault[1], "SG_FAULT_ERRNO": str(fault[2]),
                    "SG_FAULT_AFTER": "0", "SG_FAULT_TIMES": "0"})
    p = subprocess.run([BIN, "lmtp", "-c", conf, "--stdio"], input=cmds, capture_output=True, timeout=60, env=env)
    lines = p.stdout.split(b"\r\n")
    at = lines.index(next(l for l in lines if l.startswith(b"354 ")))
    return p.returncode, lines[at + 1:at + 1 + len(rcpts)], p.stderr


def copies(user):
    """Files in (tmp, new, cur) of each folder of the user's Maildir."""
    md = os.path.join(vmail, "x.org", user, "Maildir")
    out = []
    for fo in FOLDERS:
        for sub in ("tmp", "new", "cur"):
            d = os.path.join(md, fo, sub)
            out.append(len(os.listdir(d)) if os.path.isdir(d) else 0)
    return out


def qid(line):
    return line.split(b" ")[3]


ONE_EACH = [0, 1, 0] * 3  # nothing in tmp/ or cur/, one in new/, for INBOX, Work and Lists.dev
NONE = [0, 0, 0] * 3
try:
    # A directory fsync fails for u3 (EIO), then, in another message, a file
    # fsync for u6 (ENOSPC): the shim holds one match string at a time.
    rcpts = ["%s@x.org" % u for u in USERS]
    rc, replies, log = session(rcpts, ("gc-dir", "/u3/Maildir/new", errno.EIO))
    expect("dir fault: exit 0", rc, 0)
    q = qid(replies[0])
    want = [b"250 2.0.0 <%s> %s Saved" % (r.encode(), q) for r in rcpts]
    want[3] = b"451 4.3.0 <u3@x.org> Temporary failure"
    expect("dir fault: one reply each, in RCPT order, 4xx for u3 only", replies, want)
    expect("dir fault: u3 has nothing anywhere", copies("u3"), NONE)
    expect("dir fault: the others one copy in each folder", [copies(u) for u in USERS if u != "u3"],
           [ONE_EACH] * 9)
    expect("dir fault: logged", b"to=<u3@x.org>, user=u3@x.org, status=deferred" in log, True)

    # The MTA retries the transaction for u3 alone... and, as a careless MTA
    # might, for everyone: the eight done are not stored twice.
    rc, replies, log = session(rcpts)
    q = qid(replies[0])
    expect("retry: all 250", replies, [b"250 2.0.0 <%s> %s Saved" % (r.encode(), q) for r in rcpts])
    expect("retry: exactly one copy each, everywhere", [copies(u) for u in USERS], [ONE_EACH] * 10)
    expect("retry: the others stored nothing twice", log.count(b"stored by an earlier attempt"), 9)

    # A file fsync fails (ENOSPC) for u6 in a message to all: the file
    # written first (in Work/, the first fileinto), linked into the others.
    MESSAGE = MESSAGE.replace(b"group-1", b"group-2")
    for u in USERS:
        shutil.rmtree(os.path.join(vmail, "x.org", u, "Maildir"))
    rc, replies, log = session(rcpts, ("gc-file", "/u6/Maildir/.Work/tmp/", errno.ENOSPC))
    q = qid(replies[0])
    want = [b"250 2.0.0 <%s> %s Saved" % (r.encode(), q) for r in rcpts]
    want[6] = b"452 4.3.1 <u6@x.org> Mail system full"
    expect("file fault: 452 4.3.1 for u6 only", replies, want)
    expect("file fault: u6 has nothing anywhere", copies("u6"), NONE)
    expect("file fault: the others one copy each", [copies(u) for u in USERS if u != "u6"], [ONE_EACH] * 9)

    # Two addresses of one home in one message, around another recipient.
    MESSAGE = MESSAGE.replace(b"group-2", b"group-3")
    for u in ("u1", "u2"):
        shutil.rmtree(os.path.join(vmail, "x.org", u, "Maildir"))
    rc, replies, log = session(["u1@x.org", "u2@x.org", "u1+tag@x.org"])
    q = qid(replies[0])
    expect("one home twice: all 250", replies,
           [b"250 2.0.0 <u1@x.org> %s Saved" % q, b"250 2.0.0 <u2@x.org> %s Saved" % q,
            b"250 2.0.0 <u1+tag@x.org> %s Saved" % q])
    expect("one home twice: two copies in each folder", copies("u1"), [0, 2, 0] * 3)
    expect("one home twice: the other one", copies("u2"), ONE_EACH)
finally:
    remove_tree(tmp)

finish()
