# benchlib.sh: what the benches that bring up a whole hub share (sourced by
# load.sh and restart.sh after they set SRC, BUILD and DIR).

say() { printf '%s\n' "$*"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_check_build NAME: warns when BUILD is not the kind the figures of
# record come from (Release, no sanitizers)
bench_check_build() {
    grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" 2>/dev/null ||
        echo "$1: warning: $BUILD is not a Release build; its figures are not the ones of record" >&2
    grep -q 'SHOUWEN_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null &&
        echo "$1: warning: $BUILD has the sanitizers on" >&2
    return 0
}

# bench_destroy_hub: stops the hub and removes its cluster and DIR, unless
# BENCH_KEEP is set
bench_destroy_hub() {
    [[ -n "${HUB:-}" ]] || return 0
    hub_destroy
    if [[ -z "${BENCH_KEEP:-}" ]]; then
        bash "$SRC/scripts/pg.sh" destroy "$HUB/pg" >/dev/null 2>&1
        rm -rf "$DIR"
    else
        echo "kept $DIR (stop its cluster with: bash scripts/pg.sh stop $HUB/pg)"
    fi
}

# bench_perf_report DATA COMM...: a perf record -a -g file summarised: the
# share of the samples by process (swapper is the idle CPU), then for each
# COMM its functions by samples of their own (self) and, for postgres and
# shouwen-audit, including what they call (children)
bench_perf_report() {
    local data=$1 comm
    shift
    say "## share of all samples, by process ($(nproc) CPUs; swapper = idle)"
    perf report -i "$data" --no-children --sort comm --stdio -g none 2>/dev/null |
        grep -E '^ +[0-9]' | head -n 12
    for comm in "$@"; do
        say ""
        say "## $comm: functions by samples of their own (self), top 15"
        perf report -i "$data" --comm "$comm" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
            grep -E '^ +[0-9]' | head -n 15
        if [[ $comm == postgres || $comm == shouwen-audit ]]; then
            say "## $comm: functions including what they call (children), top 25"
            perf report -i "$data" --comm "$comm" --children --sort symbol --stdio -g none 2>/dev/null |
                grep -E '^ +[0-9]' | grep -v '0x0000' | head -n 25
        fi
    done
}
