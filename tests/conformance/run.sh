#!/bin/sh
# run.sh - differential conformance test: sievegate against Pigeonhole's sieve-test.
#
#   tests/conformance/run.sh [-v] [-j JOBS] [-k ID-SUBSTRING] SIEVEGATE_BINARY
#
# For every line of cases.txt ("SCRIPT MESSAGE [ENVFROM [ENVTO]]") it runs
#   SIEVEGATE_BINARY test --format json ... SCRIPT MESSAGE
#   sieve-test -c CONF SCRIPT MESSAGE -f ENVFROM -a ENVTO
# converts both outputs to one normalised form (see README.md) and compares them.
# Ends with exactly one line "N passed, N failed" (", N skipped" only when
# sieve-test is not installed; then it exits 0). Exit 1 if any case differs
# that is not listed in known_differences.txt, 2 on a usage or setup error.
#
# Environment: SIEVE_TEST (default: sieve-test from PATH), SIEVE_TEST_USER
# (default sgtest; used, and created if missing, only when run as root: sieve-test
# then runs with that user's uid and gid, since Pigeonhole refuses to run as root), CONFORMANCE_CASES (default cases.txt next
# to this script), CONFORMANCE_KNOWN (default known_differences.txt).
# Needs python3 (standard library only).
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$here" "$@" <<'PYTHON'
import concurrent.futures
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

HERE = sys.argv[1]
ARGS = sys.argv[2:]

DEFAULT_FROM = "sender@example.com"
DEFAULT_TO = "recipient@example.com"
PIGEONHOLE_CONF = """protocols =
mail_location = maildir:{maildir}
plugin {{
  recipient_delimiter = +
  sieve_extensions = +spamtest +spamtestplus +virustest +editheader +special-use +mboxmetadata +servermetadata
  sieve = file:{includes}/personal;active={includes}/active.sieve
  sieve_global = file:{includes}/global
{spamvirus}}}
"""
# RFC 5235 and RFC 6609 (include/lists part of issue 4): the same settings
# for both tools, with Pigeonhole's names. SpamAssassin-style score header
# for spamtest, a text status for virustest.
SPAMVIRUS_CONF = """  sieve_spamtest_status_header = X-Spam-Status: [[:alnum:]]+, score=(-?[[:digit:]]+\\.[[:digit:]]+)
  sieve_spamtest_max_value = 10
  sieve_virustest_status_header = X-Virus-Status
  sieve_virustest_status_type = text
  sieve_virustest_text_value1 = clean
  sieve_virustest_text_value3 = suspicious
  sieve_virustest_text_value5 = infected
"""
SIEVEGATE_CONF = """# written by tests/conformance/run.sh: the limits Pigeonhole uses by default
max_actions = 32
max_redirects = 4
recipient_delimiter = +
"""


def usage(msg=None):
    if msg:
        print("run.sh: " + msg, file=sys.stderr)
    print("usage: tests/conformance/run.sh [-v] [-j JOBS] [-k ID-SUBSTRING] SIEVEGATE_BINARY", file=sys.stderr)
    sys.exit(2)


verbose = False
jobs = max(1, min(8, os.cpu_count() or 1))
only = None
binary = None
i = 0
while i < len(ARGS):
    a = ARGS[i]
    if a == "-v":
        verbose = True
    elif a == "-j" and i + 1 < len(ARGS):
        i += 1
        try:
            jobs = max(1, int(ARGS[i]))
        except ValueError:
            usage("-j needs a number")
    elif a == "-k" and i + 1 < len(ARGS):
        i += 1
        only = ARGS[i]
    elif a in ("-h", "--help"):
        usage()
    elif a.startswith("-") and a != "-":
        usage("unknown option " + a)
    elif binary is None:
        binary = a
    else:
        usage("too many arguments")
    i += 1
if binary is None:
    usage("missing SIEVEGATE_BINARY")
binary = os.path.abspath(binary)
if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
    usage("%s is not an executable file" % binary)

cases_file = os.environ.get("CONFORMANCE_CASES") or os.path.join(HERE, "cases.txt")
known_file = os.environ.get("CONFORMANCE_KNOWN") or os.path.join(HERE, "known_differences.txt")
scripts_dir = os.path.join(HERE, "scripts")
messages_dir = os.path.join(HERE, "messages")


# ---------------------------------------------------------------- case list
def resolve(name, directory, ext):
    for cand in (name, os.path.join(directory, name), os.path.join(directory, name + ext)):
        if os.path.isfile(cand):
            return os.path.abspath(cand)
    return None


def stem(path):
    base = os.path.basename(path)
    return base.rsplit(".", 1)[0] if "." in base else base


cases = []
setup_errors = []
try:
    with open(cases_file, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) < 2 or len(fields) > 4:
                setup_errors.append("%s:%d: expected SCRIPT MESSAGE [ENVFROM [ENVTO]]" % (cases_file, lineno))
                continue
            script = resolve(fields[0], scripts_dir, ".sieve")
            message = resolve(fields[1], messages_dir, ".eml")
            if not script or not message:
                setup_errors.append("%s:%d: no such %s" % (cases_file, lineno, "script" if not script else "message"))
                continue
            envfrom = fields[2] if len(fields) > 2 and fields[2] != "-" else None
            envto = fields[3] if len(fields) > 3 and fields[3] != "-" else None
            if envfrom in ("<>", '""'):
                setup_errors.append("%s:%d: the null sender cannot be given to sieve-test (see README.md)"
                                    % (cases_file, lineno))
                continue
            cid = stem(script) + "/" + stem(message)
            if len(fields) > 2:
                cid += "/" + "/".join(fields[2:])
            cases.append({"id": cid, "line": lineno, "script": script, "message": message,
                          "from": envfrom or DEFAULT_FROM, "to": envto or DEFAULT_TO})
except OSError as e:
    usage("cannot read %s: %s" % (cases_file, e))
if setup_errors:
    for e in setup_errors:
        print(e, file=sys.stderr)
    sys.exit(2)
ids = {}
for c in cases:
    if c["id"] in ids:
        print("%s:%d: duplicate case %s (first on line %d)" % (cases_file, c["line"], c["id"], ids[c["id"]]),
              file=sys.stderr)
        sys.exit(2)
    ids[c["id"]] = c["line"]
if only:
    cases = [c for c in cases if only in c["id"]]

known = {}
if os.path.exists(known_file):
    with open(known_file, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 1)
            known[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
for k in known:
    if k not in ids:
        print("warning: known_differences.txt lists %s, which is not a case" % k, file=sys.stderr)

# ---------------------------------------------------------------- Pigeonhole
sieve_test = os.environ.get("SIEVE_TEST") or shutil.which("sieve-test")
if not sieve_test or not os.access(sieve_test, os.X_OK):
    print("sieve-test (Pigeonhole) is not installed: every case is skipped")
    print("0 passed, 0 failed, %d skipped" % len(cases))
    sys.exit(0)

workdir = tempfile.mkdtemp(prefix="sieve-conformance.")
uid = gid = None
if os.geteuid() == 0:
    user = os.environ.get("SIEVE_TEST_USER") or "sgtest"
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "-M", "-r", "-s", "/usr/sbin/nologin", user],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            print("run.sh: running as root and cannot create user %s for sieve-test" % user, file=sys.stderr)
            sys.exit(2)
    uid, gid = pw.pw_uid, pw.pw_gid


def own(path):
    if uid is not None:
        os.chown(path, uid, gid)


own(workdir)
os.chmod(workdir, 0o755)
for sub in ("scripts", "messages", "Maildir", "home", "include"):
    os.mkdir(os.path.join(workdir, sub))
    own(os.path.join(workdir, sub))
pconf = os.path.join(workdir, "dovecot.conf")
with open(pconf, "w") as f:
    f.write(PIGEONHOLE_CONF.format(maildir=os.path.join(workdir, "Maildir"), includes=os.path.join(workdir, "include"),
                                   spamvirus=SPAMVIRUS_CONF))
own(pconf)
# The scripts "include" names (RFC 6609): include/personal and include/global.
for sub in ("personal", "global"):
    src_dir = os.path.join(HERE, "include", sub)
    dst_dir = os.path.join(workdir, "include", sub)
    os.mkdir(dst_dir)
    own(dst_dir)
    for name in sorted(os.listdir(src_dir)) if os.path.isdir(src_dir) else []:
        shutil.copyfile(os.path.join(src_dir, name), os.path.join(dst_dir, name))
        own(os.path.join(dst_dir, name))
sconf = os.path.join(workdir, "sievegate.conf")
with open(sconf, "w") as f:
    f.write(SIEVEGATE_CONF)
    f.write(SPAMVIRUS_CONF)
    f.write("sieve_dir = %s\n" % os.path.join(workdir, "include", "personal"))
    f.write("sieve_global = %s\n" % os.path.join(workdir, "include", "global"))
    # Pigeonhole has no forwarding policy: compare the Sieve semantics alone,
    # with a policy store where external forwarding is on for everyone.
    f.write("policy_store = sqlite:%s\n" % os.path.join(workdir, "policy.db"))
subprocess.run([binary, "policy", "--config", sconf, "set-default", "--mode", "on"],
               check=True, stdout=subprocess.DEVNULL)

copies = {}


def copy_in(path, sub):
    key = (path, sub)
    if key not in copies:
        dst = os.path.join(workdir, sub, "%d-%s" % (len(copies), os.path.basename(path)))
        shutil.copyfile(path, dst)
        own(dst)
        os.chmod(dst, 0o644)
        copies[key] = dst
    return copies[key]


for c in cases:
    c["pscript"] = copy_in(c["script"], "scripts")
    c["pmessage"] = copy_in(c["message"], "messages")


def run(cmd, env=None, drop=False):
    extra = {"user": uid, "group": gid, "extra_groups": []} if drop and uid is not None else {}
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60, env=env, **extra)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"


# ---------------------------------------------------------------- normalisation
def sanitize(s, max_bytes=128):
    """What Pigeonhole's str_sanitize(s, 128) prints for a mailbox name or a
    reject reason: control characters become '?', longer strings are cut at a
    character boundary and end in '...'."""
    s = "".join("?" if (ord(ch) < 32 or ord(ch) == 0x7F) else ch for ch in s)
    b = s.encode("utf-8")
    if len(b) <= max_bytes:
        return s
    b = b[:max_bytes - 3]
    return b.decode("utf-8", "ignore") + "..."


def esc(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def norm_flags(flags):
    # RFC 5232 section 3: a flag list is a set of case-insensitive words.
    words = set()
    for f in flags:
        for w in f.split():
            words.add(w.lower())
    return (" flags=" + ",".join(sorted(words))) if words else ""


def norm_mailbox(name):
    # RFC 3501 section 5.1: INBOX is case-insensitive.
    return "INBOX" if name.upper() == "INBOX" else sanitize(name)


def store_line(mailbox, flags, copy, create=False, specialuse=None):
    m = norm_mailbox(mailbox)
    return (("keep INBOX" if m == "INBOX" else "fileinto " + m) + norm_flags(flags) + (" copy" if copy else "")
            + (" create" if create else "") + (" specialuse=" + specialuse if specialuse else ""))


def norm_address(a):
    a = a.strip()
    if a.startswith("<") and a.endswith(">"):
        a = a[1:-1]
    if "@" in a:
        local, dom = a.rsplit("@", 1)
        a = local + "@" + dom.lower()
    return a


def body_text(s):
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return esc(s.rstrip("\n"))


def vacation_line(seconds, subject, frm, reason):
    out = "vacation seconds=%s" % seconds
    if subject is not None:
        out += " subject=" + esc(subject)
    if frm is not None:
        out += " from=" + esc(frm)
    return out + " reason=" + body_text(reason or "")


def norm_recipient(r):
    # "To: Name <a@b>" (Pigeonhole keeps a display name) -> "To: a@b"
    kind, _, addr = r.partition(": ")
    m = re.search(r"<([^<>]*)>\s*$", addr)
    return kind + ": " + (m.group(1) if m else addr.strip())


def notify_line(importance, frm, subject, rcpts):
    out = "notify importance=%s" % importance
    if frm is not None:
        out += " from=" + esc(frm)
    if subject is not None:
        out += " subject=" + esc(subject)
    return out + " recipients=" + ",".join(sorted(norm_recipient(r) for r in rcpts))


def uri_subject(method):
    # The first "subject" URI header (RFC 6068), as Pigeonhole shows it when there is no :message.
    import urllib.parse
    q = method.split("?", 1)[1] if "?" in method else ""
    for part in q.split("&"):
        name, _, value = part.partition("=")
        if urllib.parse.unquote(name).lower() == "subject":
            return urllib.parse.unquote(value)
    return None


def duplicate_line(last, handle):
    # RFC 7352: an id the run would record once the delivery succeeded (Pigeonhole
    # prints it as an action, "track [last] duplicate [with handle: H]").
    return "track-duplicate" + (" last" if last else "") + ("" if handle is None else " handle=" + sanitize(handle))


def normalise_sievegate(rc, out, err):
    if rc == 1:
        return ["invalid"]
    if rc != 0:
        return ["sievegate-exit-%d %s" % (rc, (err.strip().splitlines() or [""])[0])]
    try:
        j = json.loads(out)
    except ValueError:
        return ["sievegate-bad-json " + esc(out[:200])]
    lines = []
    failed = bool(j.get("errors"))
    if failed:
        lines.append("error")
    implicit_seen = False
    for a in j.get("actions", []):
        kind = a.get("action")
        if kind == "keep" and a.get("implicit"):
            implicit_seen = True
            lines.append("implicit-keep INBOX" + ("" if failed else norm_flags(a.get("flags", []))))
        elif kind in ("keep", "fileinto"):
            lines.append(store_line(a.get("mailbox") or "", a.get("flags", []), a.get("copy", False),
                                    a.get("create", False), a.get("specialuse")))
        elif kind == "redirect":
            lines.append("redirect " + norm_address(a.get("address") or "") + (" copy" if a.get("copy") else ""))
        elif kind == "discard":
            lines.append("discard")
        elif kind == "reject":
            lines.append(("ereject " if a.get("extended") else "reject ") + sanitize(a.get("reason") or ""))
        elif kind == "vacation":
            lines.append(vacation_line(a.get("seconds"), a.get("subject"), a.get("from"), a.get("reason")))
        elif kind == "notify":
            subject = a.get("message")
            if subject is None:
                subject = uri_subject(a.get("method") or "")
            rcpts = [("Cc: " if r.get("header") == "cc" else "To: ") + r.get("address", "")
                     for r in a.get("recipients", [])]
            lines.append(notify_line(a.get("importance"), a.get("from"), subject, rcpts))
        else:
            lines.append("unknown-action " + json.dumps(a, sort_keys=True))
    for d in j.get("duplicates", []):
        lines.append(duplicate_line(d.get("last"), d.get("handle")))
    if bool(j.get("implicit_keep")) != implicit_seen:
        lines.append("sievegate-inconsistent implicit_keep=%s" % j.get("implicit_keep"))
    return lines


ACTION_RE = re.compile(r"^ \* (.*)$")
MOD_RE = re.compile(r"^\s+\+ (.*)$")
VAC_FIELD_RE = re.compile(r"^    => (\w+)\s*: ?(.*)$")


def normalise_pigeonhole(rc, out, err):
    if rc != 0:
        if "failed to compile sieve script" in err or "validation failed" in err:
            return ["invalid"]
        if "final result: failed" in err:
            if "resolved with successful implicit keep" in err:
                return ["error", "implicit-keep INBOX"]
            return ["error"]
        return ["pigeonhole-exit-%d %s" % (rc, (err.strip().splitlines() or [""])[-1])]
    lines = []
    section = None
    cur = None  # the action being read: dict

    def flush():
        nonlocal cur
        if cur is None:
            return
        k = cur["kind"]
        if k == "store":
            if section == "implicit":
                lines.append("implicit-keep " + norm_mailbox(cur["mailbox"]) + norm_flags(cur["flags"]))
            else:
                lines.append(store_line(cur["mailbox"], cur["flags"], cur["copy"], cur.get("create", False),
                                        cur.get("specialuse")))
        elif k == "redirect":
            lines.append("redirect " + norm_address(cur["address"]) + (" copy" if cur["copy"] else ""))
        elif k == "vacation":
            f = cur["fields"]
            lines.append(vacation_line(f.get("seconds"), f.get("subject"), f.get("from"), "\n".join(cur["body"])))
        elif k == "notify":
            f = cur["fields"]
            lines.append(notify_line(f.get("importance"), f.get("from"), f.get("subject"), cur["rcpts"]))
        else:
            lines.append(cur["text"])
        cur = None

    vac_state = None  # None, "fields", "body"
    last_field = None
    for raw in out.split("\n"):
        if cur is not None and cur["kind"] == "notify" and not ACTION_RE.match(raw) and \
                raw not in ("Performed actions:", "Implicit keep:"):
            # "    => field : value", "       + To: ADDR" under recipients, a body between "--" lines
            if raw == "--":
                cur["in_body"] = not cur.get("in_body", False)
                continue
            if cur.get("in_body") or not raw.strip():
                continue
            m = VAC_FIELD_RE.match(raw)
            if m:
                last_field = m.group(1)
                cur["fields"][last_field] = m.group(2)
                continue
            m = MOD_RE.match(raw)
            if m and last_field == "recipients":
                cur["rcpts"].append(m.group(1))
            elif not (m and last_field == "headers") and raw.strip() != "NONE, action has no effect":
                lines.append("pigeonhole-unparsed " + raw.strip())
            continue
        if cur is not None and cur["kind"] == "vacation" and vac_state is not None:
            if vac_state == "body":
                if raw == "END MESSAGE":
                    vac_state = None
                else:
                    cur["body"].append(raw)
                continue
            if raw == "START MESSAGE":
                vac_state = "body"
                continue
            m = VAC_FIELD_RE.match(raw)
            if m:
                last_field = m.group(1)
                cur["fields"][last_field] = m.group(2)
            elif last_field is not None:
                cur["fields"][last_field] += "\n" + raw
            continue
        if raw == "Performed actions:":
            flush()
            section = "performed"
            continue
        if raw == "Implicit keep:":
            flush()
            section = "implicit"
            continue
        if section is None or not raw.strip() or raw.strip() == "(none)":
            continue
        m = ACTION_RE.match(raw)
        if m:
            flush()
            text = m.group(1)
            if text.startswith("store message in folder: "):
                cur = {"kind": "store", "mailbox": text[len("store message in folder: "):], "flags": [], "copy": False}
            elif text.startswith("redirect message to: "):
                cur = {"kind": "redirect", "address": text[len("redirect message to: "):], "copy": False}
            elif text == "discard":
                cur = {"kind": "other", "text": "discard"}
            elif text.startswith("reject message with reason: "):
                cur = {"kind": "other", "text": "reject " + text[len("reject message with reason: "):]}
            elif text.startswith("send notification with method "):
                cur = {"kind": "notify", "fields": {}, "rcpts": []}
                last_field = None
            elif re.match(r"^track( last)? duplicate( with handle: .*)?$", text):
                m2 = re.match(r"^track( last)? duplicate(?: with handle: (.*))?$", text)
                cur = {"kind": "other", "text": duplicate_line(m2.group(1) is not None, m2.group(2))}
            elif text == "send vacation message:":
                cur = {"kind": "vacation", "fields": {}, "body": []}
                vac_state, last_field = "fields", None
            else:
                cur = {"kind": "other", "text": "pigeonhole-action " + text}
            continue
        m = MOD_RE.match(raw)
        if m and cur is not None:
            mod = m.group(1)
            if mod.startswith("add IMAP flags: "):
                cur.setdefault("flags", []).extend(mod[len("add IMAP flags: "):].split())
            elif mod == "preserve implicit keep":
                cur["copy"] = True
            elif mod == "create mailbox if it does not exist":  # RFC 5490 fileinto :create
                cur["create"] = True
            elif re.match(r"^use mailbox with special-use flag `(.*)' instead if accessible$", mod):  # RFC 8579
                cur["specialuse"] = re.match(r"^use mailbox with special-use flag `(.*)'", mod).group(1)
            else:
                cur["text"] = cur.get("text", cur["kind"]) + " +" + mod
                if cur["kind"] != "other":
                    lines.append("pigeonhole-modifier " + mod)
            continue
        lines.append("pigeonhole-unparsed " + raw.strip())
    flush()
    return lines


# ---------------------------------------------------------------- run
def run_case(c):
    sg_cmd = [binary, "test", "--config", sconf, "--format", "json", "-f", c["from"], "-a", c["to"],
              c["script"], c["message"]]
    src, sout, serr = run(sg_cmd)
    ph_cmd = [sieve_test, "-c", pconf, "-f", c["from"], "-a", c["to"], c["pscript"], c["pmessage"]]
    env = dict(os.environ)
    env["HOME"] = os.path.join(workdir, "home")
    env["USER"] = env["LOGNAME"] = pwd.getpwuid(uid if uid is not None else os.geteuid()).pw_name
    prc, pout, perr = run(ph_cmd, env, drop=True)
    sg = normalise_sievegate(src, sout, serr)
    ph = normalise_pigeonhole(prc, pout, perr)
    return c, sg, ph, (src, sout, serr), (prc, pout, perr)


passed = failed = 0
unexpected = []
known_hit = []
known_passing = []
try:
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run_case, cases))
finally:
    shutil.rmtree(workdir, ignore_errors=True)

for c, sg, ph, sraw, praw in results:
    same = sorted(sg) == sorted(ph)
    if same:
        passed += 1
        if c["id"] in known:
            known_passing.append(c["id"])
        if verbose:
            print("ok    %s" % c["id"])
            for line in sorted(sg):
                print("        %s" % line)
        continue
    failed += 1
    is_known = c["id"] in known
    print("%s %s   (cases.txt:%d)" % ("KNOWN" if is_known else "FAIL ", c["id"], c["line"]))
    if is_known:
        print("    known difference: %s" % known[c["id"]])
    only_sg = sorted(set(sg) - set(ph))
    only_ph = sorted(set(ph) - set(sg))
    print("    sievegate:")
    for line in sorted(sg):
        print("      %s %s" % ("-" if line in only_sg else " ", line))
    print("    pigeonhole:")
    for line in sorted(ph):
        print("      %s %s" % ("+" if line in only_ph else " ", line))
    if verbose:
        print("    sievegate exit %d, stderr: %s" % (sraw[0], sraw[2].strip().replace("\n", " | ")[:400]))
        print("    sieve-test exit %d, stderr: %s" % (praw[0], praw[2].strip().replace("\n", " | ")[:400]))
    (known_hit if is_known else unexpected).append(c["id"])

for k in known_passing:
    print("note: %s is listed in known_differences.txt but now passes" % k)
if known_hit:
    print("%d of the failures are known differences (known_differences.txt)" % len(known_hit))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if unexpected else 0)
PYTHON
