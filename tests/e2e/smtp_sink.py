#!/usr/bin/env python3
"""smtp_sink.py - a loopback SMTP server for the end-to-end tests.

usage: smtp_sink.py DIR
Listens on 127.0.0.1 at a free port, writes the port to DIR/port, then
serves sessions one at a time until killed. Each accepted message goes to
DIR/N/ as `envelope` (MAIL FROM and RCPT TO lines) and `data` (the message
after dot-unstuffing, CRLF line ends as received). When DIR/reply exists,
its first line (e.g. "451 4.3.0 try later") answers end-of-data instead of
250, so tests can make the submission fail.
"""
import os
import socket
import sys


def serve(conn, outdir):
    f = conn.makefile("rwb", buffering=0)

    def say(line):
        f.write(line.encode() + b"\r\n")

    say("220 sink.test ESMTP")
    mail_from, rcpts = None, []
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode("latin-1").rstrip("\r\n")
        verb = cmd.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            say("250-sink.test" if verb == "EHLO" else "250 sink.test")
            if verb == "EHLO":
                say("250 8BITMIME")
        elif verb == "MAIL":
            mail_from, rcpts = cmd[10:], []
            say("250 2.1.0 ok")
        elif verb == "RCPT":
            rcpts.append(cmd[8:])
            say("250 2.1.5 ok")
        elif verb == "DATA":
            say("354 go ahead")
            data = bytearray()
            while True:
                l = f.readline()
                if not l or l in (b".\r\n", b".\n"):
                    break
                data += l[1:] if l.startswith(b".") else l
            reply_file = os.path.join(outdir, "reply")
            if os.path.exists(reply_file):
                with open(reply_file) as r:
                    say(r.readline().strip())
                continue
            n = len([d for d in os.listdir(outdir) if d.isdigit()])
            d = os.path.join(outdir, str(n))
            os.mkdir(d)
            with open(os.path.join(d, "envelope"), "w") as e:
                e.write("MAIL FROM " + mail_from + "\n")
                for r in rcpts:
                    e.write("RCPT TO " + r + "\n")
            with open(os.path.join(d, "data"), "wb") as m:
                m.write(bytes(data))
            say("250 2.0.0 queued")
        elif verb == "RSET":
            mail_from, rcpts = None, []
            say("250 ok")
        elif verb == "QUIT":
            say("221 bye")
            return
        else:
            say("502 5.5.2 unknown command")


def main():
    outdir = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(5)
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as p:
        p.write(str(s.getsockname()[1]))
    os.rename(tmp, os.path.join(outdir, "port"))
    while True:
        conn, _ = s.accept()
        with conn:
            serve(conn, outdir)


if __name__ == "__main__":
    main()
