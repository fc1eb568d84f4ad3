-- check/max-memory: fail when a process uses more memory than allowed.
--
--   compendium -s check/max-memory -X memory.max=512MB -- ./app
--
-- memory.max is a size: 100KB, 512MB, 1G (1024-based, as the summary
-- shows sizes). A process's memory is its heap plus its anonymous
-- mappings, as the summary's Total counts it (file mappings and
-- reservations without access are not memory used); with --faults, the
-- bytes it actually touched (page faults), which leaves out memory it
-- mapped but never used.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
local limit = check.size("memory.max")
if not limit then c.error("check/max-memory needs -X memory.max=SIZE (512MB, 1G, ...)") end

local by_faults, page_size = false, 4096
local touched = {}  -- pid → bytes faulted in (--faults)
local reported = {} -- pid → true: each process is reported once, not at every growth

c.on("start", function(run)
  by_faults = run.faults_traced
  page_size = run.page_size or page_size
end)

local function over(e, bytes, what)
  if bytes > limit and not reported[e.pid] then
    reported[e.pid] = true
    rule:violation(e, "%s went over memory.max (%s)", what, c.bytes(limit))
  end
end

-- Heap and anonymous mappings: the engine's own count for the address space.
local function mapped(e)
  if by_faults then return end
  local p = c.proc(e.pid)
  if p then over(e, p.heap_bytes + p.anon_bytes, "heap+anon") end
end
c.on("brk", mapped)
c.on("mmap", mapped)

c.on("fault", function(e)
  local bytes = (touched[e.pid] or 0) + e.count * page_size
  touched[e.pid] = bytes
  over(e, bytes, "faulted memory")
end)

-- a new program starts from nothing
c.on("exec", function(e)
  touched[e.pid], reported[e.pid] = nil, nil
end)
