#!/usr/bin/env bash
# The HTML report on a trace of 75,000+ events: how long compendium takes to
# write it, how big it is, and how soon headless Chromium can use it.
#
#   tests/bench/report.sh            compendium from $COMPENDIUM or build/bin/compendium
#   EVENTS=200000 tests/bench/report.sh
#
# Not a ctest test: timings depend on the machine; read them against the
# targets (written in < 2 s, < 20 MB, interactive in < 2 s).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compendium=${COMPENDIUM:-$root/build/bin/compendium}
events=${EVENTS:-80000}

if [[ ! -x $compendium ]]; then
    echo "report.sh: no compendium binary at $compendium (build it, or set COMPENDIUM)" >&2
    exit 1
fi

work=$(mktemp -d /tmp/compendium-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# dd with 16-byte blocks between two regular files: one read and one write
# event per block, none of them noise.
blocks=$((events / 2))
head -c $((blocks * 16)) /dev/urandom >"$work/in"

# Two scripts around the report: the first notes the time when the end
# hooks start, the last prints how long the report's end hook (which writes
# the page) took. Both use CLOCK_MONOTONIC through the FFI.
cat >"$work/clock.lua" <<'LUA'
local ffi = require "ffi"
pcall(ffi.cdef, "struct bench_ts { long sec; long nsec; }; int clock_gettime(int, struct bench_ts *);")
local ts = ffi.new("struct bench_ts")
return function()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.sec) + tonumber(ts.nsec) / 1e9
end
LUA
cat >"$work/before.lua" <<LUA
local c = require "compendium"
local now = dofile("$work/clock.lua")
c.on("end", function() package.loaded.bench_report_start = now() end)
LUA
cat >"$work/after.lua" <<LUA
local c = require "compendium"
local now = dofile("$work/clock.lua")
c.on("end", function()
  local f = assert(io.open("$work/seconds", "w"))
  f:write(string.format("%.3f\n", now() - package.loaded.bench_report_start))
  f:close()
end)
LUA

report=$work/report.html
"$compendium" -q -s "$work/before.lua" -s report -s "$work/after.lua" -X "report.out=$report" \
    -- dd if="$work/in" of="$work/out" bs=16 >/dev/null 2>&1

kept=$(grep -o '"kept":[0-9]*' "$report" | head -n 1 | cut -d: -f2)
left=$(grep -o '"left_out":[0-9]*' "$report" | head -n 1 | cut -d: -f2)
size=$(stat -c %s "$report")
echo "compendium: $compendium"
echo "workload:   dd bs=16, $blocks blocks: $((kept + left)) events, $kept in the report, $left left out"
echo "written in: $(cat "$work/seconds") s (target < 2 s)"
awk -v b="$size" 'BEGIN { printf "size:       %.1f MB (target < 20 MB)\n", b / 1048576 }'

# Time to interactive in headless Chromium, with the browser tests' playwright-core.
if [[ -d $root/tests/browser/node_modules/playwright-core ]] && command -v node >/dev/null &&
    [[ -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
    node "$here/report_tti.js" "$report"
else
    echo "interactive: n/a (needs node, chromium and tests/browser/node_modules: run .ci/install-deps)"
fi
