-- Totals for a closing summary, fed with events:
--
--   local totals = summary.new{ keep = function(e) return not noise.event(e) end }
--   totals:hook(c)              -- or call totals:add(e) from your own hooks
--   ... at the end: totals.files_read, totals.net_sent, totals.connections ...
--
-- `keep` decides which events count; it is where a noise policy plugs in.
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
    net_sent = 0,       -- bytes through inet/inet6 sockets
    net_received = 0,
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

-- tcp4, udp6, raw4 ...: the sockets whose bytes are "network".
local function is_inet(sock_type)
  return sock_type ~= nil and (sock_type:find("^tcp") or sock_type:find("^udp") or sock_type:find("^raw")) ~= nil
end

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

function add.send(acc, e)
  if is_inet(e.sock_type) and acc.keep(e) then acc.net_sent = acc.net_sent + e.bytes end
end

function add.recv(acc, e)
  if is_inet(e.sock_type) and acc.keep(e) then acc.net_received = acc.net_received + e.bytes end
end

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

-- How the run ended, as the summary's "Exit:" line says it: "0",
-- "killed by SIGSEGV (core dumped)", "detached, 1234 still running", ...
function M.exit_text(run)
  if run.detached then return ("detached, %d still running"):format(run.root_pid) end
  if run.interrupted then return "killed by SIGKILL after a second Ctrl-C" end
  local exit = run.exit
  if exit.signal then
    return "killed by " .. exit.signal .. (exit.core_dumped and " (core dumped)" or "")
  end
  if exit.code then return tostring(exit.code) end
  return "unknown"
end

-- "signal ×2, socketcall:recvmmsg": the run's undecoded_by_name, sorted.
function M.undecoded_text(by_name)
  local names = {}
  for name in pairs(by_name or {}) do names[#names + 1] = name end
  table.sort(names)
  for i, name in ipairs(names) do
    local n = by_name[name]
    names[i] = n > 1 and ("%s ×%d"):format(name, n) or name
  end
  return table.concat(names, ", ")
end

-- What the trace could not see, in words, or nil: "the I/O through 1
-- io_uring" (run.io_urings, from the engine, counts rings whatever the
-- scripts hooked).
function M.unseen_text(run)
  local n = run.io_urings or 0
  if n == 0 then return nil end
  return ("the I/O through %d io_uring%s"):format(n, n == 1 and "" or "s")
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
