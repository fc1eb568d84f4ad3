-- Processes and threads: fork + exec, threads, deaths by signal, exec from a
-- thread that is not the leader.
local h = require "helpers"

describe("spawn", function()
  local r, child, root

  setup(function()
    r = h.trace({ h.prog("spawn") })
    child = tonumber(r.stdout:match("^child (%d+)\n$"))
    local spawn = h.select(r.events, "spawn_process")[1]
    root = spawn and spawn.pid
  end)
  teardown(h.cleanup)

  it("runs to completion", function()
    assert.are.equal(0, r.status)
    assert.is_number(child)
  end)

  it("reports the child process with its pid", function()
    local spawn = h.one(r.events, "spawn_process")
    assert.are.equal(child, spawn.child_pid)
    assert.are.equal(spawn.pid, spawn.tid)
    assert.are_not.equal(child, root)
  end)

  it("reports the child's exec of /bin/true with its argv", function()
    local exec = h.one(r.events, "exec", { pid = child })
    assert.are.equal("/bin/true", exec.program)
    assert.are.same({ "true" }, exec.argv)
    assert.are.equal(child, exec.tid)
  end)

  it("reports the child's exit", function()
    local exit = h.one(r.events, "exit", { pid = child })
    assert.are.equal(0, exit.code)
    assert.is_nil(exit.signal)
    assert.is_false(exit.is_thread)
  end)

  it("reports the thread, its 5 bytes into the pipe and its exit", function()
    local thread = h.one(r.events, "spawn_thread")
    local tid = thread.child_tid
    assert.are.equal(root, thread.pid)
    assert.are_not.equal(root, tid)
    assert.are_not.equal(child, tid)

    local write = h.one(r.events, "write", { tid = tid })
    assert.are.equal(5, write.bytes)
    assert.are.equal("pipe", write.target)
    assert.are.equal(root, write.pid)

    local exit = h.one(r.events, "exit", { tid = tid })
    assert.are.equal(root, exit.pid)
    assert.is_true(exit.is_thread)
  end)

  it("reports the main thread reading the 5 bytes from the pipe", function()
    local reads = h.select(r.events, "read", { tid = root, target = "pipe" })
    assert.are.same({ 5 }, h.pluck(reads, "bytes"))
  end)

  it("reports the root's exit last among the exits", function()
    local exits = h.select(r.events, "exit")
    local last = exits[#exits]
    assert.are.equal(root, last.pid)
    assert.are.equal(root, last.tid)
    assert.are.equal(0, last.code)
    assert.is_false(last.is_thread)
  end)

  it("counts the processes and the thread in the summary", function()
    assert.are.equal(2, r.summary.processes)
    assert.are.equal(1, r.summary.threads)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)
end)

describe("killed_child", function()
  teardown(h.cleanup)

  it("reports a child killed by SIGKILL", function()
    local r = h.trace({ h.prog("killed_child") })
    assert.are.equal(0, r.status)
    local spawn = h.one(r.events, "spawn_process")
    local exit = h.one(r.events, "exit", { pid = spawn.child_pid })
    assert.are.equal("SIGKILL", exit.signal)
    assert.is_nil(exit.code)
    assert.is_nil(exit.core_dumped)
    assert.is_false(exit.is_thread)
    local root_exit = h.one(r.events, "exit", { pid = spawn.pid })
    assert.are.equal(0, root_exit.code)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)

  it("exits 128+15 when the program kills itself with SIGTERM", function()
    local r = h.trace({ h.prog("killed_child"), "self" })
    assert.are.equal(143, r.status)
    local exits = h.select(r.events, "exit")
    assert.are.equal(1, #exits)
    assert.are.equal("SIGTERM", exits[1].signal)
    assert.is_nil(exits[1].code)
    assert.are.same({ signal = "SIGTERM" }, r.summary.exit)
  end)

  it("exits with the program's own code", function()
    local r = h.trace({ h.prog("killed_child"), "exit", "5" })
    assert.are.equal(5, r.status)
    assert.are.equal(5, h.one(r.events, "exit").code)
    assert.are.same({ code = 5 }, r.summary.exit)
  end)
end)

describe("thread_exec", function()
  local r

  setup(function() r = h.trace({ h.prog("thread_exec") }) end)
  teardown(h.cleanup)

  it("lets the program become echo", function()
    assert.are.equal(0, r.status)
    assert.are.equal("from-thread\n", r.stdout)
  end)

  it("reports the exec, in the original process", function()
    local thread = h.one(r.events, "spawn_thread")
    local exec = h.one(r.events, "exec", { program = "/bin/echo" })
    assert.are.same({ "echo", "from-thread" }, exec.argv)
    assert.are.equal(thread.pid, exec.pid)
  end)

  it("reports the process exiting 0 once", function()
    local thread = h.one(r.events, "spawn_thread")
    local exit = h.one(r.events, "exit", { pid = thread.pid, is_thread = false })
    assert.are.equal(0, exit.code)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)
end)
