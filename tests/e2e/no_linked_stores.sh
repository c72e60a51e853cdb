#!/bin/sh
# The sievegate binary must not link the libraries it loads at run time
# (dlopen): SQLite (store/sqlite_lib.h; and the libm it pulls in),
# libmemcached (store/memcached_lib.h), libidn2 (base/idna.h), libpq (store/pq_lib.h), libcrypt (base/password.h: only
# a server checking a login needs crypt(3)) and OpenSSL (base/tls.h: only a
# server with STARTTLS). Linked, every process pays their dynamic linking
# and RSS even when it opens no database, no cache, meets no non-ASCII
# domain (issues 6 and 7). Nettle is linked statically (base/hash.h): not
# NEEDED, and none of its functions exported, so that a library loaded later
# which links Nettle itself (libpq's chain, OpenSSL's users) keeps its own.
# usage: no_linked_stores.sh SIEVEGATE
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
run readelf -d "$bin"
expect_rc "readelf -d" 0
grep 'NEEDED' "$tmp/out" | sed 's/.*\[\(.*\)\]/\1/' >"$tmp/needed"
if grep -q '^libc\.so' "$tmp/needed"; then ok; else fail "no NEEDED libc in: $(tr '\n' ' ' <"$tmp/needed")"; fi
for lib in libsqlite3 libm libmemcached libidn2 libnettle libpq libcrypt libssl libcrypto; do
    if grep -q "^$lib\.so" "$tmp/needed"; then
        fail "$bin links $lib (NEEDED: $(tr '\n' ' ' <"$tmp/needed")); it is to be loaded with dlopen when used"
    else
        ok
    fi
done
run nm -D --defined-only "$bin"
expect_rc "nm -D" 0
if grep -q ' nettle_' "$tmp/out"; then fail "$bin exports Nettle's functions: $(grep ' nettle_' "$tmp/out" | head -3 | tr '\n' ' ')"; else ok; fi
finish
