-- jsonl: every semantic event as one JSON object per line, then a summary
-- line. `--json FILE` runs this script with -X jsonl.out=FILE.
--
-- Events are written unfiltered (tools downstream decide what is noise);
-- the summary's byte totals follow the default view's noise policy, or keep
-- everything under -v, so they match what the terminal summary says.
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

-- {count, total_ns, p50_ns, p99_ns, max_ns} of a list of durations.
local function latency(list)
  local s = summary.stats(list)
  return { count = s.count, total_ns = s.total, p50_ns = s.p50, p99_ns = s.p99, max_ns = s.max }
end

c.on("end", function(run)
  local mem = run.memory
  local faults, sched, block
  if run.faults_traced then
    faults = { count = totals.faults, page_size = run.page_size,
               bytes = totals.faults * run.page_size, by_region = totals.faults_by_region }
  end
  if run.ebpf_traced then
    sched = latency(totals.sched_delays)
    block = latency(totals.block_latencies)
    block.bytes_read, block.bytes_written = totals.block_read, totals.block_written
  end
  out:write(json.encode {
    type = "summary",
    command = run.command,
    source = run.source,
    duration = run.duration,
    -- the clock anchor: an event's wall-clock time in ns since the epoch is
    -- wall_start_ns + (ts_ns - start_ns), exact (integers of every digit)
    start_ns = run.start_ns,
    wall_start_ns = run.wall_start_ns,
    exit = run.exit,
    memory = {
      heap_bytes = mem.heap_bytes,
      mmap_bytes = mem.mmap_bytes,
      mmap_regions = mem.mmap_regions,
      total_bytes = mem.heap_bytes + mem.mmap_bytes,
      at_attach = mem.at_attach and {
        heap_bytes = mem.at_attach.heap_bytes,
        mmap_bytes = mem.at_attach.mmap_bytes,
        mmap_regions = mem.at_attach.mmap_regions,
        total_bytes = mem.at_attach.heap_bytes + mem.at_attach.mmap_bytes,
      } or nil,
    },
    io = {
      files_read = totals.files_read,
      files_written = totals.files_written,
      net_sent = totals.net_sent,
      net_received = totals.net_received,
    },
    connections = json.array(totals.connections),
    processes = run.processes,
    threads = run.threads,
    syscalls = run.syscalls,
    page_faults = faults,
    scheduler = sched,
    block_io = block,
    -- the I/O through an io_uring is not seen: not in io above
    io_uring = totals.io_urings > 0 and { rings = totals.io_urings, io_seen = false } or nil,
    dropped = run.dropped,
    dropped_faults = run.dropped_faults,
    dropped_ebpf = run.dropped_ebpf,
    undecoded_syscalls = run.undecoded_syscalls,
    undecoded_by_name = run.undecoded_syscalls > 0 and run.undecoded_by_name or nil,
    failures = #run.failures,
  }, "\n")
  out:close()
end)
