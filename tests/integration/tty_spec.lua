-- Ctrl-C typed on a terminal (run under script(1), which gives the command a
-- pseudo-terminal): the terminal signals the whole foreground job, so the
-- program gets SIGINT exactly once from it and compendium must not pass on
-- another copy. A second Ctrl-C kills the traced processes.
local h = require "helpers"

-- sh script: counts SIGINTs, sleeps 2 x 1 s, prints the count.
local COUNTER = [[
trap 'n=$((n+1)); echo "got INT $n"' INT
n=0
echo ready
sleep 1
sleep 1
echo "total $n"
]]

-- Types Ctrl-C at each of `at` (seconds from the start) into the terminal.
local function under_tty(at, out)
  local dir = h.tmpdir()
  local script = dir .. "/counter.sh"
  h.write_file(script, COUNTER)
  local keys, last = {}, 0
  for _, t in ipairs(at) do
    keys[#keys + 1] = ("sleep %.1f; printf '\\003'"):format(t - last)
    last = t
  end
  keys[#keys + 1] = "sleep 4"
  -- script(1) runs the command with $SHELL -c; exec so that no shell is left
  -- in the foreground job to catch the SIGINT and report its own status.
  local inner = table.concat({ "exec", h.bin(), "-o", out, "--", "sh", script }, " ")
  return h.run("( " .. table.concat(keys, "; ") .. " ) | script -qfec " .. h.quote(inner) .. " /dev/null")
end

describe("one Ctrl-C on the terminal", function()
  local r, out
  setup(function()
    out = h.tmpdir() .. "/trace.txt"
    r = under_tty({ 0.5 }, out)
  end)
  teardown(h.cleanup)

  it("reaches the program once, and tracing goes on to the end", function()
    assert.truthy(r.stdout:find("got INT 1", 1, true), r.stdout)
    assert.is_nil(r.stdout:find("got INT 2", 1, true), r.stdout)
    assert.truthy(r.stdout:find("total 1", 1, true), r.stdout)
  end)

  it("ends with the program's own status in the summary", function()
    assert.are.equal(0, r.status, r.stdout)
    local trace = h.read_file(out)
    assert.truthy(trace:find(" Exit: 0\n", 1, true), trace)
  end)
end)

describe("two Ctrl-C on the terminal", function()
  local r, out
  setup(function()
    out = h.tmpdir() .. "/trace.txt"
    r = under_tty({ 0.5, 1.0 }, out)
  end)
  teardown(h.cleanup)

  it("kills the traced processes and prints the summary so far", function()
    assert.are.equal(128 + 9, r.status, r.stdout)
    assert.is_nil(r.stdout:find("total", 1, true), r.stdout)
    local trace = h.read_file(out)
    assert.truthy(trace:find(" Exit: killed by SIGKILL after a second Ctrl-C", 1, true), trace)
  end)
end)
