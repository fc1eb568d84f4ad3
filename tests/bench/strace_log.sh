#!/usr/bin/env bash
# --replay of an strace log against the goal of 1,000,000 lines through the
# default script in 3 s: a real log (strace -f -ttt -T -yy of dd bs=1, two
# lines per byte), replayed REPS times through the default view, next to
# the time `wc -l` takes to read the same file. Prints the median, the
# fastest and the slowest run, and lines per second of the median.
#
#   tests/bench/strace_log.sh             COUNT=100000 REPS=3 tests/bench/strace_log.sh
#
# Not a ctest test: timings depend on the machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compendium=${COMPENDIUM:-$root/build/bin/compendium}
count=${COUNT:-500000}
reps=${REPS:-5}
work=$(mktemp -d /tmp/compendium-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! strace -V >/dev/null 2>&1; then
    echo "strace log: n/a (strace is not installed)"
    exit 0
fi
log=$work/dd.strace
strace -f -ttt -T -yy -o "$log" dd if=/dev/zero of=/dev/null bs=1 count="$count" status=none
lines=$(wc -l <"$log")

seconds() { echo "($2 - $1) / 1000000000" | bc -l; }
times=()
read_times=()
for _ in $(seq "$reps"); do
    t0=$(date +%s%N)
    wc -l <"$log" >/dev/null
    t1=$(date +%s%N)
    "$compendium" --replay "$log" -o /dev/null 2>/dev/null
    t2=$(date +%s%N)
    read_times+=("$(seconds "$t0" "$t1")")
    times+=("$(seconds "$t1" "$t2")")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -g)
median=$(echo "$sorted" | sed -n "$(((reps + 1) / 2))p")
read_median=$(printf '%s\n' "${read_times[@]}" | sort -g | sed -n "$(((reps + 1) / 2))p")
printf 'strace log of dd bs=1 count=%d: %d lines, %s MB\n' "$count" "$lines" \
    "$(($(stat -c %s "$log") / 1000000))"
printf 'replayed through the default script: median %.2f s (%.2f to %.2f s over %d runs), %.0f lines/s\n' \
    "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$reps" \
    "$(echo "$lines / $median" | bc -l)"
printf 'wc -l of the same file: median %.3f s\n' "$read_median"
