-- Memory totals: the heap and anonymous memory are memory used; file
-- mappings and reservations without access are counted apart.
-- tests/progs/reserve_memory (static, so no loader's mappings come first)
-- starts a thread on a 1 MB stack, reserves 64 MB without access, makes
-- 1 MB of it writable and maps a 12288-byte file; "base" does none of it.
local h = require "helpers"

local MB, PAGE = 1024 * 1024, 4096

describe("memory totals", function()
  local dir, base, full
  setup(function()
    dir = h.tmpdir()
    base = h.trace({ h.prog("reserve_memory"), "base", dir })
    full = h.trace({ h.prog("reserve_memory"), "full", dir }, { flags = { "--faults" } })
  end)
  teardown(h.cleanup)

  it("run to completion", function()
    assert.are.equal(0, base.status, base.stderr)
    assert.are.equal(0, full.status, full.stderr)
  end)

  it("split the mappings into anonymous, file and reserved, and count only heap and anon", function()
    local b, m = base.summary.memory, full.summary.memory
    assert.are.same({ 0, 0, 0 }, { b.anon_bytes, b.file_bytes, b.reserved_bytes })
    -- the thread's stack and the writable part of the reservation
    assert.are.equal(MB + MB, m.anon_bytes)
    assert.are.equal(12288, m.file_bytes)
    -- the largest the reservations were: all 64 MB before a part became
    -- writable, and the guard page of the thread's stack
    assert.are.equal(64 * MB + PAGE, m.reserved_bytes)
    assert.are.equal(b.heap_bytes, m.heap_bytes)
    assert.are.equal(m.heap_bytes + 2 * MB, m.total_bytes)
    -- every mapping at its largest: 2 MB, the file, 63 MB and the guard
    assert.are.equal(2 * MB + 12288 + 63 * MB + PAGE, m.mmap_bytes)
    assert.is_nil(b.touched_bytes, "touched only with --faults")
  end)

  it("give what was touched with --faults: faults in the heap, anonymous memory and stacks", function()
    local f = full.summary.page_faults
    local own = (f.by_region.heap or 0) + (f.by_region.anon or 0) + (f.by_region.stack or 0)
    assert.is_true(own > 0)
    assert.are.equal(own * f.page_size, full.summary.memory.touched_bytes)
  end)

  it("say it in the terminal summary", function()
    local r = h.run({ h.bin(), "--", h.prog("reserve_memory"), "full", dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("\n   Anon:     2.0 MB\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("\n   Total:    2.1 MB\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("\n   Mapped:   files 12.0 KB, reserved 64.0 MB, 5 regions\n", 1, true),
                  r.stderr)
  end)

  it("are what check/max-memory counts: reservations and files are not over the limit", function()
    -- 64 MB reserved, 2 MB anonymous and the heap: under 32 MB
    local r = h.run({ h.bin(), "-s", "check/max-memory", "-X", "memory.max=32MB", "--",
                      h.prog("reserve_memory"), "full", dir })
    assert.are.equal(0, r.status, r.stderr)
    r = h.run({ h.bin(), "-s", "check/max-memory", "-X", "memory.max=1MB", "--",
                h.prog("reserve_memory"), "full", dir })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("heap+anon went over memory.max (1.0 MB)", 1, true), r.stderr)
  end)

  -- A real interpreter with threads: its total must be of the order of
  -- its largest resident set, not the address space it reserved.
  local python = h.run({ "sh", "-c", "command -v python3" }).stdout:gsub("\n$", "")
  local it_python = python ~= "" and it or pending
  it_python("count python3 with threads near its max RSS", function()
    local exe = h.run({ python, "-c", "import sys; print(sys.executable)" }).stdout:gsub("\n$", "")
    -- the default thread stack follows the stack limit: make it the usual
    local script = "import threading, resource\n" ..
                   "def work(): sum(range(100000))\n" ..
                   "ts = [threading.Thread(target=work) for _ in range(3)]\n" ..
                   "[t.start() for t in ts]; [t.join() for t in ts]\n" ..
                   "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    local r = h.trace({ "sh", "-c", 'ulimit -s 8192 && exec "$0" -c "$1"', exe, script })
    assert.are.equal(0, r.status, r.stderr)
    local max_rss = tonumber(r.stdout:match("(%d+)\n$")) * 1024
    assert.are.equal(3, #h.select(r.events, "spawn_thread"))
    local total = r.summary.memory.total_bytes
    assert.is_true(total < 4 * max_rss, ("total %d, max RSS %d"):format(total, max_rss))
    assert.is_true(r.summary.memory.reserved_bytes > 0)
  end)
end)
