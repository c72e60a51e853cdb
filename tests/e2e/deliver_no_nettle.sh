#!/bin/sh
# End-to-end tests of `sievegate deliver` loading Nettle (base/hash.h) only
# when it hashes: a message that is only filed is delivered without it (only
# the exactly-once journal, whose key is a digest, is off); one whose
# delivery must track state (a forward, a vacation reply, the duplicate
# test) with a Nettle that cannot be loaded gets exactly what a state store
# that cannot be used gets: a forward is deferred (75) before anything is
# sent or stored, no vacation reply is sent, "duplicate" answers "not seen".
# "Nettle cannot be loaded" is a stand-in libnettle.so.8 without any nettle_*
# function (tests/unit/fake_nettle.c), found first through LD_LIBRARY_PATH.
# usage: deliver_no_nettle.sh SIEVEGATE FAKE-NETTLE-DIR
set -u
bin=$1
fake=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deliver_lib.sh"
no_key="invalid state key: its SHA-256 could not be computed (cannot load libnettle.so.8)"

# 1. A message that is only filed, or kept, is still delivered: only the
#    exactly-once journal (its key is a SHA-256 digest) is off, and says so.
journal_off="exactly-once journal off for this delivery: cannot load libnettle.so.8"
reset
printf 'require "fileinto";\nfileinto "Work";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no Nettle, file-only" 0
expect_stderr "no Nettle, file-only" "$journal_off"
expect_count "no Nettle, file-only: filed" "$home/Maildir/.Work/new" 1
reset
deliver_nolib
expect_rc "no Nettle, no script" 0
expect_stderr "no Nettle, no script" "$journal_off"
expect_count "no Nettle, no script: INBOX" "$home/Maildir/new" 1

# 2. A redirect must be claimed in the forward tracker first: 75, nothing
#    sent, nothing stored; with Nettle, sent once and stored once.
reset
printf 'require "copy";\nredirect :copy "bob@example.com";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no Nettle, redirect" 75
expect_stderr "no Nettle, redirect" "forward tracker: $no_key"
expect_count "no Nettle, redirect: nothing sent" "$tmp/sent" 0
expect_count "no Nettle, redirect: nothing stored" "$home/Maildir/new" 0
deliver
expect_rc "redirect" 0
expect_count "redirect: sent" "$tmp/sent" 1
expect_count "redirect: stored" "$home/Maildir/new" 1
deliver
expect_rc "redirect again" 0
expect_count "redirect again: not sent twice" "$tmp/sent" 1

# 3. A vacation reply that cannot be tracked is not sent; the message is kept.
reset
printf 'require "vacation";\nvacation :days 1 "Away.";\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no Nettle, vacation" 0
expect_stderr "no Nettle, vacation" "no vacation reply: $no_key"
expect_count "no Nettle, vacation: no reply" "$tmp/sent" 0
expect_count "no Nettle, vacation: kept" "$home/Maildir/new" 1
deliver
expect_rc "vacation" 0
expect_count "vacation: the reply" "$tmp/sent" 1

# 4. The duplicate test: "not seen" (never a false duplicate), said on
#    stderr, and the message is kept.
reset
printf 'require "duplicate";\nif duplicate { discard; stop; }\n' >"$home/.dovecot.sieve"
deliver_nolib
expect_rc "no Nettle, duplicate" 0
expect_stderr "no Nettle, duplicate" "duplicate tracking: $no_key (the message is taken as new)"
expect_count "no Nettle, duplicate: kept" "$home/Maildir/new" 1

finish
