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
  }, Acc)
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

-- Counts one event; events of other kinds are ignored.
function Acc:add(e)
  local f = add[e.type]
  if f then f(self, e) end
end

-- The event kinds an accumulator counts.
M.kinds = { "read", "write", "send", "recv", "connect", "spawn_process", "spawn_thread", "exit" }

-- Registers the hooks that feed this accumulator.
function Acc:hook(c)
  for _, kind in ipairs(M.kinds) do
    local f = add[kind]
    c.on(kind, function(e) f(self, e) end)
  end
  return self
end

return M
