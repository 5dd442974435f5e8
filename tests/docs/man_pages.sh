#!/usr/bin/env bash
# The man pages (issue 11): every page of docs/man builds with scdoc and
# reads with man; shouwen(1) lists every verb `shouwen --help` lists; and
# `shouwen help transfer` explains R13's opinion rule.
# Usage: man_pages.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SRC=$1 BUILD=$2
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
for page in "$SRC"/docs/man/*.scd; do
    name=$(basename "$page" .scd)
    if [[ -s "$BUILD/man/$name" ]] && man -l "$BUILD/man/$name" >/dev/null 2>&1; then
        ok "$name builds and reads with man"
    else
        bad "$name: not built ($BUILD/man/$name) or man cannot read it"
    fi
done
text=$(MANWIDTH=200 man -l "$BUILD/man/shouwen.1" 2>/dev/null)
missing=""
for verb in $("$BUILD/cli/shouwen" --help | awk '/^verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^every request/ { exit }'); do
    grep -q "shouwen $verb" <<<"$text" || missing+=" $verb"
done
[[ -z "$missing" ]] && ok "shouwen(1) lists every verb of shouwen --help" || bad "shouwen(1) lacks:$missing"
help=$("$BUILD/cli/shouwen" help transfer)
[[ "$help" == *R13* && "$help" == *签注明确意见* && "$help" == *--opinion* ]] &&
    ok "shouwen help transfer explains R13's opinion rule" || bad "help transfer: $help"
for d in intake router sla audit branch; do
    grep -q -- "-t" <<<"$(MANWIDTH=200 man -l "$BUILD/man/shouwen-$d.8" 2>/dev/null)" &&
        ok "shouwen-$d(8) documents -t" || bad "shouwen-$d(8) has no -t"
done
echo "$fails failed"
exit $((fails > 0))
