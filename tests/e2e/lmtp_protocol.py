#!/usr/bin/env python3
"""lmtp_protocol.py - the real `sievegate lmtp` server, over TCP on 127.0.0.1
and over --stdio, driven by Python's smtplib.LMTP and by a raw client that
asserts exact reply bytes (issue 17).

usage: lmtp_protocol.py SIEVEGATE

Starts the server with a temporary configuration (virtual users from a
passwd-file, Maildirs under a temporary directory), on a free port, and
stops it by its PID. As root the server must drop to mail_uid (nobody);
the test checks that the worker runs as that uid and that the files are
that user's. Prints "N passed, N failed"; exit 1 on any failure.

Cases: LHLO's extensions; one reply per accepted recipient (RFC 2033 §4.2)
with an unknown user answered 550 5.1.1 at RCPT; pipelining (all commands in
one write); dot-unstuffing, bare LF and CR, an empty message, CRLF -> LF in
the Maildir file; BDAT chunks; NUL; the command line and message size limits;
a slow client that does not block another; the idle timeout; SIGHUP; SIGTERM
finishing the transaction in progress; --stdio; an admin mailbox forward
applied by the server (blocked: kept and bounced; internal: sent, not kept).
"""
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time

from server_lib import (RawClient, expect, fail, finish, mail_tree, ok,  # noqa: E402
                        remove_tree, start_server, write_lmtp_conf)

BIN = os.path.abspath(sys.argv[1])
tmp, vmail, owner, root = mail_tree("sg-lmtp-")
users = os.path.join(tmp, "users")
with open(users, "w") as f:
    f.write("a@x.org:{PLAIN}pw\nb@x.org\nc@x.org\nbig@x.org::::::\n")
conf = os.path.join(tmp, "sievegate.conf")


def write_conf(extra=""):
    write_lmtp_conf(conf, users, vmail, owner, root, policy_store="sqlite:%s/policy.db" % tmp,
                    extra="lmtp_max_message_size = 100000\nlmtp_idle_timeout = 3s\nsieve_before = %s/before.sieve\n%s"
                    % (tmp, extra))


def start():
    return start_server(lambda port: [BIN, "lmtp", "-c", conf, "--listen", "127.0.0.1:%d" % port],
                        os.path.join(tmp, "server.log"))


class Raw(RawClient):
    """A client that sends exact bytes and reads exact replies."""

    def replies(self, n):
        """n complete replies (a multiline reply counts once), as bytes."""
        out = b""
        got = 0
        while got < n:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return out + self.buf
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            out += line + b"\r\n"
            if line[3:4] != b"-":
                got += 1
        return out


LHLO = (b"250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
        b"250-SIZE 100000\r\n250 CHUNKING\r\n")
GREETING = b"220 mx.test LMTP sievegate ready\r\n"


def maildir_new(user):
    d = os.path.join(vmail, "x.org", user, "Maildir", "new")
    return sorted(os.path.join(d, n) for n in os.listdir(d)) if os.path.isdir(d) else []


def clear():
    for u in os.listdir(os.path.join(vmail, "x.org")) if os.path.isdir(os.path.join(vmail, "x.org")) else []:
        shutil.rmtree(os.path.join(vmail, "x.org", u, "Maildir"), ignore_errors=True)


def body_of(path):
    """The stored message without the trace fields the server adds."""
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and (lines[i].startswith((b"Return-Path:", b"Delivered-To:", b"Received:", b"\t"))):
        i += 1
    return b"\n".join(lines[i:])


def qid(reply):
    return reply.split(b" ")[3]


# Dovecot's layout for c: ~/sieve/NAME.sieve, the active one linked from ~/.dovecot.sieve;
# an admin script before it
with open(os.path.join(tmp, "before.sieve"), "w") as f:
    f.write('require "fileinto"; if header :is "subject" "admin" { fileinto "Admin"; }\n')
chome = os.path.join(vmail, "x.org", "c")
os.makedirs(os.path.join(chome, "sieve"))
with open(os.path.join(chome, "sieve", "main.sieve"), "w") as f:
    f.write('require "fileinto"; if header :is "subject" "work" { fileinto "Work"; }\n')
os.symlink("sieve/main.sieve", os.path.join(chome, ".dovecot.sieve"))
for dirpath, dirs, files in os.walk(os.path.join(vmail, "x.org")):
    for n in dirs + files:
        os.lchown(os.path.join(dirpath, n), owner.pw_uid, owner.pw_gid)
os.lchown(os.path.join(vmail, "x.org"), owner.pw_uid, owner.pw_gid)

write_conf()
server, port = start()
try:
    # ---- smtplib.LMTP: LHLO's extensions, a message to one user ----
    c = smtplib.LMTP("127.0.0.1", port)
    code, _ = c.ehlo_or_helo_if_needed() or (250, b"")
    expect("smtplib: extensions", sorted(c.esmtp_features),
           ["8bitmime", "chunking", "enhancedstatuscodes", "pipelining", "size"])
    expect("smtplib: SIZE", c.esmtp_features.get("size"), "100000")
    refused = c.sendmail("s@y.org", ["a@x.org"], b"Subject: one\r\n\r\nhello\r\n.dot\r\n")
    expect("smtplib: accepted", refused, {})
    try:
        c.sendmail("s@y.org", ["nobody@x.org"], b"Subject: two\r\n\r\nx\r\n")
        fail("smtplib: an unknown user was accepted")
    except smtplib.SMTPRecipientsRefused as e:
        expect("smtplib: unknown user", e.recipients, {"nobody@x.org": (550, b"5.1.1 <nobody@x.org> User doesn't exist")})
    c.quit()
    files = maildir_new("a")
    expect("smtplib: one file", len(files), 1)
    expect("smtplib: stored with LF, dot-unstuffed", body_of(files[0]), b"Subject: one\n\nhello\n.dot\n")
    head = open(files[0], "rb").read().split(b"\n")[:3]
    expect("trace: Return-Path", head[0], b"Return-Path: <s@y.org>")
    expect("trace: Delivered-To", head[1], b"Delivered-To: a@x.org")
    expect("trace: Received", head[2].startswith(b"Received: from "), True)
    expect("trace: Received by", open(files[0], "rb").read().split(b"\n")[3].startswith(b"\tby mx.test (sievegate) with LMTP id "), True)
    if root:
        st = os.stat(files[0])
        expect("the file belongs to mail_uid", (st.st_uid, st.st_gid), (owner.pw_uid, owner.pw_gid))
    clear()

    # ---- the user's active script (file:~/sieve;active=...) and sieve_before ----
    c = smtplib.LMTP("127.0.0.1", port)
    expect("scripts: accepted", c.sendmail("s@y.org", ["c@x.org"], b"Subject: work\r\n\r\nw\r\n"), {})
    expect("scripts: accepted", c.sendmail("s@y.org", ["c@x.org"], b"Subject: admin\r\n\r\na\r\n"), {})
    c.quit()
    cmd = os.path.join(vmail, "x.org", "c", "Maildir")
    expect("the active script filed into Work", len(os.listdir(os.path.join(cmd, ".Work", "new"))) if
           os.path.isdir(os.path.join(cmd, ".Work", "new")) else 0, 1)
    expect("sieve_before filed into Admin", len(os.listdir(os.path.join(cmd, ".Admin", "new"))) if
           os.path.isdir(os.path.join(cmd, ".Admin", "new")) else 0, 1)
    clear()

    # ---- pipelining: every command in one write, one reply per accepted recipient ----
    r = Raw(port)
    r.send(b"LHLO client.test\r\nMAIL FROM:<s@y.org> BODY=8BITMIME SIZE=40\r\nRCPT TO:<a@x.org>\r\n"
           b"RCPT TO:<nobody@x.org>\r\nRCPT TO:<b+tag@x.org>\r\nRCPT TO:<C@X.ORG>\r\nDATA\r\n")
    got = r.replies(8)
    expect("pipelined commands", got, GREETING + LHLO + b"250 2.1.0 Sender OK\r\n250 2.1.5 <a@x.org> OK\r\n"
           b"550 5.1.1 <nobody@x.org> User doesn't exist\r\n250 2.1.5 <b+tag@x.org> OK\r\n"
           b"250 2.1.5 <C@X.ORG> OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
    r.send(b"Subject: pipelined\r\n\r\n..one\r\nbare\nLF and bare\rCR\r\n.\n\r\n.\r\nQUIT\r\n")
    got = r.replies(4)
    lines = got.split(b"\r\n")
    q = lines[0].split(b" ")[3] if len(lines) > 3 else b"?"
    expect("one reply per recipient", got, b"250 2.0.0 <a@x.org> " + q + b" Saved\r\n250 2.0.0 <b+tag@x.org> " + q +
           b" Saved\r\n250 2.0.0 <C@X.ORG> " + q + b" Saved\r\n221 2.0.0 Bye\r\n")
    r.close()
    # ".\n" starts a line (after CRLF) with a dot and more: unstuffed, not the end
    want = b"Subject: pipelined\n\n.one\nbare\nLF and bare\rCR\n\n\n"
    for u in ("a", "b", "c"):
        files = maildir_new(u)
        expect("pipelined: %s has one message" % u, len(files), 1)
        if files:
            expect("pipelined: %s's message" % u, body_of(files[0]), want)
    clear()

    # ---- BDAT: chunks, no dot-unstuffing, a CRLF split between chunks ----
    r = Raw(port)
    r.send(b"LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.org>\r\nBDAT 15\r\nSubject: b\r\n\r\n.BDAT 5 LAST\r\nx\r\n\r\n")
    got = r.replies(6).split(b"\r\n")
    expect("BDAT replies", got[8:10], [b"250 2.1.5 <a@x.org> OK", b"250 2.0.0 15 octets received"])
    expect("BDAT last chunk answered per recipient", got[10][:20], b"250 2.0.0 <a@x.org> ")
    r.send(b"QUIT\r\n")
    r.replies(1)
    r.close()
    files = maildir_new("a")
    expect("BDAT: stored as sent, with LF", body_of(files[0]) if files else None, b"Subject: b\n\n.x\n\n")
    expect("BDAT: null sender", open(files[0], "rb").readline() if files else None, b"Return-Path: <>\n")
    clear()

    # ---- NUL, size limit, line limit ----
    r = Raw(port)
    r.send(b"LHLO c\r\nMAIL FROM:<s@y.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n")
    r.replies(5)
    r.send(b"Subject: nul\r\n\r\na\x00b\r\n.\r\n")
    expect("NUL refused per recipient", r.replies(1), b"554 5.6.0 <a@x.org> Message contains NUL characters\r\n")
    r.send(b"MAIL FROM:<s@y.org> SIZE=100001\r\n")
    expect("SIZE over the limit", r.replies(1), b"552 5.3.4 Message size exceeds fixed maximum message size\r\n")
    r.send(b"MAIL FROM:<s@y.org>\r\nRCPT TO:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\n")
    r.replies(4)
    r.send(b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 101 + b".\r\n")
    expect("a message over the limit", r.replies(2), b"552 5.3.4 <a@x.org> Message too big for system\r\n"
           b"552 5.3.4 <b@x.org> Message too big for system\r\n")
    r.send(b"NOOP " + b"x" * 3000 + b"\r\nNOOP\r\n")
    expect("a command line over 2048 octets", r.replies(2), b"500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n")
    r.send(b"VRFY a@x.org\r\nHELO c\r\nQUIT\r\n")
    expect("VRFY refused, HELO refused", r.replies(3), b"502 5.5.1 VRFY command is disabled\r\n"
           b"500 5.5.1 Use LHLO, this is LMTP (RFC 2033)\r\n221 2.0.0 Bye\r\n")
    r.close()
    expect("nothing stored", maildir_new("a") + maildir_new("b"), [])

    # ---- a slow client does not block another; its worker's uid ----
    slow = Raw(port)
    slow.send(b"LHLO slow\r\nMAIL FROM:<s@y.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\nSubject: slow\r\n\r\npart")
    slow.replies(5)
    fast = Raw(port)
    t0 = time.time()
    fast.send(b"LHLO fast\r\nMAIL FROM:<s@y.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\n")
    fast.replies(5)
    fast.send(b"Subject: fast\r\n\r\nx\r\n.\r\nQUIT\r\n")
    got = fast.replies(2)
    expect("the other session is served", got.split(b" ")[0:2], [b"250", b"2.0.0"])
    expect("at once", time.time() - t0 < 2, True)
    fast.close()
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    expect("one worker left (the slow one)", len(workers), 1)
    if root and workers:
        status = open("/proc/%s/status" % workers[0]).read()
        uids = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()[1:]
        expect("the worker runs as mail_uid", uids, [str(owner.pw_uid)] * 4)
        groups = [l for l in status.splitlines() if l.startswith("Groups:")][0].split()[1:]
        expect("no supplementary groups", groups, [str(owner.pw_gid)])

    # ---- SIGTERM: the transaction in progress ends with its reply, then 421 ----
    os.kill(server.pid, signal.SIGTERM)
    time.sleep(0.5)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        refused = True
    expect("no new connections after SIGTERM", refused, True)
    slow.send(b" two\r\n.\r\n")
    got = slow.replies(2)
    lines = got.split(b"\r\n")
    expect("SIGTERM: the transaction is answered", lines[0].startswith(b"250 2.0.0 <a@x.org> "), True)
    expect("SIGTERM: then 421", lines[1], b"421 4.3.2 mx.test Service shutting down, closing connection")
    expect("SIGTERM: connection closed", slow.closed(), True)
    slow.close()
    try:
        rc = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = "still running"
    expect("SIGTERM: the server exits 0", rc, 0)
    files = maildir_new("a")
    expect("SIGTERM: the message was stored", body_of(files[0]) if files else None, b"Subject: slow\n\npart two\n")
    clear()

    # ---- SIGHUP: the configuration is read again; the idle timeout ----
    server, port = start()
    write_conf("lmtp_max_message_size = 5000\n")
    os.kill(server.pid, signal.SIGHUP)
    time.sleep(0.5)
    r = Raw(port)
    r.send(b"LHLO c\r\n")
    expect("SIGHUP: the new size limit", r.replies(2), GREETING + LHLO.replace(b"100000", b"5000"))
    t0 = time.time()
    got = r.replies(1)
    expect("idle timeout", got, b"421 4.4.2 mx.test Idle timeout, closing connection\r\n")
    expect("idle timeout after about 3 s", 2.5 < time.time() - t0 < 6, True)
    r.close()
    os.kill(server.pid, signal.SIGTERM)
    expect("exits 0", server.wait(timeout=10), 0)
    log = open(os.path.join(tmp, "server.log")).read()
    expect("SIGHUP logged", "SIGHUP: configuration and user database (passwd-file:%s) read again" % users in log, True)
    expect("one line per recipient delivery", log.count("to=<a@x.org>, user=a@x.org, status=sent, delay="), 4)

    # ---- lmtp_max_connections: the next connection waits in the listen queue ----
    write_conf("lmtp_max_connections = 1\n")
    server, port = start()
    first = Raw(port)
    expect("max 1: the first is served", first.replies(1), GREETING)
    second = Raw(port)
    second.s.settimeout(1.5)
    try:
        early = second.s.recv(100)
    except socket.timeout:
        early = b"(nothing)"
    expect("max 1: the second waits", early, b"(nothing)")
    second.s.settimeout(10)
    first.send(b"QUIT\r\n")
    expect("max 1: the first quits", first.replies(1), b"221 2.0.0 Bye\r\n")
    first.close()
    expect("max 1: then the second is served", second.replies(1), GREETING)
    second.close()
    os.kill(server.pid, signal.SIGTERM)
    expect("max 1: exits 0", server.wait(timeout=10), 0)
    write_conf()

    # ---- --stdio ----
    p = subprocess.run([BIN, "lmtp", "-c", conf, "--stdio"],
                       input=b"LHLO c\r\nMAIL FROM:<s@y.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\nSubject: s\r\n\r\nx\r\n.\r\n"
                             b"QUIT\r\n", capture_output=True, timeout=20)
    out = p.stdout.split(b"\r\n")
    expect("--stdio: exit 0", p.returncode, 0)
    expect("--stdio: replies", [l[:9] for l in out], [b"220 mx.te", b"250-mx.te", b"250-PIPEL", b"250-ENHAN",
                                                     b"250-8BITM", b"250-SIZE ", b"250 CHUNK", b"250 2.1.0",
                                                     b"250 2.1.5", b"354 End d", b"250 2.0.0", b"221 2.0.0", b""])
    expect("--stdio: stored", len(maildir_new("b")), 1)
    expect("--stdio: logged", b"to=<b@x.org>, user=b@x.org, status=sent" in p.stderr, True)

    # ---- the admin mailbox forward: the server delivers as `deliver` does (docs/policy.md) ----
    sent = os.path.join(tmp, "sent")
    os.mkdir(sent)
    os.chown(sent, owner.pw_uid, owner.pw_gid)
    sendmail = os.path.join(tmp, "sendmail")
    with open(sendmail, "w") as f:
        f.write('#!/bin/sh\nn=$(ls "%s" | wc -l)\nmkdir "%s/$n"\nprintf \'%%s\\n\' "$@" >"%s/$n/argv"\n'
                'cat >"%s/$n/data"\n' % (sent, sent, sent, sent))
    os.chmod(sendmail, 0o755)
    for args in (["policy", "accepted-domain", "add", "x.org"], ["forward", "set", "b@x.org", "friend@gmail.example"]):
        p = subprocess.run([BIN, args[0], "--config", conf] + args[1:], capture_output=True)
        expect("admin forward: %s" % " ".join(args), p.returncode, 0)
    os.chmod(os.path.join(tmp, "policy.db"), 0o644)
    write_conf("sendmail_path = %s\n" % sendmail)

    def to_b(msgid):
        """One message from s@y.org to b@x.org over --stdio, in a fresh Maildir."""
        clear()
        return subprocess.run([BIN, "lmtp", "-c", conf, "--stdio"],
                              input=b"LHLO c\r\nMAIL FROM:<s@y.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\nSubject: s\r\n"
                                    b"Message-ID: <%s>\r\n\r\nx\r\n.\r\nQUIT\r\n" % msgid, capture_output=True,
                              timeout=20)

    p = to_b(b"fwd-1@y.org")
    expect("admin forward blocked: 250 for b", p.stdout.split(b"\r\n")[-3][:9], b"250 2.0.0")
    expect("admin forward blocked: kept once", len(maildir_new("b")), 1)
    expect("admin forward blocked: the bounce only", sorted(os.listdir(sent)), ["0"])
    expect("admin forward blocked: the bounce's envelope", open(os.path.join(sent, "0", "argv")).read(),
           "-i\n-f\n<>\n--\ns@y.org\n")
    bounce = open(os.path.join(sent, "0", "data"), "rb").read()
    expect("admin forward blocked: 5.7.520 for friend@gmail.example",
           (b"\nStatus: 5.7.520" in bounce.replace(b"\r", b""),
            b"\nFinal-Recipient: rfc822; friend@gmail.example" in bounce.replace(b"\r", b"")), (True, True))
    p = subprocess.run([BIN, "forward", "--config", conf, "set", "b@x.org", "c@x.org"], capture_output=True)
    expect("admin forward set to c", p.returncode, 0)
    p = to_b(b"fwd-2@y.org")
    expect("admin forward internal: 250 for b", p.stdout.split(b"\r\n")[-3][:9], b"250 2.0.0")
    expect("admin forward internal: not kept", len(maildir_new("b")), 0)
    expect("admin forward internal: sent", sorted(os.listdir(sent)), ["0", "1"])
    expect("admin forward internal: to c", open(os.path.join(sent, "1", "argv")).read(),
           "-i\n-f\ns@y.org\n--\nc@x.org\n")
    expect("admin forward internal: logged", b"to=<b@x.org>, user=b@x.org, status=sent" in p.stderr, True)
    write_conf()

    # ---- usage and configuration errors ----
    p = subprocess.run([BIN, "lmtp", "-c", conf], capture_output=True)
    expect("no address: 64", (p.returncode, p.stderr),
           (64, b"sievegate lmtp: nothing to listen on: give --listen ADDRESS or set lmtp_listen\n"))
    p = subprocess.run([BIN, "lmtp", "-c", conf, "-o", "lmtp_max_connections=0", "--stdio"], capture_output=True)
    expect("a bad value: 78", (p.returncode, p.stderr),
           (78, b"sievegate lmtp: configuration error: -o: lmtp_max_connections: \"0\" is out of the range "
                b"1..100000\n"))
    p = subprocess.run([BIN, "lmtp", "-c", conf, "--listen", "nowhere"], capture_output=True)
    expect("a bad address: 64", (p.returncode, p.stderr),
           (64, b"sievegate lmtp: nowhere: expected unix:/path, HOST:PORT or [IPv6]:PORT\n"))
    if root:
        p = subprocess.run([BIN, "lmtp", "-c", conf, "-o", "mail_uid=", "--stdio"], capture_output=True)
        expect("root without mail_uid: 78", (p.returncode, p.stderr),
               (78, b"sievegate lmtp: refusing to serve as root: set mail_uid (and mail_gid) to the mail user, "
                    b"e.g. vmail\n"))
finally:
    if server.poll() is None:
        server.kill()
        server.wait()
    remove_tree(tmp)

finish()
