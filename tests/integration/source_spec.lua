-- The run's source as scripts and --json see it: a live ptrace trace
-- stops tasks, so enter: hooks are taken.
local h = require "helpers"

describe("the source of a live trace", function()
  teardown(h.cleanup)

  it("is ptrace, live and able to stop, at load, in start and end hooks and in the summary", function()
    local script = h.tmpdir() .. "/source.lua"
    h.write_file(script, [[
local c = require "compendium"
local function say(when, s) c.print("%s: %s live=%s can_stop=%s", when, s.name, tostring(s.live), tostring(s.can_stop)) end
say("load", c.source)
c.on("start", function(run) say("start", run.source) end)
local before = 0
c.on("enter:openat", function(e) if e.path == "/etc/hostname" then before = before + 1 end end)
c.on("end", function(run) say("end", run.source) c.print("entries seen: %d", before) end)
]])
    local r = h.trace({ h.prog("counts"), "2", "0" }, { flags = { "-s", script } })
    assert.are.equal(0, r.status, r.stderr)
    for _, when in ipairs { "load", "start", "end" } do
      assert.truthy(r.stderr:find(when .. ": ptrace live=true can_stop=true\n", 1, true), r.stderr)
    end
    assert.are.same({ name = "ptrace", live = true, can_stop = true }, r.summary.source)
    -- a source that stops takes enter: hooks
    assert.truthy(r.stderr:find("entries seen: 2\n", 1, true), r.stderr)
  end)
end)
