-- The example scripts in README.md do what the README says they do.
local h = require "helpers"

local function readme_scripts()
  local text = assert(h.read_file(h.source() .. "/README.md"))
  local dir = h.tmpdir()
  local scripts = {}
  for body, name in text:gmatch("```lua\n(%-%- (%S+%.lua):.-)```") do
    h.write_file(dir .. "/" .. name, body)
    scripts[name] = dir .. "/" .. name
  end
  return scripts, dir
end

describe("the README's example scripts", function()
  local scripts, dir
  setup(function() scripts, dir = readme_scripts() end)
  teardown(h.cleanup)

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
end)
