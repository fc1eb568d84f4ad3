-- What the run's source can do, as scripts see it (c.source, run.source),
-- and the refusal of what it cannot: on a source that does not stop the
-- traced task, an enter: hook, c.inject, c.inject_return and c.delay are
-- errors at the script's line, never hooks or requests that do nothing.
local fake = require "fake_host"

teardown(fake.cleanup)

local READ, WRITE, OPEN, CLOSE = 0, 1, 2, 3
local NO_STOP = { name = "replay", live = false, can_stop = false }

local load = fake.load_script

describe("a source that cannot stop a task", function()
  local h, rt
  before_each(function() h, rt = fake.setup { source = NO_STOP } end)

  it("refuses an enter: hook when the script loads, at its line, on one line", function()
    local ok, err, path = load(rt, "enters", [[
      local c = require "compendium"
      c.on("syscall:read", function() end)
      c.on("enter:write", function() end)
    ]])
    assert.is_false(ok)
    assert.are.equal(path .. ':3: c.on("enter:write") needs a source that stops the traced ' ..
                     "task, and this run's source (replay) cannot", err)
    -- nothing of it reached the engine's interest
    for _, w in ipairs(h.wanted_syscalls) do assert.is_false(w.at_entry) end
  end)

  it("refuses `enter` for every syscall too", function()
    local ok, err, path = load(rt, "all_enters", [[
      local c = require "compendium"
      c.on("enter", function() end)
    ]])
    assert.is_false(ok)
    assert.are.equal(path .. ':2: c.on("enter") needs a source that stops the traced task, ' ..
                     "and this run's source (replay) cannot", err)
  end)

  it("refuses a request made while the script loads", function()
    local ok, err, path = load(rt, "early", [[
      local c = require "compendium"
      local FULL = c.inject("ENOSPC")
      c.on("syscall:write", function() return FULL end)
    ]])
    assert.is_false(ok)
    assert.are.equal(path .. ":2: c.inject needs a source that stops the traced task, and " ..
                     "this run's source (replay) cannot", err)
  end)

  it("makes c.inject, c.inject_return and c.delay in a hook errors at their lines", function()
    local ok, err, path = load(rt, "late", [[
      local c = require "compendium"
      c.on("syscall:read", function(e)
        local r = c.inject("EIO")
        return r
      end)
      c.on("syscall:open", function(e) local r = c.inject_return(0) return r end)
      c.on("syscall:close", function(e) local r = c.delay(10) return r end)
      c.on("syscall:write", function(e)
        return c.inject("ENOSPC") -- a tail call: no frame of the hook is left
      end)
    ]])
    assert(ok, err)
    rt.start()
    for _, nr in ipairs { READ, OPEN, CLOSE, WRITE } do h:emit("syscall", { nr = nr, ret = 1 }) end
    assert.are.same({}, h.injected)
    assert.are.equal(4, h.failures)
    local NEEDS = " needs a source that stops the traced task, and this run's source (replay) cannot"
    assert.are.same({
      "compendium: error: " .. path .. ":3: c.inject" .. NEEDS ..
        " (in 'syscall:read' hook, pid 100, +0.000s)",
      "compendium: error: " .. path .. ":6: c.inject_return" .. NEEDS ..
        " (in 'syscall:open' hook, pid 100, +0.000s)",
      "compendium: error: " .. path .. ":7: c.delay" .. NEEDS ..
        " (in 'syscall:close' hook, pid 100, +0.000s)",
      "compendium: error: " .. path .. ":8: c.inject" .. NEEDS ..
        " (in the hook that starts there) (in 'syscall:write' hook, pid 100, +0.000s)",
    }, h:lines())
  end)

  it("refuses the bundled inject script", function()
    h, rt = fake.setup { source = NO_STOP, options = { { key = "inject.write", value = "ENOSPC" } } }
    local ok, err = rt.load(fake.bundled("inject"), "inject")
    assert.is_false(ok)
    -- its requests are made when it loads, before it hooks enter:write
    assert.truthy(err:find("^inject%.lua:%d+: c%.inject needs a source that stops the traced task"),
                  err)
  end)

  it("still runs syscall: hooks, and tells scripts what it is", function()
    local seen = {}
    _G.source_spec_seen = seen
    assert(load(rt, "observer", [[
      local c = require "compendium"
      _G.source_spec_seen.at_load = c.source
      c.on("start", function(run) _G.source_spec_seen.run = run.source end)
      c.on("syscall:write", function(e) _G.source_spec_seen.ret = e.ret end)
    ]]))
    rt.start()
    h:emit("syscall", { nr = WRITE, ret = 5 })
    _G.source_spec_seen = nil
    assert.are.same(NO_STOP, seen.at_load)
    assert.are.same(NO_STOP, seen.run)
    assert.are.equal(5, seen.ret)
    assert.are.equal(0, h.failures)
  end)
end)

describe("a source that stops tasks", function()
  it("takes enter: hooks and their requests", function()
    local h, rt = fake.setup()
    assert.are.same({ name = "ptrace", live = true, can_stop = true }, require("compendium").source)
    assert(load(rt, "stopper", [[
      local c = require "compendium"
      c.on("enter:write", function() return c.inject("ENOSPC") end)
    ]]))
    rt.start()
    h:emit("enter", { nr = WRITE })
    assert.are.same({ { action = 1, value = -28, delay_ns = 0 } }, h.injected)
  end)
end)
