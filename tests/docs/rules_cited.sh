#!/usr/bin/env bash
# Every rule id the code cites has its section in docs/rules.md (issue 13).
#
# usage: rules_cited.sh SOURCE_DIR
#
# A rule id is R or V and one or two digits, as a word: R13, V2, "R10/V4",
# "（R18）".  They are collected from proto/ lib/ services/ cli/ tests/ and
# also deploy/ bench/ scripts/ web/ (what users and auditors read cites them
# too); docs/ is what is checked, not a source.  A section is a heading line
# "## R13" (anything may follow the id: "## R13 — Nobody may refuse ...").
#
# Filter (what is not a citation):
#   - binary files (grep -I);
#   - tests/fuzz/corpus/: generated fuzz inputs, copies of deploy/ files;
#   - tests/docs/: this test;
#   - shell variables: $R1, ${V2}, and an assignment R1=... at the start of
#     a statement;
#   - the exceptions below, a file and the ids that name something else in
#     it (tests/integration/sla_restart.sh calls its two cases R1 and R2).
# A word boundary already keeps out identifiers such as SHOUWEN__V1__... and
# hex (no R or V in it).  A range cites every id in it: "R3..R9", "R3-R9",
# "R3–R9", "V1-V3" (both ends with their letter).
set -euo pipefail
export LC_ALL=C

src=${1:?usage: rules_cited.sh SOURCE_DIR}
doc=$src/docs/rules.md
[[ -f $doc ]] || { echo "rules_cited: $doc is missing"; exit 1; }
cd "$src"

declare -A exceptions=(
    [tests/integration/sla_restart.sh]="R1 R2"
)
dirs=()
for d in proto lib services cli tests deploy bench scripts web; do
    [[ -d $d ]] && dirs+=("$d")
done

declare -A cited=() # id -> files citing it
mapfile -t files < <(grep -rlIE '\b[RV][0-9]{1,2}\b' "${dirs[@]}" | sort || true)
for f in "${files[@]}"; do
    [[ $f == tests/fuzz/corpus/* || $f == tests/docs/* ]] && continue
    text=$(sed -E 's/\$\{?[RV][0-9]{1,2}\}?//g
                  s/(^|[;&|({[:space:]])(local |export |declare )?[RV][0-9]{1,2}=/\1/g' "$f")
    for id in ${exceptions[$f]:-}; do
        text=$(sed -E "s/\\b$id\\b//g" <<<"$text")
    done
    ids=$(grep -oE '\b[RV][0-9]{1,2}\b' <<<"$text" || true)
    while read -r range; do # R3..R9, R3-R9, V1-V3: every id between
        [[ $range =~ ^([RV])([0-9]+)[^RV0-9]+([RV])([0-9]+)$ ]] || continue
        letter=${BASH_REMATCH[1]} lo=$((10#${BASH_REMATCH[2]})) hi=$((10#${BASH_REMATCH[4]}))
        if [[ ${BASH_REMATCH[3]} != "$letter" ]] || ((lo >= hi)); then continue; fi
        for ((i = lo; i <= hi; i++)); do ids+=$'\n'"$letter$i"; done
    done < <(grep -oE '\b[RV][0-9]{1,2}(\.\.|-|–)[RV][0-9]{1,2}\b' <<<"$text" || true)
    while read -r id; do
        if [[ -n $id ]]; then cited[$id]+=" $f"; fi
    done < <(sort -u <<<"$ids")
done

if ((${#cited[@]} == 0)); then
    echo "rules_cited: no rule id found under ${dirs[*]} (wrong source dir?)"
    exit 1
fi

missing=0
for id in $(printf '%s\n' "${!cited[@]}" | sort -k1.1,1.1 -k1.2n); do
    if ! grep -qE "^##[[:space:]]+$id([^0-9]|\$)" "$doc"; then
        where=${cited[$id]# }
        (($(wc -w <<<"$where") > 3)) && where="$(cut -d' ' -f1-3 <<<"$where") ..."
        echo "missing: $id has no '## $id' section in docs/rules.md (cited in $where)"
        missing=$((missing + 1))
    fi
done
if ((missing)); then
    echo "$missing of ${#cited[@]} rule ids cited have no section in docs/rules.md"
    exit 1
fi
echo "${#cited[@]} rule ids cited, all in docs/rules.md"
