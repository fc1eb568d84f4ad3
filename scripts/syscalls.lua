-- syscalls: strace -c's table at the end of the run. `compendium -c CMD`
-- runs it instead of the default view, `-C` after it, and `-s syscalls`
-- beside any other script.
--
-- A row per syscall made: % time, seconds, usecs/call, calls, errors,
-- syscall, sorted as strace sorts it (by time, the most first; a tie in
-- syscall number order), then the total. The time is the syscall's
-- duration (e.dur_ns, from its entry to its return: strace -c -w's wall
-- clock, not strace -c's CPU time). With -e trace=SET only SET is counted.
local c = require "compendium"

local format = string.format
local floor = math.floor

local rows = {} -- nr → {name=, nr=, calls=, errors=, ns=}

local function count(e)
  -- strace -c counts calls as they return; exit and exit_group never do
  if not e.returned then return end
  local row = rows[e.nr]
  if not row then
    row = { name = e.name, nr = e.nr, calls = 0, errors = 0, ns = 0 }
    rows[e.nr] = row
  end
  row.calls = row.calls + 1
  -- a failure, a restart code (ERESTARTSYS ...) too, as strace counts it
  if e.ret < 0 and e.ret >= -4095 then row.errors = row.errors + 1 end
  row.ns = row.ns + (e.dur_ns or 0)
end

if c.strace.trace then
  for _, name in ipairs(c.strace.trace) do c.on("syscall:" .. name, count) end
else
  c.on("syscall", count)
end

-- strace's "%*.0u": nothing for 0
local function blank0(n) return n == 0 and "" or tostring(n) end

c.on("end", function()
  local list, calls, errors, ns, name_width, max_usecs = {}, 0, 0, 0, 0, 0
  for _, row in pairs(rows) do
    list[#list + 1] = row
    calls, errors, ns = calls + row.calls, errors + row.errors, ns + row.ns
    -- usecs/call: the mean to the ns, then to the µs, both cut as strace does
    row.usecs = floor(floor(row.ns / row.calls) / 1000)
    max_usecs = math.max(max_usecs, row.usecs)
    name_width = math.max(name_width, #row.name)
  end
  table.sort(list, function(a, b)
    if a.ns ~= b.ns then return a.ns > b.ns end
    return a.nr < b.nr
  end)
  local seconds = ns / 1e9
  -- strace's widths: the header's, or wider for what the columns hold
  local w = {
    6,
    math.max(11, #format("%.6f", seconds)),
    math.max(11, #tostring(max_usecs)),
    math.max(9, #tostring(calls)),
    math.max(9, #tostring(errors)),
    math.max(16, name_width + 1),
  }
  local row_format = format("%%%d.2f %%%d.6f %%%dd %%%dd %%%ds %%s", w[1], w[2], w[3], w[4], w[5])
  local rule = {}
  for i = 1, #w do rule[i] = string.rep("-", w[i]) end
  rule = table.concat(rule, " ")
  c.print(format("%%%ds %%%ds %%%ds %%%ds %%%ds %%s", w[1], w[2], w[3], w[4], w[5]),
          "% time", "seconds", "usecs/call", "calls", "errors", "syscall")
  c.print("%s", rule)
  for _, row in ipairs(list) do
    local percent = row.ns > 0 and 100 * row.ns / ns or 0
    c.print(row_format, percent, row.ns / 1e9, row.usecs, row.calls, blank0(row.errors), row.name)
  end
  c.print("%s", rule)
  c.print(row_format, 100, seconds, calls > 0 and floor(seconds / calls * 1e6) or 0, calls,
          blank0(errors), "total")
end)
