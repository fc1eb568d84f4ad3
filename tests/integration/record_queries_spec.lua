-- What scripts ask beyond the state, on real programs: c.fd on an fd the
-- state has not met.
local h = require "helpers"

describe("c.fd", function()
  teardown(h.cleanup)

  it("on an fd the program inherited and never used asks the source what it is", function()
    local dir = h.realpath(h.tmpdir())
    local file = dir .. "/inherited.txt"
    h.write_file(file, "x")
    local script = dir .. "/fd3.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'c.on("exec", function(e)\n' ..
                         '  local d = c.fd(e.pid, 3)\n' ..
                         '  c.print("fd 3: %s %s writable=%s", d and d.kind, d and d.path, d and tostring(d.writable))\n' ..
                         '  c.print("fd 9: %s", tostring(c.fd(e.pid, 9)))\n' ..
                         'end)\n')
    local r = h.run({ "sh", "-c", 'exec 3<"$1"; shift; exec "$@"', "sh", file, h.bin(), "-s", script, "--",
                      "/bin/true" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.same({ "fd 3: file " .. file .. " writable=false", "fd 9: nil" }, h.lines(r.stderr))
  end)
end)
