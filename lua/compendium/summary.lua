-- Totals for a closing summary, fed with events:
--
--   local totals = summary.new{ keep = function(e) return not noise.event(e) end }
--   totals:hook(c)              -- or call totals:add(e) from your own hooks
--   c.on("end", function(run)
--     local s = totals:result(run) -- every figure of the summary, in a plain table
--     ... s.io.files_read, s.shown.io.pipes_read, s.memory.total_bytes ...
--   end)
--
-- Byte totals and connections are counted twice: of every event (s.io,
-- s.connections: summing the events gives them) and of the events `keep`
-- keeps (s.shown), which is where a noise policy plugs in. The terminal
-- summary, the report's cards and the JSON summary line all render one
-- result: they say the same numbers.
local net = require "compendium.net"

local M = {}

local Acc = {}
Acc.__index = Acc

local function keep_all() return true end

-- Bytes moved, by what they moved through, and the connections made.
local function bucket()
  return {
    files_read = 0,     -- bytes read from regular files (and memfds)
    files_written = 0,
    pipes_read = 0,     -- bytes through pipes and FIFOs
    pipes_written = 0,
    other_read = 0,     -- ttys and other devices, eventfds, unix and netlink sockets, ...
    other_written = 0,
    net_sent = 0,       -- bytes through inet/inet6 sockets to other machines
    net_received = 0,
    loopback_sent = 0,  -- bytes through inet/inet6 sockets to this machine (net.is_loopback)
    loopback_received = 0,
    connections = {},   -- {sock_type=, remote_addr=} in first-seen order
    seen = {},          -- "tcp4 1.2.3.4:443" → true, to keep connections unique
  }
end

function M.new(opts)
  opts = opts or {}
  return setmetatable({
    keep = opts.keep or keep_all,
    all = bucket(),     -- every event
    shown = bucket(),   -- the events `keep` keeps
    processes = 0,      -- processes spawned (the root not included)
    threads = 0,        -- threads spawned
    exits = {},         -- pid → {code=, signal=, core_dumped=} of processes
    faults = 0,         -- page faults (--faults)
    faults_by_region = {}, -- "heap" → count
    sched_delays = {},  -- ns each time a traced task waited for a CPU (--ebpf)
    block_latencies = {}, -- ns per block I/O request (--ebpf) whose completion was seen
    block_unseen = 0,   -- requests whose completion was not seen: no latency
    block_read = 0,     -- bytes the block I/O requests read
    block_written = 0,  -- bytes of data they wrote (writes and zone appends)
    block_ops = {},     -- "discard" → {count =, bytes =}: the requests of each kind
    io_urings = 0,      -- io_uring instances: their I/O is in none of these totals
  }, Acc)
end

-- {count, total, p50, p99, max} of a list of numbers (nearest-rank
-- percentiles); sorts the list in place. count 0 for an empty list.
function M.stats(values)
  local n = #values
  if n == 0 then return { count = 0, total = 0, p50 = 0, p99 = 0, max = 0 } end
  table.sort(values)
  local total = 0
  for i = 1, n do total = total + values[i] end
  local function rank(p) return values[math.max(1, math.ceil(p * n))] end
  return { count = n, total = total, p50 = rank(0.50), p99 = rank(0.99), max = values[n] }
end

local is_inet = net.is_inet

local function is_listed(sock_type)
  return sock_type ~= nil and (is_inet(sock_type) or sock_type:find("^unix") ~= nil)
end

-- A connect that failed outright; EINPROGRESS is a non-blocking connect
-- under way, not a failure.
local function failed(e)
  local err = e.error
  return err ~= nil and err ~= "EINPROGRESS"
end

local add = {}

-- Adds n to field of both buckets, or of `all` only when keep says no.
local function count_bytes(acc, e, field, n)
  acc.all[field] = acc.all[field] + n
  if acc.keep(e) then acc.shown[field] = acc.shown[field] + n end
end

-- "files", "pipes" or "other": what a read or write went through.
local THROUGH = { file = "files", pipe = "pipes" }

function add.read(acc, e)
  count_bytes(acc, e, (THROUGH[e.target] or "other") .. "_read", e.bytes)
end

function add.write(acc, e)
  count_bytes(acc, e, (THROUGH[e.target] or "other") .. "_written", e.bytes)
end

local is_loopback = net.is_loopback

-- Bytes through an inet socket count for this machine's peers (loopback)
-- or for the network's; through any other socket, as other fds'.
local function add_socket(acc, e, net_field, loopback_field, other_field)
  local field = other_field
  if is_inet(e.sock_type) then field = is_loopback(e.remote_addr) and loopback_field or net_field end
  count_bytes(acc, e, field, e.bytes)
end

function add.send(acc, e) add_socket(acc, e, "net_sent", "loopback_sent", "other_written") end
function add.recv(acc, e) add_socket(acc, e, "net_received", "loopback_received", "other_read") end

local function listed(b, key, conn)
  if b.seen[key] then return end
  b.seen[key] = true
  b.connections[#b.connections + 1] = conn
end

function add.connect(acc, e)
  local sock_type, addr = e.sock_type, e.remote_addr
  if not is_listed(sock_type) or addr == nil or failed(e) then return end
  local key = sock_type .. " " .. addr
  listed(acc.all, key, { sock_type = sock_type, remote_addr = addr })
  if acc.keep(e) then listed(acc.shown, key, { sock_type = sock_type, remote_addr = addr }) end
end

function add.spawn_process(acc)
  acc.processes = acc.processes + 1
end

function add.spawn_thread(acc)
  acc.threads = acc.threads + 1
end

function add.exit(acc, e)
  if e.is_thread then return end
  acc.exits[e.pid] = { code = e.code, signal = e.signal, core_dumped = e.core_dumped }
end

function add.fault(acc, e)
  local n, region = e.count, e.region or "other"
  acc.faults = acc.faults + n
  acc.faults_by_region[region] = (acc.faults_by_region[region] or 0) + n
end

function add.sched_delay(acc, e)
  acc.sched_delays[#acc.sched_delays + 1] = e.delay_ns
end

-- Only reads and writes of data move data: the bytes of a discard, a
-- secure erase or a write-zeroes request are a range of the device that no
-- data was sent for.
local DATA_WRITTEN = { write = true, ["zone-append"] = true }

function add.block_io(acc, e)
  if e.completion_unseen then
    acc.block_unseen = acc.block_unseen + 1
  else
    acc.block_latencies[#acc.block_latencies + 1] = e.latency_ns
  end
  local op = e.op or "other"
  if op == "read" then
    acc.block_read = acc.block_read + e.bytes
  elseif DATA_WRITTEN[op] then
    acc.block_written = acc.block_written + e.bytes
  end
  local k = acc.block_ops[op]
  if not k then
    k = { count = 0, bytes = 0 }
    acc.block_ops[op] = k
  end
  k.count, k.bytes = k.count + 1, k.bytes + e.bytes
end

-- The order block request kinds are listed in; kinds not named here
-- follow, by name.
local BLOCK_OPS = { "read", "write", "flush", "discard", "write-zeroes", "secure-erase",
                    "zone-append", "zone", "passthrough", "other" }

local function block_ops(by_op)
  local list, listed = {}, {}
  for _, op in ipairs(BLOCK_OPS) do
    listed[op] = true
    if by_op[op] then list[#list + 1] = { op = op, count = by_op[op].count, bytes = by_op[op].bytes } end
  end
  local rest = {}
  for op in pairs(by_op) do if not listed[op] then rest[#rest + 1] = op end end
  table.sort(rest)
  for _, op in ipairs(rest) do list[#list + 1] = { op = op, count = by_op[op].count, bytes = by_op[op].bytes } end
  return list
end

function add.io_uring(acc)
  acc.io_urings = acc.io_urings + 1
end

-- Counts one event; events of other kinds are ignored.
function Acc:add(e)
  local f = add[e.type]
  if f then f(self, e) end
end

-- The event kinds an accumulator counts.
M.kinds = { "read", "write", "send", "recv", "connect", "spawn_process", "spawn_thread", "exit",
            "fault", "sched_delay", "block_io", "io_uring" }

-- {count, total_ns, p50_ns, p99_ns, max_ns} of a list of durations.
local function latency(list)
  local s = M.stats(list)
  return { count = s.count, total_ns = s.total, p50_ns = s.p50, p99_ns = s.p99, max_ns = s.max }
end

-- The memory figures: the heap, the mappings split by what their pages are,
-- and total_bytes, the memory used: the heap and the anonymous mappings
-- with access (each a sum over address spaces of its peak). File mappings (code,
-- data: the page cache holds their pages) and reservations without access
-- (guard pages, thread stacks' and malloc arenas' reserves, JIT arenas)
-- are not memory used. A run object without the split (one a script or a
-- test makes) has every mapping counted as anonymous.
local function memory(m)
  local anon = m.anon_bytes or m.mmap_bytes
  return { heap_bytes = m.heap_bytes, anon_bytes = anon, file_bytes = m.file_bytes or 0,
           reserved_bytes = m.reserved_bytes or 0, mmap_bytes = m.mmap_bytes,
           mmap_regions = m.mmap_regions, total_bytes = m.heap_bytes + anon }
end

local IO_FIELDS = { "files_read", "files_written", "pipes_read", "pipes_written", "other_read",
                    "other_written", "net_sent", "net_received", "loopback_sent", "loopback_received" }

-- The byte figures of an io table, in the order the views list them:
-- {{id = "files-read", label = "Files read", bytes = n}, ...}. Files and
-- the network always; pipes and other fds when they moved anything; the
-- loopback pair (this machine talking to itself) when it moved anything
-- either way, marked `loopback`.
local FIGURES = {
  { "files_read", "Files read" }, { "files_written", "Files written" },
  { "pipes_read", "Pipes read", { "pipes_read" } }, { "pipes_written", "Pipes written", { "pipes_written" } },
  { "other_read", "Other read", { "other_read" } }, { "other_written", "Other written", { "other_written" } },
  { "net_sent", "Net sent" }, { "net_received", "Net received" },
  { "loopback_sent", "Loopback sent", { "loopback_sent", "loopback_received" }, loopback = true },
  { "loopback_received", "Loopback received", { "loopback_sent", "loopback_received" }, loopback = true },
}

-- True when a figure listed only if it moved anything did not.
local function idle(io, fields)
  if not fields then return false end
  for _, field in ipairs(fields) do
    if io[field] > 0 then return false end
  end
  return true
end

function M.io_figures(io)
  local list = {}
  for _, f in ipairs(FIGURES) do
    if not idle(io, f[3]) then
      list[#list + 1] = { id = (f[1]:gsub("_", "-")), label = f[2], bytes = io[f[1]], loopback = f.loopback }
    end
  end
  return list
end

-- {io = {...}, connections = {...}}: plain copies of one bucket.
local function moved(b)
  local io, connections = {}, {}
  for _, field in ipairs(IO_FIELDS) do io[field] = b[field] end
  for i, conn in ipairs(b.connections) do
    connections[i] = { sock_type = conn.sock_type, remote_addr = conn.remote_addr }
  end
  return io, connections
end

-- The order regions are listed in.
local REGIONS = { "heap", "anon", "stack", "file", "other" }

-- Every figure of the summary, from what was counted and the run object
-- (the `end` hook's): a plain table, the JSON summary's fields under its
-- names (see the README's schema) and a few the views add. Sorts the
-- latency lists.
--
--   command, source, duration, start_ns, wall_start_ns, exit, root_pid,
--   attached, detached, interrupted    the run, as the run object has it
--   memory      {heap_bytes, anon_bytes, file_bytes, reserved_bytes, mmap_bytes, mmap_regions,
--               total_bytes (heap + anon), touched_bytes (--faults), at_attach = {same} or nil}
--   io          {files_read, files_written, pipes_read, pipes_written, other_read,
--               other_written, net_sent, net_received (other machines), loopback_sent,
--               loopback_received (this machine)} of every event counted
--   connections {{sock_type, remote_addr}, ...} in first-seen order, of every event
--   shown       {io = {same}, connections = {same}}: of the events `keep` kept
--   processes, threads, syscalls       of the whole run (the engine's counts)
--   spawned     {processes, threads}: spawn events counted (the root not included)
--   page_faults {count, page_size, bytes, by_region = {heap = n}, regions = {{region, count}}
--               in listing order} with --faults, else nil
--   scheduler   {count, total_ns, p50_ns, p99_ns, max_ns} with --ebpf, else nil
--   block_io    the same (count: every request; the latencies: of those whose completion was
--               seen) and {unseen (requests whose completion was not seen),
--               bytes_read, bytes_written (data only: not discards, write-zeroes),
--               by_op = {discard = {count, bytes}}, ops = {{op, count, bytes}} in listing
--               order} with --ebpf, else nil
--   io_urings   rings seen: the I/O through them is in none of the totals
--   dropped, dropped_faults, dropped_ebpf, undecoded_syscalls, undecoded_by_name
--   unknown     {{id, why}, ...}: what the source could not know (run.unknown)
--   failures    how many (c.fail and check violations)
function Acc:result(run)
  local mem = run.memory
  local s = {
    command = run.command, source = run.source, duration = run.duration,
    start_ns = run.start_ns, wall_start_ns = run.wall_start_ns, exit = run.exit,
    root_pid = run.root_pid, attached = run.attached, detached = run.detached,
    interrupted = run.interrupted,
    memory = memory(mem),
    shown = {},
    processes = run.processes, threads = run.threads, syscalls = run.syscalls,
    spawned = { processes = self.processes, threads = self.threads },
    io_urings = self.io_urings,
    dropped = run.dropped, dropped_faults = run.dropped_faults, dropped_ebpf = run.dropped_ebpf,
    undecoded_syscalls = run.undecoded_syscalls, undecoded_by_name = run.undecoded_by_name,
    unknown = run.unknown or {},
    failures = #(run.failures or {}),
  }
  if mem.at_attach then s.memory.at_attach = memory(mem.at_attach) end
  s.io, s.connections = moved(self.all)
  s.shown.io, s.shown.connections = moved(self.shown)
  if run.faults_traced then
    local by_region, regions = {}, {}
    for _, region in ipairs(REGIONS) do
      local n = self.faults_by_region[region]
      if n then
        by_region[region] = n
        regions[#regions + 1] = { region = region, count = n }
      end
    end
    s.page_faults = { count = self.faults, page_size = run.page_size, bytes = self.faults * run.page_size,
                      by_region = by_region, regions = regions }
    -- what the program touched of its own memory: faults in the heap,
    -- anonymous mappings and stacks
    local touched = 0
    for _, region in ipairs { "heap", "anon", "stack" } do touched = touched + (by_region[region] or 0) end
    s.memory.touched_bytes = touched * run.page_size
  end
  if run.ebpf_traced then
    s.scheduler = latency(self.sched_delays)
    s.block_io = latency(self.block_latencies)
    s.block_io.count, s.block_io.unseen = s.block_io.count + self.block_unseen, self.block_unseen
    s.block_io.bytes_read, s.block_io.bytes_written = self.block_read, self.block_written
    s.block_io.ops = block_ops(self.block_ops)
    s.block_io.by_op = {}
    for _, k in ipairs(s.block_io.ops) do s.block_io.by_op[k.op] = { count = k.count, bytes = k.bytes } end
  end
  return s
end

-- Registers the hooks that feed this accumulator.
function Acc:hook(c)
  for _, kind in ipairs(M.kinds) do
    local f = add[kind]
    c.on(kind, function(e) f(self, e) end)
  end
  return self
end

return M
