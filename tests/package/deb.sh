#!/bin/sh
# The Debian package, built and installed as an administrator would:
# - `cpack -G DEB` in the build directory makes it;
# - its Depends names every library the program loads at run time: the
#   linked ones (dpkg-shlibdeps) and every one opened with dlopen() (each
#   SG_*_LIB_SONAME in the sources, looked up with dpkg -S);
# - it holds the programs (sievegate-lda a relative link), the configuration
#   as a conffile, the man pages and the docs;
# - `apt-get install ./FILE.deb` installs it, its postinst creates the policy
#   store holding the default, and the README's example runs from the
#   installed files; the package is purged again afterwards.
# usage: deb.sh BUILD-DIR SOURCE-DIR   (as root on Debian; else exit 77)
set -u
skip() { echo "SKIP: $*"; exit 77; }
[ $# = 2 ] || { echo "usage: $0 BUILD-DIR SOURCE-DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
command -v cpack >/dev/null && command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
    skip "cpack, dpkg-deb or dpkg-shlibdeps is missing"
. "$(dirname "$0")/../e2e/lib.sh"

exec 9>"${TMPDIR:-/tmp}/sievegate-package.lock"
flock -w 300 9 || { echo "FAIL: another deb.sh holds the lock"; exit 1; }

# ---- build it ----
run cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg"
expect_rc "cpack -G DEB" 0
deb=$(ls "$tmp"/pkg/sievegate_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { fail "no .deb built: $(tail -n 5 "$tmp/out")"; finish; exit 1; }

# ---- its Depends: linked and dlopen()ed libraries ----
depends=$(dpkg-deb -f "$deb" Depends)
has_dep() { echo ", $depends," | tr -d ' ' | grep -q ",$1\(([^)]*)\)\?,"; }
for p in libc6 libsqlite3-0 libmemcached11 libidn2-0; do
    if has_dep "$p"; then ok; else fail "Depends lacks $p: $depends"; fi
done
for soname in $(grep -rhoE '_SONAME "lib[^"]+"' "$src/base" "$src/policy" "$src/store" "$src/engine" | sed 's/.*"\(.*\)"/\1/' | sort -u); do
    path=$(ldconfig -p | awk -v s="$soname" '$1 == s { print $NF; exit }')
    real=$( [ -n "$path" ] && readlink -f "$path")
    # merged /usr: dpkg may know the file under /lib (libcrypt1) while it resolves to /usr/lib
    pkg=$( [ -n "$path" ] && { dpkg -S "$real" 2>/dev/null || dpkg -S "$(dirname "$path")/$(basename "$real")" 2>/dev/null; } |
        head -n 1 | cut -d: -f1)
    if [ -z "$pkg" ]; then fail "dlopen()ed $soname: no installed package holds it"; continue; fi
    if has_dep "$pkg"; then ok; else fail "Depends lacks $pkg (for the dlopen()ed $soname): $depends"; fi
done

# ---- its files ----
dpkg-deb -c "$deb" | awk '{ print $6, $7, $8 }' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/sievegate /etc/sievegate/sievegate.conf /usr/share/man/man1/sievegate.1 \
    /usr/share/man/man1/sievegate-lda.1 /usr/share/man/man5/sievegate.conf.5 \
    /usr/share/doc/sievegate/README.md /usr/share/doc/sievegate/configuration.md \
    /usr/share/doc/sievegate/exim.md /usr/share/doc/sievegate/examples/run-all.sh; do
    if grep -q "^$f\( \|$\)" "$tmp/files"; then ok; else fail "the package lacks $f"; fi
done
if grep -qx '/usr/bin/sievegate-lda -> sievegate' "$tmp/files"; then ok; else
    fail "sievegate-lda is not a relative link: $(grep sievegate-lda "$tmp/files")"
fi
dpkg-deb -e "$deb" "$tmp/control"
if grep -qx /etc/sievegate/sievegate.conf "$tmp/control/conffiles"; then ok; else fail "the configuration is no conffile"; fi

# ---- install it (root on Debian only), run the README's example, purge ----
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { finish; exit $?; }
if dpkg -s sievegate >/dev/null 2>&1; then
    echo "note: a sievegate package is installed: not replaced by the test"
    finish
    exit $?
fi
# The host's own configuration and store, if any, are set aside and restored.
for d in /etc/sievegate /var/lib/sievegate; do
    [ ! -e "$d" ] || mv "$d" "$d.deb-test-saved" || { fail "cannot set $d aside"; finish; exit 1; }
done
restore() {
    dpkg --purge sievegate >/dev/null 2>&1
    for d in /etc/sievegate /var/lib/sievegate; do
        [ ! -e "$d.deb-test-saved" ] || { rm -rf "$d"; mv "$d.deb-test-saved" "$d"; }
    done
    rm -rf "$tmp"
}
trap restore EXIT
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb"
expect_rc "apt-get install ./sievegate.deb" 0
run /usr/bin/sievegate-lda --version
expect_out "sievegate-lda --version" "sievegate $(dpkg-deb -f "$deb" Version)"
run /usr/bin/sievegate config
expect_out "a fresh install has its policy store" "# forwarding policy: policy store sqlite:/var/lib/sievegate/policy.db"
run /usr/bin/sievegate policy show
if grep -qx '  default: mode automatic (off), everyone' "$tmp/out"; then ok; else fail "the store's default: $(cat "$tmp/out")"; fi
# The README's example, from the installed files.
ex=/usr/share/doc/sievegate/examples
run sh -c "sievegate check --config /etc/sievegate/sievegate.conf $ex/*.sieve && SIEVEGATE=/usr/bin/sievegate $ex/run-all.sh"
expect_rc "the README's example from the installed files" 0
if grep -q '^== forward-external.sieve on family.eml for alice@example.com$' "$tmp/out" &&
    grep -q '5.7.520' "$tmp/out"; then ok; else fail "run-all.sh printed: $(head -n 5 "$tmp/out")"; fi
finish
