#!/bin/sh
# End-to-end tests of `sievegate deliver` opening databases only when the
# delivery needs one (store/sqlite_lib.h, cli/deliver.c user_state()): a
# message that is only filed opens no state store and does not even load
# SQLite; one that needs a store it cannot open or load is deferred (75)
# before anything is sent or stored. "SQLite cannot be loaded" is a stand-in
# libsqlite3.so.0 without any sqlite3_* function (tests/unit_state/
# fake_sqlite3.c), found first through LD_LIBRARY_PATH.
# usage: deliver_no_sqlite.sh SIEVEGATE FAKE-SQLITE-DIR
set -u
bin=$1
fake=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deliver_lib.sh"
cannot_load="cannot load libsqlite3.so.0: no symbol sqlite3_"
missing_state="state_file=$tmp/no-such-dir/state.db"

# 1. Filed only, the state store's directory missing: delivered, and not a
#    word about the state store (it was opened, and failed, for every delivery).
reset
printf 'require "fileinto";\nfileinto "Work";\n' >"$home/.dovecot.sieve"
deliver -o "$missing_state"
expect_rc "file-only, no state dir" 0
expect_no_stderr "file-only, no state dir"
expect_count "file-only, no state dir: filed" "$home/Maildir/.Work/new" 1
expect_count "file-only, no state dir: not in INBOX" "$home/Maildir/new" 0
expect_no_file "file-only, no state dir: nothing created" "$tmp/no-such-dir"

# 2. Filed only, the default state file: no database is created.
reset
printf 'require "fileinto";\nfileinto "Work";\n' >"$home/.dovecot.sieve"
deliver
expect_rc "file-only" 0
expect_no_stderr "file-only"
expect_count "file-only: filed" "$home/Maildir/.Work/new" 1
expect_no_file "file-only: no state store" "$home/.sievegate.state.db"

# 3. SQLite cannot be loaded: a message that is only filed, or kept, never needs it.
reset
printf 'require "fileinto";\nfileinto "Work";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no SQLite, file-only" 0
expect_no_stderr "no SQLite, file-only"
expect_count "no SQLite, file-only: filed" "$home/Maildir/.Work/new" 1
reset
deliver_nolib
expect_rc "no SQLite, no script" 0
expect_no_stderr "no SQLite, no script"
expect_count "no SQLite, no script: INBOX" "$home/Maildir/new" 1

# 4. SQLite cannot be loaded and the reject MDN must be tracked: 75, nothing
#    sent, nothing stored (as for a state store that cannot be opened).
reset
printf 'require "reject";\nreject "No thanks.";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no SQLite, reject" 75
expect_stderr "no SQLite, reject" "per-user state unavailable: $cannot_load"
expect_stderr "no SQLite, reject" "forwarding deferred: the per-user state (duplicate tracker) is unavailable"
expect_count "no SQLite, reject: nothing sent" "$tmp/sent" 0
expect_count "no SQLite, reject: nothing stored" "$home/Maildir/new" 0
# The same with a working SQLite: the MDN goes out, once.
deliver
expect_rc "reject" 0
expect_count "reject: the MDN" "$tmp/sent" 1

# 5. SQLite cannot be loaded and a redirect needs the policy store: 75
#    (policy_unavailable = tempfail), nothing sent, nothing stored.
reset
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no SQLite, redirect" 75
expect_stderr "no SQLite, redirect" "$cannot_load"
expect_count "no SQLite, redirect: nothing sent" "$tmp/sent" 0
expect_count "no SQLite, redirect: nothing stored" "$home/Maildir/new" 0
# policy_unavailable = keep: the forward is blocked, and its bounce must be
# tracked in the state store, which cannot be loaded either: 75 all the same.
deliver_nolib -o policy_unavailable=keep
expect_rc "no SQLite, redirect, keep" 75
expect_stderr "no SQLite, redirect, keep" "per-user state unavailable: $cannot_load"
expect_count "no SQLite, redirect, keep: nothing sent" "$tmp/sent" 0
expect_count "no SQLite, redirect, keep: nothing stored" "$home/Maildir/new" 0

# 6. A redirect with the state store's directory missing: 75 before the
#    copy is sent (the claim comes first), nothing stored; then, with the
#    store, the copy is sent once and the message stored once.
reset
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
deliver -o "$missing_state"
expect_rc "redirect, no state dir" 75
expect_stderr "redirect, no state dir" "per-user state unavailable: cannot open state store $tmp/no-such-dir/state.db"
expect_count "redirect, no state dir: nothing sent" "$tmp/sent" 0
expect_count "redirect, no state dir: nothing stored" "$home/Maildir/new" 0
deliver
expect_rc "redirect" 0
expect_count "redirect: sent" "$tmp/sent" 1
expect_count "redirect: stored" "$home/Maildir/new" 1
if [ -f "$home/.sievegate.state.db" ]; then ok; else fail "redirect: no state store was created"; fi
deliver
expect_rc "redirect again" 0
expect_count "redirect again: not sent twice" "$tmp/sent" 1

# 7. The duplicate test without SQLite: "not seen" (never a false
#    duplicate), said on stderr, and the message is kept.
reset
printf 'require "duplicate";\nif duplicate { discard; stop; }\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no SQLite, duplicate" 0
expect_stderr "no SQLite, duplicate" "per-user state unavailable: $cannot_load"
expect_count "no SQLite, duplicate: kept" "$home/Maildir/new" 1

finish
