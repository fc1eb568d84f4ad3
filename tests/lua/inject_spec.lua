-- Fault injection on the Lua side: c.inject / c.inject_return / c.delay
-- returned from hooks reach the engine (host.inject), and the bundled
-- inject script chooses calls from its options.
local fake = require "fake_host"

teardown(fake.cleanup)

local RETURN, DELAY = 1, 2
local READ, WRITE, CONNECT, FSYNC = 0, 1, 42, 74

local function load(rt, name, source)
  local path = fake.script_file(name, source)
  local ok, err = rt.load(path, path)
  return ok, err, path
end

local function load_bundled(rt, name)
  return rt.load(fake.bundled(name), name)
end

describe("a hook's injection", function()
  local h, rt
  before_each(function() h, rt = fake.setup() end)

  it("passes c.inject from an enter hook to the engine as -errno, by name or number", function()
    assert(load(rt, "fail_writes", [[
      local c = require "compendium"
      c.on("enter:write", function(e)
        if e.fd_path == "/data/a" then return c.inject("ENOSPC") end
        if e.fd_path == "/data/b" then return c.inject(-13) end
      end)
    ]]))
    rt.start()
    h:emit("enter", { nr = WRITE, fd_path = "/data/a" })
    h:emit("enter", { nr = WRITE, fd_path = "/data/other" })
    h:emit("enter", { nr = WRITE, fd_path = "/data/b" })
    assert.are.same({
      { action = RETURN, value = -28, delay_ns = 0 },
      { action = RETURN, value = -13, delay_ns = 0 },
    }, h.injected)
  end)

  it("passes c.inject_return from an exit hook, and c.delay in nanoseconds", function()
    assert(load(rt, "change", [[
      local c = require "compendium"
      c.on("syscall:read", function(e) return c.inject_return(1) end)
      c.on("enter:fsync", function(e) return c.delay(250) end)
      c.on("enter:write", function(e) return c.delay(1.5, c.inject("EIO")) end)
    ]]))
    rt.start()
    h:emit("syscall", { nr = READ, ret = 100 })
    h:emit("enter", { nr = FSYNC })
    h:emit("enter", { nr = WRITE })
    assert.are.same({
      { action = RETURN, value = 1, delay_ns = 0 },
      { action = DELAY, value = 0, delay_ns = 250000000 },
      { action = RETURN + DELAY, value = -5, delay_ns = 1500000 },
    }, h.injected)
  end)

  it("gives the same request for the same value, so hooks allocate nothing per call", function()
    local c = require "compendium"
    assert.are.equal(c.inject("ENOSPC"), c.inject(28))
    assert.are.equal(c.inject(-28), c.inject("28"))
    assert.are.equal(c.delay(5), c.delay(5))
    assert.are.equal(c.delay(5, c.inject("EIO")), c.delay(5, c.inject(5)))
    assert.are.equal(c.inject_return(7), c.inject_return(7))
  end)

  it("ignores other return values", function()
    assert(load(rt, "returns", [[
      local c = require "compendium"
      c.on("enter:write", function(e) return true end)
      c.on("enter:write", function(e) return -28 end)
    ]]))
    rt.start()
    h:emit("enter", { nr = WRITE })
    assert.are.same({}, h.injected)
    assert.are.equal(0, h.failures)
  end)

  it("is a hook error from a semantic event's hook", function()
    local _, _, path = load(rt, "wrong_place", [[
      local c = require "compendium"
      c.on("open", function(e) return c.inject("EACCES") end)
    ]])
    rt.start()
    h:emit("open", { pid = 7, ts = 0.5, path = "/x" })
    assert.are.same({}, h.injected)
    assert.are.equal(1, h.failures)
    assert.are.same({ "compendium: error: c.inject, c.inject_return and c.delay only work returned " ..
                      "from an enter:NAME or syscall:NAME hook (in 'open' hook, pid 7, +0.500s)" }, h:lines())
    assert.truthy(path)
  end)

  it("rejects bad arguments where the script calls them", function()
    local cases = {
      { 'c.inject("ENOSPCX")', "c.inject: unknown errno name 'ENOSPCX'" },
      { "c.inject(0)", "c.inject: 0 is not an errno (1..4095)" },
      { "c.inject(5000)", "c.inject: 5000 is not an errno (1..4095)" },
      { "c.inject({})", "c.inject: expected an errno name or number, got table" },
      { "c.inject_return(1.5)", "c.inject_return: expected a whole number, got 1.5" },
      { "c.delay(-1)", "c.delay: expected milliseconds (a number >= 0), got -1" },
      { "c.delay(1, c.delay(2))", "c.delay: the second argument must be c.inject(...) or c.inject_return(...)" },
    }
    for i, case in ipairs(cases) do
      local ok, err, path = load(rt, "bad" .. i, 'local c = require "compendium"\n' .. case[1] .. "\n")
      assert.is_false(ok)
      assert.are.equal(path .. ":2: " .. case[2], err)
    end
  end)

  it("c.errno names the errno number", function()
    local c = require "compendium"
    assert.are.equal(28, c.errno("ENOSPC"))
    assert.are.equal(28, c.errno(-28))
    local n, why = c.errno("NOPE")
    assert.is_nil(n)
    assert.are.equal("unknown errno name 'NOPE'", why)
  end)
end)

describe("the bundled inject script", function()
  local function setup(options)
    local list = {}
    for k, v in pairs(options) do list[#list + 1] = { key = k, value = v } end
    table.sort(list, function(a, b) return a.key < b.key end)
    local h, rt = fake.setup { options = list }
    local ok, err = load_bundled(rt, "inject")
    return h, rt, ok, err
  end

  -- Emits `n` enter events for syscall nr; returns the 1-based indexes of
  -- the calls that got a request.
  local function calls(h, nr, n, fields)
    local hit = {}
    for i = 1, n do
      local before = #h.injected
      local f = fake.deep_copy(fields or {})
      f.nr = nr
      h:emit("enter", f)
      if #h.injected > before then hit[#hit + 1] = i end
    end
    return hit
  end

  it("fails every call of the syscall with the errno", function()
    local h, rt, ok, err = setup { ["inject.write"] = "ENOSPC" }
    assert.is_true(ok, err)
    assert.is_nil(rt.check_options())
    rt.start()
    assert.are.same({ 1, 2, 3 }, calls(h, WRITE, 3, { fd_path = "/var/lib/app/db" }))
    assert.are.same({ action = RETURN, value = -28, delay_ns = 0 }, h.injected[1])
    assert.are.same({}, calls(h, READ, 2))
    rt.finish()
    assert.are.same({ "compendium: inject: failed 3 of 3 write calls with ENOSPC: /var/lib/app/db ×3" },
                    h:lines())
  end)

  it("chooses every Nth matching call, up to max", function()
    local h, rt, ok, err = setup { ["inject.read"] = "EIO", ["inject.every"] = "3", ["inject.max"] = "2" }
    assert.is_true(ok, err)
    rt.start()
    assert.are.same({ 3, 6 }, calls(h, READ, 10, { fd_path = "/in" }))
    rt.finish()
    assert.are.same({ "compendium: inject: failed 2 of 10 read calls with EIO: /in ×2" }, h:lines())
  end)

  -- Emits one enter event per entry of `list`; returns the 1-based indexes
  -- of those that got a request.
  local function chosen(h, list)
    local hit = {}
    for i, fields in ipairs(list) do
      local before = #h.injected
      h:emit("enter", fields)
      if #h.injected > before then hit[#hit + 1] = i end
    end
    return hit
  end

  it("matches paths (the path or the fd's file) and peers", function()
    local h, rt, ok, err = setup { ["inject.write"] = "EIO", ["inject.path"] = "/var/lib/app/**" }
    assert.is_true(ok, err)
    rt.start()
    assert.are.same({ 2, 3 }, chosen(h, {
      { nr = WRITE, fd_path = "/tmp/x" },
      { nr = WRITE, fd_path = "/var/lib/app/data/1" },
      { nr = WRITE, path = "/var/lib/app/2" },
      { nr = WRITE, path = "/var/lib/application" },
    }))
    h, rt, ok, err = setup { ["inject.connect"] = "ECONNREFUSED", ["inject.peer"] = "*:5432" }
    assert.is_true(ok, err)
    rt.start()
    assert.are.same({ 2, 3 }, chosen(h, {
      { nr = CONNECT, sockaddr = "10.0.0.5:80" },
      { nr = CONNECT, sockaddr = "10.0.0.5:5432" },
      { nr = CONNECT, fd_path = "socket:tcp4:10.0.0.6:5432" },
    }))
    assert.are.same({ action = RETURN, value = -111, delay_ns = 0 }, h.injected[1])
  end)

  it("draws with a seeded probability: the same seed chooses the same calls", function()
    local function run(seed)
      local h, rt, ok, err = setup { ["inject.write"] = "EIO", ["inject.probability"] = "0.3",
                                     ["inject.seed"] = tostring(seed) }
      assert.is_true(ok, err)
      rt.start()
      local hit = calls(h, WRITE, 200)
      rt.finish()
      return hit, h:lines()
    end
    local a, lines = run(42)
    local b = run(42)
    local other = run(43)
    assert.are.same(a, b)
    assert.are_not.same(a, other)
    -- about 30% of 200
    assert.is_true(#a > 30 and #a < 90, tostring(#a))
    assert.are.equal("compendium: inject: seed 42 (repeat with -X inject.seed=42)", lines[2])
  end)

  it("delays a syscall, or delays and then fails it", function()
    local h, rt, ok, err = setup { ["inject.fsync"] = "delay", ["inject.delay"] = "500" }
    assert.is_true(ok, err)
    rt.start()
    calls(h, FSYNC, 1)
    assert.are.same({ action = DELAY, value = 0, delay_ns = 500000000 }, h.injected[1])
    h, rt, ok, err = setup { ["inject.write"] = "EIO", ["inject.delay"] = "20" }
    assert.is_true(ok, err)
    rt.start()
    calls(h, WRITE, 1)
    assert.are.same({ action = RETURN + DELAY, value = -5, delay_ns = 20000000 }, h.injected[1])
  end)

  it("refuses bad options before tracing, naming the option", function()
    local cases = {
      { { ["inject.wrtie"] = "ENOSPC" }, "option inject.wrtie=ENOSPC: no syscall named 'wrtie'" },
      { { ["inject.write"] = "ENOSPCX" }, "option inject.write=ENOSPCX: unknown errno name 'ENOSPCX'" },
      { { ["inject.write"] = "EIO", ["inject.every"] = "0" }, "option inject.every=0: expected a whole number >= 1" },
      { { ["inject.write"] = "EIO", ["inject.max"] = "x" }, "option inject.max=x: expected a whole number >= 0" },
      { { ["inject.write"] = "EIO", ["inject.probability"] = "1.5" },
        "option inject.probability=1.5: expected a number from 0 to 1" },
      { { ["inject.write"] = "EIO", ["inject.path"] = "/data/[" }, "option inject.path=/data/[: unclosed [ in glob '/data/['" },
      { { ["inject.write"] = "delay" }, "option inject.write=delay: set -X inject.delay=MS too" },
      { { ["inject.every"] = "2" }, "inject: say which syscall to change, e.g. -X inject.write=ENOSPC (see scripts/inject.lua)" },
    }
    for _, case in ipairs(cases) do
      local _, _, ok, err = setup(case[1])
      assert.is_false(ok)
      assert.are.equal(case[2], err)
    end
  end)
end)
