#!/bin/sh
# Privileges of `sievegate deliver` (issue 8; README.md here): refusing to
# deliver as root unless first_valid_uid = 0, dropping to -d USER's uid, gid
# and supplementary groups before touching any file, never following a
# symlink out of the user's Maildir or onto the script log, and leaving the
# policy store untouched (opened read-only). Needs root to create a test user;
# skipped (exit 77) otherwise.
# usage: privileges.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/../e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
u=sievegate-e2e
g=sievegate-e2e-extra
getent group "$g" >/dev/null 2>&1 || groupadd -r "$g" 2>/dev/null
id "$u" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin "$u" 2>/dev/null
id "$u" >/dev/null 2>&1 && getent group "$g" >/dev/null 2>&1 || { echo "skipped: cannot create $u/$g"; exit 77; }
usermod -a -G "$g" "$u" 2>/dev/null

chmod 755 "$tmp"
uhome="$tmp/uhome"
mkdir -p "$uhome" "$tmp/sent" "$tmp/policy"
chown "$u" "$uhome" "$tmp/sent"
# The capturing sendmail also records who runs it (the delivering process's rights).
cat >"$tmp/sendmail" <<EOS
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
dir="$tmp/sent/\$n"
mkdir -p "\$dir"
printf '%s\n' "\$@" >"\$dir/argv"
id -u -n >"\$dir/user"
id -G -n | tr ' ' '\n' | sort >"\$dir/groups"
cat >"\$dir/data"
EOS
chmod 755 "$tmp/sendmail"
conf="$tmp/sievegate.conf"
cat >"$conf" <<EOC
policy_store = sqlite:$tmp/policy/policy.db
hostname = mx.corp.example
mail_location = maildir:$uhome/Maildir
sieve = $uhome/.dovecot.sieve
state_file = $uhome/.sievegate.state.db
sendmail_path = $tmp/sendmail
audit_log = syslog
EOC
chmod 644 "$conf"
"$bin" policy --config "$conf" accepted-domain add corp.example >/dev/null
chmod 644 "$tmp/policy/policy.db" && chmod 755 "$tmp/policy"
msg="$tmp/msg.eml"
printf 'From: Carol <carol@corp.example>\r\nTo: alice@corp.example\r\nSubject: hi\r\nMessage-ID: <p1@corp.example>\r\n\r\nbody\r\n' >"$msg"
chmod 644 "$msg"
count() { if [ -d "$1" ]; then ls "$1" | wc -l | tr -d ' '; else echo 0; fi; }
expect_count() { got=$(count "$2"); if [ "$got" = "$3" ]; then ok; else fail "$1: $got files in $2, expected $3"; fi; }
reset() {
    rm -rf "$uhome/Maildir" "$uhome/.dovecot.sieve" "$uhome/.dovecot.sieve.log" "$uhome/.sievegate.state.db" \
        "$tmp/sent"/* "$tmp/outside" "$tmp/root-home"
}

# 1. As root without -d (the target is root): refused, 75, nothing stored.
reset
HOME="$tmp/root-home" run "$bin" deliver --config "$conf" -o "mail_location=maildir:$tmp/root-home/Maildir" \
    -o "sieve=$tmp/root-home/.dovecot.sieve" -o "state_file=$tmp/root-home/state.db" -f carol@corp.example -p "$msg"
expect_rc "root without -d" 75
if grep -q 'refusing to deliver as root (uid 0): below first_valid_uid 1' "$tmp/err"; then ok; else fail "root without -d: stderr: $(cat "$tmp/err")"; fi
if [ -e "$tmp/root-home" ]; then fail "root without -d: files were created"; else ok; fi

# 2. -d root: refused as well.
run "$bin" deliver --config "$conf" -o "mail_location=maildir:$tmp/root-home/Maildir" -o "sieve=$tmp/root-home/.dovecot.sieve" \
    -o "state_file=$tmp/root-home/state.db" -d root -f carol@corp.example -p "$msg"
expect_rc "-d root" 75
if [ -e "$tmp/root-home" ]; then fail "-d root: files were created"; else ok; fi

# 3. first_valid_uid = 0 allows it explicitly; a bad value is a configuration error (75).
run "$bin" deliver --config "$conf" -o first_valid_uid=0 -o "mail_location=maildir:$tmp/root-home/Maildir" \
    -o "sieve=$tmp/root-home/.dovecot.sieve" -o "state_file=$tmp/root-home/state.db" -d root -f carol@corp.example -p "$msg"
expect_rc "first_valid_uid = 0" 0
expect_count "first_valid_uid = 0: stored" "$tmp/root-home/Maildir/new" 1
run "$bin" deliver --config "$conf" -o first_valid_uid=zero -d "$u" -f carol@corp.example -p "$msg"
expect_rc "first_valid_uid = zero" 75
# A user below the range is refused too.
uid=$(id -u "$u")
run "$bin" deliver --config "$conf" -o "first_valid_uid=$((uid + 1))" -d "$u" -f carol@corp.example -p "$msg"
expect_rc "uid below first_valid_uid" 75
expect_count "below first_valid_uid: nothing stored" "$uhome/Maildir/new" 0

# 4. -d USER: runs with the user's uid, gid and supplementary groups, never root's.
reset
printf 'require "copy";\nredirect :copy "bob@corp.example";\n' >"$uhome/.dovecot.sieve"
run "$bin" deliver --config "$conf" -d "$u" -f carol@corp.example -a alice@corp.example -p "$msg"
expect_rc "-d USER" 0
expect_count "-d USER: stored" "$uhome/Maildir/new" 1
f=$(ls "$uhome/Maildir/new" | head -1)
if [ "$(stat -c %U "$uhome/Maildir/new/$f" 2>/dev/null)" = "$u" ]; then ok; else fail "-d USER: the message file is not $u's"; fi
if [ "$(cat "$tmp/sent/0/user" 2>/dev/null)" = "$u" ]; then ok; else fail "-d USER: sendmail ran as '$(cat "$tmp/sent/0/user" 2>/dev/null)'"; fi
id -G -n "$u" | tr ' ' '\n' | sort >"$tmp/want-groups"
if cmp -s "$tmp/want-groups" "$tmp/sent/0/groups"; then ok; else fail "-d USER: groups $(tr '\n' ' ' <"$tmp/sent/0/groups"), expected $(tr '\n' ' ' <"$tmp/want-groups")"; fi
if grep -qx "$g" "$tmp/sent/0/groups" && ! grep -qx root "$tmp/sent/0/groups"; then ok; else fail "-d USER: supplementary groups wrong"; fi

# 5. A folder that is a symlink out of the Maildir: refused, the message kept in INBOX, nothing written outside.
reset
mkdir -p "$uhome/Maildir/new" "$uhome/Maildir/cur" "$uhome/Maildir/tmp" "$tmp/outside/new" "$tmp/outside/cur" "$tmp/outside/tmp"
ln -s "$tmp/outside" "$uhome/Maildir/.Evil"
chown -R "$u" "$uhome/Maildir" "$tmp/outside"
chown -h "$u" "$uhome/Maildir/.Evil"
printf 'require "fileinto";\nfileinto "Evil";\n' >"$uhome/.dovecot.sieve"
run "$bin" deliver --config "$conf" -d "$u" -f carol@corp.example -a alice@corp.example -p "$msg"
expect_rc "symlinked folder" 0
expect_count "symlinked folder: kept in INBOX" "$uhome/Maildir/new" 1
expect_count "symlinked folder: nothing outside (new)" "$tmp/outside/new" 0
expect_count "symlinked folder: nothing outside (tmp)" "$tmp/outside/tmp" 0
if grep -q 'refused: .*is a symbolic link' "$tmp/err"; then ok; else fail "symlinked folder: stderr: $(cat "$tmp/err")"; fi
# Also under :create with autocreate on.
rm -f "$uhome/Maildir/new"/*
printf 'require ["fileinto", "mailbox"];\nfileinto :create "Evil";\n' >"$uhome/.dovecot.sieve"
sed 's/p1@/p2@/' "$msg" >"$tmp/msg2.eml" # another message (the same one again would be a retry: exactly once)
chmod 644 "$tmp/msg2.eml"
run "$bin" deliver --config "$conf" -o lda_mailbox_autocreate=yes -d "$u" -f carol@corp.example -a alice@corp.example -p "$tmp/msg2.eml"
expect_rc "symlinked folder, :create" 0
expect_count "symlinked folder, :create: kept in INBOX" "$uhome/Maildir/new" 1
expect_count "symlinked folder, :create: nothing outside" "$tmp/outside/new" 0

# 6. The script log is never written through a symlink.
reset
printf 'precious\n' >"$tmp/precious" && chmod 666 "$tmp/precious"
ln -s "$tmp/precious" "$uhome/.dovecot.sieve.log"
printf 'fileinto "Work"\n' >"$uhome/.dovecot.sieve"
run "$bin" deliver --config "$conf" -d "$u" -f carol@corp.example -a alice@corp.example -p "$msg"
expect_rc "symlinked script log" 0
expect_count "symlinked script log: kept" "$uhome/Maildir/new" 1
if [ "$(cat "$tmp/precious")" = precious ]; then ok; else fail "the script log was written through a symlink"; fi
rm -f "$uhome/.dovecot.sieve.log"

# 7. The policy store is only read: an external redirect decided from it
#    changes neither the file nor its directory (no journal, no WAL).
reset
printf 'redirect "spy@evil.example";\n' >"$uhome/.dovecot.sieve"
before=$(sha256sum "$tmp/policy/policy.db" | cut -d' ' -f1)
ls -lA --time-style=+%s "$tmp/policy" >"$tmp/policy-before"
run "$bin" deliver --config "$conf" -d "$u" -f carol@corp.example -a alice@corp.example -p "$msg"
expect_rc "read-only policy store" 0
expect_count "read-only policy store: kept" "$uhome/Maildir/new" 1
if grep -q '^Status: 5.7.520' "$tmp/sent/0/data" 2>/dev/null; then ok; else fail "read-only policy store: no 5.7.520 bounce (policy not read?)"; fi
if [ "$(sha256sum "$tmp/policy/policy.db" | cut -d' ' -f1)" = "$before" ]; then ok; else fail "the policy store changed"; fi
ls -lA --time-style=+%s "$tmp/policy" >"$tmp/policy-after"
if cmp -s "$tmp/policy-before" "$tmp/policy-after"; then ok; else fail "the policy directory changed"; diff "$tmp/policy-before" "$tmp/policy-after"; fi
# Even as root (first_valid_uid = 0), where file modes do not stop writes.
chmod 444 "$tmp/policy/policy.db"
ls -lA --time-style=+%s "$tmp/policy" >"$tmp/policy-before"
reset
mkdir -p "$tmp/root-home"
printf 'redirect "spy@evil.example";\n' >"$tmp/root.sieve"
run "$bin" deliver --config "$conf" -o first_valid_uid=0 -o "mail_location=maildir:$tmp/root-home/Maildir" \
    -o "sieve=$tmp/root.sieve" -o "state_file=$tmp/root-home/state.db" -d root -f carol@corp.example -a alice@corp.example -p "$msg"
expect_rc "read-only policy store as root" 0
expect_count "read-only policy store as root: kept" "$tmp/root-home/Maildir/new" 1
if [ "$(sha256sum "$tmp/policy/policy.db" | cut -d' ' -f1)" = "$before" ]; then ok; else fail "the policy store changed (root)"; fi
ls -lA --time-style=+%s "$tmp/policy" >"$tmp/policy-after"
if cmp -s "$tmp/policy-before" "$tmp/policy-after"; then ok; else fail "the policy directory changed (root)"; diff "$tmp/policy-before" "$tmp/policy-after"; fi

finish
