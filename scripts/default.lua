-- default: what compendium shows when no script is given.
--
-- Live lines while the program runs, then a summary box. It uses only the
-- public API, so it is also an example: copy it, change it, and run your
-- copy with `compendium -s ./mine.lua -- CMD`.
local c = require "compendium"
local noise = require "compendium.noise"
local summary = require "compendium.summary"

-- -q asks for failures and the verdict only: hook nothing, print nothing
-- (and so make the engine trace nothing for this script).
if c.quiet then return end

local format = string.format

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

-- Back-to-back reads (or writes, sends, recvs) of one fd by one thread are
-- shown as one line, printed once something else happens. One table,
-- reused, so `dd bs=1` does not build a table per call.
local pending = { active = false }

local function flush()
  local p = pending
  if not p.active then return end
  p.active = false
  local text
  if p.type == "send" or p.type == "recv" then
    text = format("%s %8s", p.type, c.bytes(p.bytes))
    if p.peer then text = text .. " → " .. c.escape(p.peer) end
  else
    text = format("%s %s %s", p.type, c.escape(p.name), c.bytes(p.bytes))
  end
  if p.calls > 1 then text = text .. format(" (%d calls)", p.calls) end
  emit(p.ts, p.tid, text)
end

-- A line of its own; a merged line still pending goes first, to keep order.
local function line(e, text)
  flush()
  emit(e.ts, e.tid, text)
end

local function on_io(e)
  if not shown(e) then return end
  local p = pending
  local tid, kind, fd = e.tid, e.type, e.fd
  if p.active and p.tid == tid and p.type == kind and p.fd == fd then
    p.bytes = p.bytes + e.bytes
    p.calls = p.calls + 1
    return
  end
  flush()
  p.active, p.tid, p.type, p.fd = true, tid, kind, fd
  p.ts, p.bytes, p.calls = e.ts, e.bytes, 1
  p.name = e.filename or ("fd " .. fd)
  p.peer = e.remote_addr
end

for _, kind in ipairs { "read", "write", "send", "recv" } do
  c.on(kind, on_io)
end

c.on("exec", function(e)
  local program = e.program or "?"
  line(e, "─── " .. c.escape(program:match("[^/]*$")) .. " exec ───")
end)

c.on("open", function(e)
  if not shown(e) then return end
  line(e, format("open %s (%s)", c.escape(e.path or "?"), e.writable and "write" or "read"))
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
  if run.attached then
    c.print("compendium: attached to PID %d (%s)", run.root_pid, c.escape(run.command))
  else
    c.print("compendium: tracing %s", c.escape(run.command))
  end
end)

local RULE = string.rep("━", 64)
local MAX_CONNECTIONS = 10

local function count(n, one, many)
  return format("%d %s", n, n == 1 and one or many)
end

local function exit_text(run)
  if run.detached then return format("detached, %d still running", run.root_pid) end
  if run.interrupted then return "killed by SIGKILL after a second Ctrl-C" end
  local exit = run.exit
  if exit.signal then
    return "killed by " .. exit.signal .. (exit.core_dumped and " (core dumped)" or "")
  end
  if exit.code then return tostring(exit.code) end
  return "unknown"
end

c.on("end", function(run)
  flush()
  local mem = run.memory
  c.print("")
  c.print(RULE)
  c.print(" FINAL: %s (%.2fs)", c.escape(run.command), run.duration)
  c.print(RULE)
  c.print(" Memory:")
  c.print("   Heap:     %s", c.bytes(mem.heap_bytes))
  c.print("   Mmap:     %s (%s)", c.bytes(mem.mmap_bytes), count(mem.mmap_regions, "region", "regions"))
  c.print("   Total:    %s", c.bytes(mem.heap_bytes + mem.mmap_bytes))
  c.print(" I/O:")
  c.print("   %-14s%10s", "Files read:", c.bytes(totals.files_read))
  c.print("   %-14s%10s", "Files written:", c.bytes(totals.files_written))
  c.print("   %-14s%10s", "Net sent:", c.bytes(totals.net_sent))
  c.print("   %-14s%10s", "Net received:", c.bytes(totals.net_received))
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
  c.print(" Exit: %s", exit_text(run))
  c.print(RULE)
end)
