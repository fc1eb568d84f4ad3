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

local format, floor, escape, bytes = string.format, math.floor, c.escape, c.bytes

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

-- --faults: as in the terminal view, faults in the heap, anonymous memory
-- and stacks are memory the program uses; faults in mapped files (code,
-- data) are shown only with -v.
local GROWTH = { heap = true, anon = true, stack = true }

local function shown(e)
  if c.verbose then return true end
  if e.type == "fault" then return GROWTH[e.region] ~= nil end
  return not noise.event(e)
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
}

-- ---- processes and threads: one swimlane each ---------------------------

local lanes = json.array() -- {tid, pid, ppid, name, command, thread, start, stop, exit}
local lane_of = {}          -- tid → 0-based index into lanes

local function micros(ts) return floor(ts * 1e6 + 0.5) end

-- The lane of a task, made the first time it shows up (or when a spawn
-- reuses the id of a task that ended: `spawned`); the engine's process
-- table gives its name and parent at that moment.
local function lane(tid, ts, is_thread, spawned)
  local i = lane_of[tid]
  if i and not (spawned and lanes[i + 1].stop) then return i end
  local p = c.proc(tid) or {}
  local l = {
    tid = tid, pid = p.pid or tid, ppid = p.ppid or 0,
    name = escape(p.comm or "?"), command = escape(table.concat(p.argv or {}, " ")),
    thread = is_thread or p.is_thread or false, start = micros(ts),
  }
  lanes[#lanes + 1] = l
  lane_of[tid] = #lanes - 1
  return #lanes - 1
end

-- ---- what the table says about each event ---------------------------------

local describe = {}

function describe.open(e) return escape(e.path or "?") .. (e.writable and " (write)" or " (read)") end

function describe.connect(e)
  local text = format("%s → %s", e.sock_type or "socket", escape(e.remote_addr or "?"))
  if e.error and e.error ~= "EINPROGRESS" then text = text .. " (" .. e.error .. ")" end
  return text
end

function describe.read(e) return escape(e.filename or ("fd " .. e.fd)) .. "  " .. bytes(e.bytes) end
describe.write = describe.read

function describe.send(e)
  return format("%s %s  %s", e.sock_type or "socket", escape(e.remote_addr or "?"), bytes(e.bytes))
end
describe.recv = describe.send

function describe.brk(e) return "heap " .. (e.growth_bytes >= 0 and "+" or "") .. bytes(e.growth_bytes) end

function describe.mmap(e)
  return format("%s-%s %s %s %s", c.hex(e.addr), c.hex(e.end_addr), e.prot or "---", bytes(e.size),
                e.map_type == "file" and escape(e.filename or "?") or "anon")
end

function describe.munmap(e)
  return format("%s-%s %s %s", c.hex(e.addr), c.hex(e.addr + e.size), bytes(e.size), escape(e.filename or ""))
end

function describe.spawn_process(e) return "process " .. e.child_pid end
function describe.spawn_thread(e) return "thread " .. e.child_tid end

function describe.exec(e)
  return escape(e.program or "?") .. "  " .. escape(table.concat(e.argv or {}, " "))
end

function describe.exit(e)
  if e.signal then return "killed by " .. e.signal .. (e.core_dumped and " (core dumped)" or "") end
  return "exit " .. tostring(e.code)
end

function describe.signal(e) return e.signal or "?" end

function describe.fault(e)
  return format("%d × %s %s %s", e.count, e.region or "?", c.hex(e.addr), e.prot or "")
end

function describe.sched_delay(e) return "waited " .. c.duration(e.delay_ns) .. " for a CPU" end

function describe.block_io(e)
  return format("%s %s in %s", e.op or "?", bytes(e.bytes), c.duration(e.latency_ns))
end

-- c.inject and friends: said plainly, so nobody takes it for a real failure
function describe.inject(e)
  local target = e.path or e.sockaddr or e.fd_path
  local what = (e.name or "syscall") .. (target and (" " .. escape(tostring(target))) or "")
  if e.op == "delay" then return what .. " → delayed " .. c.duration(e.delay_ns) .. " (injected)" end
  return what .. " → " .. (e.error or tostring(e.ret)) .. " (injected)"
end

-- the I/O through a ring is not seen: the report says so where it starts
function describe.io_uring(e)
  return format("fd %d: the I/O through this io_uring is not seen", e.fd)
end

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

-- Process structure, kept for every event so lanes and lifetimes are whole.
local structure = {
  spawn_process = function(e) lane(e.child_pid, e.ts, false, true) end,
  spawn_thread = function(e) lane(e.child_tid, e.ts, true, true) end,
  exec = function(e, l)
    l.name = escape((e.program or "?"):match("[^/]*$"))
    l.command = escape(table.concat(e.argv or {}, " "))
  end,
  exit = function(e, l)
    l.stop = micros(e.ts)
    l.exit = describe.exit(e)
  end,
}

-- ---- the events, as columns: compact in memory and in the page -------------

local strings = html.strings()
local ev_ts, ev_lane, ev_type, ev_text = {}, {}, {}, {}
local kept, left_out, hidden = 0, 0, 0

local type_index = {} -- kind → 0-based index into c.event_kinds

local function record(kind)
  local describe_kind, tally_kind, structure_kind = describe[kind], tally[kind], structure[kind]
  local index = type_index[kind]
  return function(e)
    totals:add(e)
    if not shown(e) then
      hidden = hidden + 1
      return
    end
    local l = lane(e.tid, e.ts, false)
    if structure_kind then structure_kind(e, lanes[l + 1]) end
    if tally_kind then tally_kind(e) end
    if kept >= max_events then
      left_out = left_out + 1
      return
    end
    kept = kept + 1
    ev_ts[kept], ev_lane[kept], ev_type[kept] = micros(e.ts), l, index
    ev_text[kept] = strings.index(describe_kind(e))
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
  lane(run.root_pid, 0, false)
end)

-- Largest first: the rows a reader wants are at the top.
local MAX_ROWS = 1000

local function top(list, size)
  table.sort(list, function(a, b) return size(a) > size(b) end)
  local rows = json.array()
  for i = 1, math.min(#list, MAX_ROWS) do rows[i] = list[i] end
  return { rows = rows, more = math.max(0, #list - MAX_ROWS) }
end

local function count(n, one, many)
  return format("%d %s", n, n == 1 and one or many)
end

local function latency(s)
  if s.count == 0 then return nil end
  return format("total %s, p50 %s, p99 %s, max %s", c.duration(s.total), c.duration(s.p50),
                c.duration(s.p99), c.duration(s.max))
end

-- The summary cards, in the terminal summary's order and with its numbers.
-- `bytes` makes the page show the exact count under the rounded one.
local function cards(run)
  local mem = run.memory
  local list = json.array {
    { id = "duration", label = "Duration", value = format("%.2fs", run.duration) },
    { id = "exit", label = "Exit", value = summary.exit_text(run) },
    { id = "heap", label = "Heap", value = bytes(mem.heap_bytes), bytes = mem.heap_bytes },
    { id = "mmap", label = "Mmap", value = bytes(mem.mmap_bytes), bytes = mem.mmap_bytes,
      note = count(mem.mmap_regions, "region", "regions") },
    { id = "memory", label = "Memory total", value = bytes(mem.heap_bytes + mem.mmap_bytes),
      bytes = mem.heap_bytes + mem.mmap_bytes },
    { id = "files-read", label = "Files read", value = bytes(totals.files_read), bytes = totals.files_read },
    { id = "files-written", label = "Files written", value = bytes(totals.files_written),
      bytes = totals.files_written },
    { id = "net-sent", label = "Net sent", value = bytes(totals.net_sent), bytes = totals.net_sent },
    { id = "net-received", label = "Net received", value = bytes(totals.net_received),
      bytes = totals.net_received },
  }
  local connections = json.array()
  for i, conn in ipairs(totals.connections) do
    connections[i] = conn.sock_type .. " → " .. escape(conn.remote_addr)
  end
  list[#list + 1] = { id = "connections", label = "Network connections", value = tostring(#connections),
                      list = connections }
  list[#list + 1] = { id = "subprocesses", label = "Subprocesses",
                      value = count(totals.processes, "process", "processes"),
                      note = count(totals.threads, "thread", "threads") }
  if run.faults_traced then
    local regions = json.array()
    for _, region in ipairs { "heap", "anon", "stack", "file", "other" } do
      local n = totals.faults_by_region[region]
      if n then regions[#regions + 1] = region .. " " .. n end
    end
    list[#list + 1] = { id = "faults", label = "Page faults", value = tostring(totals.faults),
                        note = format("%s pages, %s touched", bytes(run.page_size),
                                      bytes(totals.faults * run.page_size)),
                        list = regions }
  end
  if run.ebpf_traced then
    local s, b = summary.stats(totals.sched_delays), summary.stats(totals.block_latencies)
    list[#list + 1] = { id = "scheduler", label = "Scheduler", value = count(s.count, "wait", "waits"),
                        note = latency(s) }
    list[#list + 1] = { id = "block-io", label = "Block I/O", value = count(b.count, "request", "requests"),
                        note = format("%s read, %s written", bytes(totals.block_read), bytes(totals.block_written)),
                        list = json.array { latency(b) } }
  end
  return list
end

c.on("end", function(run)
  html.write(out, page, {
    command = escape(run.command),
    duration_us = micros(run.duration),
    cards = cards(run),
    counts = {
      kept = kept, left_out = left_out, hidden = hidden, max_events = max_events,
      dropped = run.dropped, failures = #run.failures, verbose = c.verbose,
    },
    types = types,
    lanes = lanes,
    strings = strings.list,
    files = top(file_list, function(f) return f.read + f.written end),
    peers = top(peer_list, function(p) return p.sent + p.received end),
  }, { { "ts", ev_ts }, { "lane", ev_lane }, { "type", ev_type }, { "text", ev_text } })
end)
