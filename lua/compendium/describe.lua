-- What compendium says, in one place: the text of each event kind, how a
-- process and the run ended, counts and latencies. The terminal view, the
-- report, the checks' verdict and JUnit say things the same way because
-- they all call these; so can an output of your own.
--
--   local describe = require "compendium.describe"
--   describe.text(e)    "/etc/hosts (read)"       the event, without its kind
--   describe.line(e)    "open /etc/hosts (read)"  the event as a line of the view
--   describe.ended(run) "killed by SIGSEGV (core dumped)"
--
-- The event functions take an event or a plain table with its fields (the
-- JSON schema's names). A run of events told as one (the view merges
-- back-to-back reads of one fd) is such a table with `calls`, the number
-- of events, and summed bytes, counts and durations.
local text = require "compendium.text"
local net = require "compendium.net"

local format, concat = string.format, table.concat
local escape, bytes, hex, duration = text.escape, text.bytes, text.hex, text.duration

local M = {}

-- "1 process", "3 threads"
function M.count(n, one, many)
  return format("%d %s", n, n == 1 and one or many)
end

-- "total 3.20 ms, p50 40.0 µs, p99 1.20 ms, max 2.00 ms" for the latency
-- figures of a summary ({count, total_ns, p50_ns, p99_ns, max_ns}); nil
-- when there were none.
function M.latency(s)
  if s.count == 0 then return nil end
  return format("total %s, p50 %s, p99 %s, max %s", duration(s.total_ns), duration(s.p50_ns),
                duration(s.p99_ns), duration(s.max_ns))
end

-- " (3 calls)" for a run of events, "" for one
local function calls(r)
  local n = r.calls or 1
  return n > 1 and format(" (%d calls)", n) or ""
end

-- ---- how it ended ---------------------------------------------------------

function M.killed(signal, core_dumped)
  return "killed by " .. signal .. (core_dumped and " (core dumped)" or "")
end

-- How the run ended, as the summary says it: "0", "killed by SIGSEGV (core
-- dumped)", "detached, 1234 still running", ... (a run object or a summary)
function M.ended(run)
  if run.detached then return format("detached, %d still running", run.root_pid) end
  if run.interrupted then return "killed by SIGKILL after a second Ctrl-C" end
  local exit = run.exit or {}
  if exit.signal then return M.killed(exit.signal, exit.core_dumped) end
  if exit.code then return tostring(exit.code) end
  return "unknown"
end

-- The same as a verdict's clause: "the command exited 0", ...
function M.status(run)
  if run.detached then return "the process was detached and runs on" end
  if run.interrupted then return "the command was killed after a second Ctrl-C" end
  local exit = run.exit or {}
  if exit.signal then return "the command was killed by " .. exit.signal end
  if exit.code then return "the command exited " .. exit.code end
  return "the command's status is unknown"
end

-- What the trace could not see, or nil: "the I/O through 1 io_uring"
-- (run.io_urings, from the engine, counts rings whatever the scripts hooked).
function M.unseen(run)
  local n = run.io_urings or 0
  if n == 0 then return nil end
  return "the I/O through " .. M.count(n, "io_uring", "io_urings")
end

-- "signal ×2, socketcall:recvmmsg": undecoded syscalls by name, sorted.
function M.undecoded(by_name)
  local names = {}
  for name in pairs(by_name or {}) do names[#names + 1] = name end
  table.sort(names)
  for i, name in ipairs(names) do
    local n = by_name[name]
    names[i] = n > 1 and format("%s ×%d", name, n) or name
  end
  return concat(names, ", ")
end

-- {"heap 3", "file 5"}: a summary's page faults by region, in its order.
function M.fault_regions(page_faults)
  local list = {}
  for i, r in ipairs(page_faults.regions) do list[i] = r.region .. " " .. r.count end
  return list
end

-- The block requests that moved no data, "discard 8.0 MB (4)", "flush 1",
-- of a summary's block_io.ops (reads and writes are the summary's figures).
local MOVED_DATA = { read = true, write = true, ["zone-append"] = true }

function M.block_ops(block_io)
  local list = {}
  for _, k in ipairs(block_io.ops or {}) do
    if not MOVED_DATA[k.op] then
      list[#list + 1] = k.bytes > 0 and format("%s %s (%d)", k.op, bytes(k.bytes), k.count)
                        or format("%s %d", k.op, k.count)
    end
  end
  return list
end

-- ---- one text per event kind ---------------------------------------------

local kinds = {}

-- A failed open, or a run of them (a search of one path): `calls`, with
-- `dirs` (the same name looked for in several directories) or `names`
-- (several names in one directory) listing where it looked.
local SHOWN_PLACES = 3

local function places(list)
  local shown = {}
  for i = 1, math.min(#list, SHOWN_PLACES) do shown[i] = escape(list[i]) end
  local s = concat(shown, ", ")
  if #list > SHOWN_PLACES then s = s .. format(" and %d more", #list - SHOWN_PLACES) end
  return s
end

local function open_failed(e)
  local n = e.calls or 1
  if n > 1 and e.dirs then
    return format("%s: %s ×%d (in %s)", escape(e.name), e.error, n, places(e.dirs))
  elseif n > 1 and e.names then
    return format("%s/: %s ×%d (%s)", escape(e.dir), e.error, n, places(e.names))
  end
  return format("%s: %s", escape(e.path or e.requested or "?"), e.error)
end

function kinds.open(e)
  if e.error then return open_failed(e) end
  local notes = { e.writable and "write" or "read" }
  if e.path_error then
    notes[#notes + 1] = format("file unnamed: %s; asked for %s", e.path_error, escape(e.requested or "?"))
  end
  if e.requested_error then notes[#notes + 1] = "path argument unreadable: " .. e.requested_error end
  return format("%s (%s)", escape(e.path or "?"), concat(notes, "; "))
end

-- " (loopback)" for an IP peer that is this machine
local function loopback(e)
  return net.is_inet(e.sock_type) and net.is_loopback(e.remote_addr) and " (loopback)" or ""
end
M.loopback = loopback

-- also a summary's connection ({sock_type, remote_addr})
function kinds.connect(e)
  local s = format("%s → %s%s", e.sock_type or "socket", escape(e.remote_addr or "?"), loopback(e))
  -- a non-blocking connect reports EINPROGRESS: under way, not failed
  local err = e.error
  if err and err ~= "EINPROGRESS" then s = s .. " (" .. err .. ")" end
  return s
end

function kinds.read(e)
  return format("%s %s%s", escape(e.filename or ("fd " .. e.fd)), bytes(e.bytes), calls(e))
end
kinds.write = kinds.read

-- sizes right-aligned, so a column of sends lines up
function kinds.send(e)
  local peer = e.remote_addr and (" → " .. escape(e.remote_addr)) or ""
  return format("%8s%s%s%s", bytes(e.bytes), peer, loopback(e), calls(e))
end
kinds.recv = kinds.send

function kinds.brk(e)
  local growth = e.growth_bytes
  return "heap " .. (growth >= 0 and "+" or "") .. bytes(growth)
end

-- a run of small anonymous mappings: size summed
function kinds.mmap(e)
  if (e.calls or 1) > 1 then
    return format("anon %s × %d, %s in all", e.prot or "---", e.calls, bytes(e.size))
  end
  local what = e.map_type == "file" and escape(e.filename or "?") or "anon"
  return format("%s-%s %s %8s %s", hex(e.addr), hex(e.end_addr), e.prot or "---", bytes(e.size), what)
end

function kinds.munmap(e)
  if (e.calls or 1) > 1 then return format("anon × %d, %s in all", e.calls, bytes(e.size)) end
  local s = format("%s-%s %s", hex(e.addr), hex(e.addr + e.size), bytes(e.size))
  return e.filename and (s .. " " .. escape(e.filename)) or s
end

function kinds.spawn_process(e) return "process " .. e.child_pid end
function kinds.spawn_thread(e) return "thread " .. e.child_tid end

-- "ls": the name of the program an exec event ran
function M.program_name(e)
  return escape((e.program or "?"):match("[^/]*$"))
end

function kinds.exec(e)
  return escape(e.program or "?") .. "  " .. escape(concat(e.argv or {}, " "))
end

-- An argument as a shell would take it back: quoted when it is empty or
-- holds a space or a quote.
local function shell_word(arg)
  local s = escape(arg)
  if s ~= "" and not s:find("[%s'\"]") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- s cut to at most width characters, "…" marking the cut
local function abbreviate(s, width)
  if not width or #s <= width then return s end
  local n, cut = 0, #s
  for pos in s:gmatch("()[%z\1-\127\194-\244][\128-\191]*") do
    n = n + 1
    if n == width then cut = pos - 1 break end
  end
  if n < width then return s end
  return s:sub(1, cut) .. "…"
end

-- "cc -c a.c -o a.o": the program's name and its arguments (argv[0] is
-- how it was called: the name shown is the program's), escaped; cut to
-- width characters with "…" when width is given.
function M.command(e, width)
  local words = { M.program_name(e) }
  local argv = e.argv or {}
  for i = 2, #argv do words[#words + 1] = shell_word(argv[i]) end
  return abbreviate(concat(words, " "), width)
end

function kinds.exit(e)
  local s
  if e.signal then s = M.killed(e.signal, e.core_dumped) else s = "exit " .. tostring(e.code) end
  return e.is_thread and ("thread " .. s) or s
end

-- ---- changes to the file tree -----------------------------------------------

-- the file changed, and ": ENOENT" when the change failed
local function changed(e, rest)
  local s = escape(e.path or e.requested or "?") .. (rest or "")
  return e.error and (s .. ": " .. e.error) or s
end

function kinds.link(e) return changed(e, " → " .. escape(e.new_path or "?")) end
function kinds.rename(e)
  return changed(e, (e.exchange and " ⇄ " or " → ") .. escape(e.new_path or "?"))
end
function kinds.symlink(e) return changed(e, " → " .. escape(e.link_target or "?")) end
function kinds.unlink(e) return changed(e) end
kinds.rmdir, kinds.utimes = kinds.unlink, kinds.unlink
function kinds.mkdir(e) return changed(e, format(" (%04o)", e.mode or 0)) end
function kinds.chmod(e) return changed(e, format(" %04o", e.mode or 0)) end
function kinds.chown(e)
  local function id(n) return (n == nil or n == -1) and "-" or tostring(n) end
  return changed(e, " " .. id(e.uid) .. ":" .. id(e.gid))
end
function kinds.truncate(e) return changed(e, " to " .. bytes(e.size or 0)) end

function kinds.signal(e) return e.signal or "?" end

-- a run: count summed, addr the lowest
function kinds.fault(e)
  local n, region = e.count, e.region or "other"
  local where = region == "file" and e.filename and (region .. " " .. escape(e.filename)) or region
  return format("%d fault%s in %s @ %s (%s)", n, n == 1 and "" or "s", where, hex(e.addr), e.prot or "---")
end

-- a run: delay_ns summed, max_delay_ns the longest
function kinds.sched_delay(e)
  if (e.calls or 1) == 1 then return "waited " .. duration(e.delay_ns) .. " for a CPU" end
  return format("waited for a CPU %d times, %s in all (max %s)", e.calls, duration(e.delay_ns),
                duration(e.max_delay_ns))
end

-- The latency of a run of block requests: over those whose completion was
-- seen (unseen: how many were not, whose latency is unknown).
local function block_latency(e, n)
  local unseen = e.unseen or 0
  if unseen == n then return "completion unseen" end
  local s = format("latency avg %s, max %s", duration(e.latency_ns / (n - unseen)), duration(e.max_latency_ns))
  if unseen > 0 then s = s .. format("; %d completion unseen", unseen) end
  return s
end

-- a run of one size: latency_ns summed, max_latency_ns the longest; a run
-- of discards (or other ranges) of any sizes: total_bytes their sum. A
-- request whose completion was not seen (completion_unseen, or counted in
-- a run's unseen) has no latency.
function kinds.block_io(e)
  local n = e.calls or 1
  if n == 1 then
    if e.completion_unseen or (e.unseen or 0) > 0 or not e.latency_ns then
      return format("%s %s (completion unseen)", e.op or "?", bytes(e.bytes))
    end
    return format("%s %s in %s", e.op or "?", bytes(e.bytes), duration(e.latency_ns))
  end
  if e.total_bytes then
    return format("%s %s in %d requests (%s)", e.op or "?", bytes(e.total_bytes), n, block_latency(e, n))
  end
  return format("%s %s × %d (%s)", e.op or "?", bytes(e.bytes), n, block_latency(e, n))
end

-- What a script injected (c.inject, c.inject_return, c.delay), said
-- plainly, so that nobody takes an injected failure for a real one.
function kinds.inject(e)
  local target = e.path or e.sockaddr or e.fd_path
  local what = (e.name or "syscall") .. (target and (" " .. escape(target)) or "")
  if e.op == "delay" then return format("%s → delayed %s ms (injected)", what, e.delay_ns / 1e6) end
  return format("%s → %s (injected)", what, e.error or tostring(e.ret))
end

-- What goes through a ring is not seen (the kernel takes the requests from
-- memory it shares with the program): said where the ring shows up.
function kinds.io_uring(e)
  local about = {}
  if e.entries and e.entries > 0 then about[#about + 1] = M.count(e.entries, "entry", "entries") end
  if e.sqpoll then about[#about + 1] = "SQPOLL" end
  if e.inherited then about[#about + 1] = "set up before it was traced" end
  local detail = #about > 0 and (" (" .. concat(about, ", ") .. ")") or ""
  return format("fd %d%s: the I/O through it is not seen", e.fd, detail)
end

M.kinds = kinds

-- The text of an event (or a run of them), without its kind.
function M.text(e)
  local f = kinds[e.type]
  return f and f(e) or e.type
end

-- The word a line starts with, before the text; none where the text says it.
local LABEL = {
  open = "open", connect = "connect", read = "read", write = "write", send = "send", recv = "recv",
  mmap = "mmap", munmap = "munmap", spawn_process = "spawn", spawn_thread = "spawn",
  signal = "signal", block_io = "block", inject = "inject", io_uring = "io_uring",
  rename = "rename", unlink = "unlink", mkdir = "mkdir", rmdir = "rmdir", link = "link",
  symlink = "symlink", chmod = "chmod", chown = "chown", truncate = "truncate", utimes = "utimes",
}

-- The event as a line: "open /etc/hosts (read)", "─── cc -c a.c ───" (an
-- exec's command cut to width characters, when width is given).
function M.line(e, width)
  local kind = e.type
  if kind == "exec" then return "─── " .. M.command(e, width) .. " ───" end
  local label = LABEL[kind]
  return label and (label .. " " .. M.text(e)) or M.text(e)
end

return M
