-- When compendium itself dies (SIGKILL: no chance to clean up), no tracee
-- may be left stopped: a command it started dies with it, an attached
-- process runs on.
local h = require "helpers"

local function state_of(pid)
  local status = h.read_file("/proc/" .. pid .. "/status")
  if not status then return nil end
  return status:match("\nState:%s+(%a)"), tonumber(status:match("\nTracerPid:%s+(%d+)"))
end

-- The first child of pid, from /proc (the traced command under compendium).
local function child_of(pid)
  return h.wait_for(function()
    local text = h.read_file("/proc/" .. pid .. "/task/" .. pid .. "/children") or ""
    return tonumber(text:match("%d+"))
  end, 30)
end

describe("compendium killed while tracing a command", function()
  teardown(h.cleanup)

  it("takes the command with it instead of leaving it stopped", function()
    local c = h.spawn({ h.bin(), "--", "sleep", "30" })
    local child = assert(child_of(c.pid), "the command never started")
    assert(h.wait_for(function()
      local _, tracer = state_of(child)
      return tracer == c.pid
    end, 30), "the command was never traced")
    h.kill(c.pid, h.SIGKILL)
    c:wait()
    -- gone, or a zombie waiting for a reaper: never stopped, never running on
    local gone = h.wait_for(function()
      local state = state_of(child)
      return state == nil or state == "Z"
    end, 10)
    assert.truthy(gone, "the traced command survived its tracer: " .. tostring(state_of(child)))
  end)
end)

describe("compendium killed while attached", function()
  teardown(h.cleanup)

  it("leaves the process running, untraced, to finish normally", function()
    local ticks = h.tmpdir() .. "/ticks.txt"
    local prog = h.spawn({ h.prog("threads_loop"), ticks, "3" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "threads_loop never got ready")
    local c = h.spawn({ h.bin(), "--pid", tostring(prog.pid) })
    assert(h.wait_for(function()
      local _, tracer = state_of(prog.pid)
      return tracer == c.pid
    end, 30), "compendium never attached")
    h.sleep(0.3)
    h.kill(c.pid, h.SIGKILL)
    c:wait()
    local state, tracer = state_of(prog.pid)
    assert.are.equal(0, tracer)
    assert.are_not.equal("T", state)
    assert.are_not.equal("t", state)
    local done = prog:wait()
    assert.are.equal(0, done.status)
    assert.are.equal("ready\ndone\n", done.stdout)
  end)
end)

describe("a second SIGINT", function()
  local r

  setup(function()
    -- the program ignores SIGINT, so only the second one can end it
    local p = h.spawn({ h.bin(), "--", "sh", "-c", "trap '' INT; echo ready; sleep 30" })
    assert(h.wait_for(function() return p:stdout() == "ready\n" end, 30), "never got ready")
    h.sleep(0.2)
    h.kill(p.pid, h.SIGINT)
    h.sleep(0.3)
    assert.is_false(p:done(), "one SIGINT must not end a program that ignores it")
    h.kill(p.pid, h.SIGINT)
    r = p:wait()
  end)
  teardown(h.cleanup)

  it("kills the traced processes: compendium exits 128+9", function()
    assert.are.equal(128 + 9, r.status)
  end)

  it("still prints the summary, saying why the program ended", function()
    assert.truthy(r.stderr:find(" Exit: killed by SIGKILL after a second Ctrl-C", 1, true), r.stderr)
  end)
end)

describe("SIGHUP to compendium while attached", function()
  teardown(h.cleanup)

  it("detaches: the terminal is gone, the process runs on untraced", function()
    local ticks = h.tmpdir() .. "/ticks.txt"
    local prog = h.spawn({ h.prog("threads_loop"), ticks, "3" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "threads_loop never got ready")
    local c = h.spawn({ h.bin(), "--pid", tostring(prog.pid) })
    assert(h.wait_for(function()
      local _, tracer = state_of(prog.pid)
      return tracer == c.pid
    end, 30), "compendium never attached")
    h.kill(c.pid, 1) -- SIGHUP
    local r = c:wait()
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find(" Exit: detached, " .. prog.pid .. " still running", 1, true), r.stderr)
    local state, tracer = state_of(prog.pid)
    assert.are.equal(0, tracer)
    assert.are_not.equal("t", state)
    local done = prog:wait()
    assert.are.equal(0, done.status)
    assert.are.equal("ready\ndone\n", done.stdout)
  end)
end)
