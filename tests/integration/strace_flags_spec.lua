-- strace's flags, taken by compendium: -f, -e trace=, -c, -C, -T, -t/-tt/-ttt,
-- -y/-yy. Each is checked on tests/progs programs against what strace
-- itself prints for the same program with the same flags, or against the
-- facts of the same run's --json.
local h = require "helpers"
teardown(h.cleanup)

local function compendium(flags, command, opts)
  local argv = { h.bin() }
  for _, f in ipairs(flags) do argv[#argv + 1] = f end
  argv[#argv + 1] = "--"
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  return h.run(argv, opts)
end

-- strace's own output (its -o file) for the same command.
local function strace(flags, command, opts)
  local out = h.tmpdir() .. "/strace.out"
  local argv = { "strace", "-o", out }
  for _, f in ipairs(flags) do argv[#argv + 1] = f end
  argv[#argv + 1] = "--"
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  local r = h.run(argv, opts)
  assert(r.status == 0, "strace failed:\n" .. r.stderr)
  return h.read_file(out)
end

-- ---- strace -c's table ------------------------------------------------------

-- The table's lines from text (header to total), wherever they start.
local function table_lines(text)
  local lines, out = h.lines(text), nil
  for _, line in ipairs(lines) do
    if line:find("^%% time     seconds  usecs/call") then out = {} end
    if out then
      out[#out + 1] = line
      if line:find(" total$") then return out end
    end
  end
  error("no strace -c table in:\n" .. text)
end

-- {header, rule, rows = {{percent, seconds, usecs, calls, errors, name}}, total}
local function parse_table(lines)
  local t = { header = lines[1], rule = lines[2], rows = {} }
  assert(lines[#lines - 1] == lines[2], "the rule after the rows differs from the first")
  local function row(line)
    local p, s, u, calls, rest = line:match("^ *([%d.]+) +([%d.]+) +(%d+) +(%d+) (.*)$")
    assert(p, "not a row: " .. line)
    local errors, name = rest:match("^ *(%d*) ([%w_]+)$")
    assert(name, "not a row: " .. line)
    return { percent = tonumber(p), seconds = tonumber(s), usecs = tonumber(u),
             calls = tonumber(calls), errors = tonumber(errors) or 0, name = name, line = line }
  end
  for i = 3, #lines - 2 do t.rows[#t.rows + 1] = row(lines[i]) end
  t.total = row(lines[#lines])
  return t
end

-- name → "calls/errors"
local function counts_of(t)
  local out = {}
  for _, r in ipairs(t.rows) do out[r.name] = r.calls .. "/" .. r.errors end
  return out
end

-- The columns strace -c's rows put each field in: where each ends.
local function column_ends(line)
  local ends = {}
  for stop in line:gmatch("[^ ]+()") do ends[#ends + 1] = stop end
  return ends
end

describe("-c and -C", function()
  local counts = { h.prog("counts"), "3", "2" }

  it("print strace -c's table: the same header, columns, calls and errors as strace -c -f", function()
    local r = compendium({ "-c" }, counts)
    assert.are.equal(0, r.status, r.stderr)
    local mine = parse_table(table_lines(r.stderr))
    local theirs = parse_table(table_lines(strace({ "-f", "-c", "-w" }, counts)))
    assert.are.equal(theirs.header, mine.header)
    assert.are.equal(theirs.rule, mine.rule)
    assert.are.same(counts_of(theirs), counts_of(mine))
    assert.are.equal(theirs.total.calls, mine.total.calls)
    assert.are.equal(theirs.total.errors, mine.total.errors)
    assert.are.equal("total", mine.total.name)
    -- the facts of the program: 3 + 1 opens and the loader's 2, 2 writes
    assert.are.equal("6/0", counts_of(mine).openat)
    assert.are.equal("2/0", counts_of(mine).write)
    -- every field ends in strace's column (times differ, the widths do not)
    local ends = column_ends(theirs.rows[1].line)
    for _, row in ipairs(mine.rows) do
      local e = column_ends(row.line)
      assert.are.same({ ends[1], ends[2], ends[3], ends[4] }, { e[1], e[2], e[3], e[4] })
    end
  end)

  it("sort the rows as strace does: by time, the most first; the total sums them", function()
    local r = compendium({ "-c" }, { h.prog("counts"), "20", "50" })
    local t = parse_table(table_lines(r.stderr))
    local calls, seconds, percent = 0, 0, 0
    for i, row in ipairs(t.rows) do
      if i > 1 then assert.is_true(row.seconds <= t.rows[i - 1].seconds, row.line) end
      calls, seconds, percent = calls + row.calls, seconds + row.seconds, percent + row.percent
      -- usecs/call is the mean, cut to the µs; seconds are cut to the µs too, so
      -- the mean of the printed seconds is off by less than 1 + 1/calls
      assert.is_true(math.abs(row.usecs - row.seconds * 1e6 / row.calls) < 1 + 1 / row.calls, row.line)
    end
    assert.are.equal(calls, t.total.calls)
    assert.is_true(math.abs(seconds - t.total.seconds) < 1e-6 * (#t.rows + 1))
    assert.is_true(math.abs(percent - 100) < 0.01 * (#t.rows + 1))
    -- 20 of /etc/hostname, /dev/null, and the loader's ld.so.cache and libc
    assert.are.equal("23/0", counts_of(t).openat)
    assert.are.equal("50/0", counts_of(t).write)
  end)

  it("-c shows only the table; -C shows the default view, then the table", function()
    local c = compendium({ "-c" }, counts)
    assert.is_nil(c.stderr:find("compendium: tracing", 1, true))
    assert.is_nil(c.stderr:find("FINAL:", 1, true))
    local C = compendium({ "-C" }, counts)
    assert.are.equal(0, C.status, C.stderr)
    local final = C.stderr:find("FINAL:", 1, true)
    local tbl = C.stderr:find("% time     seconds", 1, true)
    assert.is_truthy(C.stderr:find("compendium: tracing", 1, true))
    assert.is_truthy(final and tbl and final < tbl)
  end)

  it("-c -e trace=%file counts what strace -c -e trace=%file counts", function()
    local r = compendium({ "-c", "-e", "trace=%file" }, counts)
    local mine = parse_table(table_lines(r.stderr))
    local theirs = parse_table(table_lines(strace({ "-f", "-c", "-e", "trace=%file" }, counts)))
    assert.are.same(counts_of(theirs), counts_of(mine))
  end)

  it("counts the errors of failed calls, as strace does", function()
    -- /etc/ld.so.preload does not exist on Debian: access fails once
    local r = compendium({ "-c", "-e", "trace=access,openat" }, { "sh", "-c", "cat /nonexistent 2>/dev/null; true" })
    local mine = parse_table(table_lines(r.stderr))
    local theirs = parse_table(table_lines(strace({ "-f", "-c", "-e", "trace=access,openat" },
      { "sh", "-c", "cat /nonexistent 2>/dev/null; true" })))
    assert.are.same(counts_of(theirs), counts_of(mine))
    assert.is_true(mine.total.errors >= 1)
  end)
end)

-- ---- -e trace= --------------------------------------------------------------

-- Whether a thread waits on a futex depends on how its threads' runs
-- interleave, which differs from one run to the next.
local TIMING = { futex = true }

-- The syscall names of compendium's raw lines ("[+0.001s] [1234] name(").
local function raw_names(stderr)
  local set = {}
  for _, line in ipairs(h.lines(stderr)) do
    local name = line:match("^%S+ %[%d+%] ([%w_]+)%(")
    if name and not TIMING[name] then set[name] = true end
  end
  return set
end

-- The names of strace's lines ("1234 name(" with -f -o).
local function strace_names(log)
  local set = {}
  for _, line in ipairs(h.lines(log)) do
    local name = line:match("^%d+ +([%w_]+)%(") or line:match("^([%w_]+)%(")
    if name and not TIMING[name] then set[name] = true end
  end
  return set
end

describe("-e trace=SET", function()
  local dir = h.tmpdir()
  local programs = {
    { h.prog("spawn") },
    { h.prog("tcp_loopback") },
    { h.prog("fd_kinds"), dir },
    { "sh", "-c", "trap 'echo usr1' USR1; kill -USR1 $$" },
    { h.prog("memory") },
    { "sh", "-c", "ls -la / >/dev/null" },
  }
  local sets = { "%file", "%desc", "%network", "%net", "%process", "%memory", "%signal", "%ipc",
                 "%creds", "%clock", "!%memory", "openat,close", "/^(open|close)", "!write,%file",
                 "file" }

  it("shows the syscalls strace shows for the same program and set", function()
    for _, command in ipairs(programs) do
      for _, set in ipairs(sets) do
        local r = compendium({ "-e", "trace=" .. set }, command)
        assert.are.equal(0, r.status, r.stderr)
        local log = strace({ "-f", "-qq", "-e", "trace=" .. set }, command)
        assert.are.same(strace_names(log), raw_names(r.stderr), set .. " on " .. command[1])
      end
    end
  end)

  it("takes strace's short forms: -e NAME, -e t=NAME, several -e", function()
    local counts = { h.prog("counts"), "2", "1" }
    assert.are.same({ openat = true }, raw_names(compendium({ "-e", "openat" }, counts).stderr))
    assert.are.same({ close = true }, raw_names(compendium({ "-e", "t=close" }, counts).stderr))
    assert.are.same({ close = true, write = true },
                    raw_names(compendium({ "-e", "close", "-e", "trace=write" }, counts).stderr))
    assert.are.same({}, raw_names(compendium({ "-e", "trace=none" }, counts).stderr))
  end)

  it("without -v keeps the default view's own lines, and -v with no -e shows every syscall", function()
    local counts = { h.prog("counts"), "2", "1" }
    local r = compendium({ "-e", "trace=write" }, counts)
    assert.is_truthy(r.stderr:find("\n%S+ open /etc/hostname %(read%)"))
    assert.are.same({ write = true }, raw_names(r.stderr))
    local v = compendium({ "-v" }, counts)
    assert.is_true(raw_names(v.stderr).mmap and raw_names(v.stderr).openat and true or false)
  end)

  it("refuses an unknown syscall, class or qualifier in one line, status 2", function()
    local cases = {
      { "trace=opne", "no syscall named 'opne'" },
      { "trace=%stat", "no syscall class '%stat'" },
      { "trace=/(", "is not a regular expression" },
      { "trace=/^nosuchcall", "matches no syscall" },
      { "status=failed", "strace's qualifier is not supported" },
      { "bogus=1", "no such qualifier" },
      { "trace=", "an empty syscall name" },
    }
    for _, case in ipairs(cases) do
      local r = compendium({ "-e", case[1] }, { h.prog("counts"), "1", "1" })
      assert.are.equal(2, r.status, case[1])
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.is_truthy(r.stderr:find(case[2], 1, true), r.stderr)
    end
    -- ?NAME: strace's "no error if it selects nothing"
    local r = compendium({ "-e", "trace=?opne,close" }, { h.prog("counts"), "1", "1" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.same({ close = true }, raw_names(r.stderr))
  end)
end)

-- ---- -T, -t, -y, -f ---------------------------------------------------------------

describe("-T", function()
  it("ends each raw line with the call's duration: the dur_ns of the same run's events", function()
    local r = h.trace({ h.prog("counts"), "3", "1" }, { flags = { "-T", "-e", "trace=openat" } })
    assert.are.equal(0, r.status, r.stderr)
    local shown = {}
    for _, line in ipairs(h.lines(r.stderr)) do
      local d = line:match("^%S+ %[%d+%] openat%(.* = %d+ <(%d+%.%d%d%d%d%d%d)>$")
      if d then shown[#shown + 1] = d end
    end
    local opens = h.select(r.events, "open")
    assert.are.equal(6, #shown)
    assert.are.equal(#opens, #shown)
    for i, e in ipairs(opens) do assert.are.equal(string.format("%.6f", e.dur_ns / 1e9), shown[i]) end
  end)
end)

describe("-t, -tt, -ttt", function()
  -- The wall-clock time of an event: the run's anchor plus its ts_ns.
  local function wall_us(summary, e)
    return math.floor((summary.wall_start_ns + (e.ts_ns - summary.start_ns)) / 1000)
  end

  it("put the time of day or the epoch's seconds on every line, as strace writes them", function()
    local r = h.trace({ h.prog("counts"), "1", "1" }, { flags = { "-ttt", "-e", "trace=openat" } })
    local opens = h.select(r.events, "open")
    local i = 0
    for _, line in ipairs(h.lines(r.stderr)) do
      if not line:find("^compendium: ") and line ~= "" and not line:find("^[ ━]") then
        assert.is_truthy(line:find("^%d+%.%d%d%d%d%d%d "), line)
      end
      local sec, usec = line:match("^(%d+)%.(%d+) %[%d+%] openat%(")
      if sec then
        i = i + 1
        -- cjson gives numbers: exact to the µs at today's epoch
        local want = wall_us(r.summary, opens[i])
        assert.is_true(math.abs(tonumber(sec) * 1e6 + tonumber(usec) - want) <= 1, line)
      end
    end
    assert.are.equal(#opens, i)
    local tt = compendium({ "-tt", "-e", "trace=close" }, { h.prog("counts"), "1", "1" })
    assert.is_truthy(tt.stderr:find("\n%d%d:%d%d:%d%d%.%d%d%d%d%d%d %[%d+%] close%("))
    local t = compendium({ "-t", "-e", "trace=close" }, { h.prog("counts"), "1", "1" })
    assert.is_truthy(t.stderr:find("\n%d%d:%d%d:%d%d %[%d+%] close%("))
    assert.is_nil(t.stderr:find("\n%d%d:%d%d:%d%d%.%d"))
  end)
end)

-- The fd annotations of each line, in order: {"write 3</dev/null>", ...}
local function annotations(lines_text, pattern)
  local out = {}
  for _, line in ipairs(h.lines(lines_text)) do
    local name, rest = line:match(pattern)
    if name then
      for fd in rest:gmatch("%d+<[^>]*>") do out[#out + 1] = name .. " " .. fd end
    end
  end
  return out
end

describe("-y, -yy", function()
  it("name each fd and returned fd as strace -y does", function()
    local counts = { h.prog("counts"), "2", "2" }
    local set = "trace=openat,close,read,write,pread64,mmap,newfstatat"
    local r = compendium({ "-y", "-e", set }, counts)
    assert.are.equal(0, r.status, r.stderr)
    local mine = annotations(r.stderr, "^%S+ %[%d+%] ([%w_]+)(%(.*)$")
    local theirs = annotations(strace({ "-y", "-e", set }, counts), "^([%w_]+)(%(.*)$")
    assert.are.same(theirs, mine)
    assert.is_true(#mine > 10)
    local plain = compendium({ "-e", set }, counts)
    assert.are.same({}, annotations(plain.stderr, "^%S+ %[%d+%] ([%w_]+)(%(.*)$"))
  end)

  it("-yy names a TCP socket by its peer", function()
    local r = compendium({ "-yy", "-e", "trace=connect,sendto" }, { h.prog("tcp_loopback") })
    assert.are.equal(0, r.status, r.stderr)
    local port = r.stdout:match("PORT (%d+)")
    local sends = 0
    for fd in r.stderr:gmatch("sendto%((%d+<[^,]*>),") do
      assert.are.equal("<TCP:[?->127.0.0.1:" .. port .. "]>", fd:match("<.*"))
      sends = sends + 1
    end
    assert.is_true(sends >= 1)
  end)
end)

describe("-f and --help", function()
  it("-f and -ff are accepted and change nothing", function()
    local command = { h.prog("spawn") }
    local plain = compendium({ "-e", "trace=%process" }, command)
    for _, f in ipairs({ "-f", "-ff" }) do
      local r = compendium({ f, "-e", "trace=%process" }, command)
      assert.are.equal(0, r.status, r.stderr)
      assert.are.same(raw_names(plain.stderr), raw_names(r.stderr))
    end
  end)

  it("--help lists them under their own heading; -c with -C is refused", function()
    local help = h.run({ h.bin(), "--help" }).stdout
    local heading = help:find("\nOptions from strace", 1, true)
    assert.is_truthy(heading)
    for _, flag in ipairs({ "-f ", "-e ", "-c ", "-C ", "-T ", "-t, -tt, -ttt", "-y, -yy" }) do
      assert.is_truthy(help:find("\n  " .. flag, heading, true), flag)
    end
    local r = compendium({ "-c", "-C" }, { h.prog("counts"), "1", "1" })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)
end)

describe("--string-limit N", function()
  -- write/read lines' fd and string, in order: {'write 3 "xxxx"...', ...};
  -- strings with escapes are left out (how a byte is escaped is not -s's
  -- business).
  local function strings(text, pattern)
    local out = {}
    for _, line in ipairs(h.lines(text)) do
      local name, fd, str = line:match(pattern)
      if name and not str:find("\\", 1, true) then out[#out + 1] = name .. " " .. fd .. " " .. str end
    end
    return out
  end

  it("cuts strings and buffers as strace -s N does", function()
    local dir = h.tmpdir()
    local command = { h.prog("fd_kinds"), dir }
    for _, n in ipairs({ "0", "4", "32" }) do
      local r = compendium({ "--string-limit", n, "-e", "trace=read,write" }, command)
      assert.are.equal(0, r.status, r.stderr)
      local mine = strings(r.stderr, '^%S+ %[%d+%] ([%w_]+)%((%d+), ("[^"]*"[.]*),')
      local theirs = strings(strace({ "-s", n, "-e", "trace=read,write" }, command),
                             '^([%w_]+)%((%d+), ("[^"]*"[.]*),')
      assert.are.same(theirs, mine)
      assert.is_true(#mine >= 8, n)
    end
  end)

  it("keeps paths whole, and refuses a limit past what a trace keeps", function()
    local r = compendium({ "--string-limit", "2", "-e", "trace=openat" }, { h.prog("counts"), "1", "1" })
    assert.is_truthy(r.stderr:find('openat(AT_FDCWD, "/etc/hostname", O_RDONLY)', 1, true), r.stderr)
    for _, bad in ipairs({ "33", "-1", "x", "" }) do
      local b = compendium({ "--string-limit", bad }, { "true" })
      assert.are.equal(2, b.status, bad)
      assert.is_true(h.one_line_error(b.stderr), b.stderr)
    end
  end)
end)
