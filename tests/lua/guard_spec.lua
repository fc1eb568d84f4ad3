-- The runtime's guards: interrupted hooks, out-of-memory errors,
-- -X hook_timeout and the calls scripts may not make.
local fake = require "fake_host"

teardown(fake.cleanup)

local function load(rt, name, source)
  local path = fake.script_file(name, source)
  local ok, err = rt.load(path, path)
  assert(ok, err)
  return path
end

-- What the engine raises in an interrupted hook (engine/script_host.c).
local function interrupt_source(why, line)
  return ('error({ interrupted = %q, source = debug.getinfo(1, "S").source, line = %d })'):format(why, line)
end

describe("an interrupted hook", function()
  for why, text in pairs({
    sigint = "hook interrupted by a second SIGINT (Ctrl-C)",
    sigterm = "hook interrupted by SIGTERM",
    sighup = "hook interrupted: the terminal hung up",
    memory = "not enough memory",
  }) do
    it("is reported at the line the engine found (" .. why .. ") and not called again", function()
      local h, rt = fake.setup()
      local path = load(rt, "spin", 'local c = require "compendium"\nc.on("open", function(e)\n  ' ..
                         interrupt_source(why, 7) .. "\nend)\n" ..
                         'c.on("open", function(e) c.print("next hook sees %s", e.path) end)\n')
      rt.start()
      h:emit("open", { pid = 42, ts = 0.5, path = "/a" })
      h:emit("open", { pid = 42, ts = 0.6, path = "/b" })
      assert.are.equal(1, rt.finish())
      assert.are.same({
        "compendium: error: " .. path .. ":7: " .. text .. " (in 'open' hook, pid 42, +0.500s)",
        "next hook sees /a",
        "next hook sees /b",
        "compendium: 1 of 1 check failed (spin); the command exited 0",
      }, h:lines())
    end)
  end

  it("tells the engine it has the error, and each start or end hook starts its clock", function()
    local h, rt = fake.setup()
    load(rt, "phases", 'local c = require "compendium"\nc.on("end", function() ' ..
         interrupt_source("sigint", 2) .. ' end)\nc.on("end", function() c.print("summary") end)\n')
    rt.start()
    rt.finish()
    -- two end hooks begun, one error handed over
    assert.are.equal(3, h.hooks_begun)
    assert.are.equal("summary", h:lines()[2])
  end)

  it("ran longer than -X hook_timeout", function()
    local h, rt = fake.setup({ options = { { key = "hook_timeout", value = "1500ms" } } })
    assert.are.equal(1500000000, h.hook_timeout_ns)
    local path = load(rt, "slow", 'local c = require "compendium"\nc.on("exec", function(e)\n  ' ..
                       interrupt_source("timeout", 3) .. "\nend)\n")
    assert.is_nil(rt.check_options())
    h:emit("exec", { pid = 7, ts = 1 })
    assert.are.same({
      "compendium: error: " .. path .. ":3: hook ran longer than hook_timeout=1500ms (in 'exec' hook, pid 7, +1.000s)",
    }, h:lines())
  end)
end)

describe("-X hook_timeout", function()
  it("must be a duration", function()
    for _, bad in ipairs({ "soon", "0", "-1s" }) do
      local ok, err = pcall(fake.setup, { options = { { key = "hook_timeout", value = bad } } })
      assert.is_false(ok)
      assert.are.equal("option hook_timeout=" .. bad .. ": expected a duration (2s, 500ms)", err)
    end
  end)

  it("is off unless given", function()
    local h = fake.setup()
    assert.is_nil(h.hook_timeout_ns)
  end)
end)

describe("not enough memory", function()
  it("without a position names the script and the line where the hook starts", function()
    local h, rt = fake.setup()
    local path = load(rt, "hungry", 'local c = require "compendium"\n\nc.on("exec", function(e)\n' ..
                       '  error("not enough memory", 0)\nend)\n')
    h:emit("exec", { pid = 7, ts = 1 })
    assert.are.same({
      "compendium: error: " .. path .. ":3: not enough memory (in the hook that starts there) " ..
      "(in 'exec' hook, pid 7, +1.000s)",
    }, h:lines())
  end)
end)

describe("rt.protect", function()
  -- A copy of the globals it changes, so that busted keeps its own.
  local function fake_globals()
    return { os = setmetatable({}, { __index = os }), io = setmetatable({}, { __index = io }) }
  end

  for _, call in ipairs({ "os.exit(0)", "os.execute('true')", "io.popen('true')" }) do
    it("makes " .. call .. " an error at the caller's line", function()
      local _, rt = fake.setup()
      local env = fake_globals()
      rt.protect(env)
      local chunk = assert(loadstring("local x = 1\n" .. call .. "\n", "@mine.lua"))
      setfenv(chunk, env)
      local ok, err = pcall(chunk)
      assert.is_false(ok)
      assert.are.equal("mine.lua:2: " .. call:match("^[%a.]+") ..
                       " is not available to scripts (compendium ends when the traced command does)", err)
    end)
  end
end)

describe("a script loaded from text", function()
  it("is named by its path, not read again", function()
    local h, rt = fake.setup()
    local path = fake.tmpdir() .. "/not-there.lua"
    assert(rt.load(path, path, 'local c = require "compendium"\nc.on("start", function() error("x") end)\n'))
    rt.start()
    assert.are.equal("compendium: error: " .. path .. ":2: x (in 'start' hook)", h:lines()[1])
  end)
end)
