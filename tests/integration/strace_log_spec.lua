-- --replay of an strace log: the lines of `strace -f -ttt -T -yy` become
-- the records a live trace makes, so the facts of the replay equal those of
-- the live run of the same program. Lines the parser does not understand
-- are counted and named by number; a file that is neither a recording nor
-- an strace log is one line.
local h = require "helpers"

local have_strace = os.execute("strace -V >/dev/null 2>&1")
have_strace = have_strace == true or have_strace == 0

-- The facts compared: bytes per file under dir, bytes sent and received
-- by peer (ports, which differ from run to run, named by what the program
-- printed: ports = { ["40000"] = "SERVER" }), the I/O totals by kind,
-- processes, threads, the programs exec'd and the exit status.
local function facts(events, dir, ports)
  local f = { files = {}, peers = {}, execs = {} }
  for _, e in ipairs(events) do
    if (e.type == "read" or e.type == "write") and e.filename
        and e.filename:sub(1, #dir) == dir then
      local k = e.type .. " " .. e.filename
      f.files[k] = (f.files[k] or 0) + e.bytes
    elseif (e.type == "send" or e.type == "recv") and e.remote_addr then
      -- a port the program did not print, from the ephemeral range: the
      -- kernel's pick, which differs from run to run
      local peer = e.remote_addr:gsub(":(%d+)$", function(p)
        return ":" .. ((ports or {})[p] or (tonumber(p) >= 32768 and "ephemeral") or p)
      end)
      local k = e.type .. " " .. e.sock_type .. " " .. peer
      f.peers[k] = (f.peers[k] or 0) + e.bytes
    elseif e.type == "exec" then
      f.execs[#f.execs + 1] = e.program
    elseif e.type == "summary" then
      f.processes, f.threads, f.exit = e.processes, e.threads, e.exit.code
      f.io = e.io
      f.unknown = {}
      for _, u in ipairs(e.unknown or {}) do f.unknown[#f.unknown + 1] = u.id end
    end
  end
  table.sort(f.execs)
  return f
end

-- The ports a program printed ("PORT 40000"): { ["40000"] = "PORT" }.
local function ports_of(stdout)
  local ports = {}
  for word, port in stdout:gmatch("(%u+) (%d+)") do ports[port] = word end
  return ports
end

-- strace FLAGS -s 4096 -o LOG -- COMMAND in dir (-o names the prefix of
-- -ff's files); the log's path and strace's stdout.
local function strace_log(command, dir, flags, log)
  log = log or dir .. "/app.strace"
  local argv = { "strace" }
  flags = flags or { "-f", "-ttt", "-T", "-yy" }
  for _, f in ipairs(flags) do argv[#argv + 1] = f end
  -- strings whole unless the flags say how long
  if not table.concat(flags, " "):find("-s ", 1, true) then
    argv[#argv + 1], argv[#argv + 2] = "-s", "4096"
  end
  for _, f in ipairs({ "-o", log, "--" }) do argv[#argv + 1] = f end
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  local r = h.run(argv, { cwd = dir })
  return log, r.stdout
end

local function replay(log, flags)
  local json = h.tmpdir() .. "/replay.jsonl"
  local argv = { h.bin(), "-q", "-r", log, "--json", json }
  for _, f in ipairs(flags or {}) do argv[#argv + 1] = f end
  local r = h.run(argv)
  r.events = h.read_jsonl(json)
  return r
end

-- A log of these lines (what strace writes, by hand) in a new directory,
-- replayed; the replay and the directory.
local function replay_lines(lines)
  local dir = h.tmpdir()
  local log = dir .. "/hand.strace"
  local text = table.concat(lines, "\n"):gsub("DIR", dir)
  h.write_file(log, text .. "\n")
  return replay(log), dir
end

-- The facts of the live run and of the replayed strace log of the same
-- command (opts.flags: strace's; opts.log: -o's argument; opts.replay: what
-- --replay is given; opts.no_names: the log names no fds, so no bytes per
-- file; opts.unknown: what the replay must say it could not know).
local function compare_with(command, opts)
  local dir = h.tmpdir()
  local log, out = strace_log(command, dir, opts.flags, opts.log and dir .. "/" .. opts.log)
  local target = opts.replay == "" and dir or opts.replay and dir .. "/" .. opts.replay or log
  local r = replay(target)
  r.log = log
  if r.status ~= 0 then -- the lines not understood, to say which
    local lines = h.lines(h.read_file(log) or "")
    for n in (r.stderr:match("%(line ([%d, ]+)") or ""):gmatch("%d+") do
      r.stderr = r.stderr .. "\nline " .. n .. ": " .. (lines[tonumber(n)] or "?")
        .. "\nline " .. (n - 1) .. ": " .. (lines[tonumber(n) - 1] or "?")
    end
  end
  assert.are.equal(opts.status or 0, r.status, r.stderr)
  if not opts.replay then assert.truthy(r.stderr:find(log .. " is an strace log", 1, true), r.stderr) end
  local live = h.trace(command, { cwd = dir, flags = { "-q" } })
  local want = facts(live.events, dir, ports_of(live.stdout))
  local got = facts(r.events, dir, ports_of(out))
  assert.are.same({}, want.unknown)
  assert.are.same(opts.unknown or {}, got.unknown)
  want.unknown, got.unknown = nil, nil
  assert.is_true(next(want.files) ~= nil or next(want.peers) ~= nil or opts.quiet == true)
  if opts.no_names then
    -- no fd names: no bytes per file, and the fds the log did not see
    -- made (stdout, inherited) have no kind: files and others summed
    assert.are.same({}, got.files)
    want.files = {}
    for _, f in ipairs { want, got } do
      f.io.files_written, f.io.other_written = f.io.files_written + f.io.other_written, 0
      f.io.files_read, f.io.other_read = f.io.files_read + f.io.other_read, 0
    end
  end
  -- what the program printed (a pid, a port) differs from run to run
  want.io.files_written = want.io.files_written - #live.stdout
  got.io.files_written = got.io.files_written - #out
  assert.are.same(want, got)
  return got, r
end

local function compare(command, no_files, status)
  return compare_with(command, { quiet = no_files, status = status })
end

describe("--replay of an strace log", function()
  teardown(h.cleanup)
  if not have_strace then
    pending("strace is not installed")
    return
  end

  it("has the facts of the live run of fileio", function()
    compare({ h.prog("fileio"), "." })
  end)

  it("has the facts of the live runs of more tests/progs programs", function()
    for _, case in ipairs {
      { { h.prog("proc_tree") }, true },
      { { h.prog("killed_child") }, true },
      { { h.prog("killed_child"), "exit", "7" }, true, 7 },
      { { h.prog("io_variants"), "." } },
      { { h.prog("fd_kinds"), "." } },
      { { h.prog("thread_exec") }, true },
      { { h.prog("counts"), "20", "5" }, true },
      { { h.prog("many_args"), "40" }, true },
      { { h.prog("peek_recv") } },
      { { h.prog("udp_peers") } },
      { { h.prog("tcp_refused") }, true },
    } do
      compare(case[1], case[2], case[3])
    end
  end)

  it("reads -f without timestamps, -tt, and no -T, and says what they leave unknown", function()
    compare_with({ h.prog("fileio"), "." }, { flags = { "-f", "-yy" }, unknown = { "times" } })
    compare_with({ h.prog("fileio"), "." }, { flags = { "-f", "-tt", "-yy" }, unknown = { "durations" } })
    compare_with({ h.prog("spawn") }, { flags = { "-f", "-tt", "-T", "-yy" }, quiet = true })
  end)

  it("has the facts of the live run of spawn (a child process and a thread)", function()
    local f = compare({ h.prog("spawn") }, true)
    assert.are.equal(2, f.processes)
    assert.are.equal(1, f.threads)
  end)

  it("has the processes, execs, files and pipe totals of a pipeline", function()
    local f = compare({ "sh", "-c", "seq 1 2000 | wc -l > out" })
    assert.are.equal(3, f.processes)
    assert.are.equal(2, #f.execs - 1)
    -- wc reads the pipe on fd 0, after dup2 put it there
    assert.are.equal(8893, f.io.pipes_read)
    assert.are.equal(8893, f.io.pipes_written)
    assert.are.equal(0, f.io.other_read)
  end)

  it("has the peers and bytes sent and received of threads talking TCP, with and without -yy", function()
    local f = compare_with({ h.prog("tcp_loopback") }, { flags = { "-f", "-ttt", "-T", "-yy", "-v" } })
    assert.are.same({ ["send tcp4 127.0.0.1:PORT"] = 3000, ["recv tcp4 127.0.0.1:PORT"] = 700,
                      ["send tcp4 127.0.0.1:CLIENT"] = 700, ["recv tcp4 127.0.0.1:CLIENT"] = 3000 }, f.peers)
    assert.are.equal(1, f.threads)
    -- without -yy the peers come from the addresses connect and accept show
    compare_with({ h.prog("tcp_loopback") }, { flags = { "-f", "-ttt", "-T", "-v" }, no_names = true,
                                               unknown = { "fd_names" } })
    compare_with({ h.prog("tcp_loopback") }, { flags = { "-f", "-ttt", "-T" }, no_names = true,
                                               unknown = { "fd_names" } })
  end)

  it("reads every flag combination with the facts of the live run", function()
    local pipeline = { "sh", "-c", "seq 1 2000 | wc -l > out" }
    local fileio = { h.prog("fileio"), "." }
    for _, case in ipairs {
      { pipeline, { "-f" }, { "times", "fd_names" } },
      { pipeline, { "-f", "-t" }, { "durations", "fd_names" } },
      { fileio, { "-f", "-tt", "-y" }, { "durations" } },
      { pipeline, { "-f", "-ttt", "-T", "-y" }, {} },
      { pipeline, { "-f", "-r", "-T", "-yy" }, { "wall_clock" } },
      { fileio, { "-f", "-ttt", "-T", "-yy", "-v" }, {} },
      { pipeline, { "-f", "-T", "-v" }, { "times", "fd_names" } },
      { fileio, { "-r", "-yy" }, { "wall_clock", "durations" } },
      { fileio, { "-yy" }, { "times" } },
    } do
      compare_with(case[1], { flags = case[2], unknown = case[3],
                              no_names = not table.concat(case[2], " "):find("-y") })
    end
  end)

  it("reads systrument's flags: --seccomp-bpf -fe 'status=!unfinished' -Ttttyyv -s 4096", function()
    local flags = { "--seccomp-bpf", "-fe", "status=!unfinished", "-Ttttyyv", "-s", "4096" }
    compare_with({ "sh", "-c", "seq 1 2000 | wc -l > out" }, { flags = flags })
    compare_with({ h.prog("fileio"), "." }, { flags = flags })
    compare_with({ h.prog("tcp_loopback") }, { flags = flags })
  end)

  it("sums -r's gaps into the run's times", function()
    local _, r = compare_with({ h.prog("spawn") }, { flags = { "-f", "-r", "-yy" }, quiet = true,
                                                     unknown = { "wall_clock", "durations" } })
    local sum = 0
    for line in h.read_file(r.log):gmatch("[^\n]+") do
      local s, us = line:match("^%d+ +(%d+)%.(%d+) ")
      sum = sum + tonumber(s) * 1000000 + tonumber(us)
    end
    local last = 0
    for _, e in ipairs(r.events) do
      if e.ts_ns and e.ts_ns > last then last = e.ts_ns end
    end
    assert.are.equal(sum * 1000, last)
  end)

  it("merges -ff files by time: a directory of them, or the -o prefix", function()
    local pipeline = { "sh", "-c", "seq 1 2000 | wc -l > out" }
    local flags = { "-ff", "-ttt", "-T", "-yy" }
    local f = compare_with(pipeline, { flags = flags, log = "x", replay = "" })
    assert.are.equal(3, f.processes)
    compare_with(pipeline, { flags = flags, log = "x", replay = "x" })
    compare_with({ h.prog("spawn") }, { flags = flags, log = "x", replay = "x", quiet = true })
    local dir = h.tmpdir()
    strace_log({ h.prog("spawn") }, dir, flags, dir .. "/trace")
    local r = replay(dir)
    assert.are.equal("compendium: " .. dir .. " holds strace -ff files: replaying their lines by time\n",
                     r.stderr:match("^[^\n]*\n"))
  end)

  it("names a -ff line it does not understand by its file and line", function()
    local dir = h.tmpdir()
    strace_log({ h.prog("spawn") }, dir, { "-ff", "-ttt", "-T", "-yy" }, dir .. "/x")
    local name = h.run("ls " .. dir .. " | grep '^x\\.' | head -1").stdout:match("x%.%d+")
    local first = h.lines(h.read_file(dir .. "/" .. name))
    table.insert(first, 3, "this is no strace line")
    h.write_file(dir .. "/" .. name, table.concat(first, "\n") .. "\n")
    local r = replay(dir .. "/x")
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("1 line was not understood (" .. name .. " line 3)", 1, true), r.stderr)
    -- still merged by time: the line takes the time of the one before it
    assert.truthy(r.stderr:find("replaying their lines by time", 1, true), r.stderr)
    assert.are.equal(2, r.events[#r.events].processes)
    -- files named NAME.PID that are not strace's are no -ff log
    os.execute("mkdir " .. dir .. "/junk")
    h.write_file(dir .. "/junk/y.1", "hello, world\n")
    r = h.run({ h.bin(), "-r", dir .. "/junk" })
    assert.are.equal(1, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)

  it("reads -ff files without timestamps one after another, and says the order is unknown", function()
    local r
    _, r = compare_with({ "sh", "-c", "seq 1 2000 | wc -l > out" },
                        { flags = { "-ff", "-yy" }, log = "x", replay = "x", unknown = { "order", "times" } })
    assert.truthy(r.stderr:find("one file after another (they have no timestamps)", 1, true), r.stderr)
  end)

  it("marks a path strace cut short missing: it is no path", function()
    local r = replay_lines {
      '100 1700000000.000001 execve("/bin/app", ["app"], 0x7ffd /* 1 vars */) = 0 <0.000100>',
      '100 1700000000.000002 openat(AT_FDCWD</>, "/very/long/pa"..., O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
      '100 1700000000.000003 openat(AT_FDCWD</>, "/whole", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
      '100 1700000000.000004 exit_group(0) = ?',
      '100 1700000000.000005 +++ exited with 0 +++',
    }
    assert.are.equal(0, r.status, r.stderr)
    local opens = h.select(r.events, "open", {})
    assert.are.equal(2, #opens)
    assert.is_nil(opens[1].requested)
    assert.is_nil(opens[1].path)
    assert.are.equal("/whole", opens[2].requested)
    local u = r.events[#r.events].unknown
    assert.are.same({ id = "paths", why = "1 path was cut short by strace -s: left out" }, u[#u])
  end)

  it("keeps what -yy says of the fds when -s cuts the strings", function()
    local want_requested = {}
    local dir = h.tmpdir()
    local live = h.trace({ h.prog("fileio"), "." }, { cwd = dir, flags = { "-q" } })
    for _, e in ipairs(live.events) do
      if e.requested then want_requested[e.requested] = true end
    end
    local _, r = compare_with({ h.prog("fileio"), "." }, { flags = { "-f", "-ttt", "-T", "-yy", "-s", "12" },
                                                           unknown = { "arguments" } })
    -- strace does not cut paths with -s: each is one the live run asked for
    local opens = 0
    for _, e in ipairs(r.events) do
      if e.type == "open" then
        assert.is_true(want_requested[e.requested], e.requested)
        opens = opens + 1
      end
    end
    assert.is_true(opens > 3)
  end)

  it("says what -e left unknown instead of a wrong figure", function()
    local dir = h.tmpdir()
    local log = strace_log({ h.prog("spawn") }, dir, { "-f", "-yy", "-e", "trace=read,write" })
    local r = replay(log)
    assert.are.equal(0, r.status, r.stderr)
    local f = facts(r.events, dir)
    assert.are.same({ "times", "opens", "spawns", "memory", "execs" }, f.unknown)
    local view = h.run({ h.bin(), "-r", log })
    assert.truthy(view.stderr:find("\n Memory: unknown: the log has no brk, mmap or munmap", 1, true), view.stderr)
    assert.is_nil(view.stderr:find("Heap:", 1, true))
    assert.truthy(view.stderr:find("appear with no clone, fork or vfork in the log", 1, true), view.stderr)
    assert.truthy(view.stderr:find("(time unknown)", 1, true), view.stderr)

    log = strace_log({ "sh", "-c", "seq 1 2000 | wc -l > out" }, dir, { "-f", "-e", "trace=%file" })
    view = h.run({ h.bin(), "-r", log })
    assert.truthy(view.stderr:find("\n I/O: unknown: the log has no read, write, send or recv", 1, true),
                  view.stderr)
    assert.is_nil(view.stderr:find("Files read:", 1, true))
    r = replay(log)
    assert.are.same({ "times", "fd_names", "io", "spawns", "memory" }, facts(r.events, dir).unknown)
  end)

  it("names an strace log on the view's first line", function()
    local dir = h.tmpdir()
    local log = strace_log({ h.prog("fileio"), "." }, dir)
    local view = h.run({ h.bin(), "-r", log })
    assert.are.equal(0, view.status, view.stderr)
    local lines = h.lines(view.stderr)
    assert.are.equal("compendium: " .. log .. " is an strace log: replaying its lines", lines[1])
    assert.are.equal("compendium: replaying an strace log: tracing " .. h.prog("fileio") .. " .", lines[2])
  end)

  for _, real in ipairs {
    { "gcc", "compiles a small C file", function(dir)
        h.write_file(dir .. "/hello.c", '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
        return { "gcc", "-o", "hello", "hello.c" }
      end },
    { "tar", "archives a small tree", function(dir)
        os.execute("mkdir -p " .. dir .. "/tree/sub && printf abc > " .. dir .. "/tree/a && seq 1 500 > " ..
                   dir .. "/tree/sub/b")
        return { "tar", "cf", "out.tar", "tree" }
      end },
    { "make", "runs a tiny Makefile", function(dir)
        h.write_file(dir .. "/Makefile", "all: out2\nout1:\n\techo one > out1\nout2: out1\n\tcat out1 out1 > out2\n")
        return { "make", "-s" }
      end },
  } do
    it("has the facts of the live run when " .. real[1] .. " " .. real[2], function()
      if not os.execute("command -v " .. real[1] .. " >/dev/null") then
        pending(real[1] .. " is not installed")
        return
      end
      for _, flags in ipairs { { "-f", "-ttt", "-T", "-yy", "-v" }, { "-f", "-tt", "-y" } } do
        local dir = h.tmpdir()
        local command = real[3](dir)
        local log = strace_log(command, dir, flags)
        local r = replay(log)
        assert.are.equal(0, r.status, r.stderr)
        os.execute("cd " .. dir .. " && rm -f hello out.tar out1 out2 app.strace")
        local live = h.trace(command, { cwd = dir, flags = { "-q" } })
        local want, got = facts(live.events, dir), facts(r.events, dir)
        assert.is_true(next(want.files) ~= nil)
        want.unknown, got.unknown = nil, nil
        assert.are.same(want, got)
      end
    end)
  end

  it("joins an unfinished call and its resumption", function()
    local r, dir = replay_lines {
      '100 1700000000.000001 execve("/bin/app", ["app"], 0x7ffd /* 1 vars */) = 0 <0.000100>',
      '100 1700000000.000200 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} <unfinished ...>',
      '101 1700000000.000300 openat(AT_FDCWD</>, "DIR/f", O_WRONLY|O_CREAT|O_TRUNC, 0644 <unfinished ...>',
      '100 1700000000.000310 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101 <0.000110>',
      '101 1700000000.000400 <... openat resumed>) = 3<DIR/f> <0.000100>',
      '101 1700000000.000500 write(3<DIR/f>, "hello", 5 <unfinished ...>',
      '100 1700000000.000510 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
      '101 1700000000.000600 <... write resumed>) = 5 <0.000100>',
      '101 1700000000.000700 openat(AT_FDCWD</>, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
      '100 1700000000.000800 read(0</dev/null>, "", 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <0.000010>',
      '101 1700000000.000900 exit(0) = ?',
      '101 1700000000.001000 +++ exited with 0 +++',
      '100 1700000000.001100 exit_group(3) = ?',
      '100 1700000000.001200 +++ exited with 3 +++',
    }
    assert.are.equal(3, r.status, r.stderr)
    local f = facts(r.events, dir)
    assert.are.same({ ["write " .. dir .. "/f"] = 5 }, f.files)
    assert.are.equal(1, f.processes)
    assert.are.equal(1, f.threads)
    assert.are.equal(3, f.exit)
    local failed = h.one(r.events, "open", { path = "/nonexistent" })
    assert.are.equal("ENOENT", failed.error)
    assert.are.equal(1, #h.select(r.events, "signal", {}))
  end)

  it("takes a task's lines from before its parent's clone returned, and a call's rest without its name", function()
    -- as strace -e status=!unfinished writes them: the clone whole at its
    -- exit, after the child's first lines; ") = 3" continuing the line before
    local r, dir = replay_lines {
      '100 1700000000.000001 execve("/bin/app", ["app"], 0x7ffd /* 1 vars */) = 0 <0.000100>',
      '101 1700000000.000300 openat(AT_FDCWD</>, "DIR/f", O_WRONLY|O_CREAT|O_TRUNC, 0644 <unfinished ...>',
      ')                                       = 3<DIR/f> <0.000091>',
      '101 1700000000.000500 write(3<DIR/f>,  <unfinished ...>',
      '"hello", 5)                             = 5 <0.000010>',
      '101 1700000000.000600 exit_group(0) = ?',
      '101 1700000000.000700 +++ exited with 0 +++',
      '100 1700000000.000200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101 <0.000050>',
      '100 1700000000.000900 exit_group(0) = ?',
      '100 1700000000.001000 +++ exited with 0 +++',
    }
    assert.are.equal(0, r.status, r.stderr)
    assert.are.same({ ["write " .. dir .. "/f"] = 5 }, facts(r.events, dir).files)
    assert.are.equal(1, #h.select(r.events, "spawn_process", { pid = 100, child_pid = 101 }))
    assert.are.equal(2, r.events[#r.events].processes)
  end)

  it("makes a child once when it exits before its parent's clone returns", function()
    local r = replay_lines {
      '100 1700000000.000001 execve("/bin/app", ["app"], 0x7ffd /* 1 vars */) = 0 <0.000100>',
      '100 1700000000.000200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f <unfinished ...>',
      '101 1700000000.000300 exit_group(0) = ?',
      '101 1700000000.000400 +++ exited with 0 +++',
      '100 1700000000.000500 <... clone resumed>) = 101 <0.000300>',
      '100 1700000000.000900 exit_group(0) = ?',
      '100 1700000000.001000 +++ exited with 0 +++',
    }
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(2, r.events[#r.events].processes)
    assert.are.equal(1, #h.select(r.events, "spawn_process", {}))
  end)

  it("counts a line it does not understand and names its number", function()
    local dir = h.tmpdir()
    local log = strace_log({ h.prog("fileio"), "." }, dir)
    local lines = h.lines(h.read_file(log))
    table.insert(lines, 3, "this is no strace line")
    h.write_file(log, table.concat(lines, "\n") .. "\n")
    local r = replay(log)
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("1 line was not understood (line 3)", 1, true), r.stderr)
    -- the rest is replayed
    assert.is_true(next(facts(r.events, dir).files) ~= nil)
  end)
end)

describe("--replay of a file that is neither", function()
  teardown(h.cleanup)
  it("says so in one line, with status 2", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/text", "hello, world\n")
    local r = h.run({ h.bin(), "-r", dir .. "/text" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: " .. dir ..
      "/text is neither a compendium recording nor an strace log\n", r.stderr)
  end)
end)
