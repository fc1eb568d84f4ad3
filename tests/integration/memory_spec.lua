-- Memory: tests/progs/memory maps 10 anonymous pages, unmaps the middle 4,
-- grows the heap by 65536 bytes and maps one page of its own executable.
local h = require "helpers"

local PAGE = 4096

describe("memory", function()
  local r, root

  setup(function()
    r = h.trace({ h.prog("memory") })
    local exits = h.select(r.events, "exit")
    root = exits[#exits] and exits[#exits].pid
  end)
  teardown(h.cleanup)

  it("runs to completion", function()
    assert.are.equal(0, r.status)
    assert.are.equal("", r.stdout)
  end)

  it("reports the anonymous mapping and the unmapping of its middle", function()
    local maps = h.select(r.events, "mmap", { size = 10 * PAGE, map_type = "anon", pid = root })
    assert.are.equal(1, #maps)
    local map = maps[1]
    assert.are.equal("rw-", map.prot)
    assert.is_nil(map.filename)
    assert.are.equal(h.addr(map.addr) + 10 * PAGE, h.addr(map.end_addr))
    assert.are.equal(0, h.addr(map.addr) % PAGE)

    local unmap = h.one(r.events, "munmap", { size = 4 * PAGE, pid = root })
    assert.are.equal(h.addr(map.addr) + 3 * PAGE, h.addr(unmap.addr))
  end)

  it("reports the heap growing by 65536 bytes", function()
    local brks = h.select(r.events, "brk", { pid = root })
    assert.are.equal(65536, h.sum(brks, "growth_bytes"))
    assert.are.equal(1, #h.select(r.events, "brk", { pid = root, growth_bytes = 65536 }))
  end)

  it("reports the file mapping under the executable's own name", function()
    local found, names = {}, {}
    for _, e in ipairs(h.select(r.events, "mmap", { map_type = "file", pid = root })) do
      names[#names + 1] = e.filename
      if e.filename:sub(-#"/memory") == "/memory" then found[#found + 1] = e end
    end
    -- opened as /proc/self/exe: the name is the file's, not the link's
    assert.are.equal(1, #found, "file mappings: " .. table.concat(names, ", "))
    local map = found[1]
    assert.are.equal(h.realpath(h.prog("memory")), map.filename)
    assert.are.equal(PAGE, map.size)
    assert.are.equal("r--", map.prot)
    assert.are.equal(h.addr(map.addr) + PAGE, h.addr(map.end_addr))
  end)

  it("sums the memory in the summary", function()
    local mem = r.summary.memory
    assert.are.equal(65536, mem.heap_bytes)
    assert.is_true(mem.mmap_bytes >= 10 * PAGE + PAGE)
    assert.is_true(mem.mmap_regions >= 3)
    assert.are.equal(mem.heap_bytes + mem.anon_bytes, mem.total_bytes)
  end)
end)
