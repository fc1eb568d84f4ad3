-- scripts/perfetto.lua on events in the orders the engine can deliver
-- them, which a live run hits only sometimes: a task's page fault before
-- the spawn that made it (the kernel reports it before ptrace does), and
-- a process's threads out of time order. The fake host of tests/lua plays
-- the engine; protoc reads the trace (pftrace.lua).
local h = require "helpers"
package.path = h.source() .. "/lua/?.lua;" .. h.source() .. "/tests/lua/?.lua;" .. package.path
local fake = require "fake_host"
local pftrace = require "pftrace"
local one = pftrace.one

local KIB = 1024

-- {process = pid → uuid, thread = tid → descriptor, names = uuid → name}
local function tracks_of(t)
  local x = { process = {}, thread = {}, process_of = {} }
  for uuid, d in pairs(t.tracks) do
    local p, th = one(d, "process"), one(d, "thread")
    if p then
      x.process[one(p, "pid")] = uuid
      x.process_of[uuid] = one(d, "name")
    end
    if th then x.thread[one(th, "tid")] = { pid = one(th, "pid"), uuid = uuid, name = one(d, "name") } end
  end
  return x
end

local function last_counter(t, process_uuid, name)
  for uuid, d in pairs(t.tracks) do
    if one(d, "name") == name and one(d, "parent_uuid") == process_uuid then
      local values = t.counters[uuid]
      return values[#values].value
    end
  end
end

describe("perfetto on out-of-order events", function()
  local host, rt, out
  before_each(function()
    out = fake.fresh_path("order", "pftrace")
    host, rt = fake.setup { options = { { key = "perfetto.out", value = out } } }
    assert(rt.load(fake.bundled("perfetto"), "perfetto"))
    host.procs[100] = { pid = 100, tid = 100, ppid = 1, comm = "app", argv = { "app" }, is_thread = false }
    rt.start()
  end)
  teardown(function() fake.cleanup() h.cleanup() end)

  it("counts a thread first seen in a page fault, before its spawn, for its process", function()
    -- the engine does not know 101 yet: c.proc(101) is nil
    host:emit("fault", { pid = 100, tid = 101, ts = 0.001, region = "anon", count = 1 })
    host.procs[101] = { pid = 100, tid = 101, ppid = 1, comm = "app", argv = { "app" }, is_thread = true }
    host:emit("spawn_thread", { pid = 100, ts = 0.002, child = 101 })
    host:emit("mmap", { pid = 100, tid = 101, ts = 0.003, nr = 9, dur_ns = 1000, size = 128 * KIB })
    host:emit("mmap", { pid = 100, ts = 0.005, nr = 9, dur_ns = 1000, size = 4 * KIB })
    host:emit("exit", { pid = 100, ts = 0.01, code = 0 })
    rt.finish()
    local t = pftrace.read(out)
    local x = tracks_of(t)
    assert.is_nil(x.process[101], "the thread has a process track")
    assert.are.same({ pid = 100, uuid = x.thread[101].uuid, name = "app 101" }, x.thread[101])
    assert.are.equal(132 * KIB, last_counter(t, x.process[100], "mapped"))
  end)

  it("names and places a process first seen in a page fault when its spawn comes", function()
    host:emit("fault", { pid = 102, ts = 0.001, region = "anon", count = 1 })
    host.procs[102] = { pid = 102, tid = 102, ppid = 100, comm = "app", argv = { "app" }, is_thread = false }
    host:emit("spawn_process", { pid = 100, ts = 0.002, child = 102 })
    host:emit("exit", { pid = 102, ts = 0.004, code = 0 })
    host:emit("exit", { pid = 100, ts = 0.01, code = 0 })
    rt.finish()
    local t = pftrace.read(out)
    local x = tracks_of(t)
    assert.are.equal("app 102", x.process_of[x.process[102]])
    local slices = t.slices[x.process[102]]
    assert.are.equal(1, #slices)
    assert.are.equal("app", slices[1].name)
    assert.are.equal(fake.START_NS + 2000000, slices[1].b)
  end)

  it("ends a counter on its latest value when a thread's event comes out of time order", function()
    host.procs[101] = { pid = 100, tid = 101, ppid = 1, comm = "app", argv = { "app" }, is_thread = true }
    host:emit("spawn_thread", { pid = 100, ts = 0.001, child = 101 })
    host:emit("mmap", { pid = 100, tid = 101, ts = 0.0030, nr = 9, dur_ns = 1000, size = 128 * KIB })
    -- the main thread's, half a millisecond earlier, reaches the script after it
    host:emit("mmap", { pid = 100, ts = 0.0025, nr = 9, dur_ns = 1000, size = 8 * KIB })
    host:emit("exit", { pid = 100, ts = 0.01, code = 0 })
    rt.finish()
    local t = pftrace.read(out)
    local x = tracks_of(t)
    assert.are.equal(136 * KIB, last_counter(t, x.process[100], "mapped"))
  end)
end)
