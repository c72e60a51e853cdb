#!/bin/sh
# The documentation stands alone and cannot drift:
# - docs/configuration.md is what docs/gen_config_keys.c makes from the one
#   table of keys (regenerate: build/gen_config_keys markdown
#   docs/configuration.md.in > docs/configuration.md);
# - every key the code reads (sg_config_get(..., "KEY"), sg_config_value...)
#   is in that table;
# - README.md and docs/ point nowhere outside the repository and hold no
#   stale "issue N" / "next" / "to come"; every relative link resolves.
# usage: check_docs.sh GEN_CONFIG_KEYS SIEVEGATE SOURCE-DIR
set -u
gen=$1
bin=$2
src=$(cd "$3" && pwd)
. "$(dirname "$0")/../e2e/lib.sh"
cd "$src" || exit 1

"$gen" markdown docs/configuration.md.in >"$tmp/configuration.md"
if cmp -s "$tmp/configuration.md" docs/configuration.md; then ok; else
    fail "docs/configuration.md is not what the table makes:"
    diff -u docs/configuration.md "$tmp/configuration.md" | head -20
fi

"$bin" config --all -c /dev/null | sed -n 's/^\([a-z0-9_]*\) =.*/\1/p' >"$tmp/keys"
grep -rhoE 'sg_config_(get|value|value_size|value_seconds)\([^,]*, *"[a-z0-9_]+"' base grammar policy store engine cli server |
    sed 's/.*"\(.*\)"/\1/' | sort -u >"$tmp/read"
while read -r key; do
    if grep -qx "$key" "$tmp/keys" || grep -q "^| \`$key[,0 ]" docs/configuration.md; then ok; else
        fail "the code reads the key $key, which the table lacks"
    fi
done <"$tmp/read"

# The repository stands alone: no source file points outside it either.
if git -C . ls-files 2>/dev/null | grep -vE '^tests/docs/check_docs.sh$' |
    grep -E '\.(c|h|l|y|sh|py|txt|in|cmake)$|CMakeLists' | xargs -r grep -nE '\.\./shared|shared/spec' >"$tmp/src" 2>/dev/null; then
    fail "source files refer outside the repository: $(head -n 3 "$tmp/src")"
else
    ok
fi

for f in README.md docs/*.md docs/man/*.scd; do
    if grep -nE '\.\./shared|shared/spec|[Ii]ssue [0-9]|is next|to come' "$f" >"$tmp/hits"; then
        fail "$f refers outside the repository or to plans: $(head -n 3 "$tmp/hits")"
    else
        ok
    fi
    # Relative Markdown links: [text](path) resolves from the file's folder.
    # docs/architecture.md is the lead's (it may land after this check).
    for link in $(grep -oE '\]\([^)#:]+\)' "$f" | sed 's/^](\(.*\))$/\1/'); do
        [ "$link" = docs/architecture.md ] || [ "$link" = architecture.md ] && continue
        if [ -e "$(dirname "$f")/$link" ]; then ok; else fail "$f links to $link, which does not exist"; fi
    done
done
finish
