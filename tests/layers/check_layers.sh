#!/bin/sh
# check_layers.sh - the layers point one way (docs/architecture.md):
#
#   base  <-  grammar
#   base  <-  policy  <-  store
#   base, grammar, policy, store  <-  engine  <-  cli (and the servers)
#
# Every #include "..." of the library's and the program's code is written from
# the source root and names a file of the tree (or a header the build
# generates), and a folder includes only from the layers below it. Prints each
# include that breaks a rule as FILE:LINE: why, and exits 1 when there is one.
#
# usage: tests/layers/check_layers.sh [SOURCE-ROOT]
set -eu
cd "${1:-$(dirname "$0")/../..}"

allowed() { # LAYER -> the top folders its includes may name
    case "$1" in
    base) echo "base" ;;
    grammar) echo "base grammar" ;;
    policy) echo "base policy" ;;
    store) echo "base policy store" ;;
    engine) echo "base grammar policy store engine" ;;
    cli | server) echo "base grammar policy store engine cli server" ;;
    esac
}
generated="grammar/parser.h grammar/lexer.h"

bad=0
for layer in base grammar policy store engine cli server; do
    [ -d "$layer" ] || continue
    ok=$(allowed "$layer")
    for f in $(find "$layer" -type f \( -name '*.c' -o -name '*.h' -o -name '*.l' -o -name '*.y' \) | sort); do
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r hit; do
            line=${hit%%:*}
            inc=$(printf '%s\n' "$hit" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
            top=${inc%%/*}
            if [ "$top" = "$inc" ] || { [ ! -f "$inc" ] && ! echo " $generated " | grep -q " $inc "; }; then
                echo "$f:$line: \"$inc\" is not a path from the source root"
                continue
            fi
            case " $ok " in
            *" $top "*) ;;
            *) echo "$f:$line: $layer/ must not include $top/ (\"$inc\"): layers point one way" ;;
            esac
        done
    done
done >"${TMPDIR:-/tmp}/check_layers.$$"
if [ -s "${TMPDIR:-/tmp}/check_layers.$$" ]; then
    cat "${TMPDIR:-/tmp}/check_layers.$$"
    bad=1
fi
rm -f "${TMPDIR:-/tmp}/check_layers.$$"
[ "$bad" = 0 ] && echo "layers: every include points down"
exit "$bad"
