-- Attaching to and detaching from a process whose threads come and go all the
-- time: every detach must finish, and leave no thread stopped or traced.
local h = require "helpers"

local CYCLES = 50

-- { tid = {state = "S", tracer = 0}, ... } over the threads of pid that
-- exist right now (threads that end while this reads are skipped).
local function threads_of(pid)
  local list = {}
  local p = assert(io.popen("ls /proc/" .. pid .. "/task 2>/dev/null"))
  for tid in p:read("*a"):gmatch("%d+") do
    local status = h.read_file("/proc/" .. pid .. "/task/" .. tid .. "/status")
    local stat = h.read_file("/proc/" .. pid .. "/task/" .. tid .. "/stat")
    -- the state is the first field after the command name in parentheses
    local state = stat and stat:match("%) (%a) ")
    local tracer = status and tonumber(status:match("\nTracerPid:%s+(%d+)"))
    if state and tracer then list[tonumber(tid)] = { state = state, tracer = tracer } end
  end
  p:close()
  return list
end

local function tracer_of(pid)
  local status = h.read_file("/proc/" .. pid .. "/status")
  return status and tonumber(status:match("\nTracerPid:%s+(%d+)"))
end

describe("--pid on a process that creates and ends threads without pause", function()
  local prog, results = nil, {}

  setup(function()
    prog = h.spawn({ h.prog("thread_churn"), "50" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "thread_churn never got ready")
    -- a detach that hangs is caught here, long before the spec's own timeout
    local saved = h.TIMEOUT
    h.TIMEOUT = 15
    for cycle = 1, CYCLES do
      local c = h.spawn({ h.bin(), "--pid", tostring(prog.pid) })
      local attached = h.wait_for(function() return tracer_of(prog.pid) == c.pid end, 10)
      -- vary the moment of the SIGINT against the threads' lifecycle
      h.sleep((cycle % 5) * 0.01)
      h.kill(c.pid, h.SIGINT)
      local ok, r = pcall(c.wait, c)
      results[cycle] = { attached = attached, ok = ok, r = r, threads = threads_of(prog.pid) }
      if not ok then break end
    end
    h.TIMEOUT = saved
  end)
  teardown(function()
    if prog and not prog:done() then h.kill(prog.pid, h.SIGKILL) end
    h.cleanup()
  end)

  it("detaches every time, exiting 0", function()
    for cycle, res in ipairs(results) do
      assert.is_truthy(res.attached, "cycle " .. cycle .. ": never attached")
      assert.is_true(res.ok, "cycle " .. cycle .. ": " .. tostring(res.r))
      assert.are.equal(0, res.r.status, "cycle " .. cycle .. ": " .. res.r.stderr)
      assert.truthy(res.r.stderr:find("detached", 1, true), res.r.stderr)
    end
    assert.are.equal(CYCLES, #results)
  end)

  it("leaves no thread stopped or traced", function()
    for cycle, res in ipairs(results) do
      local n = 0
      for tid, th in pairs(res.threads) do
        n = n + 1
        assert.is_truthy(th.state ~= "t" and th.state ~= "T",
                         ("cycle %d: thread %d stopped (state %s)"):format(cycle, tid, th.state))
        assert.are.equal(0, th.tracer, ("cycle %d: thread %d still traced"):format(cycle, tid))
      end
      assert.is_true(n >= 5, "cycle " .. cycle .. ": only " .. n .. " threads seen")
    end
  end)

  it("lets the process run on to its normal end", function()
    assert.is_false(prog:done(), "thread_churn ended early: " .. prog:stderr())
    h.kill(prog.pid, 10) -- SIGUSR1: stop churning and exit
    local done = prog:wait()
    assert.are.equal(0, done.status, done.stderr)
    assert.are.equal("ready\ndone\n", done.stdout)
  end)
end)
