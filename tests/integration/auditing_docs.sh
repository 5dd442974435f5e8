#!/usr/bin/env bash
# Issue 14, acceptance 1: documentation that runs.  The fixture hub
# (fixture_hub.sh: March 2026 driven through the daemons), then every ```sql
# block of docs/auditing.md run as shouwen_auditor; a block fails the test
# when a statement errors, or when its output's columns differ from the
# output block that follows it in the document.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fixture_hub.sh"
fixture_hub auditing_docs 32400

# doc_blocks FILE DIR: DIR/N.sql for each ```sql block, DIR/N.out for the
# plain ``` block right after it (psql's output as documented)
doc_blocks() {
    awk -v dir="$2" '
        /^```sql$/ { n++; f = dir "/" n ".sql"; inside = 1; last = "sql"; next }
        /^```$/ && inside { inside = 0; next }
        /^```$/ && !inside && last == "sql" { f = dir "/" n ".out"; inside = 1; last = ""; next }
        /^```/ { last = ""; inside = 0; skip = 1; next }
        inside { print > f; next }
        /[^ \t]/ { last = "" }' "$1"
}
DOCS=$HUB/docblocks
mkdir -p "$DOCS"
doc_blocks "$SHOUWEN_SOURCE/docs/auditing.md" "$DOCS"
nblocks=$(ls "$DOCS"/*.sql 2>/dev/null | wc -l)
[[ $nblocks -ge 10 ]] && pass "docs/auditing.md has $nblocks sql blocks" || fail "only $nblocks sql blocks"
# the header lines (column names) of psql's output, in order
# (the line above a table's ---+--- rule; the field names of an expanded record)
headers() {
    awk '/^-+(\+-+)*$/ { if (prev != "") print prev }
         /^-\[ RECORD/ { rec++; next }
         rec == 1 && /\|/ { split($0, a, "|"); print a[1] }
         { prev = $0 }' | tr -d ' '
}
for f in $(ls "$DOCS"/*.sql | sort -V); do
    n=$(basename "$f" .sql)
    out=$(bash "$SHOUWEN_SOURCE/scripts/pg.sh" psql "$HUB/pg" "$HUB_DB" shouwen_auditor \
        -X -v ON_ERROR_STOP=1 -f "$f" 2>&1)
    rc=$?
    if [[ $rc -ne 0 ]]; then
        fail "block $n ($(head -c 60 "$f" | tr '\n' ' ')): $out"
        continue
    fi
    [[ -n "${DOCS_SHOW:-}" ]] && { echo "---- block $n"; cat "$f"; echo "$out"; }
    if [[ -f "$DOCS/$n.out" ]]; then
        check_eq "block $n: the columns are as documented" "$(headers <"$DOCS/$n.out")" "$(headers <<<"$out")"
    else
        pass "block $n runs"
    fi
done
itest_done
