#!/bin/sh
# The sievegate binary must not link the libraries it loads at run time
# (dlopen): SQLite (store/sqlite_lib.h; and the libm it pulls in),
# libmemcached (store/memcached_lib.h), libidn2 (base/idna.h), Nettle
# (base/hash.h), libpq (store/pq_lib.h), libcrypt (base/password.h: only
# a server checking a login needs crypt(3)) and OpenSSL (base/tls.h: only a
# server with STARTTLS). Linked, every process pays their dynamic linking
# and RSS even when it opens no database, no cache, meets no non-ASCII
# domain and hashes nothing (issues 6 and 7; Nettle alone: ~0.4 ms and ~270 KiB).
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
finish
