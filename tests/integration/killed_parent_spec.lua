-- A process killed in the middle of fork: its just-born child stops for its
-- tracer before the parent could report it, and the parent never will. The
-- child must still be traced on, and compendium must end.
local h = require "helpers"

describe("processes SIGKILLed while they fork", function()
  local r
  setup(function()
    r = h.trace({ h.prog("fork_killed"), "20" }, { flags = { "-q" } })
  end)
  teardown(h.cleanup)

  it("end the trace normally, with the command's status", function()
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("done\n", r.stdout)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)

  it("are each seen killed by SIGKILL", function()
    local root = r.events[1].pid
    local victims = {}
    for _, e in ipairs(h.select(r.events, "spawn_process", { pid = root })) do victims[e.child_pid] = true end
    local killed = 0
    for _, e in ipairs(h.select(r.events, "exit", { is_thread = false, signal = "SIGKILL" })) do
      if victims[e.pid] then killed = killed + 1 end
    end
    assert.are.equal(20, killed)
  end)
end)
