-- The man page (docs/compendium.1) and the bash completion
-- (completions/compendium) say what --help says, render and complete, and
-- `cmake --install` puts them where man and bash-completion look.
local h = require "helpers"
teardown(h.cleanup)

local PAGE = h.source() .. "/docs/compendium.1"
local COMPLETION = h.source() .. "/completions/compendium"
-- man and groff in a locale every Debian has, so that a LANG this machine
-- lacks is not a warning of theirs; the page at 80 columns, on stdout.
local MAN_ENV = { LANG = "C.UTF-8", LC_ALL = "C.UTF-8", MANWIDTH = "80", MANPAGER = "cat", PAGER = "cat" }

-- The options --help lists: "-p, --pid PID   ...", "-t, -tt, -ttt   ...".
local function help_options()
  local r = h.run({ h.bin(), "--help" })
  assert.are.equal(0, r.status)
  local set = {}
  for _, line in ipairs(h.lines(r.stdout)) do
    local rest = line:match("^ +(%-.*)$")
    while rest do
      local option, after = rest:match("^(%-%-?[%w][%w-]*)(.*)$")
      if not option then break end
      set[option] = true
      rest = after:match("^, (%-.*)$")
    end
  end
  return set
end

-- The options the page's OPTIONS sections name in their .TP headings.
local function page_options()
  local set, section, tag = {}, nil, false
  for _, line in ipairs(h.lines(h.read_file(PAGE))) do
    local sh = line:match("^%.SH (.*)$")
    if sh then section = sh end
    if tag and section and section:find("OPTIONS") then
      for option in line:gmatch("\\fB(\\%-.-)\\fR") do set[(option:gsub("\\%-", "-"))] = true end
    end
    tag = line == ".TP"
  end
  return set
end

-- bash, without the user's or the system's rc files, sourcing the
-- completion and running script.
local function bash(script)
  local r = h.run({ "bash", "--norc", "--noprofile", "-c", "source " .. h.quote(COMPLETION) .. "\n" .. script })
  assert.are.equal(0, r.status, r.stderr)
  return r.stdout
end

-- COMPREPLY for the words of a command line, the last being completed.
local function complete(words, completion)
  local quoted = {}
  for i, w in ipairs(words) do quoted[i] = h.quote(w) end
  local script = "COMP_WORDS=(" .. table.concat(quoted, " ") .. "); COMP_CWORD=" .. (#words - 1) ..
                 "; _compendium; printf '%s\\n' \"${COMPREPLY[@]}\" | sort -u"
  if completion then script = "source " .. h.quote(completion) .. "\n" .. script end
  local set = {}
  for _, w in ipairs(h.lines(bash(script))) do if w ~= "" then set[w] = true end end
  return set
end

local function set_of(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end

describe("the man page", function()
  it("names every option --help lists, and no other", function()
    local help = help_options()
    assert.is_true(help["--pid"] and help["-ttt"] and help["-yy"] and help["--version"] and true or false)
    assert.are.same(help, page_options())
  end)

  it("renders with groff and man -l without a warning", function()
    local g = h.run({ "groff", "-man", "-Tutf8", "-ww", "-z", PAGE }, { env = MAN_ENV })
    assert.are.equal(0, g.status)
    assert.are.equal("", g.stderr)
    local m = h.run({ "man", "--warnings", "-l", PAGE }, { env = MAN_ENV })
    assert.are.equal(0, m.status, m.stderr)
    assert.are.equal("", m.stderr)
    assert.is_truthy(m.stdout:find("OPTIONS FROM STRACE", 1, true))
    assert.is_truthy(m.stdout:find("--max-report-events", 1, true))
  end)
end)

describe("the bash completion", function()
  local bin = h.bin()

  it("offers every option --help lists, and no other", function()
    local words = bash("printf '%s\\n' $_compendium_options")
    assert.are.same(help_options(), set_of(h.lines(words)))
  end)

  it("completes options, bundled script names and -X keys", function()
    assert.are.same({ ["--replay"] = true, ["--report"] = true }, complete({ bin, "--rep" }))
    assert.are.same({ ["-tt"] = true, ["-ttt"] = true }, complete({ bin, "-tt" }))
    -- every bundled check, by its name under scripts/check
    local checks = {}
    for _, f in ipairs(h.lines(h.run({ "ls", h.source() .. "/scripts/check" }).stdout)) do
      checks["check/" .. f:gsub("%.lua$", "")] = true
    end
    assert.is_true(next(checks) ~= nil)
    assert.are.same(checks, complete({ bin, "-s", "ch" }))
    assert.is_true(complete({ bin, "--script", "" }).syscalls)
    assert.are.same({ ["fs.allow="] = true }, complete({ bin, "-X", "fs.a" }))
    assert.is_true(complete({ bin, "-X", "" })["jsonl.out="])
    assert.is_true(complete({ bin, "-X", "inj" })["inject.write="])
    -- after the command, the options are its own
    assert.is_nil(complete({ bin, "-v", "--", "ls", "--rep" })["--replay"])
  end)

  it("completes the check options a bundled check reads", function()
    -- each key is one the check takes: compendium does not refuse it as unknown
    for key, script in pairs({ ["fs.allow"] = "check/fs-allow", ["memory.max"] = "check/max-memory",
                               ["processes.max"] = "check/max-processes" }) do
      assert.is_true(complete({ bin, "-X", key:sub(1, 4) })[key .. "="], key)
      local value = ({ ["fs.allow"] = "/tmp/**", ["memory.max"] = "1G" })[key] or "100"
      local r = h.run({ bin, "-q", "-s", script, "-X", key .. "=" .. value, "--", "true" })
      assert.are.equal(0, r.status, r.stderr)
    end
  end)
end)

describe("cmake --install", function()
  it("installs the man page where man finds it, and the completion where bash-completion looks", function()
    local build = h.realpath(h.bin()):match("^(.*)/bin/[^/]+$")
    local prefix = h.tmpdir() .. "/prefix"
    local r = h.run({ "cmake", "--install", build, "--prefix", prefix })
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
    assert.are.equal(h.read_file(PAGE), h.read_file(prefix .. "/share/man/man1/compendium.1"))
    local installed = prefix .. "/share/bash-completion/completions/compendium"
    assert.are.equal(h.read_file(COMPLETION), h.read_file(installed))
    local m = h.run({ "man", "-M", prefix .. "/share/man", "compendium" },
                    { env = MAN_ENV })
    assert.are.equal(0, m.status, m.stderr)
    assert.is_truthy(m.stdout:find("compendium %- a friendly, scriptable syscall tracer"))
    -- the installed completion finds the installed scripts beside the installed binary
    local checks = complete({ prefix .. "/bin/compendium", "-s", "check/no-n" }, installed)
    assert.are.same({ ["check/no-network"] = true }, checks)
  end)
end)
