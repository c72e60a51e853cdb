#!/usr/bin/env python3
"""plan_is_delivery.py - the plan is the delivery (docs/cli.md, "The plan is
the delivery"): every script under examples/ and tests/ on its messages goes
through `sievegate test --format json` and through a real `sievegate deliver`
(a throw-away Maildir, a sendmail program that captures what is sent), with
the same configuration, policy and envelope, and what was written and sent
must be exactly what the plan said:

  - one file per mailbox the plan stores into (explicit keep and fileinto, the
    INBOX copy that replaces a skipped one, the implicit keep), with the flags
    of the first action that stores there, plus the :fcc copy of each sent
    vacation reply or notification;
  - one submission per allowed redirect (to its target), per notification
    with allowed recipients (to those), per bounce (to the sender), per due
    reject MDN and per vacation reply that is not skipped;
  - exit 75 with nothing written or sent when the plan says tempfail.

Cases: tests/run/*.sieve with their .args/.policy/.conf, the conformance
cases (tests/conformance/cases.txt, with that runner's configuration and a
policy where forwarding is on), and every example script on every example
message under examples/policy.txt. Cases whose plan depends on what `test`
alone can be told (--now) are skipped and counted.

usage: plan_is_delivery.py SIEVEGATE [-k SUBSTRING] [-v]
Ends with "N cases: N agree, N differ, N skipped"; exit 1 if any differs.
"""
import base64
import concurrent.futures
import email.parser
import email.policy
import email.utils
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
SYSTEM_FLAGS = {"\\seen": "S", "\\answered": "R", "\\flagged": "F", "\\deleted": "T", "\\draft": "D"}
LETTER_FLAG = {v: k for k, v in SYSTEM_FLAGS.items()}

SENDMAIL = """#!/bin/sh
d="%s/sent/$$.$(date +%%s%%N)"
mkdir -p "$d"
printf '%%s\\n' "$@" >"$d/argv"
cat >"$d/data"
"""


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------- cases
def first_address(msg_path, fields):
    with open(msg_path, "rb") as f:
        msg = email.parser.BytesParser(policy=email.policy.compat32).parse(f, headersonly=True)
    for field in fields:
        for _, addr in email.utils.getaddresses([str(v) for v in msg.get_all(field, [])]):
            if "@" in addr:
                return addr
    return None


def run_cases():
    """tests/run: CASE.sieve with CASE.args (test's options, script, message)."""
    d = os.path.join(TOP, "tests", "run")
    cases = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".sieve"):
            continue
        stem = name[:-6]
        with open(os.path.join(d, stem + ".args")) as f:
            words = shlex.split(f.read().replace("$PWD", d))
        c = {"id": "run/" + stem, "dir": d, "policy": ["accepted-domain add example.com --match-subdomains"],
             "conf": "", "overrides": [], "mailboxes": [], "from": None, "to": None, "user": None}
        rest = []
        i = 0
        while i < len(words):
            w = words[i]
            if w in ("-f", "-a", "-u", "-o", "--mailboxes", "--now", "--message-id", "--boundary", "--format"):
                v = words[i + 1]
                i += 2
                if w == "-f":
                    c["from"] = v
                elif w == "-a":
                    c["to"] = v
                elif w == "-u":
                    c["user"] = v
                elif w == "-o":
                    c["overrides"].append(v)
                elif w == "--mailboxes":
                    c["mailboxes"] = [m for m in v.split(",") if m]
                elif w == "--now":
                    c["skip"] = "--now fixes the date for test alone"
                continue
            if w in ("--show-messages", "--trace"):
                i += 1
                continue
            rest.append(w)
            i += 1
        c["script"] = os.path.join(d, rest[0])
        c["message"] = os.path.normpath(os.path.join(d, rest[1]))
        if os.path.exists(os.path.join(d, stem + ".policy")):
            with open(os.path.join(d, stem + ".policy")) as f:
                c["policy"] += [l.strip() for l in f if l.strip() and not l.startswith("#")]
        if os.path.exists(os.path.join(d, stem + ".conf")):
            with open(os.path.join(d, stem + ".conf")) as f:
                c["conf"] = f.read()
        c["sieve_dir"] = d
        cases.append(c)
    return cases


CONFORMANCE_CONF = """max_actions = 32
max_redirects = 4
recipient_delimiter = +
sieve_spamtest_status_header = X-Spam-Status: [[:alnum:]]+, score=(-?[[:digit:]]+\\.[[:digit:]]+)
sieve_spamtest_max_value = 10
sieve_virustest_status_header = X-Virus-Status
sieve_virustest_status_type = text
sieve_virustest_text_value1 = clean
sieve_virustest_text_value3 = suspicious
sieve_virustest_text_value5 = infected
"""


def conformance_cases():
    d = os.path.join(TOP, "tests", "conformance")
    cases = []
    with open(os.path.join(d, "cases.txt")) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            env_from = w[2] if len(w) > 2 and w[2] != "-" else "sender@example.com"
            env_to = w[3] if len(w) > 3 and w[3] != "-" else "recipient@example.com"
            cases.append({"id": "conformance/%s" % "/".join(w), "dir": d,
                          "script": os.path.join(d, "scripts", w[0] + ".sieve"),
                          "message": os.path.join(d, "messages", w[1] + ".eml"),
                          "from": env_from, "to": env_to, "user": None, "overrides": [], "mailboxes": [],
                          "policy": ["set-default --mode on"], "conf": CONFORMANCE_CONF,
                          "sieve_dir": os.path.join(d, "include", "personal"),
                          "sieve_global": os.path.join(d, "include", "global")})
    return cases


def example_cases():
    d = os.path.join(TOP, "examples")
    with open(os.path.join(d, "policy.txt")) as f:
        policy = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    cases = []
    for script in sorted(os.listdir(d)):
        if not script.endswith(".sieve"):
            continue
        for msg in sorted(os.listdir(os.path.join(d, "messages"))):
            cases.append({"id": "examples/%s/%s" % (script, msg), "dir": d, "script": os.path.join(d, script),
                          "message": os.path.join(d, "messages", msg), "from": None,
                          "to": "alice@example.com", "user": None, "overrides": [], "mailboxes": [],
                          "policy": policy, "conf": "hostname = mx.example.com\n", "sieve_dir": d})
    return cases


# ---------------------------------------------------------------- Maildir
def mutf7(name):
    """IMAP modified UTF-7 (RFC 3501 §5.1.3), as the Maildir writer stores names."""
    out, run_ = [], []

    def flush():
        if run_:
            b = base64.b64encode("".join(run_).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append("&" + b + "-")
            run_.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run_.append(ch)
    flush()
    return "".join(out)


def folder_of(mailbox):
    if mailbox.upper() == "INBOX":
        return ""
    return "." + mutf7(mailbox.replace("/", "."))


def expected_flags(items):
    flags = set()
    for item in items or []:
        for f in item.split():
            low = f.lower()
            if low.startswith("\\"):
                if low in SYSTEM_FLAGS:
                    flags.add(low)
            else:
                flags.add("kw:" + low)
    return flags


def maildir_files(root):
    """[(folder, flags)] for every message file in new/ and cur/."""
    files = []
    if not os.path.isdir(root):
        return files
    folders = [""] + sorted(n for n in os.listdir(root) if n.startswith(".") and os.path.isdir(os.path.join(root, n)))
    for folder in folders:
        base = os.path.join(root, folder) if folder else root
        keywords = {}
        kwfile = os.path.join(base, "dovecot-keywords")
        if os.path.exists(kwfile):
            with open(kwfile, encoding="utf-8", errors="replace") as f:
                for line in f:
                    parts = line.split(None, 1)
                    if len(parts) == 2 and parts[0].isdigit():
                        keywords[chr(ord("a") + int(parts[0]))] = parts[1].strip().lower()
        for sub in ("new", "cur"):
            p = os.path.join(base, sub)
            for name in sorted(os.listdir(p)) if os.path.isdir(p) else []:
                if name.startswith("."):  # not a message (Maildir readers skip dot files)
                    continue
                flags = set()
                if ":2," in name:
                    for letter in name.split(":2,", 1)[1]:
                        if letter in LETTER_FLAG:
                            flags.add(LETTER_FLAG[letter])
                        elif letter in keywords:
                            flags.add("kw:" + keywords[letter])
                files.append((folder, frozenset(flags)))
    return sorted(files, key=lambda t: (t[0], sorted(t[1])))


def captured(sent_dir):
    out = []
    for name in sorted(os.listdir(sent_dir)) if os.path.isdir(sent_dir) else []:
        with open(os.path.join(sent_dir, name, "argv")) as f:
            argv = f.read().split("\n")[:-1]
        rcpts = argv[argv.index("--") + 1:] if "--" in argv else []
        sender = argv[argv.index("-f") + 1] if "-f" in argv else None
        out.append((sender in ("", "<>"), tuple(sorted(r.lower() for r in rcpts))))
    return sorted(out)


# ---------------------------------------------------------------- expectations
def expect(plan, env_from):
    """What the plan says: ([(folder, flags)], [(null_sender, rcpts)], tempfail)."""
    stores, files, sends = {}, [], []
    bounce_to = None  # one DSN lists every blocked target (policy.md)
    for a in plan["actions"]:
        kind = a["action"]
        skipped = "skipped" in a
        if kind in ("keep", "fileinto") and not skipped:
            folder = folder_of(a["mailbox"])
            if folder not in stores:  # less what a Maildir file name cannot hold, as the plan says
                dropped = {"kw:" + k.lower() for k in a.get("flags_dropped", [])}
                stores[folder] = frozenset(expected_flags(a.get("flags")) - dropped)
        elif kind == "redirect" and a.get("verdict") == "allow":
            sends.append((False, (a["address"].lower(),)))
        elif kind == "bounce":
            bounce_to = a["to"].lower()
        elif kind == "reject" and a.get("mdn") == "due":
            sends.append((True, (env_from.lower(),)))
        elif kind == "vacation" and not skipped:
            sends.append((True, (a["to"].lower(),)))
            if a.get("fcc") and "skipped" not in a["fcc"]:
                files.append((folder_of(a["fcc"]["mailbox"]), frozenset(expected_flags(a["fcc"]["flags"]))))
        elif kind == "notify" and a.get("verdict") == "allow":
            rcpts = tuple(sorted(r["address"].lower() for r in a.get("recipients", []) if r.get("verdict") == "allow"))
            sends.append((False, rcpts))
            if a.get("fcc") and "skipped" not in a["fcc"]:
                files.append((folder_of(a["fcc"]["mailbox"]), frozenset(expected_flags(a["fcc"]["flags"]))))
    if bounce_to is not None:
        sends.append((True, (bounce_to,)))
    files += list(stores.items())
    return sorted(files, key=lambda t: (t[0], sorted(t[1]))), sorted(sends), bool(plan.get("tempfail"))


# ---------------------------------------------------------------- one case
def policy_db(binary, conf, commands, cache, lock):
    key = "\n".join(commands)
    with lock:
        if key not in cache:
            path = os.path.join(os.path.dirname(conf), "..", "policy-%d.db" % len(cache))
            path = os.path.normpath(path)
            tconf = path + ".conf"
            with open(tconf, "w") as f:
                f.write("policy_store = sqlite:%s\n" % path)
            for line in commands:
                rc, out, err = run([binary, "policy", "--config", tconf] + shlex.split(line))
                if rc != 0:
                    raise RuntimeError("policy %s: %s" % (line, err.strip()))
            cache[key] = path
        return cache[key]


def run_one(binary, work, c, cache, lock):
    if c.get("skip"):
        return "skip", c["skip"]
    case = tempfile.mkdtemp(dir=work)
    home = os.path.join(case, "home")
    maildir = os.path.join(home, "Maildir")
    os.makedirs(os.path.join(case, "sent"))
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub))
    for m in c["mailboxes"]:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, folder_of(m), sub), exist_ok=True)
        open(os.path.join(maildir, folder_of(m), "maildirfolder"), "w").close()
    sendmail = os.path.join(case, "sendmail")
    with open(sendmail, "w") as f:
        f.write(SENDMAIL % case)
    os.chmod(sendmail, 0o755)
    script = os.path.join(case, "script.sieve")  # deliver writes script.sieve.log beside it
    shutil.copyfile(c["script"], script)
    conf = os.path.join(case, "sievegate.conf")
    db = policy_db(binary, conf, c["policy"], cache, lock)
    case_db = os.path.join(case, "policy.db")
    shutil.copyfile(db, case_db)
    with open(conf, "w") as f:
        f.write("hostname = mx.example.com\n")
        f.write(c["conf"])
        f.write("\npolicy_store = sqlite:%s\n" % case_db)
        f.write("policy_snapshot_file = no\n")
        f.write("mail_location = maildir:%s\n" % maildir)
        f.write("sieve = %s\n" % script)
        f.write("sieve_dir = %s\n" % c["sieve_dir"])
        if c.get("sieve_global"):
            f.write("sieve_global = %s\n" % c["sieve_global"])
        f.write("sendmail_path = %s\n" % sendmail)
        f.write("audit_log = %s\n" % os.path.join(case, "audit.db"))
        f.write("audit_spool_dir = %s\n" % os.path.join(case, "audit-spool"))
        f.write("state_file = %s\n" % os.path.join(case, "state.db"))
        f.write("mail_fsync = never\nfirst_valid_uid = 0\n")
    env_from = c["from"] if c["from"] is not None else (first_address(c["message"], ["return-path", "from"]) or "")
    env_to = c["to"] or first_address(c["message"], ["to"]) or "recipient@example.com"
    if c["user"]:
        user = c["user"] if "@" in c["user"] else c["user"] + "@" + env_to.rsplit("@", 1)[-1]
        if user.split("@")[0] != env_to.split("@")[0].split("+")[0]:
            return "skip", "-u names another owner than the recipient (deliver's owner is the recipient)"
    overrides = []
    for o in c["overrides"]:
        if o.startswith("mail_location=maildir:"):  # the case's Maildir, copied: nothing writes into the tree
            shutil.rmtree(maildir)
            shutil.copytree(o.split(":", 1)[1], maildir)
            continue
        overrides += ["-o", o]
    environ = dict(os.environ, HOME=home)
    trc, tout, terr = run([binary, "test", "--config", conf] + overrides +
                          ["--format", "json", "-f", env_from, "-a", env_to, c["script"], c["message"]], environ)
    if trc not in (0, 1):
        return "differ", "test exited %d: %s" % (trc, terr.strip()[:300])
    plan = json.loads(tout)
    drc, dout, derr = run([binary, "deliver", "--config", conf] + overrides +
                          ["-f", env_from, "-a", env_to, "-p", c["message"]], environ)
    want_files, want_sends, tempfail = expect(plan, env_from)
    got_files = maildir_files(maildir)
    got_sends = captured(os.path.join(case, "sent"))
    problems = []
    if tempfail:
        if drc != 75 or got_files or got_sends:
            problems.append("plan says tempfail; deliver exited %d, stored %s, sent %s" % (drc, got_files, got_sends))
    else:
        if drc != 0:
            problems.append("deliver exited %d: %s" % (drc, derr.strip()[:300]))
        if got_files != want_files:
            problems.append("stored %s, the plan says %s" % (show(got_files), show(want_files)))
        if got_sends != want_sends:
            problems.append("sent %s, the plan says %s" % (got_sends, want_sends))
    if problems:
        return "differ", "; ".join(problems)
    shutil.rmtree(case, ignore_errors=True)
    return "agree", ""


def show(files):
    return [(f or "INBOX", sorted(fl)) for f, fl in files]


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    only = None
    if "-k" in args:
        i = args.index("-k")
        only = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    binary = os.path.abspath(args[0])
    cases = run_cases() + conformance_cases() + example_cases()
    if only:
        cases = [c for c in cases if only in c["id"]]
    work = tempfile.mkdtemp(prefix="sievegate-plan-")
    os.makedirs(os.path.join(work, "cases"))
    import threading
    lock = threading.Lock()
    cache = {}
    counts = {"agree": 0, "differ": 0, "skip": 0}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            futures = {pool.submit(run_one, binary, os.path.join(work, "cases"), c, cache, lock): c for c in cases}
            for fut in concurrent.futures.as_completed(futures):
                c = futures[fut]
                try:
                    verdict, why = fut.result()
                except Exception as e:  # a broken case is a failure, never a pass
                    verdict, why = "differ", "%s: %s" % (type(e).__name__, e)
                counts[verdict] += 1
                if verdict == "differ" or (verbose and verdict == "skip"):
                    print("%s %s: %s" % ("DIFFER" if verdict == "differ" else "skip", c["id"], why))
    finally:
        if not counts["differ"]:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept: %s" % work)
    print("%d cases: %d agree, %d differ, %d skipped" % (len(cases), counts["agree"], counts["differ"], counts["skip"]))
    return 1 if counts["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
