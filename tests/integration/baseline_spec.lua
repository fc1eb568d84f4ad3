-- Behaviour baselines: -s learn writes a check script from what a run did,
-- the script fails (125) a run that does anything new and names it, and
-- --diff names what changed between two recordings. The program is
-- tests/progs/behave, whose modes (BEHAVE=...) each change one known
-- thing; gcc, tar and a threaded program give no false alarm.
local h = require "helpers"
local cjson = require "cjson"

local BEHAVE = "behave"
package.path = h.source() .. "/lua/?.lua;" .. package.path
local glob = require "compendium.glob"

-- Whether learn's entry for a program stands for that program alone: its
-- path, or, for a build tree under /tmp (a temporary directory like any
-- other), the path with one random-looking name made a *.
local function stands_for(entry, path)
  if entry == path then return true end
  local stars = select(2, entry:gsub("%*", ""))
  return path:sub(1, 5) == "/tmp/" and stars == 1 and assert(glob.compile(entry))(path) and
         entry:gsub("^/tmp/[^/]*", "") == path:gsub("^/tmp/[^/]*", "")
end

-- A work directory with its own temporary directory, as a CI job has.
local function workdir()
  local dir = h.tmpdir()
  os.execute("mkdir -p " .. h.quote(dir .. "/tmp"))
  return dir
end

local function env(dir, mode)
  return { TMPDIR = dir .. "/tmp", BEHAVE = mode or "base" }
end

-- compendium FLAGS -- behave DIR, in DIR.
local function behave(dir, mode, flags)
  local argv = { h.bin() }
  for _, f in ipairs(flags) do argv[#argv + 1] = f end
  argv[#argv + 1] = "--"
  argv[#argv + 1] = h.prog(BEHAVE)
  argv[#argv + 1] = dir
  return h.run(argv, { cwd = dir, env = env(dir, mode) })
end

-- What a baseline script holds, read as the plain Lua it is: the table it
-- passes to baseline.check.
local function read_baseline(path)
  local text = assert(h.read_file(path), "no baseline at " .. path)
  local chunk = assert(loadstring(text, "=" .. path))
  local got
  setfenv(chunk, { require = function(name)
    assert.are.equal("compendium.baseline", name)
    return { check = function(t) got = t end }
  end })
  chunk()
  return got, text
end

local function set(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

local function sorted(list)
  local copy = { unpack(list) }
  table.sort(copy)
  return copy
end

-- The one failure line of a failed baseline check, without "by … (pid …)…".
local function only_failure(r)
  assert.are.equal(125, r.status, r.stderr)
  local failures = h.failure_lines(r.stderr)
  assert.are.equal(1, #failures, r.stderr)
  return failures[1]:match("^(.-) by ") or failures[1]
end

describe("-s learn", function()
  local dir, learned

  setup(function()
    dir = workdir()
    learned = behave(dir, "base", { "-s", "learn", "-X", "learn.out=behaviour.lua" })
  end)
  teardown(h.cleanup)

  it("writes a baseline of what the run did, generalised", function()
    assert.are.equal(0, learned.status, learned.stderr)
    local b = read_baseline(dir .. "/behaviour.lua")
    local entries = 0
    for _, list in ipairs { "written", "created", "removed", "read", "programs", "peers", "loopback", "failures" } do
      entries = entries + #b[list]
    end
    assert.are.equal("compendium: learn: wrote behaviour.lua (run 1: " .. entries .. " entries seen)\n",
                     learned.stderr)
    assert.are.same({ "$CWD/out.txt", "$TMP/behave.*" }, b.written)
    assert.are.same({ "$TMP/behave.*" }, b.removed)
    assert.are.same({}, b.created)
    assert.are.same({ "$CWD/out.txt" }, b.read)
    -- the files the kernel ran, as realpath names them
    local programs, mine = sorted(b.programs), h.realpath(h.prog(BEHAVE))
    for i, p in ipairs(programs) do
      if stands_for(p, mine) then programs[i] = mine end
    end
    assert.are.same(sorted { mine, h.realpath("/bin/true"), h.realpath("/bin/false") }, sorted(programs))
    assert.are.same({}, b.peers)
    -- the listening port is the kernel's pick; the connection is loopback
    assert.are.same({ "127.0.0.1:*" }, b.loopback)
    assert.are.equal(3, b.processes)
    assert.is_true(b.memory_peak > 0)
    assert.are.equal(math.floor(b.memory_peak * 1.5), b.memory)
  end)

  it("passes the same behaviour", function()
    local r = behave(dir, "base", { "-s", "./behaviour.lua" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("compendium: 1 check passed (behaviour); the command exited 0\n", r.stderr)
  end)

  it("passes the same behaviour in another checkout with another temporary directory", function()
    local other = workdir()
    os.execute("cp " .. h.quote(dir .. "/behaviour.lua") .. " " .. h.quote(other))
    local r = behave(other, "base", { "-s", "./behaviour.lua" })
    assert.are.equal(0, r.status, r.stderr)
  end)

  it("fails a run that writes one more file, naming it", function()
    local r = behave(dir, "morefile", { "-s", "./behaviour.lua" })
    assert.are.equal("behaviour: new file written: " .. dir .. "/extra.txt", only_failure(r))
    assert.are.equal("compendium: 1 of 1 check failed (behaviour); the command exited 0",
                     h.lines(r.stderr)[#h.lines(r.stderr)])
  end)

  it("fails a run that reaches one more peer, naming it", function()
    local r = behave(dir, "morepeer", { "-s", "./behaviour.lua" })
    assert.are.equal("behaviour: new peer: 198.51.100.7:9", only_failure(r))
  end)

  it("fails a run whose read now fails, naming the call", function()
    local r = behave(dir, "failread", { "-s", "./behaviour.lua" })
    assert.are.equal("behaviour: new failing call: behave: read EFAULT", only_failure(r))
  end)

  it("passes a run that does less, or the same more slowly (that is --diff's to say)", function()
    for _, mode in ipairs { "execfewer", "slow" } do
      local r = behave(dir, mode, { "-s", "./behaviour.lua" })
      assert.are.equal(0, r.status, mode .. ": " .. r.stderr)
    end
  end)

  it("widens a baseline with learn.merge, saying which run added what", function()
    local merged = workdir()
    os.execute("cp " .. h.quote(dir .. "/behaviour.lua") .. " " .. h.quote(merged))
    local r = behave(merged, "morefile", { "-s", "learn", "-X", "learn.merge=behaviour.lua" })
    assert.are.equal(0, r.status, r.stderr)
    local b, text = read_baseline(merged .. "/behaviour.lua")
    assert.are.same({ "$CWD/out.txt", "$TMP/behave.*", "$CWD/extra.txt" }, b.written)
    assert.is_truthy(text:find('\n    "$CWD/out.txt", -- run 1\n', 1, true), text)
    assert.is_truthy(text:find('\n    "$CWD/extra.txt", -- run 2\n', 1, true), text)
    assert.is_truthy(text:find("\n-- run 1: ", 1, true), text)
    assert.is_truthy(text:find("\n-- run 2: ", 1, true), text)
    for _, mode in ipairs { "base", "morefile" } do
      local c = behave(merged, mode, { "-s", "./behaviour.lua" })
      assert.are.equal(0, c.status, mode .. ": " .. c.stderr)
    end
    local c = behave(merged, "morepeer", { "-s", "./behaviour.lua" })
    assert.are.equal("behaviour: new peer: 198.51.100.7:9", only_failure(c))
  end)

  it("fails a process that uses more memory than the margin allows", function()
    local r = behave(dir, "moremem", { "-s", "./behaviour.lua" })
    local b = read_baseline(dir .. "/behaviour.lua")
    local failure = only_failure(r)
    local used = failure:match("^behaviour: a process used (.-), more than ")
    assert.is_truthy(used, r.stderr)
    -- the 8 MiB it maps, and what it had
    assert.is_truthy(used:find("^8%.%d MB$"), used)
    assert.is_truthy(failure:find(", more than " .. (function()
      local kb = b.memory / 1024
      return kb < 1024 and string.format("%.1f KB", kb) or string.format("%.1f MB", kb / 1024)
    end)() .. "$", 1, false), failure)
  end)

  it("refuses bad options and a merge from what is no baseline, in one line", function()
    local r = behave(dir, "base", { "-s", "learn", "-X", "learn.memory_margin=lots" })
    assert.are.equal(2, r.status)
    assert.are.equal(1, #h.lines(r.stderr), r.stderr)
    h.write_file(dir .. "/not-a-baseline.lua", "return 1\n")
    r = behave(dir, "base", { "-s", "learn", "-X", "learn.merge=not-a-baseline.lua" })
    assert.are.equal(2, r.status)
    assert.are.equal(1, #h.lines(r.stderr), r.stderr)
    assert.is_truthy(r.stderr:find("is not a baseline", 1, true), r.stderr)
  end)
end)

describe("--diff", function()
  local dir
  local recorded = {}

  -- Each mode recorded once with every syscall (durations need the sleep's).
  setup(function()
    dir = workdir()
    for _, mode in ipairs { "base", "base2", "morefile", "morepeer", "execfewer", "failread", "slow" } do
      local r = behave(dir, mode:gsub("2$", ""), { "-q", "--record-all", "--record", mode .. ".cmpd" })
      assert.are.equal(0, r.status, r.stderr)
      recorded[mode] = dir .. "/" .. mode .. ".cmpd"
    end
  end)
  teardown(h.cleanup)

  local function diff(a, b, flags)
    local argv = { h.bin() }
    for _, f in ipairs(flags or {}) do argv[#argv + 1] = f end
    argv[#argv + 1] = "--diff"
    argv[#argv + 1] = a
    argv[#argv + 1] = b
    return h.run(argv, { cwd = dir })
  end

  it("finds two runs of the same program the same", function()
    local r = diff("base.cmpd", "base2.cmpd")
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
    assert.are.equal("compendium: base2.cmpd and base.cmpd are the same (within the thresholds)\n", r.stdout)
    assert.are.equal("", r.stderr)
    r = diff("base.cmpd", "base.cmpd")
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
    -- the file to write must not be one to read
    r = diff("base.cmpd", "base2.cmpd", { "--json", "base.cmpd" })
    assert.are.equal(2, r.status)
    assert.are.equal(1, #h.lines(r.stderr), r.stderr)
  end)

  local expected = {
    morefile = { "behave:", "  + file $CWD/extra.txt (written 6 B, opens 1)" },
    morepeer = { "behave:", "  + peer 198.51.100.7:9 (connects 1)" },
    execfewer = { "behave:", "  - exec /usr/bin/false (1 time)", "false:", "  - program false (1 process)" },
    failread = { "behave:", "  + syscall read EFAULT (1 time)" },
  }
  for mode, lines in pairs(expected) do
    it("names exactly what changed: " .. mode, function()
      local r = diff("base.cmpd", mode .. ".cmpd")
      assert.are.equal(1, r.status, r.stdout .. r.stderr)
      local out = h.lines(r.stdout)
      local verdict = table.remove(out)
      -- /bin/false is where the file system has it
      for i, l in ipairs(lines) do lines[i] = l:gsub("/usr/bin/false", h.realpath("/bin/false")) end
      assert.are.same(lines, out)
      assert.is_truthy(verdict:find("^compendium: " .. mode .. "%.cmpd differs from base%.cmpd: "), verdict)
    end)
  end

  it("names a sleep that takes 3 times as long, and its durations", function()
    local r = diff("base.cmpd", "slow.cmpd")
    assert.are.equal(1, r.status, r.stdout .. r.stderr)
    local out = h.lines(r.stdout)
    assert.are.equal(3, #out, r.stdout)
    assert.are.equal("behave:", out[1])
    local before, after = out[2]:match("^  ~ syscall clock_nanosleep p50: ([%d.]+) ms → ([%d.]+) ms %(")
    assert.is_truthy(before, r.stdout)
    -- the program asked for 60 ms and 180 ms
    assert.is_true(tonumber(before) >= 60 and tonumber(after) >= 180, r.stdout)
    -- fewer sleeps than the thresholds want for a p50: not compared
    r = diff("base.cmpd", "slow.cmpd", { "-X", "diff.time_samples=6" })
    assert.are.equal(0, r.status, r.stdout)
    -- a threshold above the change: the same
    r = diff("base.cmpd", "slow.cmpd", { "-X", "diff.time=100x" })
    assert.are.equal(0, r.status, r.stdout)
  end)

  it("writes the differences as JSON and JUnit", function()
    local r = diff("base.cmpd", "execfewer.cmpd", { "--json", "d.json", "--junit", "d.xml" })
    assert.are.equal(1, r.status, r.stdout .. r.stderr)
    local d = cjson.decode(h.read_file(dir .. "/d.json"))
    assert.is_false(d.equal)
    assert.are.equal("base.cmpd", d.base)
    assert.are.equal("execfewer.cmpd", d.new)
    assert.are.equal(2, #d.differences)
    local false_path = h.realpath("/bin/false")
    assert.are.same({ program = "behave", change = "disappeared", what = "exec", name = false_path,
                      base = 1, new = 0, text = "- exec " .. false_path .. " (1 time)" }, d.differences[1])
    assert.are.same({ program = "false", change = "disappeared", what = "program", name = "false",
                      base = 1, text = "- program false (1 process)" }, d.differences[2])
    local xml = dir .. "/d.xml"
    local lint = h.run({ "xmllint", "--noout", xml })
    assert.are.equal(0, lint.status, lint.stderr)
    local failed = h.run({ "xmllint", "--xpath", "string(/testsuites/testsuite/@failures)", xml })
    assert.are.equal("2", (failed.stdout:gsub("\n$", "")))
    local names = h.run({ "xmllint", "--xpath", "//testcase[failure]/@name", xml })
    assert.are.equal(' name="behave" name="false"', names.stdout:gsub("\n", ""))
    local message = h.run({ "xmllint", "--xpath", "string(//testcase[@name='false']/failure/@message)", xml })
    assert.are.equal("- program false (1 process)", (message.stdout:gsub("\n$", "")))
    -- equal runs: valid JSON saying so, and no failing testcase
    r = diff("base.cmpd", "base2.cmpd", { "--json", "e.json", "--junit", "e.xml" })
    assert.are.equal(0, r.status)
    local e = cjson.decode(h.read_file(dir .. "/e.json"))
    assert.is_true(e.equal)
    assert.are.same({}, e.differences)
    failed = h.run({ "xmllint", "--xpath", "string(/testsuites/testsuite/@failures)", dir .. "/e.xml" })
    assert.are.equal("0", (failed.stdout:gsub("\n$", "")))
  end)

  it("compares strace logs too", function()
    local logs = {}
    for _, mode in ipairs { "base", "base2", "execfewer" } do
      logs[mode] = mode .. ".log"
      local r = h.run({ "strace", "-f", "-o", logs[mode], h.prog(BEHAVE), dir },
                      { cwd = dir, env = env(dir, (mode:gsub("2$", ""))) })
      assert.are.equal(0, r.status, r.stderr)
    end
    local r = diff(logs.base, logs.base2)
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
    r = diff(logs.base, logs.execfewer)
    assert.are.equal(1, r.status, r.stdout .. r.stderr)
    local out = h.lines(r.stdout)
    table.remove(out)
    -- strace says the path execve was given
    assert.are.same({ "behave:", "  - exec /bin/false (1 time)", "false:", "  - program false (1 process)" }, out)
  end)

  -- Records each mode with FLAG (--faults, --ebpf) into PREFIXmode.cmpd;
  -- false (the test pending) when the kernel does not let compendium use it.
  local function record_with(flag, prefix, modes)
    local probe = h.run({ h.bin(), "-q", flag, "--", "true" })
    if probe.status ~= 0 then
      pending(flag .. " is not permitted here: " .. probe.stderr)
      return false
    end
    for _, mode in ipairs(modes) do
      local r = behave(dir, (mode:gsub("2$", "")), { "-q", flag, "--record", prefix .. mode .. ".cmpd" })
      assert.are.equal(0, r.status, r.stderr)
    end
    return true
  end

  it("compares page faults where both recordings have them", function()
    if not record_with("--faults", "f", { "base", "base2", "moremem" }) then return end
    local r = diff("fbase.cmpd", "fbase2.cmpd")
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
    r = diff("fbase.cmpd", "fmoremem.cmpd")
    assert.are.equal(1, r.status, r.stdout .. r.stderr)
    local out = h.lines(r.stdout)
    assert.are.equal(3, #out, r.stdout)
    assert.are.equal("behave:", out[1])
    local before, after = out[2]:match("^  ~ page faults: (%d+) → (%d+)$")
    assert.is_truthy(before, r.stdout)
    -- 8 MiB of 4 KiB pages more (2048), give or take what two runs differ by
    assert.is_true(tonumber(after) - tonumber(before) >= 2000, r.stdout)
    -- recorded without --faults on one side: not compared
    r = diff("base.cmpd", "fmoremem.cmpd")
    assert.is_falsy(r.stdout:find("page faults", 1, true), r.stdout)
  end)

  it("finds two runs the same with their CPU waits and block I/O", function()
    if not record_with("--ebpf", "e", { "base", "base2" }) then return end
    local r = diff("ebase.cmpd", "ebase2.cmpd")
    assert.are.equal(0, r.status, r.stdout .. r.stderr)
  end)

  it("refuses bad input with one line and status 2", function()
    h.write_file(dir .. "/junk.txt", "hello\n")
    local whole = h.read_file(recorded.base)
    h.write_file(dir .. "/cut.cmpd", whole:sub(1, 2000))
    local corrupt = whole:sub(1, 299) .. "\255\255\255\255" .. whole:sub(304)
    h.write_file(dir .. "/corrupt.cmpd", corrupt)
    for _, pair in ipairs { { "base.cmpd", "missing.cmpd" }, { "missing.cmpd", "base.cmpd" },
                            { "base.cmpd", "junk.txt" }, { "corrupt.cmpd", "base.cmpd" },
                            { "cut.cmpd", "base.cmpd" }, { "base.cmpd", "cut.cmpd" } } do
      local r = diff(pair[1], pair[2])
      local what = pair[1] .. " " .. pair[2]
      assert.are.equal(2, r.status, what .. ": " .. r.stdout .. r.stderr)
      assert.are.equal(1, #h.lines(r.stderr), what .. ": " .. r.stderr)
      assert.are.equal("", r.stdout, what)
    end
    local r = h.run({ h.bin(), "--diff", "base.cmpd" }, { cwd = dir })
    assert.are.equal(2, r.status)
    r = h.run({ h.bin(), "--diff", "base.cmpd", "base2.cmpd", "--", "true" }, { cwd = dir })
    assert.are.equal(2, r.status)
    r = h.run({ h.bin(), "-o", "out.txt", "--diff", "base.cmpd", "base2.cmpd" }, { cwd = dir })
    assert.are.equal(2, r.status)
    r = h.run({ h.bin(), "-X", "diff.bytes=lots", "--diff", "base.cmpd", "base2.cmpd" }, { cwd = dir })
    assert.are.equal(2, r.status)
    assert.are.equal(1, #h.lines(r.stderr), r.stderr)
  end)
end)

-- The same command twice is no difference: each run is traced once, with
-- the baseline check (from the first run) and a recording (for --diff).
-- Each run starts from the same tree, as a clean CI build does (a
-- compiler that finds its old output acts differently, and --diff says
-- so).
describe("no false alarm", function()
  teardown(h.cleanup)

  local function repeated(name, runs, command, prepare)
    it(name .. ", " .. runs .. " runs", function()
      local dir = workdir()
      local function trace(flags)
        if prepare then prepare(dir) end
        local argv = { h.bin() }
        for _, f in ipairs(flags) do argv[#argv + 1] = f end
        argv[#argv + 1] = "--"
        for _, a in ipairs(command(dir)) do argv[#argv + 1] = a end
        return h.run(argv, { cwd = dir, env = env(dir, "threads") })
      end
      local first = trace { "-q", "-s", "learn", "--record", "run1.cmpd" }
      assert.are.equal(0, first.status, first.stderr)
      for i = 2, runs do
        local r = trace { "-q", "-s", "./behaviour.lua", "--record", "run" .. i .. ".cmpd" }
        assert.are.equal(0, r.status, "run " .. i .. ": " .. r.stderr)
        local d = h.run({ h.bin(), "--diff", "run1.cmpd", "run" .. i .. ".cmpd" }, { cwd = dir })
        assert.are.equal(0, d.status, "run " .. i .. ": " .. d.stdout .. d.stderr)
      end
    end)
  end

  -- compiled and linked: the linker's options name gcc's temporary files
  repeated("gcc compiling a small file", 4, function() return { "gcc", "-o", "hello", "hello.c" } end,
           function(dir)
             os.remove(dir .. "/hello")
             h.write_file(dir .. "/hello.c", "int main(void) { return 0; }\n")
           end)
  repeated("tar of a small tree", 3, function() return { "tar", "-cf", "tree.tar", "tree" } end,
           function(dir)
             os.remove(dir .. "/tree.tar")
             os.execute("mkdir -p " .. h.quote(dir .. "/tree/a/b"))
             for i, p in ipairs { "tree/one.txt", "tree/a/two.txt", "tree/a/b/three.txt" } do
               h.write_file(dir .. "/" .. p, string.rep("x", i * 100))
             end
           end)
  repeated("a threaded program", 3, function(dir) return { h.prog(BEHAVE), dir } end,
           function(dir) h.write_file(dir .. "/threads.txt", "") end)
end)
