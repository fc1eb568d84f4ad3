-- The trace output: stderr and -o FILE, the default filter, -v and -q.
local h = require "helpers"

local function compendium(args)
  local argv = { h.bin() }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return h.run(argv)
end

-- A line of the default view: "[+0.003s] TEXT" (one task) or
-- "[+0.003s] [TID] TEXT".
local function has_line(stderr, text)
  for _, line in ipairs(h.lines(stderr)) do
    local rest = line:match("^%[%+%d+%.%d%d%ds%] (.*)$")
    if rest == text or (rest and rest:match("^%[%d+%] (.*)$") == text) then return true end
  end
  return false
end

describe("the default view", function()
  local r

  setup(function() r = compendium({ "--", h.prog("counts"), "2", "3" }) end)
  teardown(h.cleanup)

  it("leaves the program's own output alone", function()
    local echo = compendium({ "--", "/bin/echo", "hello", "world" })
    assert.are.equal(0, echo.status)
    assert.are.equal("hello world\n", echo.stdout)
    local err = compendium({ "--", "sh", "-c", "echo to-stderr >&2" })
    assert.are.equal(0, err.status)
    assert.are.equal("", err.stdout)
    assert.truthy(err.stderr:find("to-stderr\n", 1, true))
  end)

  it("starts with the header and ends with the summary box", function()
    assert.are.equal(0, r.status)
    assert.truthy(r.stderr:match("^compendium: tracing [^\n]*counts 2 3\n"), r.stderr)
    assert.truthy(r.stderr:find(" FINAL: ", 1, true), r.stderr)
    assert.truthy(r.stderr:find(" Memory:", 1, true), r.stderr)
    assert.truthy(r.stderr:find(" I/O:", 1, true), r.stderr)
    assert.truthy(r.stderr:find(" Exit: 0", 1, true), r.stderr)
  end)

  it("shows the program's opens", function()
    assert.is_true(has_line(r.stderr, "open /etc/hostname (read)"), r.stderr)
  end)

  it("hides the dynamic linker, shared libraries and raw syscalls", function()
    assert.is_nil(r.stderr:find("ld.so.cache", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("libc.so", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("openat(", 1, true), r.stderr)
  end)

  it("hides /proc", function()
    local m = compendium({ "--", h.prog("memory") })
    assert.are.equal(0, m.status)
    assert.is_nil(m.stderr:find("/proc/self/exe", 1, true), m.stderr)
  end)

  it("names the thread on each line once there is more than one task", function()
    local s = compendium({ "--", h.prog("spawn") })
    assert.are.equal(0, s.status)
    local tagged = 0
    for _, line in ipairs(h.lines(s.stderr)) do
      if line:match("^%[%+%d+%.%d%d%ds%] %[%d+%] ") then tagged = tagged + 1 end
    end
    assert.is_true(tagged > 0, s.stderr)
  end)

  it("marks an exec with the command's arguments", function()
    local s = compendium({ "--", h.prog("spawn") })
    assert.are.equal(0, s.status)
    assert.truthy(s.stderr:find("] ─── true ───\n", 1, true), s.stderr)
  end)

  it("reports the exit status in the summary", function()
    local f = compendium({ "--", h.prog("killed_child"), "exit", "3" })
    assert.are.equal(3, f.status)
    assert.truthy(f.stderr:find(" Exit: 3", 1, true), f.stderr)
  end)
end)

describe("-v", function()
  local r

  setup(function() r = compendium({ "-v", "--", h.prog("counts"), "2", "3" }) end)
  teardown(h.cleanup)

  it("shows the raw syscalls", function()
    assert.are.equal(0, r.status)
    assert.truthy(r.stderr:find('openat(AT_FDCWD, "/etc/hostname"', 1, true), r.stderr)
  end)

  it("shows what the default view hides", function()
    assert.truthy(r.stderr:find("libc.so", 1, true), r.stderr)
    local m = compendium({ "-v", "--", h.prog("memory") })
    assert.are.equal(0, m.status)
    assert.truthy(m.stderr:find("/proc/self/exe", 1, true), m.stderr)
  end)
end)

describe("-q", function()
  teardown(h.cleanup)

  it("prints no event lines", function()
    local r = compendium({ "-q", "--", h.prog("counts"), "2", "3" })
    assert.are.equal(0, r.status)
    assert.is_nil(r.stderr:find("/etc/hostname", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("/dev/null", 1, true), r.stderr)
  end)

  it("still reports failures", function()
    local path = h.tmpdir() .. "/fails.lua"
    h.write_file(path, 'local c = require "compendium"\nc.on("end", function() c.fail("quiet failure") end)\n')
    local r = compendium({ "-q", "-s", path, "--", "/bin/true" })
    assert.are.equal(125, r.status)
    assert.truthy(r.stderr:find("quiet failure", 1, true), r.stderr)
  end)
end)

describe("-o FILE", function()
  teardown(h.cleanup)

  it("gets the same lines as stderr", function()
    local out = h.tmpdir() .. "/trace.txt"
    local r = compendium({ "-o", out, "--", h.prog("counts"), "2", "3" })
    assert.are.equal(0, r.status)
    assert.are.equal(r.stderr, h.read_file(out))
    assert.truthy(r.stderr:find("/etc/hostname", 1, true))
  end)

  it("gets the script's own lines too, and the program's output stays out", function()
    local out = h.tmpdir() .. "/trace.txt"
    local count = h.source() .. "/tests/integration/scripts/count.lua"
    local r = compendium({ "-o", out, "-s", count, "--", "sh", "-c",
                           "echo to-stdout; echo to-stderr >&2; " .. h.quote(h.prog("counts")) .. " 1 1" })
    assert.are.equal(0, r.status)
    assert.are.equal("to-stdout\n", r.stdout)
    local file = h.read_file(out)
    assert.truthy(file:find("count: openat /etc/hostname = 1\n", 1, true), file)
    assert.is_nil(file:find("to-stdout", 1, true))
    assert.is_nil(file:find("to-stderr", 1, true))
    -- stderr is the file's lines plus the program's own line
    assert.are.equal((r.stderr:gsub("to%-stderr\n", "", 1)), file)
  end)
end)

describe("the traced program's file descriptors", function()
  teardown(h.cleanup)

  it("are those it gets untraced: compendium's own files do not leak into it", function()
    local untraced = h.run({ h.prog("lsfd") })
    assert.are.equal(0, untraced.status)
    local dir = h.tmpdir()
    local count = h.source() .. "/tests/integration/scripts/count.lua"
    local r = compendium({ "-o", dir .. "/trace.txt", "--json", dir .. "/events.jsonl",
                           "-s", "default", "-s", count, "--", h.prog("lsfd") })
    assert.are.equal(0, r.status)
    assert.are.equal(untraced.stdout, r.stdout)
  end)
end)

-- Started with some of fds 0-2 closed, compendium's own files must not take
-- their place (the trace would land in the --json file), and the command
-- must still start with them closed, as it would untraced.
describe("closed standard fds", function()
  teardown(h.cleanup)

  local closings = {
    { name = "stdin", redirect = "0<&-", closed = { 0 } },
    { name = "stdout", redirect = "1>&-", closed = { 1 } },
    { name = "stderr", redirect = "2>&-", closed = { 2 } },
    { name = "all three", redirect = "0<&- 1>&- 2>&-", closed = { 0, 1, 2 } },
  }

  for _, closing in ipairs(closings) do
    it("(" .. closing.name .. ") keep the output files clean and the command's fds as given", function()
      local dir = h.tmpdir()
      local untraced = h.run(h.quote(h.prog("lsfd")) .. " " .. h.quote(dir .. "/untraced") ..
                             " " .. closing.redirect)
      assert.are.equal(0, untraced.status)
      local fds = h.read_file(dir .. "/untraced")
      for _, fd in ipairs(closing.closed) do
        assert.is_nil(("\n" .. fds):find("\n" .. fd .. "\n", 1, true), fds)
      end

      local json, trace, report = dir .. "/events.jsonl", dir .. "/trace.txt", dir .. "/report.html"
      local traced = h.run(table.concat({
        h.quote(h.bin()), "--json", h.quote(json), "-o", h.quote(trace), "--report", h.quote(report),
        "--", h.quote(h.prog("lsfd")), h.quote(dir .. "/traced"), closing.redirect }, " "))
      assert.are.equal(0, traced.status, traced.stderr)
      assert.are.equal(fds, h.read_file(dir .. "/traced"))

      -- every line of the JSON file is an event, the last the summary
      local events = h.read_jsonl(json)
      assert.are.equal("summary", events[#events].type)
      local text = h.read_file(trace)
      -- once: the -o file did not become stderr too
      assert.truthy(text:match("^compendium: tracing "), text)
      assert.are.equal(1, select(2, text:gsub("compendium: tracing ", "")), text)
      assert.are.equal(1, select(2, text:gsub(" FINAL: ", "")), text)
      assert.is_nil(text:find('{"', 1, true), text)
      assert.is_nil(text:find("<html", 1, true))
      local page = h.read_file(report)
      assert.truthy(page:match("^<!DOCTYPE html>"), page:sub(1, 200))
      assert.is_nil(page:find("compendium: tracing", 1, true))
      assert.is_nil(page:find("FINAL:", 1, true))
    end)
  end

  it("(stderr) with only --json: the trace does not go into the file", function()
    local dir = h.tmpdir()
    local json = dir .. "/events.jsonl"
    local r = h.run(h.quote(h.bin()) .. " --json " .. h.quote(json) .. " -- " ..
                    h.quote(h.prog("counts")) .. " 1 1 2>&-")
    assert.are.equal(0, r.status)
    local events = h.read_jsonl(json)
    assert.are.equal("summary", events[#events].type)
    assert.is_nil(h.read_file(json):find("compendium:", 1, true))
  end)
end)

-- A write that fails (a full disk) is one line naming the file, and the exit
-- status says the output is incomplete (125); the command still runs to the
-- end, and its own status is still reported on the terminal.
describe("output that cannot be written", function()
  teardown(h.cleanup)

  -- `sh -c` that opens /etc/hostname `opens` times, leaves a marker (it ran
  -- to the end) and exits 4.
  local function command(dir, opens)
    return { "sh", "-c", h.quote(h.prog("counts")) .. " " .. opens .. " 0 && echo done >" ..
             h.quote(dir .. "/marker") .. " && exit 4" }
  end

  local function run(flags, dir, opens)
    local argv = { h.bin() }
    for _, f in ipairs(flags) do argv[#argv + 1] = f end
    argv[#argv + 1] = "--"
    for _, a in ipairs(command(dir, opens)) do argv[#argv + 1] = a end
    return h.run(argv)
  end

  local function count(text, s)
    return select(2, text:gsub(s:gsub("%p", "%%%0"), ""))
  end

  -- The checks every case shares: file is the path named.
  local function assert_incomplete(r, dir, file)
    assert.are.equal(125, r.status, r.stderr)
    assert.are.equal("done\n", h.read_file(dir .. "/marker"))
    assert.are.equal(1, count(r.stderr, "compendium: writing " .. file .. ": No space left on device\n"),
                     r.stderr)
    assert.are.equal("compendium: exit status 125, not 4: the output is incomplete: " .. file ..
                     " (No space left on device)", h.lines(r.stderr)[#h.lines(r.stderr)])
  end

  for _, kind in ipairs { "-o", "--json", "--report", "--junit" } do
    it(kind .. " /dev/full", function()
      local dir = h.tmpdir()
      local r = run({ kind, "/dev/full" }, dir, 3)
      assert_incomplete(r, dir, "/dev/full")
      assert.truthy(r.stderr:find(" Exit: 4", 1, true), r.stderr) -- the summary box
    end)
  end

  it("--json /dev/full with --junit: the JUnit file has a failing 'output' case", function()
    local dir = h.tmpdir()
    local xml = dir .. "/junit.xml"
    local r = run({ "-q", "--json", "/dev/full", "--junit", xml }, dir, 1)
    assert_incomplete(r, dir, "/dev/full")
    local doc = h.read_file(xml)
    assert.truthy(doc:find('<testcase name="output" classname="compendium"', 1, true), doc)
    assert.truthy(doc:find('message="the output is incomplete: /dev/full (No space left on device)"', 1, true), doc)
  end)

  it("a check that failed too: 125, and the line names the file", function()
    local dir = h.tmpdir()
    local fails = dir .. "/fails.lua"
    h.write_file(fails, 'local c = require "compendium"\nc.on("end", function() c.fail("no") end)\n')
    local r = run({ "-q", "-s", fails, "--json", "/dev/full" }, dir, 1)
    assert.are.equal(125, r.status, r.stderr)
    assert.are.equal("compendium: the output is incomplete: /dev/full (No space left on device)",
                     h.lines(r.stderr)[#h.lines(r.stderr)])
  end)

  it("a file a script opened with c.open_output and did not close", function()
    local dir = h.tmpdir()
    local script = dir .. "/writer.lua"
    h.write_file(script, 'local c = require "compendium"\nlocal f = c.open_output("/dev/full")\n' ..
                         'c.on("open", function(e) f:write(e.path, "\\n") end)\n')
    local r = run({ "-s", "default", "-s", script }, dir, 2)
    assert_incomplete(r, dir, "/dev/full")
  end)

  it("standard error itself (2>/dev/full), but not a reader that went away", function()
    local dir = h.tmpdir()
    local trace = dir .. "/trace.txt"
    local full = h.run(h.quote(h.bin()) .. " -o " .. h.quote(trace) .. " -- sh -c 'exit 4' 2>/dev/full")
    assert.are.equal(125, full.status)
    local text = h.read_file(trace)
    assert.are.equal(1, count(text, "compendium: writing standard error: No space left on device\n"), text)
    assert.truthy(text:find(" Exit: 4", 1, true), text)
    -- a pipe whose reader is gone: every write gets EPIPE
    local ffi = require "ffi"
    pcall(ffi.cdef, "int pipe(int fds[2]); int close(int fd);")
    local fds = ffi.new("int[2]")
    assert.are.equal(0, ffi.C.pipe(fds))
    ffi.C.close(fds[0])
    local rc = dir .. "/rc"
    os.execute(h.quote(h.bin()) .. " -- sh -c 'exit 4' 2>&" .. fds[1] .. " " .. fds[1] .. ">&-; echo $? >" ..
               h.quote(rc))
    ffi.C.close(fds[1])
    assert.are.equal("4\n", h.read_file(rc))
  end)

  -- A small tmpfs that fills up mid-run: the file is cut, and that is said.
  local function small_fs()
    local mnt = h.tmpdir() .. "/small"
    assert(os.execute("mkdir " .. h.quote(mnt)) == 0)
    local r = h.run({ "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt })
    if r.status ~= 0 then return nil, "cannot mount a 64 KiB tmpfs: " .. r.stderr:gsub("\n$", "") end
    finally(function() os.execute("umount " .. h.quote(mnt)) end)
    return mnt
  end

  for _, kind in ipairs { "--json", "-o" } do
    it(kind .. " on a file system that fills up", function()
      local mnt, why = small_fs()
      if not mnt then return pending(why) end
      local dir = h.tmpdir()
      local file = mnt .. "/out"
      -- 2000 opens: far more than 64 KiB of JSON lines, and of trace lines
      local r = run({ kind, file }, dir, 2000)
      assert_incomplete(r, dir, file)
      local size = #h.read_file(file)
      assert.is_true(size > 0 and size <= 65536, tostring(size))
    end)
  end
end)
