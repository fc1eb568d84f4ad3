-- A hook that never returns keeps its tracee stopped. Ctrl-C (twice),
-- SIGTERM and -X hook_timeout must still end it, name the script line it
-- was on, and leave the tracee killed (a command compendium started) or
-- running untraced (--pid).
local h = require "helpers"

-- The line each loop is on in the script below.
local LOOP_LINE = 5

-- Loops LuaJIT compiles (its compiled code never runs hooks) and one that
-- catches the error meant to stop it.
local LOOPS = {
  { "an empty loop", "while true do end" },
  { "a counting loop", "local x = 0 while true do x = x + 1 end" },
  { "a loop that catches errors", "while true do pcall(error, 'again') end" },
}

-- A script whose syscall:write hook writes the tracee's pid to `marker`
-- (whole, by a rename), then runs `loop` on LOOP_LINE.
local function script(dir, loop)
  local path = dir .. "/spin.lua"
  h.write_file(path, table.concat({
    'local c = require "compendium"',
    'c.on("syscall:write", function(e)',
    '  local f = assert(io.open(' .. ("%q"):format(dir .. "/marker.tmp") .. ', "w"))',
    '  f:write(e.pid) f:close() os.rename(' .. ("%q, %q"):format(dir .. "/marker.tmp", dir .. "/marker") .. ')',
    '  ' .. loop,
    'end)',
  }, "\n") .. "\n")
  return path
end

-- The pid the hook wrote once it started looping.
local function wait_marker(dir)
  return tonumber(h.wait_for(function() return h.read_file(dir .. "/marker") end, 30))
end

-- "State" and "TracerPid" of a process, from /proc/PID/status.
local function proc_status(pid)
  local text = h.read_file("/proc/" .. pid .. "/status") or ""
  return text:match("\nState:%s+(%a)"), tonumber(text:match("\nTracerPid:%s+(%d+)"))
end

-- Sends sig and waits until the process took it (no longer pending), so
-- that two signals in a row are never merged into one. False when the
-- process was gone.
local function signal(pid, sig)
  if not h.kill(pid, sig) then return false end
  local bit = 2 ^ (sig - 1)
  assert(h.wait_for(function()
    local text = h.read_file("/proc/" .. pid .. "/status")
    if not text then return true end
    for _, field in ipairs({ "SigPnd", "ShdPnd" }) do
      local mask = tonumber(text:match("\n" .. field .. ":%s+(%x+)"), 16) or 0
      if math.floor(mask / bit) % 2 == 1 then return false end
    end
    return true
  end, 30), "signal " .. sig .. " never delivered")
  return true
end

local function error_line(path, line, why)
  return ("compendium: error: %s:%d: %s (in 'syscall:write' hook, pid "):format(path, line, why)
end

describe("a runaway hook in a command compendium started", function()
  teardown(h.cleanup)

  for _, loop in ipairs(LOOPS) do
    it("is interrupted by a second SIGINT: " .. loop[1], function()
      local dir = h.tmpdir()
      local path = script(dir, loop[2])
      local p = h.spawn({ h.bin(), "-s", path, "--", h.prog("hook_target"), "loop" })
      local tracee = wait_marker(dir)
      assert(signal(p.pid, h.SIGINT))
      assert(signal(p.pid, h.SIGINT))
      local r = p:wait()
      assert.are.equal(125, r.status, r.stderr)
      assert.truthy(r.stderr:find(error_line(path, LOOP_LINE,
        "hook interrupted by a second SIGINT (Ctrl-C)") .. tracee, 1, true), r.stderr)
      assert.truthy(r.stderr:find("the command was killed after a second Ctrl-C\n", 1, true), r.stderr)
      -- the tracee loops until killed, and would live on if compendium had not
      assert.is_false(h.exists("/proc/" .. tracee))
    end)
  end

  it("is interrupted by SIGTERM, which then reaches the command", function()
    local dir = h.tmpdir()
    local path = script(dir, LOOPS[2][2])
    local p = h.spawn({ h.bin(), "-s", "default", "-s", path, "--", h.prog("hook_target"), "loop" })
    local tracee = wait_marker(dir)
    assert(signal(p.pid, h.SIGTERM))
    local r = p:wait()
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find(error_line(path, LOOP_LINE, "hook interrupted by SIGTERM") .. tracee,
                                1, true), r.stderr)
    -- what it can print, it does: the default view's summary
    assert.truthy(r.stderr:find(" Exit: killed by SIGTERM\n", 1, true), r.stderr)
    assert.is_false(h.exists("/proc/" .. tracee))
  end)

  it("is interrupted in a module the script loaded", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/spinner.lua", "return function()\n  local x = 0 while true do x = x + 1 end\nend\n")
    local path = script(dir, 'require("spinner")()')
    local p = h.spawn({ "env", "LUA_PATH=" .. dir .. "/?.lua;;", h.bin(), "-s", path, "--",
                        h.prog("hook_target"), "loop" })
    local tracee = wait_marker(dir)
    assert(signal(p.pid, h.SIGTERM))
    local r = p:wait()
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find(error_line(dir .. "/spinner.lua", 2, "hook interrupted by SIGTERM"),
                                1, true), r.stderr)
    assert.is_false(h.exists("/proc/" .. tracee))
  end)

  it("that is stuck in a C function makes compendium die of the next SIGINT", function()
    local dir = h.tmpdir()
    -- a pattern match that takes hours, all of it inside string.find
    local path = script(dir, 'local s = ("a"):rep(80) s:find(".-.-.-.-.-.-.-.-.-.-b")')
    local p = h.spawn({ h.bin(), "-s", path, "--", h.prog("hook_target"), "loop" })
    local tracee = wait_marker(dir)
    for _ = 1, 10 do
      if not signal(p.pid, h.SIGINT) then break end
    end
    local r = p:wait()
    assert.are.equal(128 + h.SIGINT, r.status, r.stderr)
    assert.truthy(r.stderr:find("\ncompendium: the hook does not stop (it runs a C function or " ..
                                "compiled code); quitting without the summary\n", 1, true), r.stderr)
    assert.truthy(h.wait_for(function() return not h.exists("/proc/" .. tracee) end, 30))
  end)
end)

describe("a runaway hook with --pid", function()
  teardown(h.cleanup)

  for _, sigs in ipairs({ { h.SIGINT, h.SIGINT }, { h.SIGTERM } }) do
    it("is interrupted after " .. (#sigs == 2 and "two SIGINTs" or "SIGTERM") ..
       ", and the process runs on untraced", function()
      local dir = h.tmpdir()
      local path = script(dir, LOOPS[2][2])
      local target = h.spawn({ h.prog("hook_target"), "loop" })
      assert(h.wait_for(function() return target:stdout() == "ready\n" end, 30), "never ready")
      local p = h.spawn({ h.bin(), "-s", path, "--pid", tostring(target.pid) })
      assert.are.equal(target.pid, wait_marker(dir))
      for _, sig in ipairs(sigs) do assert(signal(p.pid, sig)) end
      local r = p:wait()
      local why = #sigs == 2 and "hook interrupted by a second SIGINT (Ctrl-C)"
                  or "hook interrupted by SIGTERM"
      assert.are.equal(125, r.status, r.stderr)
      assert.truthy(r.stderr:find(error_line(path, LOOP_LINE, why) .. target.pid, 1, true), r.stderr)
      assert.truthy(r.stderr:find("the process was detached and runs on\n", 1, true), r.stderr)
      local state, tracer = proc_status(target.pid)
      assert.are.equal(0, tracer)
      assert.truthy(state == "S" or state == "R", state)
      assert.is_false(target:done())
      h.kill(target.pid, h.SIGKILL)
      target:wait()
    end)
  end
end)

describe("-X hook_timeout", function()
  teardown(h.cleanup)

  it("interrupts a hook that runs longer, names its line, and tracing goes on", function()
    local dir = h.tmpdir()
    local path = script(dir, LOOPS[2][2])
    local r = h.run({ h.bin(), "-X", "hook_timeout=1s", "-s", path, "--", h.prog("hook_target"),
                      "exit", "3" })
    assert.are.equal(125, r.status, r.stderr)
    local tracee = tonumber(h.read_file(dir .. "/marker"))
    assert.truthy(r.stderr:find(error_line(path, LOOP_LINE, "hook ran longer than hook_timeout=1s") ..
                                tracee, 1, true), r.stderr)
    assert.truthy(r.stderr:find("the command exited 3\n", 1, true), r.stderr)
    assert.are.equal("ready\n", r.stdout)
  end)

  it("leaves quick hooks alone", function()
    local r = h.run({ h.bin(), "-X", "hook_timeout=10s", "-s",
                      h.source() .. "/tests/integration/scripts/count.lua", "--",
                      h.prog("hook_target"), "exit", "3" })
    assert.are.equal(3, r.status, r.stderr)
    assert.truthy(r.stderr:find("count: write ", 1, true), r.stderr)
  end)

  it("must be a duration", function()
    local r = h.run({ h.bin(), "-X", "hook_timeout=soon", "--", h.prog("hook_target"), "exit", "0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: option hook_timeout=soon: expected a duration (2s, 500ms)\n", r.stderr)
  end)
end)
