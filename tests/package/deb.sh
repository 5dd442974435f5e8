#!/usr/bin/env bash
# The Debian package (issue 11, acceptance 1): built from debian/ with
# debhelper (dpkg-buildpackage -b, offline), lintian without errors, installed
# with dpkg -i, every binary answers --version and --help, systemd-analyze
# verify accepts the installed units and none is enabled, and dpkg --purge
# leaves no file of ours.  Needs root (it installs into /usr); run by ctest
# in CI on a throw-away machine.  Usage: deb.sh SOURCE_DIR WORK_DIR
set -uo pipefail
SRC=$1 WORK=$2
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
done_() { echo "$fails failed"; exit $((fails > 0)); }
if [[ $(id -u) -ne 0 ]]; then
    echo "skip: installing the package needs root"
    exit 0
fi
if dpkg -s shouwen >/dev/null 2>&1; then
    bad "a shouwen package is installed already: not touching it"
    done_
fi
rm -rf "$WORK" && mkdir -p "$WORK/src"
# a copy of the sources without build trees (dpkg-buildpackage writes ..)
tar -C "$SRC" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$WORK/src" -xf -
(cd "$WORK/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" \
    dpkg-buildpackage -b -uc -us >"$WORK/build.log" 2>&1) &&
    ok "dpkg-buildpackage -b builds the package" ||
    { bad "dpkg-buildpackage failed: $(tail -n 20 "$WORK/build.log")"; done_; }
DEB=$(ls "$WORK"/shouwen_*.deb | head -n 1)
lintian --tag-display-limit 0 "$DEB" >"$WORK/lintian.log" 2>&1
tags=$(grep -E '^[EW]:' "$WORK/lintian.log")
[[ -z "$tags" ]] && ok "lintian: no error, no warning (overrides explained in debian/shouwen.lintian-overrides)" ||
    bad "lintian: $(head -n 5 <<<"$tags")"
dpkg -i "$DEB" >"$WORK/install.log" 2>&1 && ok "dpkg -i installs it" ||
    { bad "dpkg -i: $(tail -n 5 "$WORK/install.log")"; done_; }
bins=$(dpkg -L shouwen | grep -E '^/usr/s?bin/shouwen' | sort)
n=0
for b in $bins; do
    "$b" --version >/dev/null 2>&1 && "$b" --help >/dev/null 2>&1 || bad "$b: --version or --help failed"
    n=$((n + 1))
done
[[ $n -ge 6 ]] && ok "$n binaries answer --version and --help" || bad "only $n binaries found: $bins"
units=$(dpkg -L shouwen | grep -E '^/usr/lib/systemd/system/shouwen.*\.(service|target)$')
out=$(systemd-analyze verify --man=no $units 2>&1)
[[ -z "$out" ]] && ok "systemd-analyze verify accepts the installed units" || bad "verify: $out"
enabled=$(ls /etc/systemd/system/*.wants 2>/dev/null | grep -c shouwen)
[[ $enabled -eq 0 ]] && ok "no unit is enabled by the package" || bad "$enabled units enabled"
[[ -f /etc/shouwen/shouwen.conf ]] && dpkg-query -W -f='${Conffiles}' shouwen | grep -q /etc/shouwen/shouwen.conf &&
    ok "the sample configuration is under /etc/shouwen, as conffiles" || bad "no conffile /etc/shouwen/shouwen.conf"
man -w shouwen >/dev/null 2>&1 && ok "man shouwen is installed" || bad "no man page"
files=$(dpkg -L shouwen | grep -v '^/\.$')
dpkg --purge shouwen >"$WORK/purge.log" 2>&1 && ok "dpkg --purge removes it" || bad "purge: $(tail -n 5 "$WORK/purge.log")"
left=""
for f in $files; do [[ -f "$f" || -L "$f" ]] && left+=" $f"; done
[[ -d /etc/shouwen ]] && left+=" /etc/shouwen"
[[ -z "$left" ]] && ok "no file of the package is left" || bad "left behind:$left"
done_
