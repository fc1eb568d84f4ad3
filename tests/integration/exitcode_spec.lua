-- compendium exits with the traced program's own status.
local h = require "helpers"

local function status(args)
  local argv = { h.bin(), "--" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return h.run(argv).status
end

describe("the exit status", function()
  teardown(h.cleanup)

  it("is 0 for true", function()
    assert.are.equal(0, status({ "/bin/true" }))
  end)

  it("is 1 for false", function()
    assert.are.equal(1, status({ "/bin/false" }))
  end)

  it("is the program's exit code", function()
    assert.are.equal(3, status({ h.prog("killed_child"), "exit", "3" }))
    assert.are.equal(200, status({ h.prog("killed_child"), "exit", "200" }))
    assert.are.equal(255, status({ "sh", "-c", "exit 255" }))
  end)

  it("is 128+N when the program is killed by signal N", function()
    assert.are.equal(128 + 15, status({ h.prog("killed_child"), "self" }))
    assert.are.equal(128 + 9, status({ "sh", "-c", "kill -KILL $$" }))
  end)

  it("is the root's, not a child's", function()
    -- the child dies of SIGKILL; the root exits 0
    assert.are.equal(0, status({ h.prog("killed_child") }))
    assert.are.equal(0, status({ "sh", "-c", "sh -c 'exit 7'; exit 0" }))
    assert.are.equal(4, status({ "sh", "-c", "/bin/true; exit 4" }))
  end)

  it("is found through PATH like a shell would", function()
    assert.are.equal(0, status({ "true" }))
    assert.are.equal(1, status({ "false" }))
  end)
end)
