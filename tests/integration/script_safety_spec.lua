-- What scripts cannot do to compendium: end or fork it from a hook, be
-- replaced by modules in the working directory, hang it with a FIFO, or
-- run out of memory without saying where.
local h = require "helpers"

local function write_script(dir, name, lines)
  local path = dir .. "/" .. name
  h.write_file(path, table.concat(lines, "\n") .. "\n")
  return path
end

describe("process-ending and process-spawning calls in a hook", function()
  teardown(h.cleanup)

  for _, call in ipairs({ "os.exit(0)", "os.execute('true')", "io.popen('true')" }) do
    local name = call:match("^[%a.]+")
    it(name .. " is a script error and the command's own status stays visible", function()
      local dir = h.tmpdir()
      local path = write_script(dir, "ender.lua", {
        'local c = require "compendium"',
        'c.on("exec", function()',
        "  " .. call,
        "end)",
      })
      local r = h.run({ h.bin(), "-s", path, "--", h.prog("hook_target"), "exit", "9" })
      assert.are.equal(125, r.status, r.stderr)
      assert.are.equal("ready\n", r.stdout)
      assert.truthy(r.stderr:find(("compendium: error: %s:3: %s is not available to scripts"):format(
        path, name), 1, true), r.stderr)
      assert.truthy(r.stderr:find("; the command exited 9\n", 1, true), r.stderr)
    end)
  end

  it("os.exit while the script loads stops compendium before tracing (status 2)", function()
    local dir = h.tmpdir()
    local path = write_script(dir, "early.lua", { "os.exit(0)" })
    local r = h.run({ h.bin(), "-s", path, "--", h.prog("hook_target"), "exit", "9" })
    assert.are.equal(2, r.status)
    assert.are.equal("", r.stdout)
    assert.truthy(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find(path .. ":1: os.exit is not available to scripts", 1, true), r.stderr)
  end)
end)

describe("Lua modules in the working directory", function()
  teardown(h.cleanup)

  -- A cjson.lua that leaves a marker and fails if it is ever loaded.
  local function decoy_dir()
    local dir = h.tmpdir()
    h.write_file(dir .. "/cjson.lua", ("io.open(%q, 'w'):close()\nerror('cjson.lua from the working directory')\n")
      :format(dir .. "/loaded"))
    return dir
  end

  it("are not loaded by --json", function()
    local dir = decoy_dir()
    local r = h.trace({ h.prog("hook_target"), "exit", "0" }, { cwd = dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_false(h.exists(dir .. "/loaded"))
  end)

  it("are not loaded with a relative entry in LUA_PATH either", function()
    local dir = decoy_dir()
    local r = h.trace({ h.prog("hook_target"), "exit", "0" }, { cwd = dir, env = { LUA_PATH = "?.lua;./?.lua;;" } })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_false(h.exists(dir .. "/loaded"))
  end)

  it("a cjson.so there is not loaded", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/cjson.so", "not a shared object\n")
    local r = h.trace({ h.prog("hook_target"), "exit", "0" }, { cwd = dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("", r.stderr:match("error[^\n]*") or "")
  end)

  it("are not loaded by --report", function()
    local dir = decoy_dir()
    local r = h.run({ h.bin(), "--report", dir .. "/r.html", "--", h.prog("hook_target"), "exit", "0" },
                    { cwd = dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_false(h.exists(dir .. "/loaded"))
    assert.truthy((h.read_file(dir .. "/r.html") or ""):find("</html>", 1, true))
  end)
end)

describe("a script that is not a regular file", function()
  teardown(h.cleanup)

  it("a FIFO is refused at once, without waiting for a writer", function()
    local dir = h.tmpdir()
    local fifo = dir .. "/fifo.lua"
    assert.are.equal(0, h.run({ "mkfifo", fifo }).status)
    local r = h.run({ h.bin(), "-s", fifo, "--", h.prog("hook_target"), "exit", "0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: script " .. fifo .. " is not a regular file (a FIFO)\n", r.stderr)
    assert.are.equal("", r.stdout)
  end)

  it("a directory is refused too", function()
    local dir = h.tmpdir()
    local r = h.run({ h.bin(), "-s", dir .. "/", "--", h.prog("hook_target"), "exit", "0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: script " .. dir .. "/ is not a regular file (a directory)\n", r.stderr)
  end)
end)

describe("a hook that runs out of memory", function()
  teardown(h.cleanup)

  it("is an error naming the script and line, and tracing goes on", function()
    if h.bin():find("%-asan$") then
      -- ASan maps terabytes of shadow memory: no address-space limit leaves it room to start
      pending("needs a memory limit, which the ASan build cannot run under")
      return
    end
    local dir = h.tmpdir()
    local path = write_script(dir, "hungry.lua", {
      'local c = require "compendium"',
      'c.on("exec", function()',
      "  local list, n = nil, 0",
      "  while true do",
      "    n = n + 1",
      '    list = { list, ("x"):rep(4000) .. n }',
      "  end",
      "end)",
    })
    local cmd = "ulimit -v 400000 && exec " .. h.quote(h.bin()) .. " -s default -s " .. h.quote(path) ..
                " -- " .. h.quote(h.prog("hook_target")) .. " exit 4"
    local r = h.run(cmd)
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("compendium: error: " .. path .. ":6: not enough memory (in 'exec' hook, pid ",
                                1, true), r.stderr)
    -- the default view's summary still comes, with the command's own status
    assert.truthy(r.stderr:find(" Exit: 4\n", 1, true), r.stderr)
  end)
end)
