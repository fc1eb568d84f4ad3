-- default: what compendium shows when no script is given.
--
-- Live lines while the program runs, then a summary box. It uses only the
-- public API, so it is also an example: copy it, change it, and run your
-- copy with `compendium -s ./mine.lua -- CMD`.
local c = require "compendium"
local noise = require "compendium.noise"
local summary = require "compendium.summary"

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

-- "1 process", "3 threads"
local function count(n, one, many)
  return format("%d %s", n, n == 1 and one or many)
end

-- Without -v, hide what every program does (dynamic linker, shared
-- libraries, /proc, loopback): the rules are in compendium/noise.lua.
local function shown(e)
  return c.verbose or not noise.event(e)
end

-- Byte totals and connections for the summary, with the same filter.
local totals = summary.new { keep = shown }:hook(c)

-- ---- live lines ---------------------------------------------------------

local root_pid  -- the traced program, learnt when tracing starts
local tasks = 1 -- processes and threads seen; past one, lines name the tid

local function emit(ts, tid, text)
  if tasks > 1 then
    c.print("[+%.3fs] [%d] %s", ts, tid, text)
  else
    c.print("[+%.3fs] %s", ts, text)
  end
end

-- Runs of similar events are shown as one line, printed once something
-- else happens: back-to-back reads (or writes, sends, recvs) of one fd by
-- one thread, page faults in one region, block I/O requests of one size,
-- waits for a CPU by one thread. The kinds of run are kept apart, so 1000 direct writes and the
-- 1000 block requests they cause make two lines, not 2000. Each kind has
-- one table, reused, so `dd bs=1` does not build a table per call.

local function io_text(p)
  local text
  if p.type == "send" or p.type == "recv" then
    text = format("%s %8s", p.type, c.bytes(p.bytes))
    if p.peer then text = text .. " → " .. c.escape(p.peer) end
  else
    text = format("%s %s %s", p.type, c.escape(p.name), c.bytes(p.bytes))
  end
  if p.calls > 1 then text = text .. format(" (%d calls)", p.calls) end
  if p.abi then text = text .. " [" .. p.abi .. "]" end
  return text
end

local function fault_text(p)
  local where = p.name and (p.region .. " " .. c.escape(p.name)) or p.region
  return format("%d fault%s in %s @ %s (%s)", p.calls, p.calls == 1 and "" or "s", where,
                c.hex(p.low), p.prot)
end

local function block_text(p)
  if p.calls == 1 then
    return format("block %s %s in %s", p.op, c.bytes(p.size), c.duration(p.latency))
  end
  return format("block %s %s × %d (latency avg %s, max %s)", p.op, c.bytes(p.size), p.calls,
                c.duration(p.latency / p.calls), c.duration(p.max_latency))
end

local function wait_text(p)
  if p.calls == 1 then return "waited " .. c.duration(p.total) .. " for a CPU" end
  return format("waited for a CPU %d times, %s in all (max %s)", p.calls, c.duration(p.total),
                c.duration(p.max))
end

local io_run = { active = false, text = io_text }
local fault_run = { active = false, text = fault_text }
local block_run = { active = false, text = block_text }
local wait_run = { active = false, text = wait_text }
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
    emit(oldest.ts, oldest.tid, oldest.text(oldest))
  end
end

-- Ends one run (and any that started before it), to start a new one.
local function restart(r)
  if r.active then flush(r.ts) end
  r.active = true
end

-- A line of its own; merged lines still pending go first, to keep order.
-- What a syscall made through int $0x80 caused says so.
local function line(e, text)
  flush()
  local abi = e.abi
  if abi then text = text .. " [" .. abi .. "]" end
  emit(e.ts, e.tid, text)
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
  p.name = e.filename or ("fd " .. fd)
  p.peer = e.remote_addr
end

for _, kind in ipairs { "read", "write", "send", "recv" } do
  c.on(kind, on_io)
end

-- --faults: heap, anonymous and stack faults are memory the program really
-- uses; faults in mapped files (code, data) are shown only with -v.
local GROWTH = { heap = true, anon = true, stack = true }

c.on("fault", function(e)
  local region = e.region
  if not (c.verbose or GROWTH[region]) then return end
  local p, file = fault_run, region == "file" and e.filename or nil
  if p.active and p.tid == e.tid and p.region == region and p.prot == e.prot and p.name == file then
    p.calls = p.calls + e.count
    if e.addr < p.low then p.low = e.addr end
    return
  end
  restart(p)
  p.tid, p.ts = e.tid, e.ts
  p.region, p.prot, p.name, p.calls, p.low = region, e.prot, file, e.count, e.addr
end)

-- --ebpf: time spent runnable but waiting for a CPU, as the engine
-- measured it (only waits of at least the threshold arrive); outside -v
-- a thread's waits in a row are one line.
c.on("sched_delay", function(e)
  local p, delay = wait_run, e.delay_ns
  if not c.verbose and p.active and p.tid == e.tid then
    p.calls, p.total = p.calls + 1, p.total + delay
    if delay > p.max then p.max = delay end
    return
  end
  restart(p)
  p.tid, p.ts, p.calls, p.total, p.max = e.tid, e.ts, 1, delay, delay
end)

-- --ebpf: block device requests; outside -v a run of same-size requests in
-- one direction is one line.
c.on("block_io", function(e)
  local p = block_run
  if not c.verbose and p.active and p.tid == e.tid and p.op == e.op and p.size == e.bytes then
    p.calls = p.calls + 1
    p.latency = p.latency + e.latency_ns
    if e.latency_ns > p.max_latency then p.max_latency = e.latency_ns end
    return
  end
  restart(p)
  p.tid, p.ts, p.op, p.size = e.tid, e.ts, e.op, e.bytes
  p.calls, p.latency, p.max_latency = 1, e.latency_ns, e.latency_ns
end)

c.on("exec", function(e)
  local program = e.program or "?"
  line(e, "─── " .. c.escape(program:match("[^/]*$")) .. " exec ───")
end)

c.on("open", function(e)
  if not shown(e) then return end
  local notes = { e.writable and "write" or "read" }
  if e.path_error then
    notes[#notes + 1] = format("file unnamed: %s; asked for %s", e.path_error,
                               c.escape(e.requested or "?"))
  end
  if e.requested_error then notes[#notes + 1] = "path argument unreadable: " .. e.requested_error end
  line(e, format("open %s (%s)", c.escape(e.path or "?"), table.concat(notes, "; ")))
end)

c.on("connect", function(e)
  if not shown(e) then return end
  local text = format("connect %s → %s", e.sock_type or "socket", c.escape(e.remote_addr or "?"))
  -- a non-blocking connect reports EINPROGRESS: under way, not failed
  local err = e.error
  if err and err ~= "EINPROGRESS" then text = text .. " (" .. err .. ")" end
  line(e, text)
end)

c.on("mmap", function(e)
  if not shown(e) then return end
  local what = e.map_type == "file" and c.escape(e.filename or "?") or "anon"
  line(e, format("mmap %s-%s %s %8s %s", c.hex(e.addr), c.hex(e.end_addr), e.prot or "---",
                 c.bytes(e.size), what))
end)

c.on("munmap", function(e)
  if not shown(e) then return end
  line(e, format("munmap %s-%s %s", c.hex(e.addr), c.hex(e.addr + e.size), c.bytes(e.size)))
end)

c.on("brk", function(e)
  local growth = e.growth_bytes
  line(e, "heap " .. (growth >= 0 and "+" or "") .. c.bytes(growth))
end)

c.on("spawn_process", function(e)
  flush() -- a merged line from before the spawn is printed as it was
  tasks = tasks + 1
  line(e, "spawn process " .. e.child_pid)
end)

c.on("spawn_thread", function(e)
  flush() -- a merged line from before the spawn is printed as it was
  tasks = tasks + 1
  line(e, "spawn thread " .. e.child_tid)
end)

c.on("exit", function(e)
  flush()
  -- threads come and go quietly; the program's own exit is in the summary
  if e.is_thread or e.pid == root_pid then return end
  if e.signal then
    line(e, "killed by " .. e.signal .. (e.core_dumped and " (core dumped)" or ""))
  else
    line(e, "exit " .. e.code)
  end
end)

c.on("signal", function(e)
  -- SIGCHLD arrives with every child's exit: already shown as that exit
  if e.signal and e.signal ~= "SIGCHLD" then line(e, "signal " .. e.signal) end
end)

-- What a script injected (c.inject, c.inject_return, c.delay), said
-- plainly, so that nobody takes an injected failure for a real one.
c.on("inject", function(e)
  local target = e.path or e.addr or e.fd_path
  local what = e.name .. (target and (" " .. c.escape(target)) or "")
  if e.op == "delay" then
    line(e, format("inject %s → delayed %s ms (injected)", what, e.delay_ns / 1e6))
  else
    line(e, format("inject %s → %s (injected)", what, e.error or tostring(e.ret)))
  end
end)

-- An io_uring: the kernel takes the program's I/O requests from memory it
-- shares with the program, so what goes through the ring is not seen (and
-- not in the summary's totals). Said once per ring, and in the summary.
c.on("io_uring", function(e)
  local about = {}
  if e.entries > 0 then about[#about + 1] = count(e.entries, "entry", "entries") end
  if e.sqpoll then about[#about + 1] = "SQPOLL" end
  if e.inherited then about[#about + 1] = "set up before it was traced" end
  local detail = #about > 0 and (" (" .. table.concat(about, ", ") .. ")") or ""
  line(e, format("io_uring fd %d%s: the I/O through it is not seen", e.fd, detail))
end)

-- -v: every syscall too, as strace would show it. Hooked only under -v:
-- "syscall" makes the engine stop the program at every syscall.
if c.verbose then
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
local function latency_text(s)
  if s.count == 0 then return "" end
  return format(": total %s, p50 %s, p99 %s, max %s", c.duration(s.total), c.duration(s.p50),
                c.duration(s.p99), c.duration(s.max))
end

c.on("end", function(run)
  flush()
  local mem = run.memory
  c.print("")
  c.print(RULE)
  c.print(" FINAL: %s (%.2fs)", c.escape(run.command), run.duration)
  c.print(RULE)
  -- --pid: the totals count what the process had already; say how much
  local heap_note, mmap_note, total_note = "", "", ""
  local before = mem.at_attach
  if before then
    heap_note = " (at attach " .. c.bytes(before.heap_bytes) .. ")"
    mmap_note = format("; at attach %s, %s", c.bytes(before.mmap_bytes),
                       count(before.mmap_regions, "region", "regions"))
    total_note = " (at attach " .. c.bytes(before.heap_bytes + before.mmap_bytes) .. ")"
  end
  c.print(" Memory:")
  c.print("   Heap:     %s%s", c.bytes(mem.heap_bytes), heap_note)
  c.print("   Mmap:     %s (%s%s)", c.bytes(mem.mmap_bytes), count(mem.mmap_regions, "region", "regions"),
          mmap_note)
  c.print("   Total:    %s%s", c.bytes(mem.heap_bytes + mem.mmap_bytes), total_note)
  c.print(" I/O:")
  c.print("   %-14s%10s", "Files read:", c.bytes(totals.files_read))
  c.print("   %-14s%10s", "Files written:", c.bytes(totals.files_written))
  c.print("   %-14s%10s", "Net sent:", c.bytes(totals.net_sent))
  c.print("   %-14s%10s", "Net received:", c.bytes(totals.net_received))
  if totals.io_urings > 0 then
    c.print("   %-14s%s", "Not seen:", format("I/O through %s (not in these totals)",
                                              count(totals.io_urings, "io_uring", "io_urings")))
  end
  local conns = totals.connections
  if #conns > 0 then
    c.print(" Network connections:")
    for i = 1, math.min(#conns, MAX_CONNECTIONS) do
      c.print("   %s → %s", conns[i].sock_type, c.escape(conns[i].remote_addr))
    end
    if #conns > MAX_CONNECTIONS then c.print("   ... and %d more", #conns - MAX_CONNECTIONS) end
  end
  if totals.processes + totals.threads > 0 then
    c.print(" Subprocesses: %s, %s", count(totals.processes, "process", "processes"),
            count(totals.threads, "thread", "threads"))
  end
  if run.faults_traced then
    c.print(" Page faults: %d (%s pages, %s touched)", totals.faults, c.bytes(run.page_size),
            c.bytes(totals.faults * run.page_size))
    local parts = {}
    for _, region in ipairs { "heap", "anon", "stack", "file", "other" } do
      local n = totals.faults_by_region[region]
      if n then parts[#parts + 1] = region .. " " .. n end
    end
    if #parts > 0 then c.print("   %s", table.concat(parts, " · ")) end
  end
  if run.ebpf_traced then
    local s = summary.stats(totals.sched_delays)
    c.print(" Scheduler: %s ≥ %s%s", count(s.count, "wait", "waits"), c.duration(threshold_ns),
            latency_text(s))
    local b = summary.stats(totals.block_latencies)
    c.print(" Block I/O: %s, %s read, %s written%s", count(b.count, "request", "requests"),
            c.bytes(totals.block_read), c.bytes(totals.block_written), latency_text(b))
  end
  if run.dropped > 0 then
    c.print(" Dropped: %d records the kernel could not queue (%d fault samples, %d BPF)",
            run.dropped, run.dropped_faults, run.dropped_ebpf)
  end
  if run.undecoded_syscalls > 0 then
    c.print(" Undecoded: %d 32-bit syscall%s that compendium could not decode (%s)",
            run.undecoded_syscalls, run.undecoded_syscalls == 1 and "" or "s",
            summary.undecoded_text(run.undecoded_by_name))
  end
  c.print(" Exit: %s", summary.exit_text(run))
  c.print(RULE)
end)
