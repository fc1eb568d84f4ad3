-- Errors: usage errors (2, one line, nothing traced), commands that cannot
-- run (127, 126), broken scripts (2 at load, 125 in a hook), c.fail (125).
local h = require "helpers"

-- Runs compendium with `args` on a command that would leave a marker file;
-- returns the result and whether the marker exists afterwards.
local function run_marked(args)
  local marker = h.tmpdir() .. "/ran"
  local argv = { h.bin() }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  for _, a in ipairs({ "--", "touch", marker }) do argv[#argv + 1] = a end
  local r = h.run(argv)
  return r, h.exists(marker)
end

local function script(name, source)
  local path = h.tmpdir() .. "/" .. name
  h.write_file(path, source)
  return path
end

describe("usage errors", function()
  teardown(h.cleanup)

  local cases = {
    { "an unknown long option", { "--no-such-option" } },
    { "an unknown short option", { "-Z" } },
    { "-X without =", { "-X", "novalue" } },
    { "an unknown -X key", { "-X", "no_such_key=1" } },
    { "an unknown bundled script", { "-s", "no_such_script" } },
    { "a script file that does not exist", { "-s", "/nonexistent/script.lua" } },
    { "an -o file in a directory that does not exist", { "-o", "/nonexistent/dir/out.txt" } },
    { "a --json file in a directory that does not exist", { "--json", "/nonexistent/dir/ev.jsonl" } },
    { "an empty -o file name", { "-o", "" } },
    { "an empty --report file name", { "--report", "" } },
    { "an empty --junit file name", { "--junit", "" } },
    { "--max-report-events that is not a number", { "--report", "/tmp/r.html", "--max-report-events", "many" } },
    { "--max-report-events without --report", { "--max-report-events", "10" } },
  }
  for _, case in ipairs(cases) do
    it(case[1] .. ": exit 2, one line, the command never runs", function()
      local r, ran = run_marked(case[2])
      assert.are.equal(2, r.status)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.are.equal("", r.stdout)
      assert.is_false(ran)
    end)
  end

  it("two outputs that name one file: exit 2, one line, the file untouched", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/old.txt", "old")
    assert.are.equal(0, h.run({ "ln", "-s", "old.txt", dir .. "/link.txt" }).status)
    for _, args in ipairs({
      { "-o", dir .. "/new.txt", "--json", dir .. "/./new.txt" },
      { "--report", dir .. "/link.txt", "--junit", dir .. "/old.txt" },
    }) do
      local r, ran = run_marked(args)
      assert.are.equal(2, r.status, r.stderr)
      assert.are.equal(("compendium: %s and %s name the same file, %s: one would overwrite the " ..
                        "other (see compendium --help)\n"):format(args[1], args[3], args[4]), r.stderr)
      assert.is_false(ran)
    end
    assert.is_false(h.exists(dir .. "/new.txt"))
    assert.are.equal("old", h.read_file(dir .. "/old.txt"))
    -- a device takes both
    local r = h.run({ h.bin(), "-q", "-o", "/dev/null", "--json", "/dev/null", "--", "true" })
    assert.are.equal(0, r.status, r.stderr)
  end)

  it("a missing command: exit 2, one line", function()
    local r = h.run({ h.bin() })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    r = h.run({ h.bin(), "-v", "--" })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)

  it("an option missing its value: exit 2, one line", function()
    local r = h.run({ h.bin(), "-o" })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)

  it("--help and --version exit 0", function()
    local r = h.run({ h.bin(), "--help" })
    assert.are.equal(0, r.status)
    assert.truthy((r.stdout .. r.stderr):find("--pid", 1, true))
    r = h.run({ h.bin(), "--version" })
    assert.are.equal(0, r.status)
    assert.truthy((r.stdout .. r.stderr):match("^compendium %d+%.%d+"))
  end)
end)

describe("commands that cannot run", function()
  teardown(h.cleanup)

  it("a command not found: exit 127", function()
    local r = h.run({ h.bin(), "--", "no-such-command-anywhere" })
    assert.are.equal(127, r.status)
    assert.truthy(r.stderr:find("command not found", 1, true), r.stderr)
    assert.truthy(r.stderr:find("no-such-command-anywhere", 1, true), r.stderr)
    r = h.run({ h.bin(), "--", "/nonexistent/dir/cmd" })
    assert.are.equal(127, r.status)
  end)

  it("a file that is not executable: exit 126", function()
    local path = script("not-executable", "#!/bin/sh\nexit 0\n")
    assert.are.equal(0, h.run({ "chmod", "644", path }).status)
    local r = h.run({ h.bin(), "--", path })
    assert.are.equal(126, r.status)
    assert.truthy(r.stderr:find("compendium: ", 1, true), r.stderr)
  end)
end)

describe("broken scripts", function()
  teardown(h.cleanup)

  it("a syntax error: exit 2, one line with file:line, nothing runs", function()
    local path = script("bad_syntax.lua", 'local c = require "compendium"\n\nc.on("open", function(e)\n  if then\nend)\n')
    local r, ran = run_marked({ "-s", path })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("bad_syntax.lua:4:", 1, true), r.stderr)
    assert.is_false(ran)
  end)

  it("a runtime error while loading: exit 2, one line with file:line, nothing runs", function()
    local path = script("load_error.lua", 'local c = require "compendium"\nlocal t = nil\nlocal x = t.field\n')
    local r, ran = run_marked({ "-s", path })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("load_error.lua:3:", 1, true), r.stderr)
    assert.is_false(ran)
  end)

  it("an error in a hook: the program completes, compendium exits 125 with file:line", function()
    local path = script("hook_error.lua",
      'local c = require "compendium"\nc.on("syscall:openat", function(e)\n  error("hook failed on purpose")\nend)\n')
    local r = h.run({ h.bin(), "-s", path, "--", "/bin/echo", "still running" })
    assert.are.equal(125, r.status)
    assert.are.equal("still running\n", r.stdout)
    assert.truthy(r.stderr:find("hook_error.lua:3:", 1, true), r.stderr)
    assert.truthy(r.stderr:find("hook failed on purpose", 1, true), r.stderr)
  end)

  it("an error in the end hook: exit 125 with file:line", function()
    local path = script("end_error.lua",
      'local c = require "compendium"\nc.on("end", function(run)\n  local x = run.no_such_field.y\nend)\n')
    local r = h.run({ h.bin(), "-s", path, "--", "/bin/true" })
    assert.are.equal(125, r.status)
    assert.truthy(r.stderr:find("end_error.lua:3:", 1, true), r.stderr)
  end)
end)

describe("c.fail", function()
  teardown(h.cleanup)

  it("exits 125 and lists the message; the program runs to the end", function()
    local path = script("fails.lua",
      'local c = require "compendium"\nc.on("end", function()\n  c.fail("the budget was exceeded")\nend)\n')
    local r = h.run({ h.bin(), "-s", path, "--", "/bin/echo", "done" })
    assert.are.equal(125, r.status)
    assert.are.equal("done\n", r.stdout)
    assert.truthy(r.stderr:find("the budget was exceeded", 1, true), r.stderr)
  end)

  it("from an event hook, while the program runs: exit 125 with the message", function()
    local path = script("fails_early.lua", [[
local c = require "compendium"
c.on("open", function(e)
  if e.path == "/etc/hostname" then c.fail("the hostname was read") end
end)
]])
    local r = h.run({ h.bin(), "-s", path, "--", h.prog("counts"), "1", "0" })
    assert.are.equal(125, r.status)
    assert.truthy(r.stderr:find("the hostname was read", 1, true), r.stderr)
  end)
end)
