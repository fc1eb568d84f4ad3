-- perfetto: the run as a Perfetto trace (a binary .pftrace, Perfetto's
-- TrackEvent format) to open in https://ui.perfetto.dev. `--perfetto FILE`
-- runs this script with -X perfetto.out=FILE.
--
--   compendium --perfetto t.pftrace -- make -j2
--   compendium -s perfetto -X perfetto.out=t.pftrace -X perfetto.syscalls=all -- ./app
--
-- Tracks, in the process tree's order (compendium/tracks.lua):
--   "prog pid"        a process: what it ran, one slice per program (from
--                     its exec, or its fork, to the next exec or its exit;
--                     argv and the exit status as arguments), and counters
--                     of the bytes it read, wrote, sent and received, its
--                     heap and its mapped memory
--   "prog tid"        a thread (the main one too): a slice per syscall (the
--                     call as compendium formats it, its result; a failed
--                     one is named "openat → ENOENT"), instants for spawns
--                     (with a flow arrow to the child's first event),
--                     signals and its exit
--   "events tid"      what compendium/describe.lua says of the thread's
--                     events: opens, connects, read/write runs, mmaps, …
--   "CPU waits tid", "block I/O tid", "page faults tid"
--                     with --ebpf / --faults
-- Work that overlaps on one track (block I/O requests in flight at once)
-- goes on another track of the same name, numbered: slices on a track
-- always nest.
--
-- Which syscalls become slices (-X perfetto.syscalls=…): by default those
-- the events above come from, which the engine traces anyway; `all` for
-- every syscall (this stops the program at each one, as -v does); or a
-- list, "openat,write,%network" (%CLASS: c.syscalls_in); `none`.
--
-- -X perfetto.logs=1: every syscall's line, as -v prints it, as a log
-- message on its thread (an instant named by the syscall, at its return,
-- holding a LogMessage with an interned body): the UI's log view lists
-- them beside the slices. Like syscalls=all, this stops the program at
-- every syscall.
--
-- Times are CLOCK_MONOTONIC nanoseconds, as the records have them, with a
-- clock snapshot that makes MONOTONIC the trace's clock and ties it to
-- CLOCK_REALTIME at the run's start: the UI then shows wall-clock times
-- exactly. (BOOTTIME, Perfetto's default, is not what the records hold,
-- and a recording replayed elsewhere could not convert to it.)
local c = require "compendium"
local pb = require "compendium.protobuf"
local describe = require "compendium.describe"
local tracks = require "compendium.tracks"
local host = require "compendium.host"
local ffi = require "ffi"

local path = c.opt("out")
if not path then c.error("perfetto: set -X perfetto.out=FILE (or use --perfetto FILE)") end
local syscalls_opt = c.opt("syscalls", "")
local with_logs = c.opt("logs", false)

local out = c.open_output(path, "wb")
local w = pb.writer(1048576)
local FLUSH_AT = 1048576

local u64 = ffi.typeof("uint64_t")
local TWO32 = 4294967296
local kind_text = describe.kinds

-- ---- field numbers, from Perfetto's protos/perfetto/trace/… ----------------
-- Trace
local TRACE_PACKET = 1
-- TracePacket
local P_TIMESTAMP, P_CLOCK_ID, P_TRACK_EVENT, P_SEQ_ID, P_INTERNED, P_SEQ_FLAGS =
  8, 58, 11, 10, 12, 13
local P_CLOCK_SNAPSHOT, P_TRACK_DESCRIPTOR, P_DEFAULTS = 6, 60, 59
local SEQ_INCREMENTAL_STATE_CLEARED, SEQ_NEEDS_INCREMENTAL_STATE = 1, 2
-- ClockSnapshot {clocks = 1 {clock_id = 1, timestamp = 2}, primary_trace_clock = 2}
local CLOCK_REALTIME, CLOCK_MONOTONIC = 1, 3
-- TrackDescriptor
local TD_UUID, TD_NAME, TD_PROCESS, TD_THREAD, TD_PARENT, TD_COUNTER, TD_CHILD_ORDERING, TD_RANK =
  1, 2, 3, 4, 5, 8, 11, 12
local ORDER_EXPLICIT = 3
-- ProcessDescriptor {pid = 1, cmdline = 2, process_name = 6}
-- ThreadDescriptor {pid = 1, tid = 2, thread_name = 5}
-- CounterDescriptor {unit = 3}
local UNIT_SIZE_BYTES = 3
-- TrackEvent
local TE_TYPE, TE_TRACK, TE_NAME_IID, TE_ANNOTATION, TE_COUNTER, TE_FLOW, TE_END_FLOW, TE_LOG =
  9, 11, 10, 4, 30, 47, 48, 21
-- LogMessage {body_iid = 2} (track_event/log_message.proto)
local LOG_BODY_IID = 2
local SLICE_BEGIN, SLICE_END, INSTANT, COUNTER = 1, 2, 3, 4
-- DebugAnnotation {name_iid = 1, int_value = 4, string_value = 6}
-- InternedData {event_names = 2, debug_annotation_names = 3} of {iid = 1, name = 2},
-- {log_message_body = 20} of LogMessageBody {iid = 1, body = 2}
local INTERNED_LOG_BODY = 20
local SEQ = 1

-- ---- interned names ---------------------------------------------------------

local event_names, annotation_names = { n = 0 }, { n = 0 }
local new_events, new_annotations = {}, {}

local function intern(map, fresh, s)
  local id = map[s]
  if id then return id end
  id = map.n + 1
  map.n, map[s] = id, id
  fresh[#fresh + 1] = s
  return id
end

-- Log bodies rarely repeat: past a bound, a new body gets a fresh iid
-- without being remembered (an iid is never reused for another body).
local log_ids, log_bodies, new_logs = { n = 0 }, 0, {}
local LOG_MEMORY = 100000
local function intern_log(s)
  local id = log_ids[s]
  if id then return id end
  id = log_ids.n + 1
  log_ids.n = id
  if log_bodies < LOG_MEMORY then
    log_bodies = log_bodies + 1
    log_ids[s] = id
  end
  new_logs[#new_logs + 1] = id
  new_logs[#new_logs + 1] = s
  return id
end

local function write_interned()
  if #new_events == 0 and #new_annotations == 0 and #new_logs == 0 then return end
  local m = w:open(P_INTERNED)
  for _, s in ipairs(new_events) do
    local e = w:open(2)
    w:uint(1, event_names[s]); w:string(2, s)
    w:close(e)
  end
  for _, s in ipairs(new_annotations) do
    local e = w:open(3)
    w:uint(1, annotation_names[s]); w:string(2, s)
    w:close(e)
  end
  for i = 1, #new_logs, 2 do
    local e = w:open(INTERNED_LOG_BODY)
    w:uint(1, new_logs[i]); w:string(2, new_logs[i + 1])
    w:close(e)
  end
  w:close(m)
  for i = #new_logs, 1, -1 do new_logs[i] = nil end
  for i = #new_events, 1, -1 do new_events[i] = nil end
  for i = #new_annotations, 1, -1 do new_annotations[i] = nil end
end

local function flush()
  if w:size() >= FLUSH_AT then out:write(w:take()) end
end

-- ---- time -------------------------------------------------------------------

local start_ns, start_hi, start_lo = u64(0), 0, 0
local start_number -- start_ns as a Lua number when that is exact (below 2^53 ns)
local last_rel = 0 -- the latest event time seen, for what is still open at the end

-- Hot fields are read from the event view's own 32-bit halves (see
-- compendium/event.lua): a named field is a getter call, and at a million
-- events each one counts.
-- ns since the start, exact (a Lua number)
local function rel_ns(e)
  local r = (e._ts_ns_hi - start_hi) * TWO32 + (e._ts_ns_lo - start_lo)
  if r > last_rel then last_rel = r end
  return r
end

-- ---- packets ----------------------------------------------------------------

-- Every event packet is on sequence SEQ and needs its interned names
-- (SEQ_NEEDS_INCREMENTAL_STATE); its clock is the sequence's default.

local uuids = 0
local function new_uuid()
  uuids = uuids + 1
  return uuids
end

-- One TrackEvent packet at `rel` ns since the start. flow_out / flow_in:
-- a flow id this event starts or ends. Up to three annotations (k = name,
-- v = value: a number is an int_value, anything else a string_value; nil
-- leaves it out). Written in one reserved stretch of the buffer (the fast
-- path of compendium/protobuf.lua): this runs several times per event.
local varint, pint, pstring, popen, pclose, pfixed64 = pb.varint, pb.int, pb.string, pb.open, pb.close,
  pb.fixed64
local A_TAG, A_INT, A_STRING = 1 * 8, 4 * 8, 6 * 8 + 2

local function annotation(p, n, k, v)
  local id = intern(annotation_names, new_annotations, k)
  local a
  n, a = popen(p, n, TE_ANNOTATION)
  n = varint(p, n, A_TAG)
  n = varint(p, n, id)
  if type(v) == "number" then
    n = varint(p, n, A_INT)
    n = pint(p, n, v)
  else
    n = pstring(p, n, 6, v)
  end
  pclose(p, a, n)
  return n
end

local function room(v)
  if v == nil then return 0 end
  if type(v) ~= "number" then return #v + 32 end
  return 32
end

-- Encodes queued event i.
local function encode(rel, kind, track, name, flow_out, flow_in, k1, v1, k2, v2, k3, v3, log)
  local base = w:size()
  local p = w:reserve(112 + room(v1) + room(v2) + room(v3))
  local n, pk = popen(p, 0, TRACE_PACKET)
  n = varint(p, n, P_TIMESTAMP * 8)
  if start_number then n = varint(p, n, start_number + rel) else n = pint(p, n, start_ns + rel) end
  p[n], p[n + 1], p[n + 2], p[n + 3] = P_SEQ_ID * 8, SEQ, P_SEQ_FLAGS * 8, SEQ_NEEDS_INCREMENTAL_STATE
  n = n + 4
  local te
  n, te = popen(p, n, P_TRACK_EVENT)
  p[n], p[n + 1] = TE_TYPE * 8, kind
  n = varint(p, n + 2, TE_TRACK * 8)
  n = varint(p, n, track)
  if kind == COUNTER then
    n = varint(p, n, TE_COUNTER * 8)
    n = pint(p, n, v1)
  else
    if name then
      n = varint(p, n, TE_NAME_IID * 8)
      n = varint(p, n, intern(event_names, new_events, name))
    end
    if v1 ~= nil then n = annotation(p, n, k1, v1) end
    if v2 ~= nil then n = annotation(p, n, k2, v2) end
    if v3 ~= nil then n = annotation(p, n, k3, v3) end
    if flow_out then n = pfixed64(p, n, TE_FLOW, flow_out) end
    if flow_in then n = pfixed64(p, n, TE_END_FLOW, flow_in) end
    if log then
      local lm
      n, lm = popen(p, n, TE_LOG)
      n = varint(p, n, LOG_BODY_IID * 8)
      n = varint(p, n, intern_log(log))
      pclose(p, lm, n)
    end
  end
  pclose(p, te, n)
  w:commit(n)
  if new_events[1] or new_annotations[1] or new_logs[1] then write_interned() end
  w:close(base + pk)
end

-- Events wait in a queue and are encoded in a loop, a few thousand at a
-- time: hooks run one call at a time from the engine, where LuaJIT's
-- compiler cannot follow, while a loop it compiles whole.
local QMAX = 4096
local queued = 0
local q_rel, q_kind, q_track, q_name, q_fout, q_fin = {}, {}, {}, {}, {}, {}
local q_k1, q_v1, q_k2, q_v2, q_k3, q_v3 = {}, {}, {}, {}, {}, {}
local q_end = {} -- a slice queued whole (kind PAIR): where it ends
local q_log = {} -- a log message's body, or false
local PAIR = 100
for i = 1, QMAX do
  q_rel[i], q_kind[i], q_track[i], q_name[i], q_fout[i], q_fin[i], q_end[i] = 0, 0, 0, false, false, false, 0
  q_log[i] = false
  q_k1[i], q_v1[i], q_k2[i], q_v2[i], q_k3[i], q_v3[i] = false, false, false, false, false, false
end

-- Writes what is queued: before anything written directly (descriptors),
-- when the queue is full, and at the end.
local function drain()
  for i = 1, queued do
    local v1, v2, v3 = q_v1[i], q_v2[i], q_v3[i]
    if v1 == false then v1 = nil end
    if v2 == false then v2 = nil end
    if v3 == false then v3 = nil end
    local kind = q_kind[i]
    if kind == PAIR then
      encode(q_rel[i], SLICE_BEGIN, q_track[i], q_name[i] or nil, q_fout[i] or nil, q_fin[i] or nil,
             q_k1[i], v1, q_k2[i], v2, q_k3[i], v3)
      encode(q_end[i], SLICE_END, q_track[i], nil)
    else
      encode(q_rel[i], kind, q_track[i], q_name[i] or nil, q_fout[i] or nil, q_fin[i] or nil,
             q_k1[i], v1, q_k2[i], v2, q_k3[i], v3, q_log[i] or nil)
    end
  end
  queued = 0
  flush()
end

-- One TrackEvent at `rel` ns since the start, queued.
local function track_event(rel, kind, track, name, flow_out, flow_in, k1, v1, k2, v2, k3, v3)
  if queued >= QMAX then drain() end
  if v1 ~= nil and type(v1) ~= "number" then v1 = tostring(v1) end
  if v2 ~= nil and type(v2) ~= "number" then v2 = tostring(v2) end
  if v3 ~= nil and type(v3) ~= "number" then v3 = tostring(v3) end
  local i = queued + 1
  queued = i
  q_rel[i], q_kind[i], q_track[i], q_name[i], q_fout[i], q_fin[i] =
    rel, kind, track, name or false, flow_out or false, flow_in or false
  if v1 == nil then v1 = false end
  if v2 == nil then v2 = false end
  if v3 == nil then v3 = false end
  q_k1[i], q_v1[i], q_k2[i], q_v2[i], q_k3[i], q_v3[i] = k1 or false, v1, k2 or false, v2, k3 or false, v3
  q_log[i] = false
end

local function counter_event(rel, track, value)
  track_event(rel, COUNTER, track, nil, nil, nil, "value", value)
end

-- ---- tracks -------------------------------------------------------------------

local tree = tracks.new(c.proc)
local info = {} -- a tracks.lua track → {uuid, thread_uuid, ...}: what this script adds

-- A descriptor, written when a track is first used, again when an exec
-- renames it, and once more at the end with its place in the tree (rank).
local function describe_task(t, rank)
  drain()
  local x = info[t]
  if not t.thread then
    local p = w:open(TRACE_PACKET)
    w:uint(P_SEQ_ID, SEQ)
    local d = w:open(P_TRACK_DESCRIPTOR)
    w:uint(TD_UUID, x.uuid)
    w:string(TD_NAME, t.label)
    local pd = w:open(TD_PROCESS)
    w:int(1, t.pid)
    for _, arg in ipairs(t.argv) do w:string(2, arg) end
    w:string(6, t.comm)
    w:close(pd)
    w:uint(TD_CHILD_ORDERING, ORDER_EXPLICIT)
    w:int(TD_RANK, rank or t.index)
    w:close(d)
    w:close(p)
  end
  local p = w:open(TRACE_PACKET)
  w:uint(P_SEQ_ID, SEQ)
  local d = w:open(P_TRACK_DESCRIPTOR)
  w:uint(TD_UUID, x.thread_uuid)
  w:string(TD_NAME, t.comm .. " " .. t.tid)
  local td = w:open(TD_THREAD)
  w:int(1, t.pid)
  w:int(2, t.tid)
  w:string(5, t.comm)
  w:close(td)
  w:int(TD_RANK, rank or t.index)
  w:close(d)
  w:close(p)
end

-- A track of this script's under a process: lanes of work, counters.
local function child_track(parent_uuid, name, rank, counter)
  drain()
  local uuid = new_uuid()
  local p = w:open(TRACE_PACKET)
  w:uint(P_SEQ_ID, SEQ)
  local d = w:open(P_TRACK_DESCRIPTOR)
  w:uint(TD_UUID, uuid)
  w:uint(TD_PARENT, parent_uuid)
  w:string(TD_NAME, name)
  if counter then
    local cd = w:open(TD_COUNTER)
    w:uint(3, UNIT_SIZE_BYTES)
    w:close(cd)
  end
  w:int(TD_RANK, rank)
  w:close(d)
  w:close(p)
  return uuid
end

-- The process a task belongs to (its own track for a process).
local function process_of(t)
  if t.thread and t.parent then return t.parent end
  return t
end

local root_pid
local pending_flow = {} -- tid → the flow its spawn started, ended by its first event
local flows = 0

-- a forked process runs its parent's program until it execs
local function forked(t, x, rel)
  x.program = t.comm
  x.program_start = rel
  track_event(rel, SLICE_BEGIN, x.uuid, t.comm, nil, nil, "forked from", t.ppid)
end

local ensure
function ensure(t, rel)
  local x = info[t]
  if x then return x end
  if t.thread and t.parent then ensure(t.parent, rel) end
  x = { thread_uuid = new_uuid(), lanes = {}, last_end = -1 }
  if not t.thread then
    x.uuid = new_uuid()
    x.counters = {}
    x.counter_list = {}
  end
  info[t] = x
  describe_task(t)
  -- a task first seen in a page fault or a CPU wait, before its spawn, is
  -- named and placed when the spawn comes (tracks.lua)
  if not t.thread and t.tid ~= root_pid and not t.unknown then forked(t, x, rel) end
  return x
end

-- The flow into a task's first event, if its spawn was seen.
local function flow_in(tid)
  local f = pending_flow[tid]
  if f then pending_flow[tid] = nil end
  return f
end

-- A slice on one of a thread's own tracks (`what`: "events", "CPU waits",
-- …): the first lane it fits on without overlapping, a new one if none.
local LANE_RANK = { events = 1, ["CPU waits"] = 2, ["block I/O"] = 3, ["page faults"] = 4 }
local function lane(t, what, b, e)
  local x = info[t]
  local set = x.lanes[what]
  if not set then
    set = {}
    x.lanes[what] = set
  end
  -- the first lane first, outside the loop: hooks run from the engine, and
  -- a loop in them keeps LuaJIT from compiling the hook (see runtime.lua)
  local first = set[1]
  if first and b >= first.last_end then
    first.last_end = e
    return first.uuid, first
  end
  for i = 2, #set do
    local l = set[i]
    if b >= l.last_end then
      l.last_end = e
      return l.uuid, l
    end
  end
  local n = #set + 1
  local proc = info[process_of(t)]
  local name = what .. " " .. t.tid .. (n > 1 and (" (" .. n .. ")") or "")
  local l = { uuid = child_track(proc.uuid, name, 2000000 + t.tid * 16 + LANE_RANK[what] * 3 + n), last_end = e }
  set[n] = l
  return l.uuid, l
end

local function slice(track, b, e, name, fin, k1, v1, k2, v2, k3, v3)
  track_event(b, PAIR, track, name, nil, fin, k1, v1, k2, v2, k3, v3)
  q_end[queued] = e
end

-- A syscall (or anything else that holds the thread) as a slice on the
-- thread's own track; one that would overlap the last goes on a lane.
local function thread_slice(t, x, b, e, name, k1, v1, k2, v2, k3, v3)
  local fin = flow_in(t.tid)
  local track = x.thread_uuid
  if b < x.last_end then track = lane(t, "events", b, e) else x.last_end = e end
  slice(track, b, e, name, fin, k1, v1, k2, v2, k3, v3)
end

local function instant(t, x, rel, name, flow_out, k1, v1, k2, v2)
  track_event(rel, INSTANT, x.thread_uuid, name, flow_out, flow_in(t.tid), k1, v1, k2, v2)
end

-- ---- counters -------------------------------------------------------------------

local COUNTER_RANK = { ["bytes read"] = 1, ["bytes written"] = 2, ["bytes sent"] = 3,
                       ["bytes received"] = 4, heap = 5, mapped = 6 }

-- A counter's value is written at most once a millisecond (the value then
-- is exact; changes in between show at the next one), and when the process
-- exits or the trace ends: a counter track stays light however busy the I/O.
local COUNTER_STEP = 1000000
local function count(t, rel, what, delta)
  local x = info[process_of(t)]
  if not x or not x.counters then return end
  local c_ = x.counters[what]
  if not c_ then
    c_ = { track = child_track(x.uuid, what, 1000000 + COUNTER_RANK[what], true), value = 0,
           written = -COUNTER_STEP }
    x.counters[what] = c_
    x.counter_list[#x.counter_list + 1] = c_
  end
  local v = c_.value + delta
  c_.value = v
  if rel - c_.written >= COUNTER_STEP then
    counter_event(rel, c_.track, v)
    c_.written, c_.pending = rel, nil
  else
    -- never before the value written last: the threads of a process can
    -- reach the engine out of time order, and the latest value must stay
    -- the last one in time
    c_.pending = rel > c_.written and rel or c_.written + 1
  end
end

-- The values not written yet, at their last change.
local function flush_counters(x)
  for _, c_ in ipairs(x.counter_list or {}) do
    if c_.pending then
      counter_event(c_.pending, c_.track, c_.value)
      c_.written, c_.pending = c_.pending, nil
    end
  end
end

-- ---- syscalls ---------------------------------------------------------------------

local syscall_names = {}
local function syscall_name(nr)
  local n = syscall_names[nr]
  if not n then
    n = host.syscall_name(nr) or ("syscall_" .. nr)
    syscall_names[nr] = n
  end
  return n
end

-- A syscall's slice, from its syscall event or from the first event it
-- caused: once per call (the end time tells one call from the next).
local function syscall_slice(e, t, x, rel)
  local nr = e._nr
  if x.syscall_end == rel and x.syscall_nr == nr then return end
  x.syscall_end, x.syscall_nr = rel, nr
  local dur
  local hi, lo = e._entry_ns_hi, e._entry_ns_lo
  if hi ~= 0 or lo ~= 0 then dur = (e._ts_ns_hi - hi) * TWO32 + (e._ts_ns_lo - lo) end
  local name = syscall_name(nr)
  local ret = e._ret_hi * TWO32 + e._ret_lo
  local err = ret < 0 and ret > -4096 and c.errname(-ret) or nil
  if err then name = name .. " → " .. err end
  local call = c.format_syscall(e)
  if dur then
    thread_slice(t, x, rel - dur, rel, name, "call", call, "result", ret, "error", err)
  else
    instant(t, x, rel, name, nil, "call", call, "result", ret, "error", err)
  end
end

local hooked_syscalls = false
if syscalls_opt == "all" then
  hooked_syscalls = true
  c.want_format()
elseif syscalls_opt ~= "" and syscalls_opt ~= "none" and syscalls_opt ~= "events" then
  hooked_syscalls = {}
  for item in syscalls_opt:gmatch("[^,%s]+") do
    local list = { item }
    if item:sub(1, 1) == "%" then
      list = c.syscalls_in(item:sub(2))
      if not list then c.error("perfetto: -X perfetto.syscalls: no syscall class '" .. item .. "'") end
    end
    for _, name in ipairs(list) do hooked_syscalls[#hooked_syscalls + 1] = name end
  end
end
local event_syscalls = syscalls_opt ~= "none"

local by_tid = tree.by_tid

-- a cmp_str of the event, as its getter reads it
local ffi_string = ffi.string
local function str(s)
  if s.ptr == nil then return nil end
  return ffi_string(s.ptr, s.len)
end

local function on_syscall(e)
  local t = by_tid[e._tid] or tree:add(e)
  local rel = rel_ns(e)
  syscall_slice(e, t, ensure(t, rel), rel)
end

-- the syscall's line as a log message on its thread
local function on_syscall_log(e)
  local t = by_tid[e._tid] or tree:add(e)
  local rel = rel_ns(e)
  local x = ensure(t, rel)
  track_event(rel, INSTANT, x.thread_uuid, syscall_name(e._nr), nil, nil)
  q_log[queued] = c.format_syscall(e)
end

if with_logs then
  c.want_format()
  c.on("syscall", hooked_syscalls == true and function(e)
    on_syscall(e)
    on_syscall_log(e)
  end or on_syscall_log)
end

if hooked_syscalls == true then
  if not with_logs then c.on("syscall", on_syscall) end
elseif hooked_syscalls then
  for _, name in ipairs(hooked_syscalls) do
    local ok, err = pcall(c.want_format, name)
    if not ok then c.error("perfetto: -X perfetto.syscalls: " .. tostring(err):gsub("^.-: ", "")) end
    c.on("syscall:" .. name, on_syscall)
  end
end

-- ---- events -------------------------------------------------------------------------

-- read/write/send/recv runs: back-to-back calls of one kind on one fd of a
-- thread are one slice on its events track, as the terminal view merges them.
local RUN = { read = true, write = true, send = true, recv = true }
local COUNTED = { read = "bytes read", write = "bytes written", send = "bytes sent",
                  recv = "bytes received" }
local runs = {} -- tid → {open, t, type, fd, b, e, bytes, calls, filename, remote_addr, sock_type}

-- The text of one-call runs, which repeat (a loop reading one file in
-- blocks of one size): type → fd → file or peer → bytes → text, up to a
-- bound.
local texts, ntexts = {}, 0
local function run_text(r)
  if r.calls ~= 1 then return kind_text[r.type](r) end
  local by_fd = texts[r.type]
  if not by_fd then
    by_fd = {}
    texts[r.type] = by_fd
  end
  local by_name = by_fd[r.fd]
  if not by_name then
    by_name = {}
    by_fd[r.fd] = by_name
  end
  local name = r.filename or r.remote_addr or false
  local by_bytes = by_name[name]
  if not by_bytes then
    by_bytes = {}
    by_name[name] = by_bytes
  end
  local text = by_bytes[r.bytes]
  if not text then
    text = kind_text[r.type](r)
    if ntexts < 10000 then
      ntexts = ntexts + 1
      by_bytes[r.bytes] = text
    end
  end
  return text
end

local function end_run(tid)
  local r = runs[tid]
  if not r or not r.open then return end
  r.open = false
  local track = lane(r.t, "events", r.b, r.e)
  slice(track, r.b, r.e, r.type, nil, "text", run_text(r), "calls", r.calls, "bytes", r.bytes)
end

local function event_slice(t, kind, b, e, text)
  slice(lane(t, "events", b, e), b, e, kind, nil, "text", text)
end

local handle = {}

function handle.exec(e, t, x, rel)
  -- the program a process ran until now ends where the next begins
  local pt = process_of(t)
  local px = info[pt]
  if px.program then track_event(rel, SLICE_END, px.uuid, nil) end
  local argv = e.argv or {}
  px.program = describe.program_name(e)
  track_event(rel, SLICE_BEGIN, px.uuid, px.program, nil, flow_in(t.tid), "argv",
              c.escape(table.concat(argv, " ")), "program", e.program and c.escape(e.program), "path",
              e.path and c.escape(e.path))
  describe_task(pt) -- renamed
end

function handle.exit(e, t, x, rel)
  local text = kind_text.exit(e)
  instant(t, x, rel, text, nil)
  if not e.is_thread then
    local pt = process_of(t)
    local px = info[pt]
    if px.program then
      track_event(rel, SLICE_END, px.uuid, nil, nil, nil, "exit", text)
      px.program = nil
    end
    flush_counters(px)
  end
end

function handle.spawn_process(e, t, x, rel)
  local child = tree.by_tid[e.child_pid]
  if child then
    local cx = ensure(child, rel)
    if not cx.program and not child.thread and child.tid ~= root_pid then
      describe_task(child) -- seen before its spawn: now with its name
      forked(child, cx, rel)
    end
  end
  flows = flows + 1
  pending_flow[e.child_pid] = flows
  instant(t, x, rel, "spawn process " .. e.child_pid, flows)
end

function handle.spawn_thread(e, t, x, rel)
  flows = flows + 1
  pending_flow[e.child_tid] = flows
  instant(t, x, rel, "spawn thread " .. e.child_tid, flows)
end

function handle.signal(e, t, x, rel)
  instant(t, x, rel, e.signal or "signal", nil)
end

function handle.fault(e, t, x, rel)
  local track = lane(t, "page faults", rel, rel)
  track_event(rel, INSTANT, track, "fault " .. (e.region or "other"), nil, flow_in(t.tid), "text",
              kind_text.fault(e))
end

function handle.sched_delay(e, t, x, rel)
  local d = e.delay_ns or 0
  local b = math.max(0, rel - d)
  slice(lane(t, "CPU waits", b, rel), b, rel, "waiting for a CPU", flow_in(t.tid), "text",
        kind_text.sched_delay(e))
end

function handle.block_io(e, t, x, rel)
  local d = e.latency_ns or 0
  local b = math.max(0, rel - d)
  slice(lane(t, "block I/O", b, rel), b, rel, "block " .. (e.op or "?"), flow_in(t.tid), "text",
        kind_text.block_io(e), "bytes", e.bytes)
end

function handle.brk(e, t, x, rel)
  count(t, rel, "heap", e.growth_bytes)
end

function handle.mmap(e, t, x, rel)
  count(t, rel, "mapped", e.size)
end

function handle.munmap(e, t, x, rel)
  count(t, rel, "mapped", -e.size)
end

-- The events made at a syscall's return: the syscall's slice, then the
-- event's own on the events track.
local function on_event(kind)
  local f = handle[kind]
  local from_syscall = not (kind == "exec" or kind == "exit" or kind == "spawn_process" or
                            kind == "spawn_thread" or kind == "signal" or kind == "fault" or
                            kind == "sched_delay" or kind == "block_io")
  local counted = COUNTED[kind]
  -- the tree changes only with these (tracks.lua); others find their track
  local structural = kind == "exec" or kind == "exit" or kind == "spawn_process" or
                     kind == "spawn_thread"
  return function(e)
    local t = not structural and by_tid[e._tid] or tree:add(e)
    local rel = rel_ns(e)
    local x = info[t] or ensure(t, rel)
    local tid = t.tid
    local r = runs[tid]
    if from_syscall then
      if event_syscalls and e._nr >= 0 then syscall_slice(e, t, x, rel) end
      local b = rel
      local hi, lo = e._entry_ns_hi, e._entry_ns_lo
      if hi ~= 0 or lo ~= 0 then b = (hi - start_hi) * TWO32 + (lo - start_lo) end
      if RUN[kind] then
        local fd = e._fd
        local bytes = e._bytes_hi * TWO32 + e._bytes_lo
        -- a socket that never connected has a peer per datagram: a run is of one
        local peer = str(e._remote_addr)
        if r and r.open and r.type == kind and r.fd == fd and r.t == t and r.remote_addr == peer then
          r.e, r.bytes, r.calls = rel, r.bytes + bytes, r.calls + 1
        else
          -- one run object per thread, reused: no table per event
          if r then
            end_run(tid)
          else
            r = {}
            runs[tid] = r
          end
          r.open, r.t, r.type, r.fd, r.b, r.e, r.bytes, r.calls = true, t, kind, fd, b, rel, bytes, 1
          r.filename, r.remote_addr = str(e._filename), peer
          r.sock_type = str(e._sock_type)
        end
        count(t, rel, counted, bytes)
        return
      end
      end_run(tid)
      event_slice(t, kind, b, rel, kind_text[kind] and kind_text[kind](e) or kind)
    elseif r and kind ~= "fault" and kind ~= "sched_delay" and kind ~= "block_io" then
      end_run(tid)
    end
    if f then f(e, t, x, rel) end
  end
end

for _, kind in ipairs(c.event_kinds) do c.on(kind, on_event(kind)) end

if event_syscalls and not hooked_syscalls then c.want_format() end

-- ---- start and end --------------------------------------------------------------------

c.on("start", function(run)
  start_ns = u64(run.start_ns)
  start_hi, start_lo = tonumber(start_ns / TWO32), tonumber(start_ns % TWO32)
  if start_ns < 9007199254740992ULL then start_number = tonumber(start_ns) end
  root_pid = run.root_pid
  -- the clock, and the sequence whose interned names the events use
  local p = w:open(TRACE_PACKET)
  w:uint(P_TIMESTAMP, start_ns)
  w:uint(P_CLOCK_ID, CLOCK_MONOTONIC)
  w:uint(P_SEQ_ID, SEQ)
  w:uint(P_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED)
  -- TracePacketDefaults: the events' timestamps are CLOCK_MONOTONIC
  local d = w:open(P_DEFAULTS)
  w:uint(P_CLOCK_ID, CLOCK_MONOTONIC)
  w:close(d)
  local cs = w:open(P_CLOCK_SNAPSHOT)
  local k = w:open(1)
  w:uint(1, CLOCK_MONOTONIC); w:uint(2, start_ns)
  w:close(k)
  k = w:open(1)
  w:uint(1, CLOCK_REALTIME); w:uint(2, run.wall_start_ns)
  w:close(k)
  w:uint(2, CLOCK_MONOTONIC)
  w:close(cs)
  w:close(p)
  local t = tree:start(run)
  ensure(t, 0)
end)

c.on("end", function()
  for tid in pairs(runs) do end_run(tid) end
  for _, x in pairs(info) do flush_counters(x) end
  -- what still runs (a detached process, a recording cut short) ends with the trace
  for _, t in ipairs(tree.list) do
    local x = info[t]
    if x and x.program then
      track_event(last_rel, SLICE_END, x.uuid, nil)
      x.program = nil
    end
  end
  -- the descriptors once more, in the process tree's order
  for rank, t in ipairs(tree:tree()) do
    if info[t] then describe_task(t, rank) end
  end
  drain()
  out:write(w:take())
  out:close()
end)
