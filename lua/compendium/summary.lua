-- Totals for a closing summary, fed with events:
--
--   local totals = summary.new{ keep = function(e) return not noise.event(e) end }
--   totals:hook(c)              -- or call totals:add(e) from your own hooks
--   c.on("end", function(run)
--     local s = totals:result(run) -- every figure of the summary, in a plain table
--     ... s.io.files_read, s.connections, s.memory.total_bytes ...
--   end)
--
-- `keep` decides which events count; it is where a noise policy plugs in.
-- The terminal summary, the report's cards and the JSON summary line all
-- render one result: they say the same numbers.
local net = require "compendium.net"

local M = {}

local Acc = {}
Acc.__index = Acc

local function keep_all() return true end

function M.new(opts)
  opts = opts or {}
  return setmetatable({
    keep = opts.keep or keep_all,
    files_read = 0,     -- bytes read from files, pipes and other non-sockets
    files_written = 0,
    net_sent = 0,       -- bytes through inet/inet6 sockets to other machines
    net_received = 0,
    loopback_sent = 0,  -- bytes through inet/inet6 sockets to this machine (net.is_loopback)
    loopback_received = 0,
    connections = {},   -- {sock_type=, remote_addr=} in first-seen order
    processes = 0,      -- processes spawned (the root not included)
    threads = 0,        -- threads spawned
    exits = {},         -- pid → {code=, signal=, core_dumped=} of processes
    seen = {},          -- "tcp4 1.2.3.4:443" → true, to keep connections unique
    faults = 0,         -- page faults (--faults)
    faults_by_region = {}, -- "heap" → count
    sched_delays = {},  -- ns each time a traced task waited for a CPU (--ebpf)
    block_latencies = {}, -- ns per block I/O request (--ebpf)
    block_read = 0,     -- bytes the block I/O requests read
    block_written = 0,
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

function add.read(acc, e)
  if acc.keep(e) then acc.files_read = acc.files_read + e.bytes end
end

function add.write(acc, e)
  if acc.keep(e) then acc.files_written = acc.files_written + e.bytes end
end

local is_loopback = net.is_loopback

-- Bytes through an inet socket count for this machine's peers (loopback)
-- or for the network's, in one direction.
local function add_net(acc, e, net_field, loopback_field)
  if not (is_inet(e.sock_type) and acc.keep(e)) then return end
  local field = is_loopback(e.remote_addr) and loopback_field or net_field
  acc[field] = acc[field] + e.bytes
end

function add.send(acc, e) add_net(acc, e, "net_sent", "loopback_sent") end
function add.recv(acc, e) add_net(acc, e, "net_received", "loopback_received") end

function add.connect(acc, e)
  local sock_type, addr = e.sock_type, e.remote_addr
  if not is_listed(sock_type) or addr == nil or failed(e) or not acc.keep(e) then return end
  local key = sock_type .. " " .. addr
  if acc.seen[key] then return end
  acc.seen[key] = true
  acc.connections[#acc.connections + 1] = { sock_type = sock_type, remote_addr = addr }
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

function add.block_io(acc, e)
  acc.block_latencies[#acc.block_latencies + 1] = e.latency_ns
  if e.op == "read" then
    acc.block_read = acc.block_read + e.bytes
  elseif e.op == "write" then
    acc.block_written = acc.block_written + e.bytes
  end
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

local function memory(m)
  return { heap_bytes = m.heap_bytes, mmap_bytes = m.mmap_bytes, mmap_regions = m.mmap_regions,
           total_bytes = m.heap_bytes + m.mmap_bytes }
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
--   memory      {heap_bytes, mmap_bytes, mmap_regions, total_bytes, at_attach = {same} or nil}
--   io          {files_read, files_written, net_sent, net_received (other machines),
--               loopback_sent, loopback_received (this machine)}
--   connections {{sock_type, remote_addr}, ...} in first-seen order
--   processes, threads, syscalls       of the whole run (the engine's counts)
--   spawned     {processes, threads}: spawn events counted (the root not included)
--   page_faults {count, page_size, bytes, by_region = {heap = n}, regions = {{region, count}}
--               in listing order} with --faults, else nil
--   scheduler   {count, total_ns, p50_ns, p99_ns, max_ns} with --ebpf, else nil
--   block_io    the same and {bytes_read, bytes_written} with --ebpf, else nil
--   io_urings   rings seen: the I/O through them is in none of the totals
--   dropped, dropped_faults, dropped_ebpf, undecoded_syscalls, undecoded_by_name
--   failures    how many (c.fail and check violations)
function Acc:result(run)
  local mem = run.memory
  local s = {
    command = run.command, source = run.source, duration = run.duration,
    start_ns = run.start_ns, wall_start_ns = run.wall_start_ns, exit = run.exit,
    root_pid = run.root_pid, attached = run.attached, detached = run.detached,
    interrupted = run.interrupted,
    memory = memory(mem),
    io = { files_read = self.files_read, files_written = self.files_written,
           net_sent = self.net_sent, net_received = self.net_received,
           loopback_sent = self.loopback_sent, loopback_received = self.loopback_received },
    connections = {},
    processes = run.processes, threads = run.threads, syscalls = run.syscalls,
    spawned = { processes = self.processes, threads = self.threads },
    io_urings = self.io_urings,
    dropped = run.dropped, dropped_faults = run.dropped_faults, dropped_ebpf = run.dropped_ebpf,
    undecoded_syscalls = run.undecoded_syscalls, undecoded_by_name = run.undecoded_by_name,
    failures = #(run.failures or {}),
  }
  if mem.at_attach then s.memory.at_attach = memory(mem.at_attach) end
  for i, conn in ipairs(self.connections) do
    s.connections[i] = { sock_type = conn.sock_type, remote_addr = conn.remote_addr }
  end
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
  end
  if run.ebpf_traced then
    s.scheduler = latency(self.sched_delays)
    s.block_io = latency(self.block_latencies)
    s.block_io.bytes_read, s.block_io.bytes_written = self.block_read, self.block_written
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
