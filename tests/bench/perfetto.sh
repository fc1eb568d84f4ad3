#!/usr/bin/env bash
# scripts/perfetto.lua writing a trace of 1,000,000 synthetic events
# (tests/bench/perfetto_events.lua: the Lua runtime and the script as the
# engine drives them, the engine itself stood in for), against the goal of
# 1,000,000 events in 3 s; and the whole of compendium --perfetto on a
# live dd of 16-byte blocks next to --json on the same (both take every
# event; ptrace stops are most of the time).
#
#   tests/bench/perfetto.sh              EVENTS=200000 tests/bench/perfetto.sh
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
    "$compendium" -q --json "$work/live.jsonl" -- "${dd_cmd[@]}"
    t1=$(date +%s%N)
    "$compendium" -q --perfetto "$work/live.pftrace" -- "${dd_cmd[@]}"
    t2=$(date +%s%N)
    printf 'live dd, %d blocks (%d read/write events): %.2f s with --json, %.2f s with --perfetto (%s)\n' \
        "$blocks" $((blocks * 2)) "$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
        "$(echo "($t2 - $t1) / 1000000000" | bc -l)" "$(du -h "$work/live.pftrace" | cut -f1)"
fi
