#!/bin/sh
# Runs the README's policy walkthrough verbatim on a clean state: every
# "$ COMMAND" line of the console block after "<!-- walkthrough -->" in
# README.md, in order, from the repository's top folder, with `sievegate` the
# built program; the lines after a command are its exact standard output. A
# clean state: empty /etc/sievegate and /var/lib/sievegate (tmpfs mounts in a
# private mount namespace, so the host's are neither read nor changed).
# usage: walkthrough.sh SIEVEGATE SOURCE-DIR   (as root with unshare; else 77)
set -u
skip() { echo "SKIP: $*"; exit 77; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
[ "$(id -u)" = 0 ] && command -v unshare >/dev/null || skip "needs root and unshare (a private mount namespace)"
. "$(dirname "$0")/../e2e/lib.sh"

# The block: commands and their expected output.
awk '$0 == "<!-- walkthrough -->" { on = 1; next } on && /^```/ { if (++fence == 2) exit; next } on && fence == 1' \
    "$src/README.md" >"$tmp/block"
[ -s "$tmp/block" ] || { fail "README.md has no walkthrough block"; finish; exit 1; }
mkdir -p "$tmp/bin"
ln -s "$bin" "$tmp/bin/sievegate"

# Mount points for the clean state; made here (and removed) only when missing.
made=
for d in /etc/sievegate /var/lib/sievegate; do
    [ -d "$d" ] || { mkdir -p "$d" && made="$made $d"; }
done
trap 'for d in $made; do rmdir "$d"; done; rm -rf "$tmp"' EXIT

cat >"$tmp/run.sh" <<EOF
set -u
mount -t tmpfs tmpfs /etc/sievegate && mount -t tmpfs tmpfs /var/lib/sievegate || exit 99
chmod 755 /etc/sievegate /var/lib/sievegate
rmdir /var/lib/sievegate 2>/dev/null # as on a fresh machine: policy init creates it
cd "$src"
PATH="$tmp/bin:\$PATH"
n=0
while IFS= read -r line; do
    case "\$line" in
    '\$ '*)
        n=\$((n + 1))
        printf '%s\n' "\${line#\\$ }" >"$tmp/cmd.\$n"
        ;;
    *) printf '%s\n' "\$line" >>"$tmp/want.\$n" ;;
    esac
done <"$tmp/block"
i=1
while [ \$i -le \$n ]; do
    [ -f "$tmp/want.\$i" ] || : >"$tmp/want.\$i"
    sh -c "\$(cat "$tmp/cmd.\$i")" >"$tmp/got.\$i" 2>"$tmp/err.\$i"
    echo \$? >"$tmp/rc.\$i"
    i=\$((i + 1))
done
echo \$n >"$tmp/count"
EOF
unshare --mount --propagation private sh "$tmp/run.sh"
[ "$?" != 99 ] || skip "cannot mount a tmpfs in a private mount namespace"
n=$(cat "$tmp/count" 2>/dev/null || echo 0)
[ "$n" -ge 5 ] || fail "the walkthrough has only $n commands"
i=1
while [ "$i" -le "$n" ]; do
    cmd=$(cat "$tmp/cmd.$i")
    if [ "$(cat "$tmp/rc.$i")" = 0 ]; then ok; else fail "\$ $cmd: exit $(cat "$tmp/rc.$i"): $(head -c 300 "$tmp/err.$i")"; fi
    if cmp -s "$tmp/want.$i" "$tmp/got.$i"; then ok; else
        fail "\$ $cmd: the output differs from the README's"
        diff -u "$tmp/want.$i" "$tmp/got.$i" | head -20
    fi
    i=$((i + 1))
done
finish
