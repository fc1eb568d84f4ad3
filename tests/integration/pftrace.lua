-- Reads a .pftrace the way a reader that knows only Perfetto's schema does:
-- `protoc --decode=perfetto.protos.Trace` against tests/perfetto's copy of
-- the official message definitions, then its text form parsed here. Gives
-- the packets in file order and what the Perfetto UI would build of them:
-- tracks, the slices on each (begin/end paired per track in timestamp order,
-- as the trace processor sorts), instants, counters and flows.
local h = require "helpers"

local M = {}

local ESCAPES = { n = "\n", t = "\t", r = "\r", ['"'] = '"', ["'"] = "'", ["\\"] = "\\" }

-- In one pass, so that protoc's \\x41 (an escaped backslash, then x41)
-- stays a backslash and "x41".
local function unescape(s)
  local out, i = {}, 1
  while true do
    local at = s:find("\\", i, true)
    if not at then break end
    out[#out + 1] = s:sub(i, at - 1)
    local oct = s:match("^[0-7][0-7]?[0-7]?", at + 1)
    local hx = s:match("^x(%x%x?)", at + 1)
    if oct then
      out[#out + 1] = string.char(tonumber(oct, 8))
      i = at + 1 + #oct
    elseif hx then
      out[#out + 1] = string.char(tonumber(hx, 16))
      i = at + 2 + #hx
    else
      local c = s:sub(at + 1, at + 1)
      out[#out + 1] = ESCAPES[c] or ("\\" .. c)
      i = at + 2
    end
  end
  out[#out + 1] = s:sub(i)
  return table.concat(out)
end

-- protoc's text format → nested tables; every field is a list of values.
local function parse_text(text)
  local root = {}
  local stack = { root }
  for line in text:gmatch("[^\n]+") do
    local cur = stack[#stack]
    local key = line:match("^%s*([%w_]+) {$")
    if key then
      local m = {}
      cur[key] = cur[key] or {}
      table.insert(cur[key], m)
      stack[#stack + 1] = m
    elseif line:match("^%s*}$") then
      stack[#stack] = nil
    else
      local k, v = line:match("^%s*([%w_]+): (.*)$")
      assert(k, "protoc printed a line this reader does not know: " .. line)
      -- a field the schema does not name is printed by number: the encoder
      -- wrote something that is not Perfetto's
      assert(not k:match("^%d+$"), "a field that is not in Perfetto's schema: " .. line)
      if v:sub(1, 1) == '"' then
        v = unescape(v:sub(2, -2))
      elseif v:match("^%-?%d+$") then
        v = tonumber(v)
      end
      cur[k] = cur[k] or {}
      table.insert(cur[k], v)
    end
  end
  assert(#stack == 1, "unbalanced braces in protoc's output")
  return root
end

function M.one(msg, key)
  local list = msg and msg[key]
  return list and list[1]
end

function M.proto_dir()
  return h.source() .. "/tests/perfetto"
end

-- Decodes path; fails the test if protoc cannot.
function M.decode(path)
  local dir = h.tmpdir()
  local out = dir .. "/trace.txt"
  local r = h.run({ "sh", "-c", "protoc --proto_path=" .. h.quote(M.proto_dir()) ..
                    " --decode=perfetto.protos.Trace perfetto_trace.proto < " .. h.quote(path) ..
                    " > " .. h.quote(out) })
  assert(r.status == 0, "protoc could not decode " .. path .. ": " .. r.stderr)
  return parse_text(h.read_file(out))
end

local one = M.one

-- The trace as the UI sees it:
--   packets          in file order
--   tracks[uuid]     the last descriptor of each track (+ .order: the place
--                    of that last descriptor among the last ones)
--   slices[uuid]     {name, b, e, args (begin's and end's), flows_out, flows_in, depth}
--   instants[uuid], counters[uuid] ({ts, value})
--   logs[uuid]       {ts, body}: the log messages on each track, in time order
--   names, annotation_names   iid → string
-- Checks while building: every interned id defined before its use, every
-- referenced track described, begin/end balanced on every track.
function M.read(path)
  local trace = M.decode(path)
  local packets = trace.packet or {}
  local t = { packets = packets, tracks = {}, slices = {}, instants = {}, counters = {}, logs = {},
              log_bodies = {},
              names = {}, annotation_names = {}, clock = nil }
  local events = {}
  local last_descriptor = {}
  local default_clock
  for i, p in ipairs(packets) do
    local interned = one(p, "interned_data")
    if interned then
      for _, n in ipairs(interned.event_names or {}) do
        local iid = one(n, "iid")
        assert(t.names[iid] == nil, "event name iid " .. iid .. " interned twice")
        t.names[iid] = one(n, "name")
      end
      for _, n in ipairs(interned.log_message_body or {}) do
        local iid = one(n, "iid")
        assert(t.log_bodies[iid] == nil, "log body iid " .. iid .. " interned twice")
        t.log_bodies[iid] = one(n, "body")
      end
      for _, n in ipairs(interned.debug_annotation_names or {}) do
        local iid = one(n, "iid")
        assert(t.annotation_names[iid] == nil, "annotation name iid " .. iid .. " interned twice")
        t.annotation_names[iid] = one(n, "name")
      end
    end
    local defaults = one(p, "trace_packet_defaults")
    if defaults then
      assert(one(p, "sequence_flags") == 1, "defaults on a packet that does not start the sequence")
      default_clock = one(defaults, "timestamp_clock_id")
    end
    local clock = one(p, "timestamp_clock_id") or default_clock
    local cs = one(p, "clock_snapshot")
    if cs then t.clock = cs end
    local d = one(p, "track_descriptor")
    if d then
      local uuid = one(d, "uuid")
      t.tracks[uuid] = d
      last_descriptor[uuid] = i
    end
    local te = one(p, "track_event")
    if te then
      assert(one(p, "trusted_packet_sequence_id") == 1, "packet " .. i .. ": not on sequence 1")
      assert(one(p, "sequence_flags") == 2, "packet " .. i .. ": not SEQ_NEEDS_INCREMENTAL_STATE")
      assert(clock == 3, "packet " .. i .. ": not on CLOCK_MONOTONIC")
      local ev = { index = i, ts = one(p, "timestamp"), type = one(te, "type"),
                   track = one(te, "track_uuid"), args = {},
                   flows_out = te.flow_ids or {}, flows_in = te.terminating_flow_ids or {},
                   value = one(te, "counter_value") }
      local iid = one(te, "name_iid")
      if iid then
        ev.name = t.names[iid]
        assert(ev.name, "event name iid " .. iid .. " used before it was interned (packet " .. i .. ")")
      end
      for _, a in ipairs(te.debug_annotations or {}) do
        local aid = one(a, "name_iid")
        local name = t.annotation_names[aid]
        assert(name, "annotation name iid " .. tostring(aid) .. " used before it was interned")
        local v = one(a, "string_value")
        if v == nil then v = one(a, "int_value") end
        ev.args[name] = v
      end
      local log = one(te, "log_message")
      if log then
        local bid = one(log, "body_iid")
        ev.log = t.log_bodies[bid]
        assert(ev.log, "log body iid " .. tostring(bid) .. " used before it was interned (packet " .. i .. ")")
      end
      events[#events + 1] = ev
    end
  end
  -- the last descriptors' order: the order the tracks are finally described in
  local order = {}
  for uuid, i in pairs(last_descriptor) do order[#order + 1] = { uuid = uuid, i = i } end
  table.sort(order, function(a, b) return a.i < b.i end)
  for n, o in ipairs(order) do t.tracks[o.uuid].order = n end
  for uuid, d in pairs(t.tracks) do
    local parent = one(d, "parent_uuid")
    assert(parent == nil or t.tracks[parent], "track " .. uuid .. " has an undescribed parent " ..
           tostring(parent))
  end
  -- the trace processor's order: by timestamp, file order among equals
  table.sort(events, function(a, b)
    if a.ts ~= b.ts then return a.ts < b.ts end
    return a.index < b.index
  end)
  local open = {}
  for _, ev in ipairs(events) do
    local track = ev.track
    assert(t.tracks[track], "an event on track " .. tostring(track) .. ", which no descriptor describes")
    local stack = open[track] or {}
    open[track] = stack
    if ev.log then
      t.logs[track] = t.logs[track] or {}
      table.insert(t.logs[track], { ts = ev.ts, body = ev.log })
    end
    if ev.type == "TYPE_SLICE_BEGIN" then
      local s = { name = ev.name, b = ev.ts, args = ev.args, flows_out = ev.flows_out,
                  flows_in = ev.flows_in, depth = #stack }
      stack[#stack + 1] = s
      t.slices[track] = t.slices[track] or {}
      table.insert(t.slices[track], s)
    elseif ev.type == "TYPE_SLICE_END" then
      local s = table.remove(stack)
      assert(s, "a slice end on track " .. track .. " with no slice open")
      s.e = ev.ts
      for k, v in pairs(ev.args) do s.args[k] = v end
    elseif ev.type == "TYPE_INSTANT" then
      t.instants[track] = t.instants[track] or {}
      table.insert(t.instants[track], { name = ev.name, ts = ev.ts, args = ev.args,
                                        flows_out = ev.flows_out, flows_in = ev.flows_in })
    elseif ev.type == "TYPE_COUNTER" then
      t.counters[track] = t.counters[track] or {}
      table.insert(t.counters[track], { ts = ev.ts, value = ev.value })
    else
      error("an event of type " .. tostring(ev.type))
    end
  end
  for track, stack in pairs(open) do
    assert(#stack == 0, #stack .. " slice(s) never ended on track " .. track)
  end
  return t
end

-- Tracks by kind: processes by pid, threads by tid, and the others by name.
function M.index(t)
  local x = { process = {}, thread = {}, named = {} }
  for uuid, d in pairs(t.tracks) do
    local p, th = one(d, "process"), one(d, "thread")
    if p then
      local pid = one(p, "pid")
      assert(x.process[pid] == nil, "two process tracks for pid " .. pid)
      x.process[pid] = uuid
    elseif th then
      local tid = one(th, "tid")
      assert(x.thread[tid] == nil, "two thread tracks for tid " .. tid)
      x.thread[tid] = uuid
    else
      x.named[one(d, "name")] = uuid
    end
  end
  return x
end

return M
