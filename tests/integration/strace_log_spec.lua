-- --replay of an strace log: the lines of `strace -f -ttt -T -yy` become
-- the records a live trace makes, so the facts of the replay equal those of
-- the live run of the same program. Lines the parser does not understand
-- are counted and named by number; a file that is neither a recording nor
-- an strace log is one line.
local h = require "helpers"

local have_strace = os.execute("strace -V >/dev/null 2>&1")
have_strace = have_strace == true or have_strace == 0

-- The facts compared: bytes per file under dir, processes, threads, the
-- programs exec'd and the exit status.
local function facts(events, dir)
  local f = { files = {}, execs = {} }
  for _, e in ipairs(events) do
    if (e.type == "read" or e.type == "write") and e.filename
        and e.filename:sub(1, #dir) == dir then
      local k = e.type .. " " .. e.filename
      f.files[k] = (f.files[k] or 0) + e.bytes
    elseif e.type == "exec" then
      f.execs[#f.execs + 1] = e.program
    elseif e.type == "summary" then
      f.processes, f.threads, f.exit = e.processes, e.threads, e.exit.code
    end
  end
  return f
end

local function strace_log(command, dir, flags)
  local log = dir .. "/app.strace"
  local argv = { "strace" }
  for _, f in ipairs(flags or { "-f", "-ttt", "-T", "-yy" }) do argv[#argv + 1] = f end
  for _, f in ipairs({ "-s", "4096", "-o", log, "--" }) do argv[#argv + 1] = f end
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  h.run(argv, { cwd = dir })
  return log
end

local function replay(log)
  local json = h.tmpdir() .. "/replay.jsonl"
  local r = h.run({ h.bin(), "-q", "-r", log, "--json", json })
  r.events = h.read_jsonl(json)
  return r
end

local function compare(command, no_files, flags)
  local dir = h.tmpdir()
  local log = strace_log(command, dir, flags)
  local r = replay(log)
  assert.are.equal(0, r.status, r.stderr)
  assert.truthy(r.stderr:find(log .. " is an strace log", 1, true), r.stderr)
  local live = h.trace(command, { cwd = dir, flags = { "-q" } })
  local want, got = facts(live.events, dir), facts(r.events, dir)
  assert.are.equal(not no_files, next(want.files) ~= nil)
  table.sort(want.execs)
  table.sort(got.execs)
  assert.are.same(want, got)
  return got
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

  it("reads -f without timestamps, -tt, and no -T", function()
    compare({ h.prog("fileio"), "." }, false, { "-f", "-yy" })
    compare({ h.prog("fileio"), "." }, false, { "-f", "-tt", "-yy" })
    compare({ h.prog("spawn") }, true, { "-f", "-tt", "-T", "-yy" })
  end)

  it("has the facts of the live run of spawn (a child process and a thread)", function()
    local f = compare({ h.prog("spawn") }, true)
    assert.are.equal(2, f.processes)
    assert.are.equal(1, f.threads)
  end)

  it("has the processes, execs and files of a pipeline", function()
    local f = compare({ "sh", "-c", "seq 1 2000 | wc -l > out" })
    assert.are.equal(3, f.processes)
    assert.are.equal(2, #f.execs - 1)
  end)

  it("joins an unfinished call and its resumption", function()
    local dir = h.tmpdir()
    local log = dir .. "/threads.strace"
    h.write_file(log, table.concat({
      '100 1700000000.000001 execve("/bin/app", ["app"], 0x7ffd /* 1 vars */) = 0 <0.000100>',
      '100 1700000000.000200 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} <unfinished ...>',
      '101 1700000000.000300 openat(AT_FDCWD</>, "' .. dir .. '/f", O_WRONLY|O_CREAT|O_TRUNC, 0644 <unfinished ...>',
      '100 1700000000.000310 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101 <0.000110>',
      '101 1700000000.000400 <... openat resumed>) = 3<' .. dir .. '/f> <0.000100>',
      '101 1700000000.000500 write(3<' .. dir .. '/f>, "hello", 5 <unfinished ...>',
      '100 1700000000.000510 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
      '101 1700000000.000600 <... write resumed>) = 5 <0.000100>',
      '101 1700000000.000700 openat(AT_FDCWD</>, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
      '100 1700000000.000800 read(0</dev/null>, "", 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <0.000010>',
      '101 1700000000.000900 exit(0) = ?',
      '101 1700000000.001000 +++ exited with 0 +++',
      '100 1700000000.001100 exit_group(3) = ?',
      '100 1700000000.001200 +++ exited with 3 +++',
      "" }, "\n"))
    local r = replay(log)
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
