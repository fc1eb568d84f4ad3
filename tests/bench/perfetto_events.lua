-- scripts/perfetto.lua on N synthetic events (default 1,000,000), through
-- the Lua runtime as the engine drives it (tests/lua/fake_host.lua stands
-- in for the engine): how long dispatching them and writing the trace
-- takes, and the file's size. Run by tests/bench/perfetto.sh.
--
-- The events: reads and writes of 64 bytes on two fds of four threads of
-- one process, alternating so that no two merge into a run, every 10th an
-- open: each makes a syscall slice, an event slice and a counter value.
local ffi = require "ffi"
local fake = require "fake_host"

local n = tonumber(arg[1]) or 1000000
local out = arg[2] or "/tmp/perfetto-bench.pftrace"

ffi.cdef [[
struct bench_timespec { long sec; long nsec; };
int clock_gettime(int clk, struct bench_timespec *ts);
]]
local tsbuf = ffi.new("struct bench_timespec")
local function now()
  ffi.C.clock_gettime(1, tsbuf)
  return tonumber(tsbuf.sec) + tonumber(tsbuf.nsec) / 1e9
end

-- `baseline` as the third argument: a script that hooks the same events
-- and does nothing, for what the runtime and this loop cost by themselves
local baseline = arg[3] == "baseline"
local h, rt = fake.setup { options = { { key = "perfetto.out", value = out } } }
if baseline then
  assert(fake.load_script(rt, "noop", [[
    local c = require "compendium"
    for _, kind in ipairs(c.event_kinds) do c.on(kind, function(e) end) end
    c.on("end", function() local f = io.open(c.opt("perfetto.out"), "w") f:close() end)
  ]]))
else
  assert(rt.load(fake.bundled("perfetto"), "perfetto"))
end
local procs = h.procs
procs[100] = { pid = 100, ppid = 1, comm = "bench", argv = { "bench" } }
for tid = 101, 103 do procs[tid] = { pid = 100, ppid = 1, comm = "bench", argv = { "bench" }, is_thread = true } end

local start, cpu = now(), os.clock()
rt.start()
local ev = h.ev
local kinds = {
  { h:set("read", { fd = 3, nr = 0, ret = 64, bytes = 64, filename = "/data/in", dur_ns = 2000 }), "read" },
  { h:set("write", { fd = 4, nr = 1, ret = 64, bytes = 64, filename = "/data/out", dur_ns = 3000 }), "write" },
  { h:set("open", { fd = 5, nr = 257, ret = 5, path = "/data/file", dur_ns = 5000 }), "open" },
}
-- one template per kind, copied into the engine's struct per event
local templates = {}
for i, k in ipairs(kinds) do
  h:set(k[2], ({ { fd = 3, nr = 0, ret = 64, bytes = 64, filename = "/data/in", dur_ns = 2000 },
                 { fd = 4, nr = 1, ret = 64, bytes = 64, filename = "/data/out", dur_ns = 3000 },
                 { fd = 5, nr = 257, ret = 5, path = "/data/file", dur_ns = 5000 } })[i])
  templates[i] = { type = k[1], copy = ffi.new("cmp_event", ev), keep = h.keep }
end
local base = ffi.new("uint64_t", fake.START_NS)
local dispatch = rt.dispatch
local keep = {}
for i = 1, n do
  local k = (i % 10 == 0) and 3 or (i % 2) + 1
  local t = templates[k]
  ffi.copy(ev, t.copy, ffi.sizeof("cmp_event"))
  keep[k] = t.keep
  ev.tid = 100 + i % 4
  ev.ts_ns = base + i * 10000
  ev.entry_ns = ev.ts_ns - 2000
  dispatch(t.type)
end
rt.finish()
local took, cpu_took = now() - start, os.clock() - cpu
local f = io.open(out, "rb")
local size = f:seek("end")
f:close()
print(string.format("perfetto: %d events in %.2f s (CPU %.2f s, %.0f events/s), %s: %.1f MB",
                    n, took, cpu_took, n / cpu_took, out, size / 1048576))
