#!/usr/bin/env bash
# Side-by-side timing: each workload untraced, under `strace -f`, `perf
# trace`, a bpftrace one-liner that prints every syscall of the command and
# its children, and compendium (default script), interleaved, REPS times
# each; prints the median wall time and the ratio to the untraced run, then
# compendium's peak
# RSS on the dd workload against the 20 MB target. Where permitted, the
# same workloads also run under `compendium --faults` and `compendium
# --ebpf`, reported as the cost they add to the default trace, and under
# `compendium --record`, the cost of keeping the record stream. Last, the
# replay of a recorded dd: syscall records per second through the default
# script and through jsonl, and the recording's bytes per syscall record.
#
#   tests/bench/run.sh                  compendium from $COMPENDIUM or build/bin/compendium
#   REPS=9 tests/bench/run.sh           more repetitions
#   BASELINE=old/bin/compendium tests/bench/run.sh
#                                       also an earlier build, interleaved, to
#                                       tell what a change costs in one run
#
# Not a ctest test: timings depend on the machine; read them side by side.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compendium=${COMPENDIUM:-$root/build/bin/compendium}
reps=${REPS:-5}
baseline=${BASELINE:-}
rss_target_kb=$((20 * 1024))

if [[ ! -x $compendium ]]; then
    echo "run.sh: no compendium binary at $compendium (build it, or set COMPENDIUM)" >&2
    exit 1
fi
if [[ -n $baseline && ! -x $baseline ]]; then
    echo "run.sh: no baseline binary at $baseline" >&2
    exit 1
fi
have_strace=0
if command -v strace >/dev/null 2>&1; then
    have_strace=1
fi

work=$(mktemp -d /tmp/compendium-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 300 small files for the tar workload
mkdir -p "$work/tree"
for i in $(seq 300); do
    printf 'file %d\n%0200d\n' "$i" "$i" >"$work/tree/f$i.txt"
done

names=(
    "dd bs=1 count=200000"
    "sh: 200 x /bin/true"
    "tar cf /dev/null (300 files)"
)
commands=(
    "dd if=/dev/zero of=/dev/null bs=1 count=200000"
    "sh -c 'for i in \$(seq 200); do /bin/true; done'"
    "tar cf /dev/null -C '$work' tree"
)

# Wall time of one shell command, in nanoseconds; its output is discarded.
time_ns() {
    local start end
    start=$(date +%s%N)
    if ! bash -c "$1" >/dev/null 2>&1; then
        echo "run.sh: failed: $1" >&2
        exit 1
    fi
    end=$(date +%s%N)
    echo $((end - start))
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

seconds() {
    awk -v ns="$1" 'BEGIN { printf "%.3fs", ns / 1e9 }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'
}

q() {
    printf '%q' "$1"
}

# The other tracers, each measured only where it works here: perf trace
# needs perf_event_open on syscall tracepoints, bpftrace needs tracefs.
have_perf=0
if command -v perf >/dev/null 2>&1 && perf trace -o /dev/null -- true >/dev/null 2>&1; then
    have_perf=1
else
    echo "(perf trace does not run here; its column reads n/a)"
fi
have_bpftrace=0
# Every syscall of the command and of the processes it starts, one line each,
# as `perf trace` and the other tracers report them.
cat >"$work/every-syscall.bt" <<'BT'
BEGIN { @traced[cpid] = 1; }
tracepoint:sched:sched_process_fork /@traced[args->parent_pid]/ { @traced[args->child_pid] = 1; }
tracepoint:raw_syscalls:sys_exit /@traced[pid]/ { printf("%d %ld = %ld\n", tid, args->id, args->ret); }
END { clear(@traced); }
BT
if command -v bpftrace >/dev/null 2>&1 &&
    bpftrace -q -o /dev/null -c /bin/true "$work/every-syscall.bt" >/dev/null 2>&1; then
    have_bpftrace=1
else
    echo "(bpftrace does not run here (is tracefs mounted? mount -t tracefs nodev /sys/kernel/tracing); its column reads n/a)"
fi

# The optional sources, measured only where this machine permits them.
extra_flags=()
for flag in --faults --ebpf; do
    if "$compendium" "$flag" -o /dev/null -- true >/dev/null 2>&1; then
        extra_flags+=("$flag")
    else
        echo "($flag is not permitted here; not measured)"
    fi
done

echo "compendium: $compendium"
if [[ -n $baseline ]]; then
    echo "baseline:   $baseline"
fi
echo "repetitions: $reps (median shown; runs interleaved)"
echo

# "1.234s (56.7x)": a median and its ratio to the untraced one, or n/a.
cell() {
    if [[ -s $1 ]]; then
        local m
        m=$(median <"$1")
        echo "$(seconds "$m") ($(ratio "$m" "$2"))"
    else
        echo "n/a"
    fi
}

printf '%-30s %9s %17s %17s %17s %17s %10s\n' "workload" "untraced" "strace -f" "perf trace" \
    "bpftrace" "compendium" "vs strace"
for w in "${!commands[@]}"; do
    cmd=${commands[$w]}
    # bpftrace's -c splits its string on spaces and wants an absolute
    # program: a script that execs the command keeps the quoting intact.
    printf 'exec %s\n' "$cmd" >"$work/cmd$w.sh"
    for f in plain strace perf bpftrace comp base; do
        : >"$work/$f"
    done
    for _ in $(seq "$reps"); do
        time_ns "$cmd" >>"$work/plain"
        if ((have_strace)); then
            time_ns "strace -f -o /dev/null $cmd" >>"$work/strace"
        fi
        if ((have_perf)); then
            time_ns "perf trace -o /dev/null -- $cmd" >>"$work/perf"
        fi
        if ((have_bpftrace)); then
            time_ns "bpftrace -q -o /dev/null -c $(q "/bin/bash $work/cmd$w.sh") $(q "$work/every-syscall.bt")" \
                >>"$work/bpftrace"
        fi
        time_ns "$(q "$compendium") -o /dev/null -- $cmd 2>/dev/null" >>"$work/comp"
        if [[ -n $baseline ]]; then
            time_ns "$(q "$baseline") -o /dev/null -- $cmd 2>/dev/null" >>"$work/base"
        fi
        for flag in "${extra_flags[@]}"; do
            time_ns "$(q "$compendium") $flag -o /dev/null -- $cmd 2>/dev/null" >>"$work/comp$flag"
        done
        time_ns "$(q "$compendium") --record $(q "$work/rec.cmpd") -o /dev/null -- $cmd 2>/dev/null" \
            >>"$work/comp-record"
    done
    plain=$(median <"$work/plain")
    comp=$(median <"$work/comp")
    vs="n/a"
    if ((have_strace)); then
        vs=$(ratio "$comp" "$(median <"$work/strace")")
    fi
    printf '%-30s %9s %17s %17s %17s %17s %10s\n' "${names[$w]}" "$(seconds "$plain")" \
        "$(cell "$work/strace" "$plain")" "$(cell "$work/perf" "$plain")" \
        "$(cell "$work/bpftrace" "$plain")" "$(cell "$work/comp" "$plain")" "$vs"
    if [[ -n $baseline ]]; then
        base=$(median <"$work/base")
        changed=$(awk -v a="$comp" -v b="$base" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')
        printf '%-30s %9s %17s %17s %17s %17s %10s\n' "  baseline" "" "" "" "" \
            "$(cell "$work/base" "$plain")" "$changed"
    fi
    for flag in "${extra_flags[@]}"; do
        extra=$(median <"$work/comp$flag")
        : >"$work/comp$flag"
        added=$(awk -v a="$extra" -v b="$comp" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')
        printf '%-30s %9s %17s %17s %17s %17s %10s\n' "  compendium $flag" "" "" "" "" \
            "$(seconds "$extra") ($(ratio "$extra" "$plain"))" "$added"
    done
    record=$(median <"$work/comp-record")
    : >"$work/comp-record"
    added=$(awk -v a="$record" -v b="$comp" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')
    printf '%-30s %10s %20s %20s %16s\n' "  compendium --record" "" "" \
        "$(seconds "$record") ($(ratio "$record" "$plain"))" "$added vs default"
done

# Replay of a recorded dd: syscall records (one per syscall: entry and exit)
# per second, and the recording's size per record.
echo
"$compendium" -q --record "$work/dd.cmpd" -- dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null
"$compendium" -r "$work/dd.cmpd" -q --json "$work/dd.jsonl"
syscalls=$(tail -n 1 "$work/dd.jsonl" | grep -o '"syscalls":[0-9]*' | cut -d: -f2)
size=$(stat -c %s "$work/dd.cmpd")
: >"$work/replay-default"
: >"$work/replay-jsonl"
: >"$work/replay-quiet"
for _ in $(seq "$reps"); do
    time_ns "$(q "$compendium") -r $(q "$work/dd.cmpd") -o /dev/null 2>/dev/null" >>"$work/replay-default"
    time_ns "$(q "$compendium") -r $(q "$work/dd.cmpd") -q --json /dev/null" >>"$work/replay-jsonl"
    time_ns "$(q "$compendium") -r $(q "$work/dd.cmpd") -q" >>"$work/replay-quiet"
done
rate() {
    awk -v n="$syscalls" -v ns="$1" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}
printf 'recording of dd bs=1 count=200000: %d syscall records, %d bytes, %.1f bytes per record (target <= 40)\n' \
    "$syscalls" "$size" "$(awk -v a="$size" -v b="$syscalls" 'BEGIN { print a / b }')"
for how in default jsonl quiet; do
    t=$(median <"$work/replay-$how")
    case $how in
    default) label="replay, default script" ;;
    jsonl) label="replay, jsonl (--json)" ;;
    quiet) label="replay, no hooks (-q)" ;;
    esac
    printf '%-30s %10s %14s records/s%s\n' "$label" "$(seconds "$t")" "$(rate "$t")" \
        "$([[ $how == default ]] && echo " (target >= 1000000)")"
done
if [[ -n $baseline || ${#extra_flags[@]} -gt 0 ]]; then
    echo "(baseline and --faults/--ebpf rows: the last column is their change from the default trace)"
fi

# Peak RSS of compendium on the dd workload.
echo
dd_cmd=(dd if=/dev/zero of=/dev/null bs=1 count=200000)
rss_kb=""
if /usr/bin/time -f %M -o "$work/rss" true >/dev/null 2>&1; then
    /usr/bin/time -f %M -o "$work/rss" "$compendium" -o /dev/null -- "${dd_cmd[@]}" >/dev/null 2>&1
    rss_kb=$(tail -n 1 "$work/rss")
    how="GNU time"
else
    # no GNU time: poll VmHWM (the peak, so the last reading is the answer)
    "$compendium" -o /dev/null -- "${dd_cmd[@]}" >/dev/null 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        if [[ -n $v ]]; then
            rss_kb=$v
        fi
        sleep 0.05
    done
    wait "$pid" || true
    how="VmHWM polled"
fi
if [[ -n $rss_kb ]]; then
    verdict="within"
    if ((rss_kb >= rss_target_kb)); then
        verdict="OVER"
    fi
    awk -v kb="$rss_kb" -v how="$how" -v verdict="$verdict" \
        'BEGIN { printf "compendium max RSS on dd: %.1f MB (%s), target < 20 MB: %s\n", kb / 1024, how, verdict }'
else
    echo "compendium max RSS on dd: unknown (no GNU time, and /proc could not be read)"
fi
