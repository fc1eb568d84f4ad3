-- jsonl: every semantic event as one JSON object per line, then a summary
-- line. `--json FILE` runs this script with -X jsonl.out=FILE.
--
-- Events are written unfiltered (tools downstream decide what is noise).
-- The summary's `io` and `connections` count every event in the file:
-- summing the events gives them. Its `shown` has the same figures for what
-- the default view shows (its noise policy; everything under -v), the
-- numbers the terminal summary prints.
local c = require "compendium"
local json = require "compendium.json"
local noise = require "compendium.noise"
local summary = require "compendium.summary"

local path = c.opt("out")
if not path then c.error("jsonl: set -X jsonl.out=FILE (or use --json FILE)") end

-- Opened now, while loading: a path that cannot be written stops
-- compendium before anything is traced.
local out = c.open_output(path, "w")

local totals = summary.new {
  keep = function(e) return c.verbose or not noise.event(e) end,
}

-- e:table() copies the event into a plain table with the schema's fields.
local function write_event(e)
  out:write(json.encode(e:table()), "\n")
  totals:add(e)
end

for _, kind in ipairs(c.event_kinds) do
  c.on(kind, write_event)
end

-- The summary line: the figures of compendium/summary.lua, under the names
-- of the README's JSON schema.
c.on("end", function(run)
  local s = totals:result(run)
  local faults = s.page_faults
  if s.block_io then s.block_io.ops = json.array(s.block_io.ops) end
  out:write(json.encode {
    type = "summary",
    command = s.command,
    source = s.source,
    duration = s.duration,
    -- the clock anchor: an event's wall-clock time in ns since the epoch is
    -- wall_start_ns + (ts_ns - start_ns), exact (integers of every digit)
    start_ns = s.start_ns,
    wall_start_ns = s.wall_start_ns,
    exit = s.exit,
    memory = s.memory,
    io = s.io,
    connections = json.array(s.connections),
    shown = { io = s.shown.io, connections = json.array(s.shown.connections) },
    processes = s.processes,
    threads = s.threads,
    syscalls = s.syscalls,
    page_faults = faults and { count = faults.count, page_size = faults.page_size, bytes = faults.bytes,
                               by_region = faults.by_region },
    scheduler = s.scheduler,
    block_io = s.block_io,
    -- the I/O through an io_uring is not seen: not in io above
    io_uring = s.io_urings > 0 and { rings = s.io_urings, io_seen = false } or nil,
    dropped = s.dropped,
    dropped_faults = s.dropped_faults,
    dropped_ebpf = s.dropped_ebpf,
    undecoded_syscalls = s.undecoded_syscalls,
    undecoded_by_name = s.undecoded_syscalls > 0 and s.undecoded_by_name or nil,
    -- what the source could not know ({id, why}): the figures it concerns
    -- are not facts (an strace log without -yy, filtered by -e, ...)
    unknown = #s.unknown > 0 and json.array(s.unknown) or nil,
    failures = s.failures,
  }, "\n")
  out:close()
end)
