-- Interest decides cost: a syscall no script hooks (and the engine does not
-- need) never stops the program.
local h = require "helpers"

local function run_with(script)
  local r = h.run({ h.bin(), "-s", h.source() .. "/tests/integration/scripts/" .. script, "--",
                    h.prog("counts"), "7", "11" })
  assert.are.equal(0, r.status, r.stderr)
  return r.stderr
end

describe("a script that hooks only open", function()
  teardown(h.cleanup)

  it("leaves the writes unobserved, and says the I/O totals are absent", function()
    local only = run_with("open_only.lua")
    local with = run_with("open_and_write.lua")
    local opens, quiet_syscalls, quiet_io = only:match("opens=(%d+) syscalls=(%d+) io=(%a+)")
    local writes, busy_syscalls, busy_io = with:match("writes=(%d+) syscalls=(%d+) io=(%a+)")
    assert.truthy(opens, only)
    assert.truthy(writes, with)
    assert.are.equal("false", quiet_io)
    assert.are.equal("true", busy_io)
    -- counts writes 11 bytes to /dev/null one at a time: those 11 writes (and
    -- the dynamic linker's reads) are the difference
    assert.are.equal("11", writes)
    assert.is_true(tonumber(busy_syscalls) - tonumber(quiet_syscalls) >= 11,
                   "syscalls observed: " .. quiet_syscalls .. " vs " .. busy_syscalls)
  end)
end)
