-- compendium/tracks.lua: the process/thread tree of synthetic events.
local fake = require "fake_host"

describe("tracks", function()
  local h, e, tracks
  before_each(function()
    h = fake.setup()
    e = require("compendium.event").view(h.event())
    tracks = require("compendium.tracks").new(require("compendium").proc)
    -- sh (100) runs make (200), which has a thread (201) and runs cc (300);
    -- sh's own thread (101) starts last
    h.procs[100] = { pid = 100, tid = 100, ppid = 1, comm = "sh", argv = { "sh", "-c", "make" }, is_thread = false }
    h.procs[200] = { pid = 200, tid = 200, ppid = 100, comm = "sh", argv = { "sh", "-c", "make" }, is_thread = false }
    h.procs[201] = { pid = 200, tid = 201, ppid = 100, comm = "make", argv = { "make" }, is_thread = true }
    h.procs[300] = { pid = 300, tid = 300, ppid = 200, comm = "make", argv = { "make" }, is_thread = false }
    h.procs[101] = { pid = 100, tid = 101, ppid = 1, comm = "sh", argv = { "sh", "-c", "make" }, is_thread = true }
  end)

  local function add(kind, fields)
    h:set(kind, fields)
    return tracks:add(e)
  end

  local function play()
    tracks:start { root_pid = 100 }
    add("spawn_process", { ts = 0.1, pid = 100, child = 200 })
    add("exec", { ts = 0.2, pid = 200, program = "/usr/bin/make", argv = { "make", "all" } })
    add("spawn_thread", { ts = 0.3, pid = 200, child = 201 })
    add("spawn_process", { ts = 0.4, pid = 200, child = 300 })
    add("exec", { ts = 0.5, pid = 300, program = "/usr/bin/cc", argv = { "cc", "-c", "a.c" } })
    add("exit", { ts = 0.6, pid = 300, code = 0 })
    add("exit", { ts = 0.7, pid = 200, tid = 201, is_thread = true, code = 0 })
    add("spawn_thread", { ts = 0.8, pid = 100, child = 101 })
    add("exit", { ts = 0.85, pid = 200, code = -1, signal = 11, core_dumped = true })
    add("exit", { ts = 0.9, pid = 100, code = 2 })
  end

  -- the fields a track has, without the parent link (checked by label)
  local function plain(t)
    return { tid = t.tid, pid = t.pid, ppid = t.ppid, thread = t.thread, comm = t.comm, argv = t.argv,
             start = t.start, stop = t.stop, exit = t.exit, label = t.label, index = t.index,
             parent = t.parent and t.parent.label }
  end

  it("makes one track per task, in the order tasks show up", function()
    play()
    local list = {}
    for i, t in ipairs(tracks.list) do list[i] = plain(t) end
    assert.are.same({
      { tid = 100, pid = 100, ppid = 1, thread = false, comm = "sh", argv = { "sh", "-c", "make" }, start = 0,
        stop = 0.9, exit = { code = 2 }, label = "sh 100", index = 1 },
      { tid = 200, pid = 200, ppid = 100, thread = false, comm = "make", argv = { "make", "all" }, start = 0.1,
        stop = 0.85, exit = { signal = "SIGSEGV", core_dumped = true }, label = "make 200", index = 2,
        parent = "sh 100" },
      { tid = 201, pid = 200, ppid = 100, thread = true, comm = "make", argv = { "make" }, start = 0.3, stop = 0.7,
        exit = { code = 0 }, label = "make 201", index = 3, parent = "make 200" },
      { tid = 300, pid = 300, ppid = 200, thread = false, comm = "cc", argv = { "cc", "-c", "a.c" }, start = 0.4,
        stop = 0.6, exit = { code = 0 }, label = "cc 300", index = 4, parent = "make 200" },
      { tid = 101, pid = 100, ppid = 1, thread = true, comm = "sh", argv = { "sh", "-c", "make" }, start = 0.8,
        label = "sh 101", index = 5, parent = "sh 100", stop = nil, exit = nil },
    }, list)
  end)

  it("lists them in process-tree order: a process, its threads, then its children", function()
    play()
    local labels = {}
    for i, t in ipairs(tracks:tree()) do labels[i] = t.label end
    assert.are.same({ "sh 100", "sh 101", "make 200", "make 201", "cc 300" }, labels)
  end)

  it("gives a task id that is used again after its task ended a new track", function()
    tracks:start { root_pid = 100 }
    add("spawn_process", { ts = 0.1, pid = 100, child = 300 })
    add("exit", { ts = 0.2, pid = 300, code = 0 })
    add("spawn_process", { ts = 0.3, pid = 100, child = 300 })
    local again = add("write", { ts = 0.4, pid = 300, filename = "/tmp/x", fd = 1, bytes = 5 })
    assert.are.equal(3, #tracks.list)
    assert.are.same({ 300, 0.1, 0.2 }, { tracks.list[2].tid, tracks.list[2].start, tracks.list[2].stop })
    assert.are.equal(tracks.list[3], again)
    assert.are.same({ 0.3, 3 }, { again.start, again.index })
    assert.is_nil(again.stop)
  end)

  it("names a task the engine does not know '?' and hangs it under the task that started it", function()
    tracks:start { root_pid = 100 }
    local child = add("spawn_process", { ts = 0.1, pid = 100, child = 999 })
    assert.are.equal("sh 100", child.label)
    local unknown = tracks.list[2]
    assert.are.same({ 999, 999, 0, "? 999", "sh 100" },
                    { unknown.tid, unknown.pid, unknown.ppid, unknown.label, unknown.parent.label })
  end)
end)
