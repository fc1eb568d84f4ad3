-- inject: make syscalls fail, or slow them down, to see how a program copes
-- with a full disk, a refused connection, a slow fsync.
--
--   compendium -s inject -X inject.write=ENOSPC -X inject.path=/var/lib/app/** -- ./app
--   compendium -s inject -X inject.connect=ECONNREFUSED -X inject.peer=*:5432 -- ./app
--   compendium -s inject -X inject.read=EIO -X inject.every=3 -- ./app
--   compendium -s inject -X inject.write=EIO -X inject.probability=0.1 -X inject.seed=7 -- ./app
--   compendium -s inject -X inject.fsync=delay -X inject.delay=500 -- ./app
--
-- Options, all under inject.:
--   SYSCALL=ERRNO  fail SYSCALL without running it (ENOSPC, EIO, or a number);
--                  =delay only holds it (with inject.delay)
--   path=GLOBS     only calls about a matching file: the path argument, or
--                  the file the fd argument refers to
--   peer=GLOBS     only calls to a matching peer: 10.0.0.5:*, *:5432
--   every=N        only every Nth matching call: the Nth, 2Nth, ...
--   probability=P  each matching call with probability P (0 to 1), drawn
--   seed=S         from a generator seeded with S (default: the time; the
--                  seed is printed, so a run can be repeated)
--   max=N          at most N injections per syscall
--   delay=MS       hold each injected call MS milliseconds first
-- Each syscall counts its calls on its own. What was injected is printed
-- at the end, even with -q: an injected failure must never pass for a real
-- one. The default view also shows each injection as it happens.
local c = require "compendium"
local check = require "compendium.check"
local bit = require "bit"

local format = string.format

-- ---- options ----------------------------------------------------------------------

local SETTINGS = { path = true, peer = true, every = true, probability = true, seed = true,
                   max = true, delay = true }

local function bad(key, value, why)
  c.error(format("option inject.%s=%s: %s", key, value, why))
end

-- paths: relative globs start in the current directory; peers: as given
local paths = c.opt("inject.path") and check.globs("inject.path")
local peers = c.opt("inject.peer") and check.globs("inject.peer", nil, false)
local every = check.count("inject.every", 1, 1)
local max = check.count("inject.max", math.huge, 0)
local delay_ms = c.opt("inject.delay", 0)
if delay_ms < 0 then bad("delay", delay_ms, "expected milliseconds >= 0") end
local probability = c.opt("inject.probability", 1)
if probability < 0 or probability > 1 then
  bad("probability", probability, "expected a number from 0 to 1")
end
local seed = check.count("inject.seed", os.time() % 1000000, 0)

-- ---- a generator of our own (xorshift32): seeded, and no other script's
-- use of math.random changes the sequence ------------------------------------------

local state = bit.tobit((seed * 2654435761 + 1) % 2 ^ 32) -- spread small seeds over 32 bits
if state == 0 then state = 1 end -- xorshift's one fixed point
local function random()
  state = bit.bxor(state, bit.lshift(state, 13))
  state = bit.bxor(state, bit.rshift(state, 17))
  state = bit.bxor(state, bit.lshift(state, 5))
  return (state % 2 ^ 32) / 2 ^ 32
end
for _ = 1, 8 do random() end -- and let them mix

-- ---- which calls ----------------------------------------------------------------

-- "socket:tcp4:10.0.0.5:5432" (an fd's description) → "10.0.0.5:5432"
local function peer_of(e)
  if e.sockaddr then return e.sockaddr end
  local fd_path = e.fd_path
  return fd_path and fd_path:match("^socket:[^:]*:(.+)$")
end

local function chosen(e)
  if paths and not (paths:match(check.path(e)) or paths:match(e.fd_path)) then return false end
  if peers and not peers:match(peer_of(e)) then return false end
  return true
end

-- ---- one rule per syscall -------------------------------------------------------------

local rules = {}

local function add_rule(name, value)
  local rule = { name = name, calls = 0, injected = 0, targets = {}, order = {} }
  if value == "delay" then
    if delay_ms == 0 then bad(name, value, "set -X inject.delay=MS too") end
    rule.what = format("delayed %%d of %%d %s calls by %s ms", name, delay_ms)
    rule.request = c.delay(delay_ms)
  else
    local errno, why = c.errno(value)
    if not errno then bad(name, value, why) end
    local after = delay_ms > 0 and format(" after %s ms", delay_ms) or ""
    rule.what = format("failed %%d of %%d %s calls with %s%s", name, c.errname(errno) or errno, after)
    rule.request = c.inject(errno)
    if delay_ms > 0 then rule.request = c.delay(delay_ms, rule.request) end
  end
  -- what was injected where, for the report at the end
  local function note(e)
    rule.injected = rule.injected + 1
    local target = e.path or peer_of(e) or e.fd_path or "?"
    if not rule.targets[target] then
      rule.targets[target] = 0
      rule.order[#rule.order + 1] = target
    end
    rule.targets[target] = rule.targets[target] + 1
  end
  local ok = pcall(c.on, "enter:" .. name, function(e)
    if not chosen(e) then return end
    rule.calls = rule.calls + 1
    if rule.injected >= max or rule.calls % every ~= 0 then return end
    if probability < 1 and random() >= probability then return end
    note(e)
    return rule.request
  end)
  if not ok then bad(name, value, "no syscall named '" .. name .. "'") end
  rules[#rules + 1] = rule
end

local names = {}
for key, value in pairs(c.options("inject")) do
  if not SETTINGS[key] then names[#names + 1] = { key, value } end
end
if #names == 0 then
  c.error("inject: say which syscall to change, e.g. -X inject.write=ENOSPC (see scripts/inject.lua)")
end
table.sort(names, function(a, b) return a[1] < b[1] end)
for _, pair in ipairs(names) do add_rule(pair[1], pair[2]) end

-- ---- the report ---------------------------------------------------------------------

local MAX_TARGETS = 5

c.on("end", function()
  for _, rule in ipairs(rules) do
    local where = {}
    for i = 1, math.min(#rule.order, MAX_TARGETS) do
      local target = rule.order[i]
      local n = rule.targets[target]
      where[i] = c.escape(target) .. (n > 1 and format(" ×%d", n) or "")
    end
    if #rule.order > MAX_TARGETS then where[#where + 1] = format("%d more", #rule.order - MAX_TARGETS) end
    c.print("compendium: inject: " .. rule.what .. "%s", rule.injected, rule.calls,
            #where > 0 and (": " .. table.concat(where, ", ")) or "")
  end
  if probability < 1 then
    c.print("compendium: inject: seed %d (repeat with -X inject.seed=%d)", seed, seed)
  end
end)
