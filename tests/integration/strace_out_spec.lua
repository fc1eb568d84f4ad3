-- --strace-out: the run as `strace -f -ttt -T -yy` writes it. Read back
-- with --replay (the strace-log reader) it gives the live run's facts, and
-- its lines are those of a real strace log of the same program.
local h = require "helpers"
local st = require "strace_text"

-- every line of a written log: "TID TIME " and then a call, a signal or an exit
local LINE = "^(%d+) +(%d+%.%d%d%d%d%d%d) (.*)$"

local function facts(events)
  local f = { files = {}, peers = {}, execs = {}, exits = {}, spawns = {} }
  local function add(t, k, n) t[k] = (t[k] or 0) + n end
  for _, e in ipairs(events) do
    local t = e.type
    if t == "read" or t == "write" then
      add(f.files, t .. " " .. tostring(e.filename) .. " " .. tostring(e.target), e.bytes)
    elseif t == "send" or t == "recv" then
      add(f.peers, t .. " " .. tostring(e.remote_addr) .. " " .. tostring(e.sock_type), e.bytes)
    elseif t == "connect" then
      add(f.peers, "connect " .. tostring(e.remote_addr) .. " " .. tostring(e.error), 1)
    elseif t == "exec" then
      -- strace -s 32 cuts longer arguments: those the log cannot give back
      local argv, cut = {}, false
      for _, a in ipairs(e.argv) do
        if #a > 32 or cut then cut = true else argv[#argv + 1] = a end
      end
      if cut then argv[#argv + 1] = "(cut)" end
      f.execs[#f.execs + 1] = e.pid .. " " .. e.program .. " " .. table.concat(argv, " ")
    elseif t == "exit" then
      f.exits[#f.exits + 1] = ("%d %s %s %s"):format(e.tid, tostring(e.code), tostring(e.signal),
                                                     tostring(e.is_thread))
    elseif t == "spawn_process" or t == "spawn_thread" then
      f.spawns[#f.spawns + 1] = ("%s %d %d"):format(t, e.pid, e.child_tid or e.child_pid)
    end
  end
  for _, k in ipairs({ "execs", "exits", "spawns" }) do table.sort(f[k]) end
  local s = events[#events]
  assert.are.equal("summary", s.type)
  f.processes, f.threads, f.exit = s.processes, s.threads, s.exit
  return f, s
end

-- A run written with --strace-out (and --json), then replayed with --json.
local function round_trip(argv, cwd)
  local dir = h.tmpdir()
  local live_argv = { h.bin(), "-q", "--strace-out", dir .. "/run.strace", "--json", dir .. "/live.json",
                      "--" }
  for _, a in ipairs(argv) do live_argv[#live_argv + 1] = a end
  local live = h.run(live_argv, { cwd = cwd or dir, env = { LC_ALL = "C" } })
  local replay = h.run({ h.bin(), "-q", "--replay", dir .. "/run.strace", "--json", dir .. "/replay.json" })
  return {
    live = live, replay = replay, log = h.read_file(dir .. "/run.strace"),
    live_events = h.read_jsonl(dir .. "/live.json"), replay_events = h.read_jsonl(dir .. "/replay.json"),
  }
end

local function tree(dir)
  h.run({ "mkdir", "-p", dir .. "/tree/sub" })
  h.write_file(dir .. "/tree/one", "1\n")
  h.write_file(dir .. "/tree/sub/text", string.rep("compendium\n", 500))
end

local WORKLOADS = {
  { name = "tests/progs/fileio", argv = function(dir) return { h.prog("fileio"), dir } end },
  { name = "tests/progs/spawn (a child and a thread)", argv = function() return { h.prog("spawn") } end },
  { name = "tests/progs/threads_loop (two threads)",
    argv = function(dir) return { h.prog("threads_loop"), dir .. "/ticks", "0" } end },
  { name = "tests/progs/tcp_loopback", argv = function() return { h.prog("tcp_loopback") } end },
  { name = "tests/progs/killed_child", argv = function() return { h.prog("killed_child") } end },
  { name = "tests/progs/killed_child self", status = 143,
    argv = function() return { h.prog("killed_child"), "self" } end },
  { name = "a pipeline via sh",
    argv = function() return { "sh", "-c", "seq 1000 | sort -r | head -3 > top" } end },
  { name = "tar cf of a small tree", setup = tree,
    argv = function() return { "tar", "cf", "out.tar", "tree" } end },
}

describe("--strace-out read back with --replay", function()
  teardown(h.cleanup)

  for _, w in ipairs(WORKLOADS) do
    it(w.name .. ": the same facts as the live run", function()
      local cwd = h.tmpdir()
      if w.setup then w.setup(cwd) end
      local r = round_trip(w.argv(cwd), cwd)
      local status = w.status or 0
      assert.are.equal(status, r.live.status, r.live.stderr)
      assert.are.equal(status, r.replay.status, r.replay.stderr)
      -- read as an strace log, every line understood
      assert.is_truthy(r.replay.stderr:find("is an strace log: replaying its lines", 1, true), r.replay.stderr)
      assert.is_falsy(r.replay.stderr:find("not understood", 1, true), r.replay.stderr)
      local live, ls = facts(r.live_events)
      local replay, rs = facts(r.replay_events)
      assert.are.equal("strace", rs.source.name)
      -- the flags it took: -ttt (the wall clock), -T (durations), -yy (fd
      -- names), -f (pids); only cut strace -s strings may be unknown
      for _, u in ipairs(rs.unknown or {}) do
        assert.are.equal("arguments", u.id, u.why)
      end
      assert.are.same(live, replay)
      assert.is_true(#r.replay_events > 1)
      -- -ttt and -T: each I/O event at the same wall-clock time (an entry
      -- time plus a duration, to the microsecond) with the same duration
      local function io(events, s)
        local list = {}
        for _, e in ipairs(events) do
          if e.dur_ns and (e.type == "read" or e.type == "write" or e.type == "open") then
            list[#list + 1] = { e.tid, e.type, s.wall_start_ns + (e.ts_ns - s.start_ns), e.dur_ns, #list }
          end
        end
        -- by task, in each its own order (tasks' events a microsecond apart may swap)
        table.sort(list, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[5] < y[5]) end)
        return list
      end
      local a, b = io(r.live_events, ls), io(r.replay_events, rs)
      assert.are.equal(#a, #b)
      assert.is_true(#a > 0)
      for i = 1, #a do
        assert.are.same({ a[i][1], a[i][2] }, { b[i][1], b[i][2] })
        assert.is_true(math.abs(a[i][3] - b[i][3]) <= 2000, ("%s: %d vs %d"):format(a[i][2], a[i][3], b[i][3]))
        assert.is_true(math.abs(a[i][4] - b[i][4]) <= 1000, ("%s: %d vs %d"):format(a[i][2], a[i][4], b[i][4]))
      end
    end)
  end
end)

describe("--strace-out lines", function()
  teardown(h.cleanup)

  it("are strace -f -ttt -T -yy lines: a pid, the time, the call with fds named, its duration", function()
    local dir = h.tmpdir()
    local r = round_trip({ h.prog("fileio"), dir })
    assert.are.equal(0, r.live.status, r.live.stderr)
    local n, prev = 0, 0
    for _, line in ipairs(h.lines(r.log)) do
      local pid, time, rest = line:match(LINE)
      assert.is_truthy(pid, line)
      assert.is_true(tonumber(time) >= prev, line)
      prev = tonumber(time)
      n = n + 1
      assert.is_truthy(rest:find(" <%d+%.%d%d%d%d%d%d>$") or rest:find("^exit_group%(0%) += %?$") or
                       rest:find("^%+%+%+ exited with 0 %+%+%+$"), line)
      -- as strace aligns results: "brk(NULL)       = 0x…", the "=" at column 41
      local call = line:match("^(.-%)) +=")
      if call and #call < 38 then assert.are.equal(41, line:find("= ", #call + 1, true), line) end
    end
    assert.is_true(n > 20)
    -- the run's directory, made absolute: fileio writes DIR/out.bin
    local real = h.realpath(dir)
    local fd = r.log:match('openat%(AT_FDCWD<[^>]*>, "' .. dir:gsub("%p", "%%%0") ..
                          '/out%.bin", O_WRONLY|O_CREAT|O_TRUNC, 0644%) += (%d+)<')
    assert.is_truthy(fd, r.log)
    assert.is_truthy(r.log:find("write(" .. fd .. "<" .. real .. "/out.bin>, ", 1, true), r.log)
    assert.is_truthy(r.log:find("\nexit_group(0)", 1, true) or r.log:find(" exit_group%(0%) += %?\n"), r.log)
  end)

  it("name pipe2's fds as -yy does, in the log and on -v -yy lines", function()
    local dir = h.tmpdir()
    local r = round_trip({ h.prog("spawn") }, dir)
    local pat = "pipe2%(%[(%d+)<pipe:%[(%d+)%]>, (%d+)<pipe:%[(%d+)%]>%], O_CLOEXEC%) += 0"
    local a, ia, b, ib = r.log:match(pat)
    assert.is_truthy(a, r.log)
    assert.are.equal(ia, ib)
    assert.are_not.equal(a, b)
    -- the pipe's write end, named the same where the thread writes "hello"
    -- (the call whole or its first half)
    assert.is_truthy(r.log:find("write(" .. b .. "<pipe:[" .. ia .. "]>, \"hello\", 5", 1, true), r.log)
    local v = h.run({ h.bin(), "-v", "-yy", "--", h.prog("spawn") })
    assert.are.equal(0, v.status, v.stderr)
    assert.is_truthy(v.stderr:find(pat), v.stderr)
  end)

  -- Every split pair in order, each with another task's line between its
  -- halves; the pairs by name.
  local function splits(log)
    local open, order, pairs_seen = {}, {}, {}
    for i, line in ipairs(h.lines(log)) do
      local tid, _, rest = line:match(LINE)
      assert.is_truthy(tid, line)
      local head = rest:match("^([%w_]+)%(.* <unfinished %.%.%.>$")
      local resumed = rest:match("^<%.%.%. ([%w_]+) resumed>")
      -- a task's unfinished call is the next thing it resumes
      assert.is_true(not open[tid] or resumed ~= nil, line)
      if head then
        open[tid] = { name = head, line = i }
      elseif resumed then
        assert.is_truthy(open[tid], line)
        assert.are.equal(open[tid].name, resumed, line)
        local others = {}
        for j = open[tid].line + 1, i - 1 do
          if order[j] ~= tid then others[#others + 1] = order[j] end
        end
        assert.is_true(#others > 0, line)
        pairs_seen[#pairs_seen + 1] = { name = resumed, tid = tid, others = others }
        open[tid] = nil
      end
      order[i] = tid
    end
    for tid, call in pairs(open) do error(("%s's %s never resumed"):format(tid, call.name)) end
    return pairs_seen
  end

  it("split a call another task's line falls in: <unfinished ...> then <... NAME resumed>", function()
    -- vfork_wait's parent is held in vfork until its child exits: the
    -- child's lines are within the call, whatever the timing
    local dir = h.tmpdir()
    h.write_file(dir .. "/go", "")
    h.write_file(dir .. "/release", "")
    local r = round_trip({ h.prog("vfork_wait"), dir }, dir)
    assert.are.equal(0, r.live.status, r.live.stderr)
    local root = r.log:match("^(%d+) ")
    local child = r.log:match("\n(%d+) +%d+%.%d+ %+%+%+ exited with 7 %+%+%+\n")
    assert.is_truthy(child, r.log)
    local found
    for _, p in ipairs(splits(r.log)) do
      if p.name == "vfork" then found = p end
    end
    assert.is_truthy(found, r.log)
    assert.are.equal(root, found.tid)
    for _, tid in ipairs(found.others) do assert.are.equal(child, tid, r.log) end
    assert.is_truthy(r.log:find("\n" .. root .. " +%d+%.%d+ vfork%( <unfinished %.%.%.>\n"), r.log)
    assert.is_truthy(r.log:find("\n" .. root .. " +%d+%.%d+ <%.%.%. vfork resumed>%) += " .. child ..
                                " <%d+%.%d+>\n"), r.log)
    -- and a run with a thread and a child: every split it has is one
    local s = round_trip({ h.prog("spawn") }, dir)
    assert.are.equal(0, s.live.status, s.live.stderr)
    splits(s.log)
  end)

  it("say how tasks ended: exited with N, killed by SIGNAL, and the signals", function()
    local dir = h.tmpdir()
    local r = round_trip({ h.prog("killed_child") }, dir)
    assert.are.equal(0, r.live.status, r.live.stderr)
    local root = r.log:match("^(%d+) ")
    local killed = r.log:match("\n(%d+) +%d+%.%d+ %+%+%+ killed by SIGKILL %+%+%+\n")
    assert.is_truthy(killed, r.log)
    assert.are_not.equal(root, killed)
    assert.is_truthy(r.log:find("\n" .. root .. " +%d+%.%d+ %-%-%- SIGCHLD {si_signo=SIGCHLD, %.%.%.} %-%-%-\n"), r.log)
    assert.is_truthy(r.log:find("\n" .. root .. " +%d+%.%d+ %+%+%+ exited with 0 %+%+%+\n$"), r.log)
    local s = round_trip({ "sh", "-c", "exit 3" }, dir)
    assert.are.equal(3, s.live.status)
    assert.is_truthy(s.log:find(" exit_group%(3%) += %?\n"), s.log)
    assert.is_truthy(s.log:find(" %+%+%+ exited with 3 %+%+%+\n$"), s.log)
  end)

  -- the same deterministic programs under strace itself
  local PROGRAMS = {
    { name = "tests/progs/fileio", argv = function(dir) return { h.prog("fileio"), dir } end },
    { name = "tests/progs/spawn", argv = function() return { h.prog("spawn") } end },
    { name = "tar cf of a small tree", setup = tree, argv = function() return { "tar", "cf", "out.tar", "tree" } end },
  }
  for _, p in ipairs(PROGRAMS) do
    local test = h.installed("strace") and it or pending
    test(p.name .. ": most lines identical to strace -f -ttt -T -yy's", function()
      local sdir, cdir = h.tmpdir(), h.tmpdir()
      if p.setup then p.setup(sdir); p.setup(cdir) end
      local env = { LC_ALL = "C", HOME = "/nonexistent" }
      local sargv = { "strace", "-f", "-ttt", "-T", "-yy", "-q", "-o", sdir .. "/strace.log", "--" }
      for _, a in ipairs(p.argv(sdir)) do sargv[#sargv + 1] = a end
      local s = h.run(sargv, { cwd = sdir, env = env })
      local cargv = { h.bin(), "-q", "--strace-out", cdir .. "/out.strace", "--" }
      for _, a in ipairs(p.argv(cdir)) do cargv[#cargv + 1] = a end
      local c = h.run(cargv, { cwd = cdir, env = env })
      assert.are.equal(s.status, c.status, c.stderr)
      -- the runs' own directories, and those of their standard streams
      local function text(dir, file)
        return (h.read_file(dir .. "/" .. file):gsub(dir:gsub("%p", "%%%0"), "DIR")
                  :gsub("/tmp/compendium%-it%.%w+/", "TMP/"))
      end
      local ref, rpids = st.lines(text(sdir, "strace.log"), { signals = true })
      local mine, mpids = st.lines(text(cdir, "out.strace"), { signals = true })
      local share, total, missing, extra = st.share(ref, rpids, mine, mpids)
      print(("%s: %.1f%% of %d lines identical"):format(p.name, 100 * share, total))
      local shown = {}
      for i = 1, math.min(10, #missing) do shown[#shown + 1] = "strace:     " .. missing[i] end
      for i = 1, math.min(10, #extra) do shown[#shown + 1] = "strace-out: " .. extra[i] end
      assert.is_true(share >= 0.9, ("%.1f%% identical; the first that differ:\n%s"):format(
        100 * share, table.concat(shown, "\n")))
    end)
  end
end)

describe("--strace-out errors", function()
  teardown(h.cleanup)

  it("a file that cannot be made: one line, status 2, nothing traced", function()
    local r = h.run({ h.bin(), "--strace-out", "/nonexistent/dir/x.strace", "--", h.prog("spawn") })
    assert.are.equal(2, r.status, r.stderr)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.is_falsy(r.stdout:find("child", 1, true))
  end)

  it("a full disk: said once, status 125, the command runs to its end", function()
    local r = h.run({ h.bin(), "-q", "--strace-out", "/dev/full", "--", h.prog("spawn") })
    assert.are.equal(125, r.status, r.stderr)
    local _, n = r.stderr:gsub("compendium: writing /dev/full: No space left on device\n", "")
    assert.are.equal(1, n, r.stderr)
    assert.is_truthy(r.stdout:find("child %d+"), r.stdout)
  end)

  it("an empty name, or the same file as --json: usage errors", function()
    local r = h.run({ h.bin(), "--strace-out", "", "--", h.prog("spawn") })
    assert.are.equal(2, r.status, r.stderr)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    local dir = h.tmpdir()
    local s = h.run({ h.bin(), "--strace-out", dir .. "/x", "--json", dir .. "/x", "--", h.prog("spawn") })
    assert.are.equal(2, s.status, s.stderr)
    assert.is_truthy(s.stderr:find("name the same file", 1, true), s.stderr)
  end)
end)
