#!/usr/bin/python3
"""managesieve_clients.py - `sievegate managesieve` with the real clients
users have: sieve-connect (Debian sieve-connect) and python3-sievelib, both
over STARTTLS with a test certificate made here; then the script they
activated runs at delivery, through `sievegate deliver` and `sievegate lmtp`.

usage: managesieve_clients.py SIEVEGATE

Run by Debian's python3 (it holds sievelib); exits 77 (skipped) when
sieve-connect or sievelib is missing. Prints "N passed, N failed"; exit 1 on
any failure.

The policy store is a real one (`sievegate policy init`: the default policy,
external forwarding off): a script with a blocked external redirect answers
OK (WARNINGS) with the very words of `sievegate check -u` (its
"FILE:LINE:COLUMN: warning: ..." as "line LINE, column COLUMN: warning:
..."); a syntax error answers NO with its line and column.
"""
import os
import shutil
import subprocess
import sys

try:
    from sievelib.managesieve import Client
except ImportError:
    print("skipped: python3-sievelib is not installed")
    sys.exit(77)
if not shutil.which("sieve-connect"):
    print("skipped: sieve-connect is not installed")
    sys.exit(77)

from server_lib import (expect, fail, finish, mail_tree, mail_user_conf, ok,  # noqa: E402
                        start_server)

BIN = os.path.abspath(sys.argv[1])
tmp, vmail, owner, root = mail_tree("sg-msc-")
home = os.path.join(vmail, "example.org", "alice")
users = os.path.join(tmp, "users")
hash_ = subprocess.run(["openssl", "passwd", "-6", "s3cret pass"], capture_output=True, text=True,
                       check=True).stdout.strip()
with open(users, "w") as f:
    f.write("alice@example.org:{SHA512-CRYPT}%s\n" % hash_)
os.chmod(users, 0o644)
cert = os.path.join(tmp, "cert.pem")
key = os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
os.chmod(key, 0o600)
conf = os.path.join(tmp, "sievegate.conf")
with open(conf, "w") as f:
    f.write("userdb = passwd-file:%s\n" % users)
    f.write("mail_home = %s/%%d/%%n\n" % vmail)
    f.write("policy_store = sqlite:%s/policy/policy.db\n" % tmp)
    f.write("ssl_cert = %s\nssl_key = %s\n" % (cert, key))
    f.write("auth_failure_delay = 0\n")
    f.write("hostname = mx.test\n")
    f.write(mail_user_conf(owner, root))
os.chmod(conf, 0o644)
os.mkdir(os.path.join(tmp, "policy"))
p = subprocess.run([BIN, "policy", "-c", conf, "init"], capture_output=True)
expect("policy init", p.returncode, 0)
if root:
    for dirpath, dirs, files in os.walk(os.path.join(tmp, "policy")):
        for n in dirs + files + ["."]:
            os.chown(os.path.join(dirpath, n), owner.pw_uid, owner.pw_gid)

GOOD = 'require ["fileinto", "mailbox"];\nif header :contains "subject" "report" {\n    fileinto :create "Reports";\n}\n'
BAD = 'require "fileinto";\nif header :contains "subject" "x" {\n    fileinto "X"\n}\n'
WARN = 'keep;\nif header :contains "subject" "fwd" {\n    redirect "bob@gmail.example";\n}\n'
for name, text in (("good.sieve", GOOD), ("bad.sieve", BAD), ("warn.sieve", WARN)):
    with open(os.path.join(tmp, name), "w") as f:
        f.write(text)


def check_words(name):
    """`sievegate check -u`'s diagnostics as ManageSieve says them."""
    p = subprocess.run([BIN, "check", "-c", conf, "-u", "alice@example.org", os.path.join(tmp, name)],
                       capture_output=True, text=True)
    out = []
    for line in p.stdout.splitlines():
        prefix = os.path.join(tmp, name) + ":"
        if line.startswith(prefix):
            l, c, rest = line[len(prefix):].split(":", 2)
            out.append("line %s, column %s:%s" % (l, c, rest))
    return "\r\n".join(out)


WARN_TEXT = check_words("warn.sieve")
BAD_TEXT = check_words("bad.sieve")
expect("check -u names the policy", 'will be blocked: external forwarding is off for you (policy "default")'
       in WARN_TEXT, True)
expect("check: the syntax error", BAD_TEXT, "line 4, column 1: error: expected ';' before '}'")


def start():
    return start_server(lambda port: [BIN, "managesieve", "-c", conf, "--listen", "127.0.0.1:%d" % port],
                        os.path.join(tmp, "server.log"))


server, port = start()


def sieve_connect(*args):
    """sieve-connect over STARTTLS, checking the certificate; (rc, stdout, stderr)."""
    r, w = os.pipe()
    os.write(w, b"s3cret pass\n")
    os.close(w)
    p = subprocess.run(["sieve-connect", "--server", "127.0.0.1", "--port", str(port), "--user",
                        "alice@example.org", "--passwordfd", str(r), "--tlscafile", cert, "--noclearchan"] +
                       list(args), capture_output=True, text=True, pass_fds=(r,), cwd=tmp, timeout=60)
    os.close(r)
    return p.returncode, p.stdout, p.stderr


try:
    # ---- sieve-connect ----
    rc, out, err = sieve_connect("--checkscript", "--localsieve", "bad.sieve")
    expect("sieve-connect: a syntax error fails", rc, 1)
    expect("sieve-connect: NO with line and column", 'CHECKSCRIPT failed: NO "%s"' % BAD_TEXT in err, True)
    rc, out, err = sieve_connect("--debug", "--checkscript", "--localsieve", "warn.sieve")
    expect("sieve-connect: a blocked redirect passes", rc, 0)
    want = '<<< OK (WARNINGS) "%s"\\r\\n' % WARN_TEXT.replace('"', '\\"')
    expect("sieve-connect: OK (WARNINGS) in check -u's words", want in err, True)
    expect("sieve-connect: over TLS", ">>> STARTTLS" in err, True)
    rc, out, err = sieve_connect("--upload", "--localsieve", "good.sieve", "--remotesieve", "filters")
    expect("sieve-connect: upload", (rc, err), (0, ""))
    rc, out, err = sieve_connect("--upload", "--localsieve", "bad.sieve", "--remotesieve", "broken")
    expect("sieve-connect: a broken script is refused", rc, 1)
    rc, out, err = sieve_connect("--list")
    expect("sieve-connect: list", (rc, out), (0, '"filters"\n'))

    # ---- python3-sievelib ----
    c = Client("127.0.0.1", port)
    expect("sievelib: STARTTLS and PLAIN", c.connect("alice@example.org", "s3cret pass", starttls=True,
                                                     authmech="PLAIN"), True)
    expect("sievelib: extensions", {"fileinto", "mailbox", "enotify"} <= set(c.get_sieve_capabilities()), True)
    expect("sievelib: list", c.listscripts(), (None, ["filters"]))
    expect("sievelib: checkscript of a broken script", c.checkscript(BAD), False)
    expect("sievelib: its message", c.errmsg.decode().rstrip("\r\n"), BAD_TEXT)
    content = WARN.encode()
    code, data = c._Client__send_command("CHECKSCRIPT", [b"{%d+}\r\n" % len(content) + content])
    expect("sievelib: warnings", (code, data), ("OK", '(WARNINGS) "%s"' % WARN_TEXT.replace('"', '\\"')))
    expect("sievelib: the forward is stored anyway", c.putscript("forward", WARN), True)
    expect("sievelib: a broken one is not", c.putscript("broken", BAD), False)
    expect("sievelib: havespace", c.havespace("new", 1000), True)
    expect("sievelib: setactive", c.setactive("filters"), True)
    expect("sievelib: list with the active one", c.listscripts(), ("filters", ["forward"]))
    expect("sievelib: getscript", c.getscript("filters"), GOOD)
    expect("sievelib: rename", c.renamescript("forward", "forward-old"), True)
    expect("sievelib: the active one cannot be deleted", (c.deletescript("filters"), c.errcode), (False, b"ACTIVE"))
    expect("sievelib: delete", c.deletescript("forward-old"), True)
    c.logout()
    expect("the active link, as Dovecot makes it", os.readlink(os.path.join(home, ".dovecot.sieve")),
           "sieve/filters.sieve")

    # ---- the active script runs at delivery: sievegate deliver (as the mail user, HOME set) ----
    msg = b"From: x@y.org\nTo: alice@example.org\nSubject: monthly report\n\nfigures\n"
    kw = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if root else {}
    p = subprocess.run([BIN, "deliver", "-c", conf, "-a", "alice@example.org", "-f", "x@y.org"], input=msg,
                       capture_output=True, env={"HOME": home, "PATH": os.environ.get("PATH", "")}, **kw)
    expect("deliver: exit 0", (p.returncode, p.stderr), (0, b""))
    reports = os.path.join(home, "Maildir", ".Reports", "new")
    expect("deliver: the uploaded script filed it", len(os.listdir(reports)) if os.path.isdir(reports) else 0, 1)

    # ---- and through sievegate lmtp ----
    p = subprocess.run([BIN, "lmtp", "-c", conf, "--stdio"],
                       input=b"LHLO c\r\nMAIL FROM:<x@y.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                             b"Subject: weekly report\r\n\r\nmore\r\n.\r\nQUIT\r\n", capture_output=True, timeout=30)
    expect("lmtp: delivered", b"250 2.0.0 <alice@example.org> " in p.stdout, True)
    expect("lmtp: the uploaded script filed it", len(os.listdir(reports)) if os.path.isdir(reports) else 0, 2)
finally:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()

log = open(os.path.join(tmp, "server.log")).read()
expect("the log: one line per CHECKSCRIPT (two by each client)", log.count("user=alice@example.org: CHECKSCRIPT "), 4)
shutil.rmtree(tmp, ignore_errors=True)
finish()
