#!/bin/sh
# The README's first command (.ci/setup) installs only build dependencies,
# and neither it nor the test command's .ci/test-setup ever removes a
# package: .ci/install-packages, run here against stand-in apt-get, dpkg and
# id commands, leaves out a package whose installation would remove another
# (postfix on a host whose MTA is Exim) and installs the rest.
# usage: setup.sh SOURCE-DIR
set -u
src=$(cd "$1" && pwd)
. "$(dirname "$0")/../e2e/lib.sh"

# Build dependencies only: no MTA, IMAP server, cache, SMTP tool or compiler for fuzzing.
for p in postfix exim4 exim4-daemon-light dovecot-core dovecot-sieve memcached swaks clang postgresql; do
    if grep -qx "$p" "$src/.ci/packages"; then fail ".ci/packages (build) lists the test-only $p"; else ok; fi
done
for p in postfix dovecot-sieve swaks postgresql; do
    if grep -qx "$p" "$src/.ci/test-packages"; then ok; else fail ".ci/test-packages lacks $p"; fi
done

# Stand-ins: root; dpkg knows no package; apt-get -s removes exim4 for postfix.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/id" <<'EOF'
#!/bin/sh
echo 0
EOF
cat >"$tmp/bin/dpkg" <<'EOF'
#!/bin/sh
exit 1
EOF
cat >"$tmp/bin/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$tmp/apt.log"
case " \$* " in
*" -s "*) for a in "\$@"; do [ "\$a" = postfix ] && echo "Remv exim4-base [4.96-15]"; done; echo "Inst \$*" ;;
esac
exit 0
EOF
chmod +x "$tmp/bin/id" "$tmp/bin/dpkg" "$tmp/bin/apt-get"
printf 'swaks\npostfix\nmemcached\n' >"$tmp/list"
PATH="$tmp/bin:$PATH" run "$src/.ci/install-packages" "$tmp/list"
expect_rc "install-packages" 0
expect_err "postfix is left out, with the reason" "install-packages: not installing postfix: it would remove exim4-base (its tests skip)"
if grep -qx 'apt-get install -y -qq --no-install-recommends swaks memcached' "$tmp/apt.log"; then ok; else
    fail "the rest was not installed: $(grep -v ' -s ' "$tmp/apt.log")"
fi
if grep -v ' -s ' "$tmp/apt.log" | grep -q 'postfix\|remove\|purge'; then fail "postfix installed or something removed"; else ok; fi
finish
