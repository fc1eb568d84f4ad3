-- default: what compendium shows when no script is given.
--
-- Live lines while the program runs, then a summary box. It uses only the
-- public API, so it is also an example: copy it, change it, and run your
-- copy with `compendium -s ./mine.lua -- CMD`.
local c = require "compendium"
local noise = require "compendium.noise"
local summary = require "compendium.summary"
local describe = require "compendium.describe"

-- --ebpf: how long a wait for a CPU must be to be shown. The engine drops
-- shorter ones before they reach any script.
local threshold = c.opt("sched_threshold", "10us")
local threshold_ns = c.parse_duration(threshold)
if not threshold_ns then
  c.error("-X sched_threshold needs a duration such as 10us or 2ms, not '" .. threshold .. "'")
end
c.sched_threshold(threshold_ns)

-- -q asks for failures and the verdict only: hook nothing, print nothing
-- (and so make the engine trace nothing for this script).
if c.quiet then return end

local format = string.format
local count = describe.count

-- Without -v, hide what every program does (dynamic linker, shared
-- libraries, /proc, loopback, faults in mapped files): the rules are in
-- compendium/noise.lua.
local function shown(e)
  return c.verbose or not noise.event(e)
end

-- Byte totals and connections for the summary, with the same filter.
local totals = summary.new { keep = shown }:hook(c)

-- ---- live lines ---------------------------------------------------------
-- Each line's text is compendium/describe.lua's for the event kind.

local root_pid  -- the traced program, learnt when tracing starts
local tasks = 1 -- processes and threads seen; past one, lines name the tid

-- What a syscall made through int $0x80 caused says so.
local function emit(ts, tid, text, abi)
  if abi then text = text .. " [" .. abi .. "]" end
  if tasks > 1 then
    c.print("[+%.3fs] [%d] %s", ts, tid, text)
  else
    c.print("[+%.3fs] %s", ts, text)
  end
end

-- Runs of similar events are shown as one line, printed once something
-- else happens: back-to-back reads (or writes, sends, recvs) of one fd by
-- one thread, page faults in one region, block I/O requests of one size,
-- waits for a CPU by one thread. The kinds of run are kept apart, so 1000
-- direct writes and the 1000 block requests they cause make two lines, not
-- 2000. A run is a table with the event's fields (summed) and `calls`, as
-- describe.line takes it; each kind has one, reused, so `dd bs=1` does not
-- build a table per call.
local io_run = { active = false }
local fault_run = { active = false, type = "fault" }
local block_run = { active = false, type = "block_io" }
local wait_run = { active = false, type = "sched_delay" }
local runs = { io_run, fault_run, block_run, wait_run }

-- Prints the pending runs that started at or before `ts` (all of them
-- without `ts`), oldest first, so lines stay in time order.
local function flush(ts)
  while true do
    local oldest
    for i = 1, #runs do
      local r = runs[i]
      if r.active and (not ts or r.ts <= ts) and (not oldest or r.ts < oldest.ts) then oldest = r end
    end
    if not oldest then return end
    oldest.active = false
    emit(oldest.ts, oldest.tid, describe.line(oldest), oldest.abi)
  end
end

-- Ends one run (and any that started before it), to start a new one.
local function restart(r)
  if r.active then flush(r.ts) end
  r.active = true
end

-- A line of its own; merged lines still pending go first, to keep order.
local function line(e)
  flush()
  emit(e.ts, e.tid, describe.line(e), e.abi)
end

local function on_io(e)
  if not shown(e) then return end
  local p = io_run
  local tid, kind, fd, abi = e.tid, e.type, e.fd, e.abi
  if p.active and p.tid == tid and p.type == kind and p.fd == fd and p.abi == abi then
    p.bytes = p.bytes + e.bytes
    p.calls = p.calls + 1
    return
  end
  restart(p)
  p.tid, p.type, p.fd, p.abi = tid, kind, fd, abi
  p.ts, p.bytes, p.calls = e.ts, e.bytes, 1
  p.filename, p.remote_addr = e.filename, e.remote_addr
end

for _, kind in ipairs { "read", "write", "send", "recv" } do
  c.on(kind, on_io)
end

-- --faults: a thread's faults in one region are one line.
c.on("fault", function(e)
  if not shown(e) then return end
  local region = e.region
  local p, file = fault_run, region == "file" and e.filename or nil
  if p.active and p.tid == e.tid and p.region == region and p.prot == e.prot and p.filename == file then
    p.count = p.count + e.count
    if e.addr < p.addr then p.addr = e.addr end
    return
  end
  restart(p)
  p.tid, p.ts = e.tid, e.ts
  p.region, p.prot, p.filename, p.count, p.addr = region, e.prot, file, e.count, e.addr
end)

-- --ebpf: time spent runnable but waiting for a CPU, as the engine
-- measured it (only waits of at least the threshold arrive); outside -v
-- a thread's waits in a row are one line.
c.on("sched_delay", function(e)
  local p, delay = wait_run, e.delay_ns
  if not c.verbose and p.active and p.tid == e.tid then
    p.calls, p.delay_ns = p.calls + 1, p.delay_ns + delay
    if delay > p.max_delay_ns then p.max_delay_ns = delay end
    return
  end
  restart(p)
  p.tid, p.ts, p.calls, p.delay_ns, p.max_delay_ns = e.tid, e.ts, 1, delay, delay
end)

-- --ebpf: block device requests; outside -v a run of same-size requests in
-- one direction is one line.
c.on("block_io", function(e)
  local p = block_run
  if not c.verbose and p.active and p.tid == e.tid and p.op == e.op and p.bytes == e.bytes then
    p.calls = p.calls + 1
    p.latency_ns = p.latency_ns + e.latency_ns
    if e.latency_ns > p.max_latency_ns then p.max_latency_ns = e.latency_ns end
    return
  end
  restart(p)
  p.tid, p.ts, p.op, p.bytes = e.tid, e.ts, e.op, e.bytes
  p.calls, p.latency_ns, p.max_latency_ns = 1, e.latency_ns, e.latency_ns
end)

-- Lines of their own; exec, brk, signal and the rest are never noise.
local function shown_line(e)
  if shown(e) then line(e) end
end
for _, kind in ipairs { "open", "connect", "mmap", "munmap" } do c.on(kind, shown_line) end
for _, kind in ipairs { "exec", "brk", "inject", "io_uring" } do c.on(kind, line) end

-- A merged line from before the spawn is printed as it was; from the
-- spawn on, lines name the tid.
local function spawned(e)
  flush()
  tasks = tasks + 1
  line(e)
end
c.on("spawn_process", spawned)
c.on("spawn_thread", spawned)

c.on("exit", function(e)
  flush()
  -- threads come and go quietly; the program's own exit is in the summary
  if e.is_thread or e.pid == root_pid then return end
  line(e)
end)

c.on("signal", function(e)
  -- SIGCHLD arrives with every child's exit: already shown as that exit
  if e.signal and e.signal ~= "SIGCHLD" then line(e) end
end)

-- -v: every syscall too, as strace would show it. Hooked only under -v:
-- "syscall" makes the engine stop the program at every syscall, and
-- c.want_format makes it capture what the lines show of their memory.
if c.verbose then
  c.want_format()
  c.on("syscall", function(e)
    flush()
    c.print("[+%.3fs] [%d] %s", e.ts, e.tid, c.format_syscall(e))
  end)
end

-- ---- start and summary ------------------------------------------------------

c.on("start", function(run)
  root_pid = run.root_pid
  -- an attached process may have threads already: lines name the tid
  tasks = run.processes + run.threads
  -- a replay says so: its lines are of a run that is over
  local replay = run.source and run.source.live == false and "replaying a recording: " or ""
  if run.attached then
    c.print("compendium: %sattached to PID %d (%s)%s", replay, run.root_pid,
            c.escape(run.command),
            run.threads > 0 and ", " .. count(run.threads + 1, "thread", "threads") or "")
  else
    c.print("compendium: %stracing %s", replay, c.escape(run.command))
  end
end)

local RULE = string.rep("━", 64)
local MAX_CONNECTIONS = 10

-- ": total 3.20 ms, p50 40.0 µs, p99 1.20 ms, max 2.00 ms", or nothing.
local function latency_text(figures)
  local text = describe.latency(figures)
  return text and (": " .. text) or ""
end

-- The summary box: the figures of compendium/summary.lua, in words.
c.on("end", function(run)
  flush()
  local s = totals:result(run)
  local mem = s.memory
  c.print("")
  c.print(RULE)
  c.print(" FINAL: %s (%.2fs)", c.escape(s.command), s.duration)
  c.print(RULE)
  -- --pid: the totals count what the process had already; say how much
  local before = mem.at_attach
  local function at_attach(field)
    return before and " (at attach " .. c.bytes(before[field]) .. ")" or ""
  end
  c.print(" Memory:")
  c.print("   Heap:     %s%s", c.bytes(mem.heap_bytes), at_attach("heap_bytes"))
  c.print("   Anon:     %s%s", c.bytes(mem.anon_bytes), at_attach("anon_bytes"))
  c.print("   Total:    %s%s", c.bytes(mem.total_bytes), at_attach("total_bytes"))
  if mem.touched_bytes then c.print("   Touched:  %s", c.bytes(mem.touched_bytes)) end
  -- not memory used: a file's pages are the page cache's, a reservation
  -- without access has none
  local function mapped(m)
    return format("files %s, reserved %s, %s", c.bytes(m.file_bytes), c.bytes(m.reserved_bytes),
                  count(m.mmap_regions, "region", "regions"))
  end
  c.print("   Mapped:   %s%s", mapped(mem), before and "; at attach " .. mapped(before) or "")
  c.print(" I/O:")
  for _, f in ipairs(summary.io_figures(s.shown.io)) do
    c.print("   %-14s%10s", f.label .. ":", c.bytes(f.bytes))
  end
  if s.io_urings > 0 then
    c.print("   %-14s%s", "Not seen:", format("I/O through %s (not in these totals)",
                                              count(s.io_urings, "io_uring", "io_urings")))
  end
  local conns = s.shown.connections
  if #conns > 0 then
    c.print(" Network connections:")
    for i = 1, math.min(#conns, MAX_CONNECTIONS) do
      c.print("   %s", describe.text { type = "connect", sock_type = conns[i].sock_type,
                                       remote_addr = conns[i].remote_addr })
    end
    if #conns > MAX_CONNECTIONS then c.print("   ... and %d more", #conns - MAX_CONNECTIONS) end
  end
  local spawned = s.spawned
  if spawned.processes + spawned.threads > 0 then
    c.print(" Subprocesses: %s, %s", count(spawned.processes, "process", "processes"),
            count(spawned.threads, "thread", "threads"))
  end
  local faults = s.page_faults
  if faults then
    c.print(" Page faults: %d (%s pages, %s touched)", faults.count, c.bytes(faults.page_size),
            c.bytes(faults.bytes))
    local regions = describe.fault_regions(faults)
    if #regions > 0 then c.print("   %s", table.concat(regions, " · ")) end
  end
  if s.scheduler then
    c.print(" Scheduler: %s ≥ %s%s", count(s.scheduler.count, "wait", "waits"), c.duration(threshold_ns),
            latency_text(s.scheduler))
    local b = s.block_io
    c.print(" Block I/O: %s, %s read, %s written%s", count(b.count, "request", "requests"),
            c.bytes(b.bytes_read), c.bytes(b.bytes_written), latency_text(b))
  end
  if s.dropped > 0 then
    c.print(" Dropped: %d records the kernel could not queue (%d fault samples, %d BPF)",
            s.dropped, s.dropped_faults, s.dropped_ebpf)
  end
  if s.undecoded_syscalls > 0 then
    c.print(" Undecoded: %s that compendium could not decode (%s)",
            count(s.undecoded_syscalls, "32-bit syscall", "32-bit syscalls"),
            describe.undecoded(s.undecoded_by_name))
  end
  c.print(" Exit: %s", describe.ended(s))
  c.print(RULE)
end)
