#!/usr/bin/env bash
# scripts/perfetto.lua against the goal of 1,000,000 events written in 3 s:
#   synthetic  EVENTS (1,000,000) events through the Lua runtime and the
#              script (tests/bench/perfetto_events.lua, the engine stood in for)
#   replayed   a recording of dd bs=16 (2 x BLOCKS read/write events) replayed
#              through the whole engine, next to a script that does nothing
#   live       the same dd under --perfetto, next to --json
#   dd bs=1    a recording of dd bs=1 (EVENTS syscalls, a read or a write
#              event each) replayed REPS (5) times with the default script and
#              --perfetto: min / median / max of the wall and CPU times, and
#              the same for BASELINE (another compendium binary), interleaved
#
#   tests/bench/perfetto.sh              EVENTS=200000 tests/bench/perfetto.sh
#   BASELINE=/path/to/older/compendium tests/bench/perfetto.sh
#
# Not a ctest test: timings depend on the machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compendium=${COMPENDIUM:-$root/build/bin/compendium}
events=${EVENTS:-1000000}
work=$(mktemp -d /tmp/compendium-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

export COMPENDIUM_SOURCE=$root
run_lua() {
    luajit -e "package.path='$root/lua/?.lua;$root/lua/?/init.lua;$root/tests/lua/?.lua;'..package.path" \
        "$here/perfetto_events.lua" "$@"
}
run_lua "$events" "$work/synthetic.pftrace" baseline | sed 's/^perfetto:/runtime alone:/'
run_lua "$events" "$work/synthetic.pftrace"

if [[ -x $compendium ]]; then
    blocks=${BLOCKS:-100000}
    head -c $((blocks * 16)) /dev/urandom >"$work/in"
    dd_cmd=(dd if="$work/in" of="$work/out" bs=16 status=none)
    t0=$(date +%s%N)
    "$compendium" -q --json "$work/live.jsonl" -- "${dd_cmd[@]}" 2>/dev/null
    t1=$(date +%s%N)
    "$compendium" -q --perfetto "$work/live.pftrace" -- "${dd_cmd[@]}" 2>/dev/null
    t2=$(date +%s%N)
    # the engine's whole path on a recording: records read, state, hooks,
    # c.format_syscall in C, the file written
    "$compendium" -q --record "$work/dd.cmpd" -- "${dd_cmd[@]}" 2>/dev/null
    t3=$(date +%s%N)
    cat >"$work/noop.lua" <<'LUA'
local c = require "compendium"
for _, kind in ipairs(c.event_kinds) do c.on(kind, function() end) end
LUA
    "$compendium" -q --replay "$work/dd.cmpd" -s "$work/noop.lua" 2>/dev/null
    t4=$(date +%s%N)
    "$compendium" -q --replay "$work/dd.cmpd" -s perfetto -X perfetto.out="$work/replay.pftrace" 2>/dev/null
    t5=$(date +%s%N)
    printf 'replayed dd, %d read/write events: %.2f s with a script that does nothing, %.2f s with -s perfetto (%s)\n' \
        $((blocks * 2)) "$(echo "($t4 - $t3) / 1000000000" | bc -l)" \
        "$(echo "($t5 - $t4) / 1000000000" | bc -l)" "$(du -h "$work/replay.pftrace" | cut -f1)"
    printf 'live dd, %d blocks (%d read/write events): %.2f s with --json, %.2f s with --perfetto (%s)\n' \
        "$blocks" $((blocks * 2)) "$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
        "$(echo "($t2 - $t1) / 1000000000" | bc -l)" "$(du -h "$work/live.pftrace" | cut -f1)"
fi

# min / median / max of the numbers on stdin
stats() {
    sort -n | awk '{ v[NR] = $1 } END { printf "%.2f / %.2f / %.2f", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

if [[ -x $compendium ]]; then
    reps=${REPS:-5}
    "$compendium" -q --record "$work/dd1.cmpd" -- dd if=/dev/zero of=/dev/null bs=1 count=$((events / 2)) 2>/dev/null
    bins=("$compendium")
    [[ -n ${BASELINE:-} ]] && bins+=("$BASELINE")
    for ((i = 0; i < reps; i++)); do
        for b in "${!bins[@]}"; do
            /usr/bin/time -f "%e %U" -o "$work/time.$b.$i" \
                "${bins[$b]}" -r "$work/dd1.cmpd" -o /dev/null --perfetto "$work/dd1.$b.pftrace" 2>/dev/null
        done
    done
    for b in "${!bins[@]}"; do
        printf 'replayed dd bs=1, %d events, %s: wall %s s, CPU %s s (min / median / max of %d)\n' \
            $((events / 2 * 2)) "${bins[$b]}" "$(cat "$work"/time."$b".* | cut -d' ' -f1 | stats)" \
            "$(cat "$work"/time."$b".* | cut -d' ' -f2 | stats)" "$reps"
    done
    if [[ -n ${BASELINE:-} ]] && ! cmp -s "$work/dd1.0.pftrace" "$work/dd1.1.pftrace"; then
        echo "the two binaries wrote different traces"
    fi
fi
