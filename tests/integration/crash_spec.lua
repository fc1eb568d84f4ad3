-- When compendium itself dies (SIGKILL: no chance to clean up), no tracee
-- may be left stopped: a command it started dies with it, an attached
-- process runs on.
local h = require "helpers"

local function state_of(pid)
  local status = h.read_file("/proc/" .. pid .. "/status")
  if not status then return nil end
  return status:match("\nState:%s+(%a)"), tonumber(status:match("\nTracerPid:%s+(%d+)"))
end

-- The child of pid that runs `comm`, from /proc (the traced command under
-- compendium). Matching the name matters: until the spawn helper's shell
-- execs compendium, its own short-lived children (mv) are children of the
-- same pid.
local function child_of(pid, comm)
  return h.wait_for(function()
    local text = h.read_file("/proc/" .. pid .. "/task/" .. pid .. "/children") or ""
    for child in text:gmatch("%d+") do
      if (h.read_file("/proc/" .. child .. "/comm") or "") == comm .. "\n" then return tonumber(child) end
    end
  end, 30)
end

-- True once no SIGINT waits for compendium (pid) to take it: two signals
-- sent while the first still waits would be one.
local function sigint_taken(pid)
  return h.wait_for(function()
    local status = h.read_file("/proc/" .. pid .. "/status") or ""
    local shared, own = status:match("\nShdPnd:%s+(%x+)"), status:match("\nSigPnd:%s+(%x+)")
    if not shared then return false end
    local bit = 2 -- 1 << (SIGINT - 1)
    return math.floor(tonumber(shared:sub(-2), 16) / bit) % 2 == 0 and
           math.floor(tonumber(own:sub(-2), 16) / bit) % 2 == 0
  end, 30)
end

describe("compendium killed while tracing a command", function()
  teardown(h.cleanup)

  it("takes the command with it instead of leaving it stopped", function()
    local c = h.spawn({ h.bin(), "--", "sleep", "30" })
    local child = assert(child_of(c.pid, "sleep"), "the command never started")
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
    -- it runs until told to end (SIGUSR1), however slowly the machine goes
    local prog = h.spawn({ h.prog("thread_churn"), "60" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "thread_churn never got ready")
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
    h.kill(prog.pid, 10) -- SIGUSR1
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
    assert(sigint_taken(p.pid), "compendium never took the first SIGINT")
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
    -- it runs until told to end (SIGUSR1), however slowly the machine goes
    local prog = h.spawn({ h.prog("thread_churn"), "60" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "thread_churn never got ready")
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
    h.kill(prog.pid, 10) -- SIGUSR1
    local done = prog:wait()
    assert.are.equal(0, done.status)
    assert.are.equal("ready\ndone\n", done.stdout)
  end)
end)
