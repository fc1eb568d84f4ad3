-- The example scripts in README.md do what the README says they do.
local h = require "helpers"

-- The scripts each test below runs: a Lua example in the README that is not
-- listed here has no test, and the first test fails.
local TESTED = { "tour.lua", "slow-syscalls.lua", "writes.lua", "no-tmp.lua", "no-tmp-exec.lua",
                 "my-chaos.lua" }

-- Every ```lua block of the README, by the name its first line gives it
-- ("-- writes.lua: ..."); a block without one is listed under "?".
local function readme_scripts()
  local text = assert(h.read_file(h.source() .. "/README.md"))
  local dir = h.tmpdir()
  local scripts, names = {}, {}
  for body in text:gmatch("```lua\n(.-)```") do
    local name = body:match("^%-%- (%S+%.lua):") or "?"
    names[#names + 1] = name
    h.write_file(dir .. "/" .. name, body)
    scripts[name] = dir .. "/" .. name
  end
  table.sort(names)
  return scripts, dir, names
end

describe("the README's example scripts", function()
  local scripts, dir, names
  setup(function() scripts, dir, names = readme_scripts() end)
  teardown(h.cleanup)

  it("are each named and tested here", function()
    local tested = { unpack(TESTED) }
    table.sort(tested)
    assert.are.same(tested, names)
  end)

  it("tour.lua names what is written and what failed to open, and fails on bytes sent over IP", function()
    local out = dir .. "/tour.txt"
    local r = h.run({ h.bin(), "-s", scripts["tour.lua"], "--", "sh", "-c",
                      "cat " .. dir .. "/missing 2>/dev/null; echo a > " .. out })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("sh writes " .. out .. "\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("openat " .. dir .. "/missing failed: ENOENT\n", 1, true), r.stderr)
    -- run alone, with no other script hooking socket I/O: the 3000 bytes
    -- the client sends and the 700 the server answers, over 127.0.0.1
    r = h.run({ h.bin(), "-s", scripts["tour.lua"], "--", h.prog("tcp_loopback") })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("✗ 3700 bytes sent over IP (", 1, true), r.stderr)
  end)

  it("writes.lua names each file written, once, with its program", function()
    local out = dir .. "/out.txt"
    local r = h.run({ h.bin(), "-s", scripts["writes.lua"], "--", "sh", "-c",
                      "echo a > " .. out .. "; echo b > " .. out })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("sh writes " .. out .. "\n", r.stderr)
  end)

  it("no-tmp.lua fails the run when something is written under /tmp", function()
    local r = h.run({ h.bin(), "-s", scripts["no-tmp.lua"], "--", "sh", "-c", "echo x > " .. dir .. "/f" })
    assert.are.equal(125, r.status)
    assert.truthy(r.stderr:find("✗ sh wrote " .. dir .. "/f", 1, true), r.stderr)
    r = h.run({ h.bin(), "-s", scripts["no-tmp.lua"], "--", "true" })
    assert.are.equal(0, r.status, r.stderr)
  end)

  it("slow-syscalls.lua reports a read slower than -X ms", function()
    local r = h.run({ h.bin(), "-s", scripts["slow-syscalls.lua"], "-X", "ms=50", "--",
                      "sh", "-c", "sleep 0.2 | cat" })
    assert.are.equal(0, r.status, r.stderr)
    local ms = tonumber(r.stderr:match("^(%d+%.%d) ms read on pipe:%[%d+%]\n"))
    assert.truthy(ms, r.stderr)
    assert.is_true(ms >= 50, r.stderr)
  end)

  it("no-tmp-exec.lua fails a program run from /tmp, naming it, and passes the others", function()
    local prog = dir .. "/true"
    assert.are.equal(0, h.run({ "cp", "/bin/true", prog }).status)
    local r = h.run({ h.bin(), "-s", scripts["no-tmp-exec.lua"], "--", "sh", "-c", prog .. "; /bin/true" })
    assert.are.equal(125, r.status)
    local lines = h.lines(r.stderr)
    assert.are.equal(3, #lines, r.stderr)
    assert.truthy(lines[2]:find("^  ✗ no%-tmp%-exec: exec " .. prog:gsub("%p", "%%%0") ..
                                " by true %(pid %d+%) at %+%d+%.%d+s %(.*no%-tmp%-exec%.lua:7%)$"), lines[2])
    assert.are.equal("compendium: 1 of 1 check failed (no-tmp-exec); the command exited 0", lines[3])
    r = h.run({ h.bin(), "-s", scripts["no-tmp-exec.lua"], "--", "sh", "-c", "/bin/true" })
    assert.are.equal(0, r.status, r.stderr)
  end)

  it("my-chaos.lua slows fsync and leaves other connections alone", function()
    local r = h.run({ h.bin(), "-s", scripts["my-chaos.lua"], "--", h.prog("inject_delay"), dir .. "/synced" })
    assert.are.equal(0, r.status, r.stderr)
    local ms = tonumber(r.stdout:match("^fsync: ok after (%d+) ms\n"))
    assert.truthy(ms, r.stdout)
    assert.is_true(ms >= 200, r.stdout)
    r = h.run({ h.bin(), "-s", scripts["my-chaos.lua"], "--", h.prog("inject_connect") })
    assert.are.equal("connect: ok\n", r.stdout)
  end)
end)
