-- report: an interactive HTML report, one self-contained file that opens
-- from disk in any browser. `--report FILE` runs this script with
-- -X report.out=FILE (and --max-report-events N with -X report.max_events=N).
--
--   compendium --report r.html -- ./app
--   compendium -s report -X out=r.html -X max_events=20000 -- ./app
--
-- This script decides what the page shows: it gathers one JSON document and
-- hands it to report/template.html, whose report.js draws it. Like the
-- terminal view it leaves out what compendium/noise.lua calls noise unless
-- -v is given. The summary cards and the tables count every event; the
-- timeline and the event table keep the first max_events events, and the
-- page says how many more there were. Copy it to make your own report.
local c = require "compendium"
local noise = require "compendium.noise"
local summary = require "compendium.summary"
local html = require "compendium.htmlreport"
local json = require "compendium.json"
local describe = require "compendium.describe"
local tracks = require "compendium.tracks"

local format, floor, escape, bytes = string.format, math.floor, c.escape, c.bytes
local count = describe.count

local path = c.opt("out")
if not path then c.error("report: set -X report.out=FILE (or use --report FILE)") end
local max_events = c.opt("max_events", 75000)
if max_events < 1 or max_events % 1 ~= 0 then
  c.error("report: -X report.max_events needs a positive whole number, not " .. max_events)
end

-- Read the page's assets and open the output now, while loading: a missing
-- asset or an unwritable path stops compendium before anything is traced.
local page = html.load_page()
local out = c.open_output(path, "w")

local function shown(e)
  return c.verbose or not noise.event(e)
end

-- The same totals, with the same filter, as the terminal summary.
local totals = summary.new { keep = shown }

-- Which group of the filters and which colour family each kind belongs to.
local CATEGORY = {
  open = "file",
  read = "io", write = "io",
  connect = "network", send = "network", recv = "network",
  brk = "memory", mmap = "memory", munmap = "memory",
  spawn_process = "process", spawn_thread = "process", exec = "process", exit = "process",
  signal = "process",
  fault = "faults", sched_delay = "scheduler", block_io = "block_io", inject = "injected",
  io_uring = "io",
  rename = "file", unlink = "file", mkdir = "file", rmdir = "file", link = "file", symlink = "file",
  chmod = "file", chown = "file", truncate = "file", utimes = "file",
}

-- One swimlane per process and thread: compendium/tracks.lua's tracks of
-- the tasks that have shown events, in the order they showed up.
local lanes = tracks.new(c.proc)

local function micros(ts) return floor(ts * 1e6 + 0.5) end

-- ---- the tables: files, network peers -------------------------------------

local files, file_list = {}, {} -- name → {name, read, written, reads, writes}
local peers, peer_list = {}, {} -- "tcp4 1.2.3.4:443" → {sock_type, addr, sent, received, calls}

local function count_file(e, field, calls)
  local name = e.filename or ("fd " .. e.fd)
  local f = files[name]
  if not f then
    f = { name = escape(name), read = 0, written = 0, reads = 0, writes = 0 }
    files[name], file_list[#file_list + 1] = f, f
  end
  f[field] = f[field] + e.bytes
  f[calls] = f[calls] + 1
end

local function count_peer(e, field)
  local sock_type, addr = e.sock_type or "socket", e.remote_addr or "?"
  local key = sock_type .. " " .. addr
  local p = peers[key]
  if not p then
    p = { sock_type = sock_type, addr = escape(addr), sent = 0, received = 0, calls = 0 }
    peers[key], peer_list[#peer_list + 1] = p, p
  end
  if field then p[field] = p[field] + e.bytes end
  p.calls = p.calls + 1
end

local tally = {
  read = function(e) count_file(e, "read", "reads") end,
  write = function(e) count_file(e, "written", "writes") end,
  send = function(e) count_peer(e, "sent") end,
  recv = function(e) count_peer(e, "received") end,
  connect = function(e) count_peer(e, nil) end,
}

-- ---- the events, as columns: compact in memory and in the page -------------

local strings = html.strings()
local ev_ts, ev_lane, ev_type, ev_text = {}, {}, {}, {}
local ev_extra = {} -- pairs: 0-based event index, string index
local kept, left_out, hidden = 0, 0, 0

-- What an event holds beyond its text, for the page's search and tooltip:
-- only a few kinds have any, so the page gets (event, string) pairs.
-- The path argument as the program passed it, when the path shown is not
-- it (a failed open's or a change to the tree's, made absolute).
local function asked_for(e)
  local requested = e.requested
  if requested and requested ~= e.path then return "asked for " .. escape(requested) end
end

local EXTRA = {
  open = asked_for,
  exec = function(e)
    local file = e.path
    if file and file ~= e.program then return "runs " .. escape(file) end
  end,
  send = function(e) return e.sock_type end,
}
EXTRA.recv = EXTRA.send
for _, kind in ipairs { "rename", "unlink", "mkdir", "rmdir", "link", "symlink", "chmod", "chown",
                        "truncate", "utimes" } do
  EXTRA[kind] = asked_for
end

local type_index = {} -- kind → 0-based index into c.event_kinds

-- The table's text of each event is compendium/describe.lua's.
local function record(kind)
  local text, tally_kind, extra = describe.kinds[kind], tally[kind], EXTRA[kind]
  local index = type_index[kind]
  return function(e)
    totals:add(e)
    if not shown(e) then
      hidden = hidden + 1
      return
    end
    -- every event shown, kept or not, so that lanes and lifetimes are whole
    local lane = lanes:add(e).index - 1
    if tally_kind then tally_kind(e) end
    if kept >= max_events then
      left_out = left_out + 1
      return
    end
    kept = kept + 1
    ev_ts[kept], ev_lane[kept], ev_type[kept] = micros(e.ts), lane, index
    ev_text[kept] = strings.index(text(e))
    local more = extra and extra(e)
    if more then
      ev_extra[#ev_extra + 1] = kept - 1
      ev_extra[#ev_extra + 1] = strings.index(more)
    end
  end
end

local types = json.array()
for i, kind in ipairs(c.event_kinds) do
  type_index[kind] = i - 1
  types[i] = { name = kind, category = CATEGORY[kind] or "other" }
  c.on(kind, record(kind))
end

-- ---- writing the page -----------------------------------------------------

c.on("start", function(run)
  lanes:start(run)
end)

-- Largest first: the rows a reader wants are at the top.
local MAX_ROWS = 1000

local function top(list, size)
  table.sort(list, function(a, b) return size(a) > size(b) end)
  local rows = json.array()
  for i = 1, math.min(#list, MAX_ROWS) do rows[i] = list[i] end
  return { rows = rows, more = math.max(0, #list - MAX_ROWS) }
end

-- The summary cards, in the terminal summary's order and with its numbers
-- (compendium/summary.lua's, in compendium/describe.lua's words). `bytes`
-- makes the page show the exact count under the rounded one.
local function cards(s)
  local mem, io = s.memory, s.shown.io
  local list = json.array {
    { id = "duration", label = "Duration", value = format("%.2fs", s.duration) },
    { id = "exit", label = "Exit", value = describe.ended(s) },
    { id = "heap", label = "Heap", value = bytes(mem.heap_bytes), bytes = mem.heap_bytes },
    { id = "memory", label = "Memory total", value = bytes(mem.total_bytes), bytes = mem.total_bytes,
      note = "heap + anon " .. bytes(mem.anon_bytes) },
    -- not memory used: the terminal summary's Mapped line
    { id = "mapped", label = "Files mapped", value = bytes(mem.file_bytes), bytes = mem.file_bytes,
      note = format("reserved %s, %s", bytes(mem.reserved_bytes), count(mem.mmap_regions, "region", "regions")) },
  }
  -- the terminal's I/O lines, the loopback pair (its Net (loopback) line)
  -- on cards of their own
  for _, f in ipairs(summary.io_figures(io)) do
    list[#list + 1] = { id = f.id, label = f.label, value = bytes(f.bytes), bytes = f.bytes }
  end
  local connections = json.array()
  for i, conn in ipairs(s.shown.connections) do
    connections[i] = describe.text { type = "connect", sock_type = conn.sock_type, remote_addr = conn.remote_addr }
  end
  list[#list + 1] = { id = "connections", label = "Network connections", value = tostring(#connections),
                      list = connections }
  list[#list + 1] = { id = "subprocesses", label = "Subprocesses",
                      value = count(s.spawned.processes, "process", "processes"),
                      note = count(s.spawned.threads, "thread", "threads") }
  local faults = s.page_faults
  if faults then
    list[#list + 1] = { id = "faults", label = "Page faults", value = tostring(faults.count),
                        note = format("%s pages, %s touched", bytes(faults.page_size), bytes(faults.bytes)),
                        list = json.array(describe.fault_regions(faults)) }
  end
  if s.scheduler then
    local b = s.block_io
    list[#list + 1] = { id = "scheduler", label = "Scheduler", value = count(s.scheduler.count, "wait", "waits"),
                        note = describe.latency(s.scheduler) }
    list[#list + 1] = { id = "block-io", label = "Block I/O", value = count(b.count, "request", "requests"),
                        note = format("%s read, %s written", bytes(b.bytes_read), bytes(b.bytes_written)),
                        list = json.array { describe.latency(b), unpack(describe.block_ops(b)) } }
  end
  return list
end

-- The lanes as the page draws them: names and command lines escaped,
-- times in µs, how each task ended in words.
local function lane_list()
  local list = json.array()
  for i, t in ipairs(lanes.list) do
    list[i] = {
      tid = t.tid, pid = t.pid, ppid = t.ppid, name = escape(t.comm), command = escape(table.concat(t.argv, " ")),
      thread = t.thread, start = micros(t.start), stop = t.stop and micros(t.stop),
      exit = t.exit and describe.kinds.exit(t.exit),
    }
  end
  return list
end

-- "75,000"
local function grouped(n)
  local s = tostring(n)
  repeat
    local k
    s, k = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until k == 0
  return s
end

c.on("end", function(run)
  local size = html.write(out, page, {
    command = escape(run.command),
    duration_us = micros(run.duration),
    cards = cards(totals:result(run)),
    counts = {
      kept = kept, left_out = left_out, hidden = hidden, max_events = max_events,
      dropped = run.dropped, failures = #run.failures, verbose = c.verbose,
    },
    types = types,
    lanes = lane_list(),
    strings = strings.list,
    files = top(file_list, function(f) return f.read + f.written end),
    peers = top(peer_list, function(p) return p.sent + p.received end),
  }, { { "ts", ev_ts }, { "lane", ev_lane }, { "type", ev_type }, { "text", ev_text }, { "extra", ev_extra } })
  -- Where it went, once it is all there (a failed write has said so
  -- already, and the run's status says it too).
  if size and not c.quiet then
    local events = grouped(kept) .. (kept == 1 and " event" or " events")
    if left_out > 0 then events = events .. ", " .. grouped(left_out) .. " more left out" end
    c.print("compendium: report written to %s (%s, %s)", escape(path), bytes(size), events)
  end
end)
