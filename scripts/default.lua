-- default: what compendium shows when no script is given.
--
-- Live lines while the program runs, then a summary box. It uses only the
-- public API, so it is also an example: copy it, change it, and run your
-- copy with `compendium -s ./mine.lua -- CMD`.
local c = require "compendium"
local noise = require "compendium.noise"
local summary = require "compendium.summary"
local describe = require "compendium.describe"
local rawline = require "compendium.rawline"

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
-- strace's -t/-tt/-ttt, -T and -y on the lines
local lines = rawline.new(c)

-- Without -v, hide what every program does (dynamic linker, shared
-- libraries, /proc, the C library's resolver and daemons, faults in mapped
-- files): the rules are in compendium/noise.lua.
local function shown(e)
  return c.verbose or not noise.event(e)
end

-- Byte totals and connections for the summary, with the same filter.
local totals = summary.new { keep = shown }:hook(c)

-- ---- live lines ---------------------------------------------------------
-- Each line's text is compendium/describe.lua's for the event kind.

local root_pid  -- the traced program, learnt when tracing starts
local tasks = 1 -- processes and threads seen; past one, lines name the tid

-- An exec line's command is cut to this many characters ("…" marks the
-- cut); the JSON has every argument.
local EXEC_WIDTH = 100

-- What a syscall made through int $0x80 caused says so.
local function emit(ts, tid, text, abi)
  if abi then text = text .. " [" .. abi .. "]" end
  if tasks > 1 then
    c.print("%s [%d] %s", lines:stamp(ts), tid, text)
  else
    c.print("%s %s", lines:stamp(ts), text)
  end
end

-- Runs of similar events by one thread are shown as one line, printed
-- when that thread does something else (a line of its own), a process or
-- thread starts, the thread ends, or the trace ends: reads (or writes, sends,
-- recvs) of one fd, small anonymous mmaps and munmaps, failed opens that
-- search one path, page faults in one region, block I/O requests of one
-- size, waits for a CPU. Other threads' and processes' events do not end a
-- run, so a pipeline between two processes is a line per process and fd,
-- not one per call; a merged line is printed when its run ends, with the time it
-- began. The kinds of run are kept apart, so 1000 direct writes and the
-- 1000 block requests they cause make two lines, not 2000. A run is a
-- table with the event's fields (summed) and `calls`, as describe.line
-- takes it. -v shows each event.
local pending = {} -- tid → the runs it has not printed yet
local started = 0  -- runs begun so far: their order
-- The run of page faults still pending, if any: it ends with any other
-- fault, and with anything else its thread does (faults come in bursts;
-- a burst in one region is what the line tells).
local fault_run

-- Prints runs (a list) in the order they began.
local function print_runs(list)
  table.sort(list, function(a, b) return a.seq < b.seq end)
  for i = 1, #list do
    local r = list[i]
    if r == fault_run then fault_run = nil end
    emit(r.ts, r.tid, describe.line(r), r.abi)
  end
end

-- Prints the runs of thread tid; of every thread without tid.
local function flush(tid)
  if tid then
    local list = pending[tid]
    if list then
      pending[tid] = nil
      print_runs(list)
    end
    return
  end
  local all = {}
  for _, list in pairs(pending) do
    for i = 1, #list do all[#all + 1] = list[i] end
  end
  pending = {}
  print_runs(all)
end

-- The pending run of e's thread of this kind and key, or nil.
-- peer: a send's or recv's address; a socket that never connected has one
-- per datagram, and a run is of one peer.
local function find_run(e, kind, key, peer)
  local list = pending[e.tid]
  if not list then return nil end
  local abi = e.abi
  for i = 1, #list do
    local r = list[i]
    if r.type == kind and r.key == key and r.abi == abi and r.remote_addr == peer then return r end
  end
  return nil
end

-- A thread with this many runs at once (a server's recvs on as many
-- connections) prints them, so that finding a run stays cheap.
local MAX_RUNS = 32

-- A new run of e's thread, starting with e.
local function new_run(e, kind, key)
  local list = pending[e.tid]
  if list and #list >= MAX_RUNS then
    pending[e.tid] = nil
    print_runs(list)
    list = nil
  end
  if not list then
    list = {}
    pending[e.tid] = list
  end
  started = started + 1
  local r = { type = kind, key = key, abi = e.abi, seq = started, pid = e.pid, tid = e.tid,
              ts = e.ts, calls = 1 }
  list[#list + 1] = r
  return r
end

-- Prints run r and the runs its thread began before it, in order.
local function end_run(r)
  local list = pending[r.tid]
  if not list then return end
  local done, rest = {}, {}
  for i = 1, #list do
    local other = list[i]
    if other.seq <= r.seq then done[#done + 1] = other else rest[#rest + 1] = other end
  end
  pending[r.tid] = #rest > 0 and rest or nil
  print_runs(done)
end

-- Something else e's thread does ends its run of faults.
local function not_a_fault(e)
  local r = fault_run
  if r and r.tid == e.tid then end_run(r) end
end

-- A line of its own; the thread's merged lines still pending go first.
local function line(e)
  flush(e.tid)
  emit(e.ts, e.tid, describe.line(e, EXEC_WIDTH), e.abi)
end

local function on_io(e)
  if not shown(e) then return end
  not_a_fault(e)
  if c.verbose then return line(e) end
  local kind = e.type
  local peer = (kind == "send" or kind == "recv") and e.remote_addr or nil
  local r = find_run(e, kind, e.fd, peer)
  if r then
    r.bytes = r.bytes + e.bytes
    r.calls = r.calls + (e.calls or 1)
    return
  end
  r = new_run(e, kind, e.fd)
  r.fd, r.bytes, r.calls = e.fd, e.bytes, e.calls or 1
  r.filename, r.remote_addr, r.sock_type = e.filename, peer, e.sock_type
end

for _, kind in ipairs { "read", "write", "send", "recv" } do
  c.on(kind, on_io)
end
-- Runs are what this view shows of I/O: a source may merge the calls of one
-- (--bpf does, in the kernel). -v shows each call, so it takes them one by one.
if not c.verbose then c.accept_io_runs() end

-- Anonymous mappings up to this size (malloc's arenas and large blocks, a
-- JIT's pages) come in floods: a run of them is one line. Larger ones
-- (thread stacks, heaps of their own) and file mappings are lines of their
-- own.
local SMALL_MAP = 1024 * 1024

local function small_anon(e)
  return e.size <= SMALL_MAP and (e.type == "munmap" and not e.filename or e.map_type == "anon")
end

local function on_map(e)
  if not shown(e) then return end
  not_a_fault(e)
  if c.verbose or not small_anon(e) then return line(e) end
  local kind, prot = e.type, e.prot -- munmap has no prot: one run
  local r = find_run(e, kind, prot)
  if r then
    r.size = r.size + e.size
    r.calls = r.calls + 1
    if e.addr < r.addr then r.addr = e.addr end
    if e.addr + e.size > r.end_addr then r.end_addr = e.addr + e.size end
    return
  end
  r = new_run(e, kind, prot)
  r.prot, r.map_type, r.size = prot, "anon", e.size
  r.addr, r.end_addr = e.addr, e.addr + e.size
end
c.on("mmap", on_map)
c.on("munmap", on_map)

-- Failed opens: a program looking for one name in several directories (a
-- search path), or for several names in one directory, is one line with a
-- count; -v and the JSON have each path.
local function split(p)
  local dir, name = p:match("^(.*)/([^/]*)$")
  if not dir then return ".", p end
  return dir == "" and "/" or dir, name
end

local function on_open_failed(e)
  not_a_fault(e)
  local path = e.path or e.requested or "?"
  local dir, name = split(path)
  local r = find_run(e, "open", e.error)
  if r then
    if r.calls == 1 then
      -- the second probe says which search this is
      if name == r.name and dir ~= r.dir then
        r.dirs = { r.dir }
      elseif dir == r.dir and name ~= r.name then
        r.names = { r.name }
      end
    end
    if r.dirs and name == r.name then
      r.dirs[#r.dirs + 1] = dir
      r.calls = r.calls + 1
      return
    elseif r.names and dir == r.dir then
      r.names[#r.names + 1] = name
      r.calls = r.calls + 1
      return
    end
    flush(e.tid) -- another search: this one is over
  end
  r = new_run(e, "open", e.error)
  r.error, r.path, r.requested, r.dir, r.name = e.error, e.path, e.requested, dir, name
end

c.on("open", function(e)
  if not shown(e) then return end
  if e.error and not c.verbose then return on_open_failed(e) end
  line(e)
end)

-- --faults: a thread's faults in one region are one line (see fault_run).
c.on("fault", function(e)
  if not shown(e) then return end
  local region = e.region
  local file = region == "file" and e.filename or nil
  local r = fault_run
  if r and r.tid == e.tid and r.region == region and r.prot == e.prot and r.filename == file and
     find_run(e, "fault") == r then
    r.count = r.count + e.count
    if e.addr < r.addr then r.addr = e.addr end
    return
  end
  if r then end_run(r) end
  r = new_run(e, "fault")
  r.region, r.prot, r.filename, r.count, r.addr = region, e.prot, file, e.count, e.addr
  fault_run = r
end)

-- --ebpf: time spent runnable but waiting for a CPU, as the engine
-- measured it (only waits of at least the threshold arrive); outside -v
-- a thread's waits in a row are one line.
c.on("sched_delay", function(e)
  local delay = e.delay_ns
  local r = not c.verbose and find_run(e, "sched_delay")
  if r then
    r.calls, r.delay_ns = r.calls + 1, r.delay_ns + delay
    if delay > r.max_delay_ns then r.max_delay_ns = delay end
    return
  end
  if c.verbose then flush(e.tid) end
  r = new_run(e, "sched_delay")
  r.delay_ns, r.max_delay_ns = delay, delay
end)

-- Request kinds whose bytes are a range of the device, no data: a file
-- system discarding a file's blocks sends requests of many sizes, and what
-- matters is how much it discarded.
local RANGE_OPS = { discard = true, ["write-zeroes"] = true, ["secure-erase"] = true }

-- --ebpf: block device requests; outside -v a run of same-size requests of
-- one kind is one line, and a run of discards (of any sizes) one line too.
-- A request whose completion was not seen has no latency: it counts in
-- `unseen`, not in the latencies.
local function add_latency(r, e)
  local ns = e.latency_ns
  if not ns then
    r.unseen = (r.unseen or 0) + 1
    return
  end
  r.latency_ns = r.latency_ns + ns
  if ns > r.max_latency_ns then r.max_latency_ns = ns end
end

c.on("block_io", function(e)
  local r = not c.verbose and find_run(e, "block_io")
  if r and r.op == e.op and (RANGE_OPS[e.op] or r.bytes == e.bytes) then
    r.calls = r.calls + 1
    add_latency(r, e)
    if RANGE_OPS[e.op] then r.total_bytes = (r.total_bytes or r.bytes) + e.bytes end
    return
  end
  if r or c.verbose then flush(e.tid) end
  r = new_run(e, "block_io")
  r.op, r.bytes, r.latency_ns, r.max_latency_ns = e.op, e.bytes, 0, 0
  add_latency(r, e)
end)

-- Lines of their own; exec, brk, signal and the rest are never noise.
local function shown_line(e)
  if shown(e) then line(e) end
end
c.on("connect", shown_line)
for _, kind in ipairs { "rename", "unlink", "mkdir", "rmdir", "link", "symlink", "chmod", "chown",
                        "truncate", "utimes" } do
  c.on(kind, shown_line)
end
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
  flush(e.tid)
  -- the program's own exit is in the summary
  if e.pid == root_pid and not e.is_thread then return end
  line(e)
end)

c.on("signal", function(e)
  -- SIGCHLD arrives with every child's exit: already shown as that exit
  if e.signal and e.signal ~= "SIGCHLD" then line(e) end
end)

-- -v: every syscall too, as strace would show it; -e trace=SET: those of
-- SET. Hooked only then: "syscall" makes the engine stop the program at
-- every syscall (syscall:NAME at those), and c.want_format makes it capture
-- what the lines show of their memory.
local function raw(e)
  flush()
  c.print("%s [%d] %s", lines:stamp(e.ts), e.tid, lines:syscall(e))
end
if c.strace.trace then
  for _, name in ipairs(c.strace.trace) do
    c.want_format(name)
    c.on("syscall:" .. name, raw)
  end
elseif c.verbose then
  c.want_format()
  c.on("syscall", raw)
end

-- ---- start and summary ------------------------------------------------------

c.on("start", function(run)
  root_pid = run.root_pid
  -- an attached process may have threads already: lines name the tid
  tasks = run.processes + run.threads
  -- a replay says so: its lines are of a run that is over
  local replay = ""
  if run.source and run.source.live == false then
    replay = run.source.name == "strace" and "replaying an strace log: " or "replaying a recording: "
  end
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
  -- what the source could not know, by id: said instead of a wrong figure
  local unknown = {}
  for _, u in ipairs(s.unknown) do unknown[u.id] = u.why end
  c.print(" FINAL: %s (%s)", c.escape(s.command),
          unknown.times and "time unknown" or format("%.2fs", s.duration))
  c.print(RULE)
  -- --pid: the totals count what the process had already; say how much
  local before = mem.at_attach
  local function at_attach(field)
    return before and " (at attach " .. c.bytes(before[field]) .. ")" or ""
  end
  c.print(" Memory:%s", unknown.memory and " unknown: " .. unknown.memory or "")
  if not unknown.memory then
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
  end
  c.print(" I/O:%s", unknown.io and " unknown: " .. unknown.io or "")
  local io = s.shown.io
  for _, f in ipairs(unknown.io and {} or summary.io_figures(io)) do
    if not f.loopback then
      c.print("   %-14s%10s", f.label .. ":", c.bytes(f.bytes))
    elseif f.id == "loopback-sent" then
      -- this machine talking to itself (a local server, a database): apart,
      -- both ways on one line
      c.print("   Net (loopback): %s sent, %s received", c.bytes(io.loopback_sent),
              c.bytes(io.loopback_received))
    end
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
    c.print(" Subprocesses: %s, %s%s", count(spawned.processes, "process", "processes"),
            count(spawned.threads, "thread", "threads"),
            unknown.spawns and " (which of them are threads is unknown)" or "")
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
    c.print(" Block I/O: %s, %s read, %s written%s%s", count(b.count, "request", "requests"),
            c.bytes(b.bytes_read), c.bytes(b.bytes_written),
            latency_text(b.count > b.unseen and b or { count = 0 }),
            b.unseen > 0 and string.format(" (%d requests' completion unseen)", b.unseen) or "")
    local others = describe.block_ops(b)
    if #others > 0 then c.print("   %s", table.concat(others, " · ")) end
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
  -- the rest of what could not be known, each in its words
  local said = { io = true, memory = true }
  for _, u in ipairs(s.unknown) do
    if not said[u.id] then c.print(" Unknown: %s", u.why) end
  end
  c.print(" Exit: %s", describe.ended(s))
  c.print(RULE)
end)
