#!/bin/sh
# `cmake --install` as an administrator or a packager runs it: with DESTDIR
# and with another prefix it installs the program, sievegate-lda as a
# relative link, the example configuration (never over an existing one), the
# man pages and the docs; a failure is a non-zero exit.
# usage: install.sh BUILD-DIR
set -u
build=$(cd "$1" && pwd)
. "$(dirname "$0")/../e2e/lib.sh"

run env DESTDIR="$tmp/stage" cmake --install "$build" --prefix /usr
expect_rc "DESTDIR install" 0
s=$tmp/stage
for f in usr/bin/sievegate etc/sievegate/sievegate.conf usr/share/man/man1/sievegate.1 \
    usr/share/man/man1/sievegate-lda.1 usr/share/man/man5/sievegate.conf.5 usr/share/doc/sievegate/README.md \
    usr/share/doc/sievegate/cli.md usr/share/doc/sievegate/configuration.md usr/share/doc/sievegate/policy.md \
    usr/share/doc/sievegate/postfix.md usr/share/doc/sievegate/exim.md usr/share/doc/sievegate/dovecot.md \
    usr/share/doc/sievegate/lmtp.md usr/share/doc/sievegate/managesieve.md \
    usr/share/doc/sievegate/examples/run-all.sh usr/lib/tmpfiles.d/sievegate.conf; do
    if [ -f "$s/$f" ]; then ok; else fail "DESTDIR install lacks /$f"; fi
done
if [ "$(readlink "$s/usr/bin/sievegate-lda")" = sievegate ]; then ok; else
    fail "sievegate-lda -> $(readlink "$s/usr/bin/sievegate-lda"), expected the relative link 'sievegate'"
fi
run "$s/usr/bin/sievegate-lda" --version
expect_rc "the installed sievegate-lda runs" 0
if grep -q '^\.TH "sievegate.conf" "5"' "$s/usr/share/man/man5/sievegate.conf.5" &&
    grep -q 'policy_unavailable' "$s/usr/share/man/man5/sievegate.conf.5"; then ok; else
    fail "sievegate.conf(5) is not a man page with the keys"
fi
# An administrator's configuration is never overwritten.
echo "hostname = mine.example.com" >>"$s/etc/sievegate/sievegate.conf"
cp "$s/etc/sievegate/sievegate.conf" "$tmp/mine.conf"
run env DESTDIR="$tmp/stage" cmake --install "$build" --prefix /usr
expect_rc "install again" 0
if cmp -s "$tmp/mine.conf" "$s/etc/sievegate/sievegate.conf"; then ok; else fail "the configuration was overwritten"; fi
# Another prefix: etc/ under it.
run cmake --install "$build" --prefix "$tmp/opt"
expect_rc "--prefix install" 0
if [ -f "$tmp/opt/etc/sievegate/sievegate.conf" ] && [ "$(readlink "$tmp/opt/bin/sievegate-lda")" = sievegate ]; then ok; else
    fail "--prefix install: $(cd "$tmp/opt" && find . | sort | head -n 10)"
fi
# A failure is not exit 0 (DESTDIR is a file: nothing can be created under it).
: >"$tmp/file"
run env DESTDIR="$tmp/file" cmake --install "$build" --prefix /usr
if [ "$rc" != 0 ]; then ok; else fail "an install that cannot write exits 0"; fi
finish
