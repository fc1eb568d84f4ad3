-- A recording keeps each block request's kind: tests/progs/kernel_books
-- writes a file with O_DIRECT, reads it back, fsyncs (a cache flush where
-- the device has a write cache) and removes it (discards, on a file system
-- mounted with discard). Its replay gives the very block_io events the live
-- run gave, and the same per-kind summary. Needs root (BPF) and kernel BTF,
-- and a directory on a block device; without them the tests say SKIP and why.
local h = require "helpers"

-- The block_io events, each as the fields that say what the request was.
local function requests(events)
  local out = {}
  for _, e in ipairs(events) do
    if e.type == "block_io" then
      -- a request whose completion the kernel showed no program has no latency
      out[#out + 1] = string.format("%d %d %d %s %d %s", e.ts_ns, e.pid, e.tid, e.op, e.bytes,
                                    tostring(e.latency_ns))
    end
  end
  return out
end

describe("a recording of block I/O", function()
  local why, dir, live, replay, live_text, replay_text
  setup(function()
    why = h.companions_missing({ "--ebpf" })
    if why then return end
    dir = h.block_device_dir()
    if not dir then
      why = "no directory on a block device (the build tree and /var/tmp are tmpfs)"
      return
    end
    local out = h.tmpdir()
    local rec = out .. "/run.cmpd"
    live = h.trace({ h.prog("kernel_books"), dir, "10", "3" },
                   { flags = { "--ebpf", "--record", rec, "-o", out .. "/live.txt" } })
    replay = h.run({ h.bin(), "-r", rec, "--json", out .. "/replay.jsonl", "-o", out .. "/replay.txt" })
    replay.events = h.read_jsonl(out .. "/replay.jsonl")
    live_text, replay_text = h.read_file(out .. "/live.txt"), h.read_file(out .. "/replay.txt")
    if live.stdout:find("direct unsupported", 1, true) then why = "the file system refuses O_DIRECT" end
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. h.quote(dir)) end
    h.cleanup()
  end)

  local function ready() return h.ready(why) end

  it("replays each request with its kind, bytes, task, time and latency", function()
    if not ready() then return end
    assert.are.equal(0, live.status, live.stderr)
    assert.are.equal(0, replay.status, replay.stderr)
    local want = requests(live.events)
    local kinds = {}
    for _, e in ipairs(h.select(live.events, "block_io")) do kinds[e.op] = true end
    -- the program's 8 MiB written and read back with O_DIRECT
    assert.is_true(kinds.write and kinds.read, table.concat(want, "\n"))
    if not kinds.flush then print("NOTE: no cache flush (the device has no write cache)") end
    if not kinds.discard then print("NOTE: no discards (the file system is mounted without discard)") end
    assert.are.same(want, requests(replay.events))
  end)

  it("replays the summary's per-kind totals", function()
    if not ready() then return end
    local l, r = live.summary.block_io, replay.events[#replay.events].block_io
    assert.is_table(l.by_op)
    assert.are.same(l, r)
  end)

  it("shows the same block lines in the replayed view", function()
    if not ready() then return end
    local function block_lines(text)
      local out = {}
      for line in text:gmatch("[^\n]+") do
        if line:find("] block ", 1, true) or line:find("^%s+block") then out[#out + 1] = line end
      end
      return out
    end
    local want = block_lines(live_text)
    assert.is_true(#want > 0, live_text)
    assert.are.same(want, block_lines(replay_text))
  end)
end)
