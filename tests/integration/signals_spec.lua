-- Signals: job control must look untraced, and a SIGINT sent to compendium
-- reaches the program.
local h = require "helpers"

describe("selfstop", function()
  teardown(h.cleanup)

  it("sees its child stopped, continued and exited as if untraced", function()
    local r = h.trace({ h.prog("selfstop") })
    -- the program exits 1 (or dies of SIGALRM) when a wait saw something else
    assert.are.equal(0, r.status, r.stderr)
    local spawn = h.one(r.events, "spawn_process")
    local exit = h.one(r.events, "exit", { pid = spawn.child_pid })
    assert.are.equal(7, exit.code)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)
end)

describe("SIGINT sent to compendium", function()
  local json, p, r

  setup(function()
    json = h.tmpdir() .. "/events.jsonl"
    p = h.spawn({ h.bin(), "--json", json, "--", h.prog("sigint_handler") })
    assert(h.wait_for(function() return p:stdout():find("ready\n", 1, true) end, 30),
           "sigint_handler never got ready")
    assert(h.kill(p.pid, h.SIGINT))
    r = p:wait()
  end)
  teardown(h.cleanup)

  it("is forwarded: the program handles it and exits 42, and so does compendium", function()
    assert.are.equal(42, r.status)
    assert.are.equal("ready\n", r.stdout)
  end)

  it("still prints the summary", function()
    assert.truthy(r.stderr:find(" FINAL: ", 1, true))
    assert.truthy(r.stderr:find(" Exit: 42", 1, true))
  end)

  it("lets the program exit by itself, not by SIGKILL", function()
    local events = h.read_jsonl(json)
    local exits = h.select(events, "exit", { is_thread = false })
    assert.are.equal(1, #exits)
    assert.are.equal(42, exits[1].code)
    assert.is_nil(exits[1].signal)
    assert.are.same({ code = 42 }, events[#events].exit)
  end)
end)
