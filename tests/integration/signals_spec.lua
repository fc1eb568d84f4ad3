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

describe("the signal state compendium was started with", function()
  teardown(h.cleanup)

  -- sigstate's report, run directly and under compendium, both started
  -- with `setup` (sigstate options) applied.
  local function both(setup)
    local direct = { h.prog("sigstate") }
    local traced = { h.prog("sigstate") }
    for _, a in ipairs(setup) do
      direct[#direct + 1] = a
      traced[#traced + 1] = a
    end
    direct[#direct + 1] = "--"
    direct[#direct + 1] = h.prog("sigstate")
    for _, a in ipairs({ "--", h.bin(), "-q", "--", h.prog("sigstate") }) do traced[#traced + 1] = a end
    return h.run(direct), h.run(traced)
  end

  it("is the command's: a blocked signal stays blocked, an ignored one ignored", function()
    local direct, traced = both({ "-b", "10", "-b", "12", "-i", "1", "-i", "13" })
    assert.are.equal("blocked: 10 12\nignored: 1 13\nwrite: EPIPE\n", direct.stdout)
    assert.are.equal(0, direct.status)
    assert.are.equal(direct.stdout, traced.stdout)
    assert.are.equal(0, traced.status, traced.stderr)
  end)

  it("gives an inherited SIGPIPE ignore to the writer: EPIPE, not death by SIGPIPE", function()
    local direct, traced = both({ "-i", "13" })
    assert.are.equal("blocked:\nignored: 13\nwrite: EPIPE\n", direct.stdout)
    assert.are.equal(direct.stdout, traced.stdout)
    assert.are.equal(0, traced.status, traced.stderr)
  end)

  it("keeps a command under nohup alive through SIGHUP, as untraced", function()
    local script = "kill -HUP $$; echo survived"
    local direct = h.run({ "nohup", "sh", "-c", script })
    local traced = h.run({ "nohup", h.bin(), "-q", "--", "sh", "-c", script })
    assert.are.equal(0, direct.status)
    assert.are.equal("survived\n", direct.stdout)
    assert.are.equal(0, traced.status, traced.stderr)
    assert.are.equal("survived\n", traced.stdout)
  end)

  it("still ends on a second SIGINT when the caller blocked SIGINT", function()
    -- compendium still stops on a second SIGINT; the command keeps SIGINT blocked
    local p = h.spawn({ h.prog("sigstate"), "-b", "2", "--", h.bin(), "--", "sh", "-c",
                        "echo ready; exec sleep 30" })
    assert(h.wait_for(function() return p:stdout() == "ready\n" end, 30), "never got ready")
    h.kill(p.pid, h.SIGINT)
    h.sleep(0.2)
    h.kill(p.pid, h.SIGINT)
    local r = p:wait()
    assert.are.equal(128 + 9, r.status, r.stderr)
  end)
end)
