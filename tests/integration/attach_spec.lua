-- Attaching to a running process (--pid) and detaching from it: the process
-- must run on as if nothing happened.
local h = require "helpers"

-- { state = {"S", ...}, tracer = {0, ...} } over every thread of pid.
local function task_status(pid)
  local r = h.run({ "sh", "-c", "cat /proc/" .. pid .. "/task/*/status" })
  local s = { state = {}, tracer = {} }
  for state in r.stdout:gmatch("\nState:%s+(%a)") do s.state[#s.state + 1] = state end
  for tracer in r.stdout:gmatch("\nTracerPid:%s+(%d+)") do s.tracer[#s.tracer + 1] = tonumber(tracer) end
  return s
end

-- Waits until compendium (tracer) traces pid, so that a signal sent next
-- finds it attached.
local function wait_attached(pid, tracer)
  return h.wait_for(function()
    local tracers = task_status(pid).tracer
    return #tracers > 0 and tracers[1] == tracer
  end, 30)
end

-- A pid that belongs to no process.
local function unused_pid()
  local max = tonumber(h.read_file("/proc/sys/kernel/pid_max")) or 32768
  for pid = max - 1, 2, -1 do
    if not h.exists("/proc/" .. pid) then return pid end
  end
  error("no unused pid")
end

describe("--pid on a two-thread process", function()
  local ticks, prog, json, first, after_first, second, after_second, done

  setup(function()
    local dir = h.tmpdir()
    ticks, json = dir .. "/ticks.txt", dir .. "/events.jsonl"
    -- it runs until told to end (SIGUSR1), however slowly the machine goes
    prog = h.spawn({ h.prog("threads_loop"), ticks, "60" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "threads_loop never got ready")

    -- attach, let it run a while, detach with SIGINT
    local c = h.spawn({ h.bin(), "--json", json, "--pid", tostring(prog.pid) })
    assert(wait_attached(prog.pid, c.pid), "compendium never attached")
    h.sleep(0.5)
    h.kill(c.pid, h.SIGINT)
    first = c:wait()
    after_first = task_status(prog.pid)

    -- attach again, detach with SIGTERM
    c = h.spawn({ h.bin(), "--pid", tostring(prog.pid) })
    assert(wait_attached(prog.pid, c.pid), "compendium never attached the second time")
    h.sleep(0.3)
    h.kill(c.pid, h.SIGTERM)
    second = c:wait()
    after_second = task_status(prog.pid)

    -- enough ticks after both detaches to show that none was lost
    assert(h.wait_for(function()
      local text = h.read_file(ticks) or ""
      return text:find("thread 1 tick 20\n", 1, true) and text:find("thread 2 tick 20\n", 1, true)
    end, 30), "threads_loop stopped ticking")
    h.kill(prog.pid, 10) -- SIGUSR1: end now
    done = prog:wait()
  end)
  teardown(h.cleanup)

  it("detaches on SIGINT and exits 0", function()
    assert.are.equal(0, first.status)
    assert.truthy(first.stderr:find("detached", 1, true))
  end)

  it("leaves every thread running and untraced", function()
    assert.are.equal(3, #after_first.state)
    for _, state in ipairs(after_first.state) do assert.are_not.equal("T", state) end
    for _, state in ipairs(after_first.state) do assert.are_not.equal("t", state) end
    assert.are.same({ 0, 0, 0 }, after_first.tracer)
  end)

  it("saw the writes of both threads", function()
    local events = h.read_jsonl(json)
    assert.are.equal("summary", events[#events].type)
    local by_tid, tids = {}, 0
    for _, e in ipairs(h.select(events, "write", { filename = ticks })) do
      assert.are.equal(prog.pid, e.pid)
      assert.are.equal("file", e.target)
      assert.is_true(e.bytes >= #"thread 1 tick 1\n")
      if not by_tid[e.tid] then tids = tids + 1 end
      by_tid[e.tid] = (by_tid[e.tid] or 0) + 1
    end
    assert.are.equal(2, tids)
    assert.is_nil(by_tid[prog.pid])
    for _, n in pairs(by_tid) do assert.is_true(n >= 2) end
  end)

  it("detaches on SIGTERM too, and the process can be attached again", function()
    assert.are.equal(0, second.status)
    assert.truthy(second.stderr:find("detached", 1, true))
    for _, state in ipairs(after_second.state) do assert.are_not.equal("T", state) end
    assert.are.same({ 0, 0, 0 }, after_second.tracer)
  end)

  it("lets the process finish normally, no tick lost", function()
    assert.are.equal(0, done.status)
    assert.are.equal("ready\ndone\n", done.stdout)
    assert.are.equal("", done.stderr)
    local last = { 0, 0 }
    for _, line in ipairs(h.lines(h.read_file(ticks))) do
      local n, tick = line:match("^thread (%d) tick (%d+)$")
      assert.truthy(n, line)
      n, tick = tonumber(n), tonumber(tick)
      assert.are.equal(last[n] + 1, tick)
      last[n] = tick
    end
    assert.is_true(last[1] >= 20 and last[2] >= 20)
  end)
end)

describe("--pid errors", function()
  teardown(h.cleanup)

  it("fails with 1 and one line for a pid that does not exist", function()
    local r = h.run({ h.bin(), "--pid", tostring(unused_pid()) })
    assert.are.equal(1, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)

  it("is a usage error for a pid that is not a number", function()
    local r = h.run({ h.bin(), "--pid", "abc" })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)
end)

-- Each of these failed with "not permitted … run as root" while running as
-- root: the message must say what is actually the case.
describe("--pid on a process that cannot be traced", function()
  teardown(h.cleanup)

  local function state_of(pid)
    local text = h.read_file("/proc/" .. pid .. "/status") or ""
    return text:match("\nState:%s+(%a)"), tonumber(text:match("\nTracerPid:%s+(%d+)"))
  end

  local function comm_of(pid)
    return ((h.read_file("/proc/" .. pid .. "/comm") or ""):gsub("\n$", ""))
  end

  -- fails with 1 and one line, never blaming permissions
  local function refused(pid)
    local r = h.run({ h.bin(), "--pid", tostring(pid) })
    assert.are.equal(1, r.status, r.stderr)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.is_nil(r.stderr:find("permitted", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("yama", 1, true), r.stderr)
    return r.stderr
  end

  it("says a zombie has exited and waits for its parent", function()
    local p = h.spawn({ h.prog("make_zombie") })
    local zombie = h.wait_for(function() return tonumber(p:stdout():match("^(%d+)\n")) end, 30)
    assert(h.wait_for(function() return state_of(zombie) == "Z" end, 30), "no zombie")
    local err = refused(zombie)
    assert.are.equal(("compendium: PID %d (%s) is a zombie: it has exited and waits for its parent " ..
                      "(PID %d) to collect its status; there is nothing to trace\n"):format(
                      zombie, comm_of(zombie), p.pid), err)
    h.kill(p.pid, h.SIGKILL)
  end)

  it("names the tracer of a process strace already traces", function()
    local target = h.spawn({ "sleep", "30" })
    local strace = h.spawn({ "strace", "-o", "/dev/null", "-p", tostring(target.pid) })
    assert(h.wait_for(function() return select(2, state_of(target.pid)) == strace.pid end, 30),
           "strace never attached")
    local err = refused(target.pid)
    assert.are.equal(("compendium: PID %d (sleep) is already traced by PID %d (strace); a process " ..
                      "has one tracer at a time\n"):format(target.pid, strace.pid), err)
    h.kill(strace.pid, h.SIGKILL)
    h.kill(target.pid, h.SIGKILL)
  end)

  it("escapes the name of the process it reports on", function()
    local program = h.tmpdir() .. "/z\27[2J"
    assert(os.execute("cp " .. h.quote(h.prog("leader_exit")) .. " " .. h.quote(program)) == 0)
    local p = h.spawn({ program })
    assert(h.wait_for(function() return state_of(p.pid) == "Z" end, 30), "the main thread never exited")
    local err = refused(p.pid)
    assert.truthy(err:find(("PID %d (z\\x1b[2J)"):format(p.pid), 1, true), err)
    assert.is_nil(err:find("\27", 1, true))
    h.kill(p.pid, h.SIGKILL)
  end)

  it("names the tracer of a process another compendium traces", function()
    local target = h.spawn({ "sleep", "30" })
    local first = h.spawn({ h.bin(), "-q", "--pid", tostring(target.pid) })
    assert(h.wait_for(function() return select(2, state_of(target.pid)) == first.pid end, 30),
           "the first compendium never attached")
    local err = refused(target.pid)
    assert.truthy(err:find(("is already traced by PID %d (%s)"):format(first.pid, comm_of(first.pid)),
                           1, true), err)
    h.kill(first.pid, h.SIGINT)
    assert.are.equal(0, first:wait().status)
    h.kill(target.pid, h.SIGKILL)
  end)

  it("says a kernel thread runs no program (kthreadd, PID 2)", function()
    local err = refused(2)
    assert.are.equal(("compendium: PID 2 (%s) is a kernel thread: it runs no program to trace\n"):format(
                     comm_of(2)), err)
  end)

  it("says the main thread has exited when only other threads run on", function()
    local p = h.spawn({ h.prog("leader_exit") })
    assert(h.wait_for(function() return state_of(p.pid) == "Z" end, 30), "the main thread never exited")
    local err = refused(p.pid)
    assert.are.equal(("compendium: the main thread of PID %d (leader_exit) has exited and ptrace " ..
                      "cannot attach through it; its other thread runs on\n"):format(p.pid), err)
    h.kill(p.pid, h.SIGKILL)
  end)

  it("blames permissions only when they are the reason, and Yama only where it exists", function()
    local target = h.spawn({ "sleep", "30" })
    local r = h.run({ "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", h.bin(),
                      "--pid", tostring(target.pid) })
    h.kill(target.pid, h.SIGKILL)
    assert.are.equal(1, r.status, r.stderr)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("not permitted to attach to PID " .. target.pid, 1, true), r.stderr)
    local scope = tonumber(h.read_file("/proc/sys/kernel/yama/ptrace_scope") or "")
    if scope and scope > 0 then
      assert.truthy(r.stderr:find("kernel.yama.ptrace_scope is " .. scope, 1, true), r.stderr)
    else
      assert.is_nil(r.stderr:find("yama", 1, true), r.stderr)
      assert.truthy(r.stderr:find("belongs to another user", 1, true), r.stderr)
    end
  end)
end)

describe("--pid detach while the process waits in vfork", function()
  local dir, prog, child, r, parent_after, child_after, done

  local function status_of(pid)
    local text = h.read_file("/proc/" .. pid .. "/status") or ""
    return text:match("\nState:%s+(%a)"), tonumber(text:match("\nTracerPid:%s+(%d+)"))
  end

  setup(function()
    dir = h.tmpdir()
    prog = h.spawn({ h.prog("vfork_wait"), dir })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "vfork_wait never got ready")
    local c = h.spawn({ h.bin(), "--pid", tostring(prog.pid) })
    assert(wait_attached(prog.pid, c.pid), "compendium never attached")
    h.write_file(dir .. "/go", "")
    child = h.wait_for(function()
      local text = h.read_file("/proc/" .. prog.pid .. "/task/" .. prog.pid .. "/children") or ""
      return tonumber(text:match("%d+"))
    end, 30)
    assert(child, "no vfork child")
    -- the child is traced from its first instruction, as children are
    assert(h.wait_for(function() return select(2, status_of(child)) == c.pid end, 30),
           "the vfork child was never traced")
    -- the parent stays in vfork until the child leaves: the detach must not wait for that
    local saved = h.TIMEOUT
    h.TIMEOUT = 20
    h.kill(c.pid, h.SIGINT)
    local ok, res = pcall(c.wait, c)
    h.TIMEOUT = saved
    r = ok and res or { status = -1, stderr = tostring(res) }
    parent_after, child_after = { status_of(prog.pid) }, { status_of(child) }
    h.write_file(dir .. "/release", "")
    done = prog:wait()
  end)
  teardown(h.cleanup)

  it("detaches and exits 0 while the child still holds the parent", function()
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("detached", 1, true), r.stderr)
  end)

  it("leaves the parent and the child untraced and not stopped", function()
    assert.are.equal(0, parent_after[2])
    assert.are.equal(0, child_after[2])
    assert.are_not.equal("t", parent_after[1])
    assert.are_not.equal("t", child_after[1])
    assert.are_not.equal("T", child_after[1])
  end)

  it("lets both finish normally", function()
    assert.are.equal(0, done.status, done.stderr)
    assert.are.equal("ready\nchild exited 7\n", done.stdout)
  end)
end)
