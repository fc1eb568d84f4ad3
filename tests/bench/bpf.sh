#!/usr/bin/env bash
# What --bpf costs, side by side in one run.
#
# 1. dd if=/dev/zero of=/dev/null bs=1 count=200000 (400 000 syscalls), REPS
#    times each way, interleaved: untraced, compendium --bpf (default
#    script), the same with COMPENDIUM_BPF_NO_RUNS=1 (a record per call, not
#    per run of reads or writes), a bpftrace one-liner printing every
#    syscall, perf trace, strace -f, and compendium with ptrace. Median wall time, its ratio to
#    the untraced run, the CPU time of the whole run (tracer and dd) and the
#    peak RSS of the tracer; for --bpf, the records dropped.
# 2. A loopback server under a bounded load (tests/progs/loop_server, and
#    loop_client with CONNS connections, one request in flight on each, for
#    SECONDS): requests per second untraced, then with compendium --bpf --pid
#    attached to the server, then with a ptrace attach (compendium --pid);
#    the tracer's CPU time and peak RSS.
#
#   tests/bench/bpf.sh                 compendium from $COMPENDIUM or build/bin/compendium
#   REPS=9 SECONDS_PER_RUN=5 CONNS=4 tests/bench/bpf.sh
#   ONLY=server REPS=9 tests/bench/bpf.sh   one part alone (dd or server)
#
# Needs root (CAP_BPF, CAP_PERFMON) for --bpf; bpftrace, perf and strace
# for their rows (n/a where missing). Not a ctest test: read the figures
# side by side.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compendium=${COMPENDIUM:-$root/build/bin/compendium}
progs=${COMPENDIUM_PROGS:-$root/build/tests/progs}
reps=${REPS:-5}
run_seconds=${SECONDS_PER_RUN:-3}
conns=${CONNS:-2}
only=${ONLY:-} # dd or server: that part alone

for f in "$compendium" "$progs/loop_server" "$progs/loop_client"; do
    if [[ ! -x $f ]]; then
        echo "bpf.sh: no $f (build the project, or set COMPENDIUM / COMPENDIUM_PROGS)" >&2
        exit 1
    fi
done
if ! "$compendium" --bpf -o /dev/null -- true 2>"${TMPDIR:-/tmp}/bpf-bench-why.$$"; then
    echo "bpf.sh: --bpf does not run here: $(cat "${TMPDIR:-/tmp}/bpf-bench-why.$$")" >&2
    rm -f "${TMPDIR:-/tmp}/bpf-bench-why.$$"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/bpf-bench-why.$$"

work=$(mktemp -d /tmp/compendium-bpf-bench.XXXXXX)
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One run under GNU time: appends "wall cpu maxrss_kb" to $2. The wall time
# is the command's own, to the microsecond (bash's $EPOCHREALTIME around it;
# GNU time's counts in hundredths and includes the shell's start).
timed() {
    local out=$2
    # shellcheck disable=SC2016
    local inner='s=$EPOCHREALTIME; '"$1"'; rc=$?; e=$EPOCHREALTIME; echo "$s $e" >"$WALL"; exit $rc'
    if ! WALL="$work/wall" /usr/bin/time -f '%e %U %S %M' -o "$work/time" bash -c "$inner" \
        >/dev/null 2>"$work/stderr"; then
        echo "bpf.sh: failed: $1" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    local wall
    wall=$(awk '{ printf "%.6f", $2 - $1 }' "$work/wall")
    awk -v w="$wall" '{ printf "%s %.3f %s\n", w, $2 + $3, $4 }' "$work/time" >>"$out"
    if grep -q 'Dropped:' "$work/stderr"; then
        sed -n 's/.*Dropped: \([0-9]*\) records.*/\1/p' "$work/stderr" >>"$out.dropped"
    fi
}

dd_cmd="dd if=/dev/zero of=/dev/null bs=1 count=200000"
printf 'exec %s\n' "$dd_cmd" >"$work/dd.sh"
cat >"$work/every-syscall.bt" <<'BT'
BEGIN { @traced[cpid] = 1; }
tracepoint:sched:sched_process_fork /@traced[args->parent_pid]/ { @traced[args->child_pid] = 1; }
tracepoint:raw_syscalls:sys_exit /@traced[pid]/ { printf("%d %ld = %ld\n", tid, args->id, args->ret); }
END { clear(@traced); }
BT

declare -A how
how[untraced]="$dd_cmd"
how[compendium --bpf]="$(printf '%q' "$compendium") --bpf -o /dev/null -- $dd_cmd"
how[--bpf, no runs]="COMPENDIUM_BPF_NO_RUNS=1 $(printf '%q' "$compendium") --bpf -o /dev/null -- $dd_cmd"
if command -v bpftrace >/dev/null 2>&1 &&
    bpftrace -q -o /dev/null -c /bin/true "$work/every-syscall.bt" >/dev/null 2>&1; then
    how[bpftrace]="bpftrace -q -o /dev/null -c '/bin/bash $work/dd.sh' $work/every-syscall.bt"
fi
if command -v perf >/dev/null 2>&1 && perf trace -o /dev/null -- true >/dev/null 2>&1; then
    how[perf trace]="perf trace -o /dev/null -- $dd_cmd"
fi
if command -v strace >/dev/null 2>&1; then
    how[strace -f]="strace -f -o /dev/null $dd_cmd"
fi
how[compendium ptrace]="$(printf '%q' "$compendium") -o /dev/null -- $dd_cmd"
order=("untraced" "compendium --bpf" "--bpf, no runs" "bpftrace" "perf trace" "strace -f" "compendium ptrace")

echo "compendium: $compendium"
if [[ $only != server ]]; then
    echo "1. $dd_cmd, $reps runs each (median, interleaved)"
    for _ in $(seq "$reps"); do
        for k in "${order[@]}"; do
            if [[ -n ${how[$k]:-} ]]; then timed "${how[$k]}" "$work/dd-$k"; fi
        done
    done
    base=$(awk '{ print $1 }' "$work/dd-untraced" | median)
    printf '   %-20s %9s %9s %10s %12s %9s\n' "" "wall" "ratio" "cpu" "peak RSS" "dropped"
    for k in "${order[@]}"; do
        if [[ ! -s $work/dd-$k ]]; then
            printf '   %-20s %9s\n' "$k" "n/a"
            continue
        fi
        wall=$(awk '{ print $1 }' "$work/dd-$k" | median)
        cpu=$(awk '{ print $2 }' "$work/dd-$k" | median)
        rss=$(awk '{ print $3 }' "$work/dd-$k" | median)
        dropped="-"
        if [[ $k == "compendium --bpf" || $k == "--bpf, no runs" ]]; then
            dropped=$(median 2>/dev/null <"$work/dd-$k.dropped" || true)
            dropped=${dropped:-0}
        fi
        awk -v k="$k" -v w="$wall" -v b="$base" -v c="$cpu" -v r="$rss" -v d="$dropped" \
            'BEGIN { printf "   %-20s %8.4fs %8.2fx %9.3fs %9.1f MB %9s\n", k, w, w / b, c, r / 1024, d }'
    done

fi

if [[ $only != dd ]]; then
    echo "2. loop_server under loop_client $conns connections x ${run_seconds}s"
    "$progs/loop_server" >"$work/server.out" &
    server_pid=$!
    for _ in $(seq 100); do
        if grep -q PORT "$work/server.out"; then break; fi
        sleep 0.05
    done
    port=$(sed -n 's/^PORT //p' "$work/server.out")

    rate() {
        "$progs/loop_client" "$port" "$conns" "$run_seconds" |
            awk -v s="$run_seconds" '/^requests/ { printf "%.0f", $2 / s }'
    }

    # Attaches a tracer (its flags in $1) to the server, loads it, detaches:
    # prints "rate tracer_cpu tracer_rss_kb".
    attached_rate() {
        # shellcheck disable=SC2086
        /usr/bin/time -f '%U %S %M' -o "$work/tracer-time" \
            "$compendium" $1 --pid "$server_pid" -o /dev/null 2>"$work/tracer.err" &
        local tracer=$!
        for _ in $(seq 200); do
            if grep -q 'attached' "$work/tracer.err"; then break; fi
            sleep 0.05
        done
        local r
        r=$(rate)
        # GNU time ignores SIGINT: the tracer itself gets it, and detaches.
        kill -INT "$(ps -o pid= --ppid "$tracer")"
        wait "$tracer" || true
        awk -v r="$r" '{ printf "%s %.3f %s\n", r, $1 + $2, $3 }' "$work/tracer-time"
    }

    : >"$work/rates-untraced"
    : >"$work/rates-bpf"
    : >"$work/rates-ptrace"
    for _ in $(seq "$reps"); do
        rate >>"$work/rates-untraced"
        echo >>"$work/rates-untraced"
        attached_rate "--bpf" >>"$work/rates-bpf"
        attached_rate "" >>"$work/rates-ptrace"
    done
    # The cost of each rep is against the untraced run just before it (the
    # machine's own speed drifts between reps): its median, and the range.
    untraced=$(grep . "$work/rates-untraced" | median)
    printf '   %-26s %12s %8s %16s %12s %12s\n' "" "requests/s" "cost" "cost range" "tracer cpu" \
        "tracer RSS"
    printf '   %-26s %12.0f\n' "untraced" "$untraced"
    for k in bpf ptrace; do
        label="compendium --bpf --pid"
        if [[ $k == ptrace ]]; then label="compendium --pid (ptrace)"; fi
        r=$(awk '{ print $1 }' "$work/rates-$k" | median)
        c=$(awk '{ print $2 }' "$work/rates-$k" | median)
        m=$(awk '{ print $3 }' "$work/rates-$k" | median)
        paste <(grep . "$work/rates-untraced") "$work/rates-$k" |
            awk '{ print (1 - $2 / $1) * 100 }' >"$work/costs-$k"
        cost=$(median <"$work/costs-$k")
        lo=$(sort -n "$work/costs-$k" | head -1)
        hi=$(sort -n "$work/costs-$k" | tail -1)
        awk -v l="$label" -v r="$r" -v cost="$cost" -v lo="$lo" -v hi="$hi" -v c="$c" -v m="$m" \
            'BEGIN { printf "   %-26s %12.0f %7.1f%% %7.1f..%5.1f%% %11.3fs %9.1f MB\n", l, r, cost, lo, hi, c, m / 1024 }'
    done
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=
fi
