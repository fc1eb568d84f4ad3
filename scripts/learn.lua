-- learn: write a behaviour baseline, a check script that lists what this
-- run did and fails a later run on anything new.
--
--   compendium -s learn -X learn.out=behaviour.lua -- make test
--   compendium -s ./behaviour.lua -- make test          # 125 on anything new
--   compendium -s learn -X learn.merge=behaviour.lua -- make test   # widen it
--
-- The script is for people to read, edit and review: globs of the files
-- written, created, removed and read (outside the system's directories),
-- the programs run, the peers reached (loopback apart), the calls that
-- failed, how many processes and how much memory. Paths in the working
-- directory are $CWD/..., in the temporary directory $TMP/... with
-- mkstemp's random names as *, ports the kernel picked as *
-- (compendium.baseline says how). Options:
--   learn.out=FILE            where to write it (default behaviour.lua)
--   learn.merge=FILE          widen FILE with this run instead (written back
--                             to FILE unless learn.out says otherwise)
--   learn.memory_margin=50%   the memory allowed above the largest seen
--   learn.processes_margin=0  processes allowed above the most seen
local c = require "compendium"
local baseline = require "compendium.baseline"

local format = string.format

local merge = c.opt("learn.merge")
local out_path = c.opt("learn.out", merge or "behaviour.lua")
local margin_text = c.opt("learn.memory_margin", "50%")
local margin = tonumber(tostring(margin_text):match("^(%d+%.?%d*)%%$"))
if not margin then c.error("option learn.memory_margin=" .. margin_text .. ": expected a percentage such as 50%") end
local extra_processes = tonumber(c.opt("learn.processes_margin", "0"))
if not extra_processes or extra_processes < 0 or extra_processes % 1 ~= 0 then
  c.error("option learn.processes_margin: expected a whole number >= 0")
end

local LISTS = { "written", "created", "removed", "read", "programs", "peers", "loopback", "failures" }
local KIND_LIST = { written = "written", created = "created", removed = "removed", read = "read",
                    program = "programs", peer = "peers", loopback = "loopback", failure = "failures" }
local ABOUT = {
  written = "files opened for writing or truncated",
  created = "directories, links and renamed-to names made",
  removed = "files and directories removed, and renamed-from names",
  read = "files read outside the system's directories",
  programs = "programs run (the file the kernel ran)",
  peers = "other machines connected or sent to",
  loopback = "this machine's own servers connected or sent to",
  failures = "calls that failed (program: syscall ERRNO)",
}

-- What an earlier baseline holds: its lists, with the run that added each
-- entry (from the "-- run N" comments), its runs and its figures.
local function load_baseline(path)
  local f, err = io.open(path, "r")
  if not f then c.error("learn.merge: cannot read " .. path .. ": " .. tostring(err)) end
  local text = f:read("*a")
  f:close()
  local chunk, perr = loadstring(text, "@" .. path)
  if not chunk then c.error("learn.merge: " .. perr) end
  local got
  local stub = { check = function(t) got = t end }
  setfenv(chunk, { require = function(name)
    if name == "compendium.baseline" then return stub end
    error("learn.merge: " .. path .. " requires " .. tostring(name), 0)
  end })
  local ok, lerr = pcall(chunk)
  if not ok or type(got) ~= "table" then
    c.error("learn.merge: " .. path .. " is not a baseline (" .. tostring(lerr or "no baseline.check") .. ")")
  end
  local b = { lists = {}, runs = {}, processes = got.processes, memory_peak = got.memory_peak }
  local run_of, list = {}, nil
  for line in text:gmatch("[^\n]*") do
    local n, about = line:match("^%-%- run (%d+): (.*)$")
    if n then b.runs[#b.runs + 1] = { n = tonumber(n), about = about } end
    list = line:match("^  (%w+) = {") or list
    local lit, by = line:match('^%s+(".*"),%s*%-%- run (%d+)%s*$')
    if lit and list then
      local s = loadstring("return " .. lit)
      local ok2, v = pcall(s)
      if ok2 and type(v) == "string" then run_of[list .. "\0" .. v] = tonumber(by) end
    end
  end
  for _, name in ipairs(LISTS) do
    local entries = {}
    for _, v in ipairs(got[name] or {}) do
      local g = type(v) == "table" and v[1] or v
      entries[#entries + 1] = { glob = g, run = run_of[name .. "\0" .. g] }
    end
    b.lists[name] = entries
  end
  return b
end

local old = merge and load_baseline(merge)
local out = c.open_output(out_path)

local seen = {}     -- list → glob → true
local order = {}    -- list → globs in the order first seen
for _, name in ipairs(LISTS) do seen[name], order[name] = {}, {} end
local processes, memory = 1, 0

baseline.watch(function(kind, what, e)
  if kind == "processes" then
    if what > processes then processes = what end
    return
  elseif kind == "memory" then
    if what > memory then memory = what end
    return
  end
  local list = KIND_LIST[kind]
  local g = what
  if list ~= "peers" and list ~= "loopback" and list ~= "failures" then g = baseline.path(what) end
  if not seen[list][g] then
    seen[list][g] = true
    order[list][#order[list] + 1] = g
  end
end)

local function lua_string(s) return format("%q", s):gsub("\\\n", "\\n") end

c.on("end", function(run)
  local number = 1
  local runs = {}
  if old then
    for _, r in ipairs(old.runs) do
      runs[#runs + 1] = r
      if r.n >= number then number = r.n + 1 end
    end
    if #old.runs == 0 then number = 2 end
  end
  local when = os.date("!%Y-%m-%d %H:%M:%S UTC",
                       math.floor(tonumber(run.wall_start_ns / 1000000000)))
  runs[#runs + 1] = { n = number, about = when .. ", " .. c.escape(run.command or "") }

  local w = {}
  local function say(fmt, ...) w[#w + 1] = select("#", ...) > 0 and format(fmt, ...) or fmt end
  say("-- A behaviour baseline, written by `compendium -s learn`: what the command did.")
  say("-- Check a run against it (exit status 125 and a line per thing it does that is")
  say("-- not listed here):")
  say("--   compendium -s ./%s -- COMMAND", out_path:match("([^/]*)$"))
  say("-- Widen it with another run: compendium -s learn -X learn.merge=%s -- COMMAND", out_path:match("([^/]*)$"))
  say("-- Edit it freely: the lists are globs (* within a directory, ** across it);")
  say("-- $CWD is the directory compendium runs in, $TMP the temporary directory,")
  say("-- ~ the home directory; a peer's port * is one the kernel picked. The comment")
  say("-- after an entry says which run added it:")
  for _, r in ipairs(runs) do say("-- run %d: %s", r.n, r.about) end
  say('local baseline = require "compendium.baseline"')
  say("")
  say("baseline.check {")
  for _, name in ipairs(LISTS) do
    local entries, have = {}, {}
    for _, e in ipairs(old and old.lists[name] or {}) do
      entries[#entries + 1] = e
      have[e.glob] = true
    end
    for _, g in ipairs(order[name]) do
      if not have[g] then entries[#entries + 1] = { glob = g, run = number } end
    end
    say("  -- %s", ABOUT[name])
    say("  %s = {", name)
    for _, e in ipairs(entries) do
      say("    %s,%s", lua_string(e.glob), e.run and (" -- run " .. e.run) or " -- before run 1")
    end
    say("  },")
  end
  local most = math.max(processes + extra_processes, old and old.processes or 0)
  say("  processes = %d, -- at most (this run: %d)", most, processes)
  local peak = math.max(memory, old and old.memory_peak or 0)
  say("  memory_peak = %d, -- %s: the most one process used (heap and anonymous memory)", peak, c.bytes(peak))
  local allowed = math.floor(peak * (1 + margin / 100))
  say("  memory = %d, -- %s at most: the peak + %s", allowed, c.bytes(allowed), margin_text)
  say("}")
  out:write(table.concat(w, "\n") .. "\n")
  out:close()
  if not c.quiet then
    local n = 0
    for _, name in ipairs(LISTS) do n = n + #order[name] end
    c.print("compendium: learn: wrote %s (run %d: %d entries seen)", out_path, number, n)
  end
end)
