-- --faults: tests/progs/touch_pages touches N fresh pages of the brk heap
-- (main thread), of an anonymous mapping (a new thread) and of another
-- anonymous mapping (a forked child), and prints each range and its tid.
local h = require "helpers"

local PAGES = 64
local PAGE = 4096

-- "heap 123 55a3...000 55a3...000" lines → kind → {tid=, start=, stop=}
local function ranges(stdout)
  local out = {}
  for kind, tid, start, stop in stdout:gmatch("(%S+) (%d+) (%x+) (%x+)\n") do
    out[kind] = { tid = tonumber(tid), start = tonumber(start, 16), stop = tonumber(stop, 16) }
  end
  return out
end

-- Faults of tid inside [range.start, range.stop): the distinct pages, and
-- the regions and prots they were given.
local function faults_in(events, range)
  local pages, regions, prots, n = {}, {}, {}, 0
  for _, e in ipairs(h.select(events, "fault", { tid = range.tid })) do
    local addr = h.addr(e.addr)
    if addr >= range.start and addr < range.stop then
      n = n + 1
      pages[math.floor(addr / PAGE)] = true
      regions[e.region] = true
      prots[e.prot] = true
    end
  end
  local distinct = 0
  for _ in pairs(pages) do distinct = distinct + 1 end
  return distinct, regions, prots, n
end

-- Whether a permission probe can work here at all (root, or paranoid <= 2).
local function perf_permitted()
  local r = h.run({ h.bin(), "--faults", "--", "true" })
  return r.status == 0, r.stderr
end

describe("--faults", function()
  local r, where, permitted, why
  setup(function()
    permitted, why = perf_permitted()
    if not permitted then return end
    r = h.trace({ h.prog("touch_pages"), tostring(PAGES) }, { flags = { "--faults" } })
    where = ranges(r.stdout)
  end)
  teardown(h.cleanup)

  local function needs_perf()
    if permitted then return true end
    print("SKIP: --faults not permitted here: " .. why)
    pending("perf_event_open is not permitted: " .. why)
    return false
  end

  it("runs the program to completion", function()
    if not needs_perf() then return end
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(where.heap and where["thread-anon"] and where["child-anon"], r.stdout)
  end)

  it("reports none of compendium's own setup of the command before its exec", function()
    if not needs_perf() then return end
    local exec_seen = false
    for _, e in ipairs(r.events) do
      if e.type == "exec" and e.pid == r.events[1].pid then exec_seen = true end
      if e.type == "fault" then assert.is_true(exec_seen, "a fault before the command's exec") end
    end
    assert.is_true(exec_seen)
  end)

  it("reports every fresh heap page the main thread touched, as heap", function()
    if not needs_perf() then return end
    local distinct, regions, prots = faults_in(r.events, where.heap)
    assert.are.equal(PAGES, distinct)
    assert.are.same({ heap = true }, regions)
    assert.are.same({ ["rw-"] = true }, prots)
  end)

  it("follows a thread created later: its anonymous mapping's pages, as anon", function()
    if not needs_perf() then return end
    local range = where["thread-anon"]
    assert.are_not.equal(where.heap.tid, range.tid)
    local distinct, regions = faults_in(r.events, range)
    assert.are.equal(PAGES, distinct)
    assert.are.same({ anon = true }, regions)
  end)

  it("follows a forked child: its anonymous mapping's pages, as anon, under its pid", function()
    if not needs_perf() then return end
    local range = where["child-anon"]
    local distinct, regions = faults_in(r.events, range)
    assert.are.equal(PAGES, distinct)
    assert.are.same({ anon = true }, regions)
    for _, e in ipairs(h.select(r.events, "fault", { tid = range.tid })) do
      assert.are.equal(range.tid, e.pid)
    end
  end)

  it("counts every fault in the summary, split by region", function()
    if not needs_perf() then return end
    local faults = h.select(r.events, "fault")
    local pf = r.summary.page_faults
    assert.are.equal(#faults, pf.count)
    assert.are.equal(PAGE, pf.page_size)
    assert.are.equal(#faults * PAGE, pf.bytes)
    local by_region = {}
    for _, e in ipairs(faults) do by_region[e.region] = (by_region[e.region] or 0) + e.count end
    assert.are.same(by_region, pf.by_region)
    assert.are.equal(0, r.summary.dropped)
  end)

  it("groups a run of faults in one region into one line of the default view", function()
    if not needs_perf() then return end
    local out = h.run({ h.bin(), "--faults", "--", h.prog("touch_pages"), tostring(PAGES) })
    assert.are.equal(0, out.status, out.stderr)
    local seen = ranges(out.stdout)
    for _, kind in ipairs { "thread-anon", "child-anon" } do
      local range = seen[kind]
      local expected = ("[%d] %d faults in anon @ %x (rw-)\n"):format(range.tid, PAGES, range.start)
      assert.truthy(out.stderr:find(expected, 1, true), expected .. "\nnot in:\n" .. out.stderr)
    end
    assert.truthy(out.stderr:find("\n Page faults: %d+ %(4%.0 KB pages, [%d.]+ [KM]B touched%)\n"),
                  out.stderr)
    assert.truthy(out.stderr:find("\n   heap %d+ · anon %d+"), out.stderr)
  end)
end)

describe("without --faults", function()
  teardown(h.cleanup)
  it("reports no faults and no page-fault summary", function()
    local r = h.trace({ h.prog("touch_pages"), "4" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(0, #h.select(r.events, "fault"))
    assert.is_nil(r.summary.page_faults)
  end)
end)

describe("--faults where perf_event_open is refused", function()
  local EACCES = "13"
  teardown(h.cleanup)

  it("stops before tracing with one line saying why", function()
    local r = h.run({ h.prog("deny_syscalls"), "perf_event_open", EACCES, "--", h.bin(), "--faults",
                      "--", h.prog("touch_pages"), "4" })
    assert.are.equal(1, r.status)
    assert.are.equal("", r.stdout) -- the program never ran
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("^compendium: %-%-faults is not permitted"), r.stderr)
  end)
end)

describe("check/max-memory with --faults", function()
  teardown(h.cleanup)

  -- compendium --faults -s check/max-memory -X memory.max=1MB -- touch_pages N
  local function run(pages)
    return h.run({ h.bin(), "--faults", "-s", "check/max-memory", "-X", "memory.max=1MB", "--",
                   h.prog("touch_pages"), tostring(pages) })
  end

  it("counts the memory a process touched, not what it mapped", function()
    if not perf_permitted() then
      pending("perf_event_open is not permitted here")
      return
    end
    -- 16 pages (64 KB) per buffer, with what the program and its libraries
    -- touch anyway (about 120 pages), stays under 1 MB touched, although the
    -- libraries mapped alone are more than 1 MB of heap+mmap
    local ok = run(16)
    assert.are.equal(0, ok.status, ok.stderr)
    assert.are.equal("compendium: 1 check passed (check/max-memory); the command exited 0\n", ok.stderr)
    -- 512 pages (2 MB) of heap goes over
    local over = run(512)
    assert.are.equal(125, over.status, over.stderr)
    assert.truthy(over.stderr:find("check/max-memory: faulted memory went over memory.max (1.0 MB) by "
                                   .. "touch_pages (pid ", 1, true), over.stderr)
  end)

  it("without --faults, counts heap+anon, which the thread's stack alone takes over 1 MB", function()
    local r = h.run({ h.bin(), "-s", "check/max-memory", "-X", "memory.max=1MB", "--",
                      h.prog("touch_pages"), "16" })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("heap+anon went over memory.max (1.0 MB)", 1, true), r.stderr)
  end)
end)
