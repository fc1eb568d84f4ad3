-- The processes and threads of a run, one track each: what a timeline
-- draws as lanes (the report's swimlanes, a trace viewer's tracks).
--
--   local tracks = require("compendium.tracks").new(c.proc)
--   c.on("start", function(run) tracks:start(run) end)
--   ... in your hooks: local track = tracks:add(e)   -- the event's own track
--   ... at the end: for _, t in ipairs(tracks:tree()) do ... t.label ... end
--
-- A track: {tid, pid, ppid, thread, comm, argv, start, stop, exit, label,
-- parent, index}. comm and argv are the engine's (c.proc) when the track
-- is made, then the program an exec ran; start and stop are `ts` seconds
-- (stop nil while it runs); exit is the exit event's {code, signal,
-- core_dumped}; label is "comm pid" for a process and "comm tid" for a
-- thread; parent is the process track a thread belongs to or the track of
-- the process that started it; index is its place in first-seen order
-- (1-based) in tracks.list. Only the events given to add make tracks: feed it what you
-- show, and a task nobody sees gets none.
local M = {}

local Tracks = {}
Tracks.__index = Tracks

-- proc: c.proc, what the engine knows of a task when its track is made.
function M.new(proc)
  return setmetatable({ proc = proc, list = {}, by_tid = {} }, Tracks)
end

local function label(t)
  return t.comm .. " " .. (t.thread and t.tid or t.pid)
end

-- The track of a task, made the first time it shows up (or when a spawn
-- reuses the id of a task that ended: `spawned`).
-- pid: the event's, for a task the engine does not know yet (a page fault
-- or a CPU wait can come before the spawn that made the task): a thread
-- of a known process is still that process's.
function Tracks:track(tid, ts, is_thread, spawned, parent, pid)
  local t = self.by_tid[tid]
  if t and not (spawned and t.stop) then
    if spawned and t.unknown then self:learn(t, is_thread, parent) end
    return t
  end
  local p = self.proc(tid)
  local unknown = p == nil
  p = p or { pid = pid, is_thread = pid ~= nil and pid ~= tid }
  t = {
    tid = tid, pid = p.pid or tid, ppid = p.ppid or 0, thread = is_thread or p.is_thread or false,
    comm = p.comm or "?", argv = p.argv or {}, start = ts, index = #self.list + 1, unknown = unknown or nil,
  }
  -- a thread belongs to its process; a process to the one that started it
  local up = t.thread and self.by_tid[t.pid] or self.by_tid[t.ppid] or parent
  if up ~= t then t.parent = up end
  t.label = label(t)
  self.list[#self.list + 1] = t
  self.by_tid[tid] = t
  return t
end

-- A track made before the engine knew its task, when the spawn comes:
-- what the engine knows now, and the parent the spawn names.
function Tracks:learn(t, is_thread, parent)
  t.unknown = nil
  local p = self.proc(t.tid) or {}
  t.thread = is_thread or p.is_thread or t.thread
  t.pid, t.ppid = p.pid or t.pid, p.ppid or t.ppid
  if t.comm == "?" then t.comm, t.argv = p.comm or "?", p.argv or t.argv end
  local up = t.thread and self.by_tid[t.pid] or self.by_tid[t.ppid] or parent
  if up ~= t then t.parent = up end
  t.label = label(t)
end

-- The traced program's track, at the start.
function Tracks:start(run)
  return self:track(run.root_pid, 0, false)
end

-- What an event says about the tree: a spawn makes the child's track, an
-- exec renames its task's, an exit ends it.
local structure = {
  spawn_process = function(self, e, t) self:track(e.child_pid, e.ts, false, true, t) end,
  spawn_thread = function(self, e, t) self:track(e.child_tid, e.ts, true, true, t) end,
  exec = function(_, e, t)
    t.comm = (e.program or "?"):match("[^/]*$")
    t.argv = e.argv or {}
    t.label = label(t)
  end,
  exit = function(_, e, t)
    t.stop = e.ts
    t.exit = { code = e.code, signal = e.signal, core_dumped = e.core_dumped or nil }
  end,
}

-- The track of the event's task (made if need be), after applying what
-- the event says about the tree.
function Tracks:add(e)
  local t = self:track(e.tid, e.ts, false, nil, nil, e.pid)
  local f = structure[e.type]
  if f then f(self, e, t) end
  return t
end

-- Every track in process-tree order: a process, then its threads, then
-- the processes it started (each followed by theirs), in the order they
-- appeared.
function Tracks:tree()
  local order, placed, below = {}, {}, {}
  for _, t in ipairs(self.list) do
    if t.parent then
      below[t.parent] = below[t.parent] or { threads = {}, processes = {} }
      local group = t.thread and below[t.parent].threads or below[t.parent].processes
      group[#group + 1] = t
    end
  end
  local function place(t)
    if placed[t] then return end
    placed[t] = true
    order[#order + 1] = t
    local b = below[t]
    if not b then return end
    for _, child in ipairs(b.threads) do place(child) end
    for _, child in ipairs(b.processes) do place(child) end
  end
  for _, t in ipairs(self.list) do
    if not t.parent then place(t) end
  end
  for _, t in ipairs(self.list) do place(t) end -- a parent chain that never reaches a root
  return order
end

return M
