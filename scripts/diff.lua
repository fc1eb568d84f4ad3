-- diff: what changed between two runs. `compendium --diff A B` replays
-- recording A through this script, which collects its facts and writes
-- them to a file (-X diff.collect=FILE), then replays B through it, which
-- collects B's facts, reads A's (-X diff.base=FILE) and compares them.
--
--   compendium --diff main.cmpd branch.cmpd
--   compendium --junit diff.xml --json diff.json --diff main.cmpd branch.cmpd
--   compendium -X diff.time=3x -X diff.bytes=25% --diff a.cmpd b.cmpd
--
-- Facts, per program (the base name of the file it ran): how many
-- processes ran it, what it ran (argv, paths generalised), the files it
-- touched with the bytes read and written, the peers it reached with the
-- bytes sent and received, its syscalls with their counts, errno counts
-- and p50/p99 durations, and, where both recordings have them, page faults,
-- run-queue waits and block I/O. Paths, ports and temporary names are
-- generalised as compendium.baseline does, so that incidental differences
-- (temporary names, pids, ports picked by the kernel) do not count.
--
-- Thresholds (changes within them are no difference):
--   diff.bytes=10%        bytes per file, per peer, of block I/O (block I/O
--   diff.block_min=1MB    when both runs did some, by at least this much)
--   diff.count=50%        calls per syscall, errno counts, execs (and at
--   diff.count_min=10     least this many calls more or fewer)
--   diff.time=2x          p50/p99 durations of a syscall, of run-queue waits
--   diff.time_min=50ms    (and at least this much longer or shorter), where
--   diff.time_samples=5   both runs have this many (p50) or 100 (p99): one
--                         slow call, a stop the tracer was late for on a
--                         busy machine, moves neither
--   diff.faults=50%       page faults (and at least diff.faults_min=200)
local c = require "compendium"
local baseline = require "compendium.baseline"
local host = require "compendium.host"
local json = require "compendium.json"
local net = require "compendium.net"

local format = string.format

local collect_to = c.opt("diff.collect")
local base_path = c.opt("diff.base")
local base_name = c.opt("diff.base_name", "A")
local new_name = c.opt("diff.name", "B")
local json_path = c.opt("diff.json", "")
local junit_path = c.opt("diff.junit", "")

local function ratio_opt(key, default, suffix)
  local text = c.opt(key, default)
  local n = tonumber(tostring(text):match("^(%d+%.?%d*)" .. suffix .. "$"))
  if not n then c.error(format("option %s=%s: expected a number followed by %s", key, text, suffix)) end
  return n
end
local function count_opt(key, default)
  local n = tonumber(c.opt(key, default))
  if not n or n < 0 then c.error(format("option %s: expected a number >= 0", key)) end
  return n
end
local T = {
  bytes = ratio_opt("diff.bytes", "10%", "%%") / 100,
  count = ratio_opt("diff.count", "50%", "%%") / 100,
  count_min = count_opt("diff.count_min", "10"),
  time = ratio_opt("diff.time", "2x", "x"),
  faults = ratio_opt("diff.faults", "50%", "%%") / 100,
  faults_min = count_opt("diff.faults_min", "200"),
}
T.time_min = c.parse_duration(c.opt("diff.time_min", "50ms"))
if not T.time_min then c.error("option diff.time_min: expected a duration such as 50ms") end
T.time_samples = count_opt("diff.time_samples", "5")
T.block_min = require("compendium.check").parse_size(c.opt("diff.block_min", "1MB"))
if not T.block_min then c.error("option diff.block_min: expected a size such as 1MB") end
if T.time < 1 then c.error("option diff.time: expected a factor of at least 1x") end

local outputs = {}
if json_path ~= "" then outputs.json = c.open_output(json_path) end
if junit_path ~= "" then outputs.junit = c.open_output(junit_path) end
local collect_out = collect_to and c.open_output(collect_to)

-- ---- collecting ---------------------------------------------------------------

baseline.track_programs()
local facts = { programs = {}, processes = 0 }
local function program(name)
  local p = facts.programs[name]
  if not p then
    p = { processes = 0, execs = {}, files = {}, peers = {}, syscalls = {}, faults = 0,
          sched = { count = 0, durs = {} }, block = { count = 0, bytes = 0 } }
    facts.programs[name] = p
  end
  return p
end
-- What happened before the command's first exec (compendium's own child
-- getting ready) belongs to no program.
local function of(e)
  if not baseline.program_known(e.pid) then
    local nowhere = program("?")
    facts.programs["?"] = nil
    return nowhere
  end
  return program(baseline.program(e.pid))
end

local root_pid
c.on("start", function(run)
  root_pid = run.root_pid
  facts.processes = 1
  facts.faults_traced = run.faults_traced or false
  facts.ebpf_traced = run.ebpf_traced or false
end)
c.on("spawn_process", function() facts.processes = facts.processes + 1 end)

-- The recorded command's working directory is $CWD (the diff itself may
-- run anywhere); strace logs do not say it.
c.on("exec", function(e)
  if e.pid == root_pid and not facts.cwd_set then
    facts.cwd_set = true
    local p = c.proc(e.pid)
    if p and p.cwd and p.cwd:sub(1, 1) == "/" then baseline.set_cwd(p.cwd) end
  end
  local parent = e.pid == root_pid and "(the command)" or
                 baseline.program(c.proc(e.pid) and c.proc(e.pid).ppid or 0)
  local words = { baseline.path(e.path or e.program) }
  local argv = e.argv or {}
  for i = 2, #argv do
    -- paths, also inside options (-o/tmp/ccX.o, --out=/tmp/x)
    words[#words + 1] = argv[i]:gsub("^/[^=,]*", baseline.path):gsub("([=,])(/[^=,]*)",
      function(sep, path) return sep .. baseline.path(path) end)
  end
  local key = table.concat(words, " ")
  local p = program(parent)
  p.execs[key] = (p.execs[key] or 0) + 1
  local name = (e.path or e.program):match("([^/]*)$")
  program(name).processes = program(name).processes + 1
end)

local function file(e, path, field, bytes)
  if not path or baseline.is_pseudo(path) then return end
  local f = of(e).files
  local g = baseline.path(path)
  local entry = f[g] or { read = 0, written = 0, opens = 0 }
  f[g] = entry
  entry[field] = entry[field] + bytes
end
c.on("open", function(e) if not e.error then file(e, e.path, "opens", 1) end end)
c.on("read", function(e) if e.target == "file" then file(e, e.filename, "read", e.bytes) end end)
c.on("write", function(e) if e.target == "file" then file(e, e.filename, "written", e.bytes) end end)

local function peer(e, addr, field, bytes)
  if not net.is_inet(e.sock_type) then return end
  local p = baseline.peer(addr or "")
  if not p then return end
  local peers = of(e).peers
  local entry = peers[p] or { sent = 0, received = 0, connects = 0 }
  peers[p] = entry
  entry[field] = entry[field] + bytes
end
c.on("connect", function(e) peer(e, e.remote_addr, "connects", 1) end)
c.on("send", function(e) peer(e, e.remote_addr, "sent", e.bytes) end)
c.on("recv", function(e) peer(e, e.remote_addr, "received", e.bytes) end)

c.on("syscall", function(e)
  local s = of(e).syscalls
  local entry = s[e.name]
  if not entry then
    entry = { count = 0, errors = {}, durs = {} }
    s[e.name] = entry
  end
  entry.count = entry.count + 1
  if e.ret < 0 then
    local err = c.errname(e.ret)
    if baseline.counts_failure(e.name, err) then entry.errors[err] = (entry.errors[err] or 0) + 1 end
  end
  if e.dur_ns then entry.durs[#entry.durs + 1] = e.dur_ns end
end)

c.on("fault", function(e) local p = of(e); p.faults = p.faults + e.count end)
c.on("sched_delay", function(e)
  local s = of(e).sched
  s.count = s.count + 1
  s.durs[#s.durs + 1] = e.delay_ns
end)
c.on("block_io", function(e)
  local b = of(e).block
  b.count, b.bytes = b.count + 1, b.bytes + e.bytes
end)

-- p50 and p99 of durations (n of them), then the samples go.
local function summarise(s)
  local d = s.durs
  table.sort(d)
  s.n = #d
  if #d > 0 then
    s.p50 = d[math.max(1, math.ceil(#d * 0.5))]
    s.p99 = d[math.max(1, math.ceil(#d * 0.99))]
  end
  s.durs = nil
end

local function percentiles()
  for _, p in pairs(facts.programs) do
    for _, s in pairs(p.syscalls) do summarise(s) end
    summarise(p.sched)
  end
end

-- ---- facts as a Lua literal, A's run to B's ----------------------------------------

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

local function literal(v, out)
  local t = type(v)
  if t == "table" then
    out[#out + 1] = "{"
    for _, k in ipairs(sorted_keys(v)) do
      out[#out + 1] = "[" .. format("%q", k):gsub("\\\n", "\\n") .. "]="
      literal(v[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  elseif t == "string" then
    out[#out + 1] = (format("%q", v):gsub("\\\n", "\\n"))
  elseif t == "number" then
    out[#out + 1] = format("%.17g", v)
  else
    out[#out + 1] = tostring(v)
  end
end

local function load_facts(path)
  local f = io.open(path, "r")
  local text = f and f:read("*a")
  if f then f:close() end
  local chunk = text and loadstring("return " .. text, "=facts")
  if not chunk then error("the facts of " .. base_name .. " cannot be read from " .. path, 0) end
  return setfenv(chunk, {})()
end

-- ---- comparing -----------------------------------------------------------------

local differences = {}
local function differ(prog, change, what, name, a, b, text)
  differences[#differences + 1] = { program = prog, change = change, what = what, name = name,
                                    base = a, new = b, text = text }
end

-- Beyond a relative threshold (of the larger) and an absolute one.
local function beyond(a, b, rel, abs)
  local d = math.abs(a - b)
  return d > 0 and d >= (abs or 0) and d > rel * math.max(a, b)
end

local function times(n) return n == 1 and "1 time" or (n .. " times") end
local function processes(n) return n == 1 and "1 process" or (n .. " processes") end

-- A long command line on one line, cut (the JSON has all of it).
local function cut(s)
  return #s > 160 and s:sub(1, 157):gsub("[\128-\191]+$", "") .. "…" or s
end

local function compare_counts(prog, what, label, a, b, unit)
  local keys = {}
  for k in pairs(a) do keys[k] = true end
  for k in pairs(b) do keys[k] = true end
  for _, k in ipairs(sorted_keys(keys)) do
    local x, y = a[k] or 0, b[k] or 0
    if x == 0 and y > 0 then
      differ(prog, "appeared", what, k, x, y, format("+ %s %s (%s)", label, cut(k), unit(y)))
    elseif y == 0 and x > 0 then
      differ(prog, "disappeared", what, k, x, y, format("- %s %s (%s)", label, cut(k), unit(x)))
    elseif beyond(x, y, T.count, 1) then
      differ(prog, "changed", what, k, x, y, format("~ %s %s: %s → %s", label, cut(k), unit(x), unit(y)))
    end
  end
end

-- Per process: a program run twice as often reads its files twice over,
-- which the process count already says.
local scale_a, scale_b = 1, 1

local function compare_bytes(prog, what, label, fields, a, b)
  local keys = {}
  for k in pairs(a) do keys[k] = true end
  for k in pairs(b) do keys[k] = true end
  for _, k in ipairs(sorted_keys(keys)) do
    local x, y = a[k], b[k]
    local function summary(v)
      local parts = {}
      for _, f in ipairs(fields) do
        if v[f[1]] > 0 then parts[#parts + 1] = f[2] .. " " .. (f[3] and tostring(v[f[1]]) or c.bytes(v[f[1]])) end
      end
      return #parts > 0 and table.concat(parts, ", ") or "opened"
    end
    if not x then
      differ(prog, "appeared", what, k, nil, y, format("+ %s %s (%s)", label, k, summary(y)))
    elseif not y then
      differ(prog, "disappeared", what, k, x, nil, format("- %s %s (%s)", label, k, summary(x)))
    else
      for _, f in ipairs(fields) do
        local field = f[1]
        if not f[3] and beyond(x[field] / scale_a, y[field] / scale_b, T.bytes) then
          differ(prog, "changed", what, k, x[field], y[field],
                 format("~ %s %s: %s %s → %s", label, k, f[2], c.bytes(x[field]), c.bytes(y[field])))
        end
      end
    end
  end
end

-- The first of p50, p99 that changed beyond the time thresholds, where
-- both have enough samples for it to be no one call's: its name and values.
local function slower(x, y)
  for _, q in ipairs { { "p50", T.time_samples }, { "p99", math.max(100, T.time_samples) } } do
    local u, v = x[q[1]], y[q[1]]
    if u and v and (x.n or 0) >= q[2] and (y.n or 0) >= q[2] and math.abs(u - v) >= T.time_min and
       math.max(u, v) >= T.time * math.min(u, v) then
      return q[1], u, v
    end
  end
end

local function compare_syscalls(prog, a, b)
  local keys = {}
  for k in pairs(a) do keys[k] = true end
  for k in pairs(b) do keys[k] = true end
  for _, name in ipairs(sorted_keys(keys)) do
    local x = a[name] or { count = 0, errors = {} }
    local y = b[name] or { count = 0, errors = {} }
    if beyond(x.count / scale_a, y.count / scale_b, T.count, T.count_min) then
      differ(prog, "changed", "syscall", name, x.count, y.count,
             format("~ syscall %s: %d → %d calls", name, x.count, y.count))
    end
    -- a syscall one recording does not have may not have been recorded
    -- (recordings keep what their run stopped for): its errnos are compared
    -- only where both have it
    if x.count > 0 and y.count > 0 then
      compare_counts(prog, "errno", "syscall " .. name, x.errors, y.errors, times)
    end
    local q, u, v = slower(x, y)
    if q then
      differ(prog, "changed", "duration", name .. " " .. q, u, v,
             format("~ syscall %s %s: %s → %s (%.1fx)", name, q, c.duration(u), c.duration(v),
                    math.max(u, v) / math.max(1, math.min(u, v))))
    end
  end
end

local function compare(a, b)
  local names = {}
  for k in pairs(a.programs) do names[k] = true end
  for k in pairs(b.programs) do names[k] = true end
  for _, prog in ipairs(sorted_keys(names)) do
    local x, y = a.programs[prog], b.programs[prog]
    if not x or not y then
      -- one line for the program, and what of it matters most: its peers
      -- and the files it wrote
      local p, change, sign = x or y, x and "disappeared" or "appeared", x and "-" or "+"
      differ(prog, change, "program", prog, x and x.processes, y and y.processes,
             format("%s program %s (%s)", sign, prog, processes(p.processes)))
      for _, k in ipairs(sorted_keys(p.peers)) do
        local v = p.peers[k]
        local parts = {}
        if v.connects > 0 then parts[#parts + 1] = "connects " .. v.connects end
        if v.sent > 0 then parts[#parts + 1] = "sent " .. c.bytes(v.sent) end
        if v.received > 0 then parts[#parts + 1] = "received " .. c.bytes(v.received) end
        differ(prog, change, "peer", k, x and v, y and v,
               format("%s peer %s (%s)", sign, k, table.concat(parts, ", ")))
      end
      for _, k in ipairs(sorted_keys(p.files)) do
        local v = p.files[k]
        if v.written > 0 then
          differ(prog, change, "file", k, x and v, y and v,
                 format("%s file %s (written %s)", sign, k, c.bytes(v.written)))
        end
      end
    else
      scale_a, scale_b = math.max(1, x.processes), math.max(1, y.processes)
      if x.processes ~= y.processes then
        differ(prog, "changed", "processes", prog, x.processes, y.processes,
               format("~ processes running %s: %d → %d", prog, x.processes, y.processes))
      end
      compare_counts(prog, "exec", "exec", x.execs, y.execs, times)
      compare_bytes(prog, "file", "file", { { "read", "read" }, { "written", "written" }, { "opens", "opens", true } },
                    x.files, y.files)
      compare_bytes(prog, "peer", "peer", { { "sent", "sent" }, { "received", "received" }, { "connects", "connects", true } },
                    x.peers, y.peers)
      compare_syscalls(prog, x.syscalls, y.syscalls)
      if a.faults_traced and b.faults_traced and beyond(x.faults, y.faults, T.faults, T.faults_min) then
        differ(prog, "changed", "faults", prog, x.faults, y.faults,
               format("~ page faults: %d → %d", x.faults, y.faults))
      end
      if a.ebpf_traced and b.ebpf_traced then
        local q, u, v = slower(x.sched, y.sched)
        if q then
          differ(prog, "changed", "sched", prog .. " " .. q, u, v,
                 format("~ waits for a CPU %s: %s → %s", q, c.duration(u), c.duration(v)))
        end
        -- the page cache decides whether a read reaches the disk at all
        if x.block.bytes > 0 and y.block.bytes > 0 and
           beyond(x.block.bytes, y.block.bytes, T.bytes, T.block_min) then
          differ(prog, "changed", "block_io", prog, x.block.bytes, y.block.bytes,
                 format("~ block I/O: %s → %s", c.bytes(x.block.bytes), c.bytes(y.block.bytes)))
        end
      end
    end
  end
end

-- ---- saying it ---------------------------------------------------------------------

local junit = require "compendium.junit"

local function junit_text(programs, by_program)
  local out = { '<?xml version="1.0" encoding="UTF-8"?>' }
  local failed = 0
  for _, prog in ipairs(programs) do if by_program[prog] then failed = failed + 1 end end
  local counts = format('tests="%d" failures="%d" errors="0"', #programs, failed)
  out[#out + 1] = format('<testsuites name="compendium diff" %s>', counts)
  out[#out + 1] = format('  <testsuite name="%s" %s skipped="0">',
                         junit.escape(base_name .. " → " .. new_name, true), counts)
  for _, prog in ipairs(programs) do
    local lines = by_program[prog]
    local head = format('    <testcase name="%s" classname="compendium.diff"', junit.escape(prog, true))
    if not lines then
      out[#out + 1] = head .. "/>"
    else
      out[#out + 1] = head .. ">"
      local message = lines[1] .. (#lines > 1 and format(" (and %d more)", #lines - 1) or "")
      out[#out + 1] = format('      <failure message="%s" type="diff">%s</failure>',
                             junit.escape(message, true), junit.escape(table.concat(lines, "\n")))
      out[#out + 1] = "    </testcase>"
    end
  end
  out[#out + 1] = "  </testsuite>"
  out[#out + 1] = "</testsuites>"
  return table.concat(out, "\n") .. "\n"
end

c.on("end", function()
  percentiles()
  if collect_out then
    local out = {}
    literal(facts, out)
    collect_out:write(table.concat(out))
    collect_out:close()
    return
  end
  if not base_path then return end
  -- B cut short: the engine says so and exits 2; what it lacks is no difference
  if host.output_lost() ~= "" then return end
  local a = load_facts(base_path)
  compare(a, facts)

  local programs, by_program, order = {}, {}, {}
  local all = {}
  for k in pairs(a.programs) do all[k] = true end
  for k in pairs(facts.programs) do all[k] = true end
  programs = sorted_keys(all)
  for _, d in ipairs(differences) do
    if not by_program[d.program] then
      by_program[d.program] = {}
      order[#order + 1] = d.program
    end
    local list = by_program[d.program]
    list[#list + 1] = d.text
  end
  local stdout = io.stdout
  if not c.quiet then
    for _, prog in ipairs(order) do
      stdout:write(c.escape(prog) .. ":\n")
      for _, line in ipairs(by_program[prog]) do stdout:write("  " .. c.escape(line) .. "\n") end
    end
  end
  local verdict
  if #differences == 0 then
    verdict = format("compendium: %s and %s are the same (within the thresholds)", c.escape(new_name),
                     c.escape(base_name))
  else
    verdict = format("compendium: %s differs from %s: %d difference%s in %d program%s (%s)",
                     c.escape(new_name), c.escape(base_name), #differences,
                     #differences == 1 and "" or "s", #order, #order == 1 and "" or "s",
                     c.escape(table.concat(order, ", ")))
  end
  stdout:write(verdict .. "\n")
  stdout:flush()
  if outputs.json then
    local list = json.array {}
    for i, d in ipairs(differences) do
      list[i] = { program = d.program, change = d.change, what = d.what, name = d.name,
                  base = d.base, new = d.new, text = d.text }
    end
    outputs.json:write(c.json { base = base_name, new = new_name, equal = #differences == 0,
                                programs = json.array(programs), differences = list } .. "\n")
    outputs.json:close()
  end
  if outputs.junit then
    outputs.junit:write(junit_text(programs, by_program))
    outputs.junit:close()
  end
  -- the run's status is the diff's: 1 when something differs
  if #differences > 0 then host.fail() end
end)
