-- Hooks are called so that LuaJIT compiles them whole: a trace that
-- starts in a hook (at a branch taken later, say) ends at the hook's
-- return. Called from a Lua frame inside the runtime, such traces had to
-- return below where they started, which LuaJIT does not compile ("NYI:
-- return to lower frame"): they aborted, and the hooks ran in the
-- interpreter. jit.attach sees every abort of the run.
local h = require "helpers"

describe("hooks under LuaJIT's compiler", function()
  teardown(h.cleanup)

  it("compile without a trace aborting at a return below its start", function()
    local dir = h.tmpdir()
    local script = dir .. "/branchy.lua"
    h.write_file(script, [[
local c = require "compendium"
local vmdef = require "jit.vmdef"
local aborts, lower, mine = 0, 0, 0
jit.attach(function(what, tr, func, pc, otr, oex)
  local source = require("jit.util").funcinfo(func, pc).source or ""
  if what == "abort" then
    aborts = aborts + 1
    local text = vmdef.traceerr[otr]
    if type(text) == "string" and text:find("return to lower frame", 1, true) then
      lower = lower + 1
      c.print("abort: %s (%s)", text, source)
    end
  elseif what == "stop" and source:find("branchy.lua", 1, true) then
    mine = mine + 1
  end
end, "trace")
local odd, even, n = 0, 0, 0
c.on("syscall:write", function(e)
  n = n + 1
  -- both sides hot: the second becomes a side trace of the first
  if n % 2 == 0 then even = even + e.ret else odd = odd + e.ret end
end)
c.on("end", function()
  jit.attach(function() end)
  c.print("writes: %d + %d", odd, even)
  c.print("compiled in this script: %d", mine)
  c.print("returns below the start: %d", lower)
end)
]])
    local r = h.run({ h.bin(), "-q", "-s", script, "--", h.prog("counts"), "0", "4000" })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("writes: 2000 + 2000\n", 1, true), r.stderr)
    local compiled = tonumber(r.stderr:match("compiled in this script: (%d+)\n"))
    assert.is_true(compiled ~= nil and compiled >= 2, r.stderr)
    assert.truthy(r.stderr:find("returns below the start: 0\n", 1, true), r.stderr)
  end)
end)
