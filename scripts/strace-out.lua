-- strace-out: the run as an strace log, the way `strace -f -ttt -T -yy`
-- writes it, for tools that read strace logs (compendium's --replay among
-- them). `--strace-out FILE` runs this script with -X strace-out.out=FILE.
--
--   compendium --strace-out app.strace -- ./app
--   compendium --replay app.strace --json facts.json
--
-- Each line is "TID TIME CALL = RESULT <DURATION>": the time is the call's
-- entry in seconds since the epoch (1700000000.123456), the duration how
-- long it took, fds say what they are (3</etc/passwd>, 4<TCP:[?->…]>) as -yy
-- shows them (compendium/rawline.lua), and the call is c.format_syscall's.
-- A call during which another task's line is written is split as strace
-- splits it: "read(3</etc/passwd>, … <unfinished ...>" at its entry and
-- "<... read resumed>) = 5 <0.000123>" at its return. Signals are
-- "--- SIGUSR1 {si_signo=SIGUSR1, ...} ---" (a trace keeps the signal, not
-- the rest of its siginfo), exits "+++ exited with 0 +++" and
-- "+++ killed by SIGKILL +++", and exit_group, which never returns,
-- "exit_group(0) = ?".
--
-- This stops the program at every syscall, as -v does.
local c = require "compendium"
local rawline = require "compendium.rawline"
local ffi = require "ffi"

local format = string.format

local path = c.opt("out")
if not path then c.error("strace-out: set -X strace-out.out=FILE (or use --strace-out FILE)") end
local out = c.open_output(path, "w")

-- strace's -ttt -yy on every line, whatever the command line's flags; the
-- durations are written here, where a call may be split in two.
local lines = rawline.new(c)
lines.flags = { timestamps = 3, durations = false, fd_paths = 2,
                string_limit = c.strace.string_limit }

c.want_format()

local start_ns = ffi.new("uint64_t", 0)
local int64 = ffi.typeof("int64_t")
c.on("start", function(run) start_ns = ffi.new("uint64_t", run.start_ns) end)

-- ns since the start, as a Lua number (exact: a run is shorter than 104 days)
local function rel(ts_ns) return tonumber(ffi.cast(int64, ts_ns - start_ns)) end

-- ---- the lines, in time order -------------------------------------------------
-- A call's line starts at its entry, but its event comes at its return,
-- after the lines of other tasks that began since. So every call is two
-- points (entry, return) and every other line one, kept in a heap by time
-- and written once no task can still add a point before them: each task's
-- next call enters after its last return (`last`), so the points before
-- the earliest of those are final. A task blocked in a long call (a shell
-- in wait4) holds the lines back until it returns, up to MAX_HELD points.
local MAX_HELD = 200000
local heap, held, seq = {}, 0, 0
local last = {} -- tid → time of its last point, while the task lives
local gone = {} -- tid → true once it exited

local function before(a, b) return a.t < b.t or (a.t == b.t and a.seq < b.seq) end

local function push(p)
  seq = seq + 1
  p.seq = seq
  held = held + 1
  local i = held
  heap[i] = p
  while i > 1 do
    local parent = math.floor(i / 2)
    if not before(heap[i], heap[parent]) then break end
    heap[i], heap[parent] = heap[parent], heap[i]
    i = parent
  end
end

local function pop()
  local top = heap[1]
  heap[1], heap[held] = heap[held], nil
  held = held - 1
  local i = 1
  while true do
    local l, r, m = 2 * i, 2 * i + 1, i
    if l <= held and before(heap[l], heap[m]) then m = l end
    if r <= held and before(heap[r], heap[m]) then m = r end
    if m == i then break end
    heap[i], heap[m] = heap[m], heap[i]
    i = m
  end
  return top
end

-- The call whose line is begun but not ended: written when the next point
-- is its own return (one line) or another task's (then it is unfinished).
local open

local function stamp(t) return lines:stamp(t / 1e9) end

-- "1234  1700000000.123456 ": strace's pid column is 5 wide
local function prefix(tid, t) return format("%-5d %s ", tid, stamp(t)) end

-- strace puts the result at column 40 when the call is shorter:
-- "brk(NULL)       = 0x5601c000"; the tail starts with the ")".
local RESULT_COLUMN = 40
local function result(col, tail)
  local rest = tail:match("^%) = (.*)$")
  if not rest then return tail end
  col = col + 2 -- ") "
  return ") " .. (col < RESULT_COLUMN and string.rep(" ", RESULT_COLUMN - col) or "") .. "= " .. rest
end

local function close_open()
  if not open then return end
  out:write(prefix(open.tid, open.t0), open.head, " <unfinished ...>\n")
  open.split = true
  open = nil
end

local function write_point(p)
  local call = p.call
  if call and p.entry then
    close_open()
    open = call
  elseif call then
    if open == call then
      open = nil
      local head = prefix(call.tid, call.t0) .. call.head
      out:write(head, result(#head, call.tail), call.dur, "\n")
    else
      close_open()
      local head = prefix(call.tid, p.t) .. "<... " .. call.name .. " resumed>"
      out:write(head, result(#head, call.tail), call.dur, "\n")
    end
  else
    close_open()
    local head = prefix(p.tid, p.t)
    local close = p.close
    if close then
      head = head .. p.text:sub(1, close - 1)
      out:write(head, result(#head, p.text:sub(close)), "\n")
    else
      out:write(head, p.text, "\n")
    end
  end
end

local function flush(all)
  local horizon
  if not all then
    for _, t in pairs(last) do
      if not horizon or t < horizon then horizon = t end
    end
  end
  while held > 0 and (all or held > MAX_HELD or not horizon or heap[1].t < horizon) do
    write_point(pop())
  end
end

local pushed = 0
local function seen(tid, t)
  if gone[tid] then return end
  if not last[tid] or last[tid] < t then last[tid] = t end
  pushed = pushed + 1
  -- the horizon costs a pass over the tasks: not at every point
  if pushed % 64 == 0 then flush(false) end
end

-- A line of its own (a signal, an exit, a call that never returns).
local function single(e, text, close)
  local t = rel(e.ts_ns)
  push { t = t, tid = e.tid, text = text, close = close }
  return t
end

-- strace -yy names the working directory too: openat(AT_FDCWD</home/me>, …)
local function with_cwd(e, text)
  if not text:find("AT_FDCWD", 1, true) then return text end
  local p = c.proc(e.tid)
  if not p or not p.cwd or p.cwd == "" then return text end
  local named = "AT_FDCWD<" .. c.escape(p.cwd) .. ">"
  return (text:gsub("([(,] ?)AT_FDCWD([,)])", function(a, b) return a .. named .. b end))
end

c.on("syscall", function(e)
  local text = with_cwd(e, lines:syscall(e))
  local t1 = rel(e.ts_ns)
  -- split before the call's closing parenthesis: what the reader joins
  local close = rawline.call_end(text)
  if e.returned == false or not e.dur_ns then
    single(e, text, close)
  else
    close = close or #text + 1
    local call = { tid = e.tid, name = e.name, t0 = t1 - e.dur_ns,
                   head = text:sub(1, close - 1), tail = text:sub(close),
                   dur = format(" <%.6f>", e.dur_ns / 1e9) }
    push { t = call.t0, call = call, entry = true }
    push { t = t1, call = call }
  end
  seen(e.tid, t1)
end)

c.on("signal", function(e)
  seen(e.tid, single(e, format("--- %s {si_signo=%s, ...} ---", e.signal, e.signal)))
end)

local function spawned(e) seen(e.child_tid or e.child_pid, rel(e.ts_ns)) end
c.on("spawn_process", spawned)
c.on("spawn_thread", spawned)

c.on("exit", function(e)
  local text
  if e.signal then
    text = format("+++ killed by %s%s +++", e.signal, e.core_dumped and " (core dumped)" or "")
  else
    text = format("+++ exited with %d +++", e.code or 0)
  end
  single(e, text)
  last[e.tid], gone[e.tid] = nil, true
end)

c.on("end", function()
  flush(true)
  close_open()
  out:close()
end)
