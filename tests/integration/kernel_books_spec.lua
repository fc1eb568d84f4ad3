-- --faults and --ebpf against the kernel's own books: tests/progs/kernel_books
-- touches pages, does O_DIRECT I/O, sleeps and wakes while two children of
-- its own keep the CPUs busy, and prints, per task, its getrusage, the
-- run_delay of /proc/thread-self/schedstat and (the main task) the bytes of
-- /proc/thread-self/io. Each figure is compared with the total of the
-- task's events up to the moment the task read it.
--
-- What the traced command did before its execve was done is compendium's
-- start-up code, not counted; bpftrace (an independent reader of the
-- kernel's task struct) says how much that was, at sched_process_exec.
-- Needs root (perf, BPF) and kernel BTF; without them every test says SKIP
-- and why.
local h = require "helpers"

local PAGES, WAKES = "2000", "300"
local MiB = 1024 * 1024
local PAGE = 4096

local function capture(argv)
  return (h.run(argv).stdout:gsub("\n$", ""))
end

-- bpftrace printing, for every exec on the machine, the pid and the books
-- of the task as the exec ends (where compendium starts counting the
-- command). Returns the process handle once the probe fires, or nil.
local function start_exec_books()
  if not h.run({ "sh", "-c", "command -v bpftrace" }).stdout:find("bpftrace", 1, true) then
    return nil
  end
  local p = h.spawn({ "bpftrace", "-B", "line", "-e", 'tracepoint:sched:sched_process_exec { printf("exec %d %d %llu\\n", ' ..
                      "pid, curtask->min_flt + curtask->maj_flt, curtask->sched_info.run_delay); }" })
  -- attached once it reports an exec of ours
  local ready = h.wait_for(function()
    h.run({ "true" })
    return p:stdout():find("\nexec ", 1, true) or p:stdout():find("^exec ")
  end, 30)
  if ready then return p end
  h.kill(p.pid, h.SIGTERM)
  p:wait()
  return nil
end

-- {tid = {word = number}} of the "main"/"child" lines, the window line.
local function parse(stdout)
  local tasks, main, window = {}, nil, nil
  for line in stdout:gmatch("[^\n]+") do
    local words = {}
    for w in line:gmatch("%S+") do words[#words + 1] = w end
    if words[1] == "main" or words[1] == "child" then
      local t = { tid = tonumber(words[2]), kind = words[1] }
      for i = 3, #words - 1, 2 do t[words[i]] = tonumber(words[i + 1]) end
      tasks[#tasks + 1] = t
      if t.kind == "main" then main = t end
    elseif words[1] == "direct" and words[2] == "ok" then
      window = { read_bytes = tonumber(words[4]), write_bytes = tonumber(words[6]) }
    end
  end
  return tasks, main, window
end

-- A task's faults and run-queue wait up to time `at`, from its events.
local function totals(events, tid, at)
  local faults, delay, waits = 0, 0, 0
  for _, e in ipairs(events) do
    if e.tid == tid and e.ts_ns <= at then
      if e.type == "fault" then faults = faults + e.count end
      if e.type == "sched_delay" then delay, waits = delay + e.delay_ns, waits + 1 end
    end
  end
  return faults, delay, waits
end

-- The exit of the task's last read of its schedstat before `at`: the
-- kernel's run_delay holds every wait that ended before that read made its
-- figure, and a wait after it (the tracer resumes the task from the read's
-- exit stop, and it waits for a CPU again before it notes `at`) is in
-- neither the figure nor the events before that exit.
local function books_read(events, tid, at)
  local cut
  for _, e in ipairs(events) do
    if e.type == "read" and e.tid == tid and e.ts_ns <= at and e.filename and
       e.filename:find("/schedstat$") then
      cut = e.ts_ns
    end
  end
  assert.is_not_nil(cut, "no read of schedstat by task " .. tid)
  return cut
end

-- The run-queue waits agree within 2% of the kernel's figure.
local function assert_close(kernel_ns, ours_ns, what)
  local off = math.abs(ours_ns - kernel_ns)
  assert.is_true(off <= 0.02 * kernel_ns,
                 string.format("%s: the kernel says %d ns, compendium %d ns (%+.2f%%)", what, kernel_ns,
                               ours_ns, 100 * (ours_ns - kernel_ns) / kernel_ns))
end

describe("--faults and --ebpf against the kernel's books", function()
  local missing, dir, r, tasks, main, window, exec_books
  setup(function()
    missing = h.companions_missing({ "--faults", "--ebpf" })
    if missing then return end
    dir = h.block_device_dir()
    -- Under concurrent block I/O the kernel runs no BPF program for some
    -- request completions: those requests come with their bytes and
    -- completion_unseen, so the figures are exact on every run.
    local oracle = start_exec_books()
    local ok, res = pcall(h.trace, { h.prog("kernel_books"), dir or h.tmpdir(), PAGES, WAKES },
                          { flags = { "--faults", "--ebpf", "-X", "sched_threshold=1ns" } })
    if oracle then
      h.kill(oracle.pid, h.SIGINT)
      local out = oracle:wait().stdout
      exec_books = {}
      for pid, faults, delay in out:gmatch("exec (%d+) (%d+) (%d+)") do
        exec_books[tonumber(pid)] = { faults = tonumber(faults), run_delay = tonumber(delay) }
      end
    end
    assert(ok, res)
    r = res
    tasks, main, window = parse(r.stdout)
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. h.quote(dir)) end
    h.cleanup()
  end)

  local function ready() return h.ready(missing) end

  it("runs the program to completion, losing nothing", function()
    if not ready() then return end
    assert.are.equal(0, r.status, r.stderr)
    assert.is_not_nil(main, r.stdout)
    assert.are.equal(3, #tasks, r.stdout)
    assert.are.equal(0, r.summary.dropped)
  end)

  -- Children the program forks are measured from their fork, as the
  -- kernel's books are: minor and major faults alike.
  it("counts each child's faults as its getrusage does", function()
    if not ready() then return end
    for _, t in ipairs(tasks) do
      if t.kind == "child" then
        local faults = totals(r.events, t.tid, t.at)
        assert.are.equal(t.minflt + t.majflt, faults, "child " .. t.tid)
      end
    end
  end)

  it("counts each child's run-queue wait as its schedstat does", function()
    if not ready() then return end
    for _, t in ipairs(tasks) do
      if t.kind == "child" then
        local _, delay, waits = totals(r.events, t.tid, books_read(r.events, t.tid, t.at))
        assert.is_true(waits > 0, "no sched_delay for child " .. t.tid)
        assert_close(t.run_delay, delay, "child " .. t.tid)
      end
    end
  end)

  -- The command's own figures include compendium's start-up code in the
  -- child before its execve, which compendium does not count.
  local function before_exec()
    local before = exec_books and exec_books[main.tid]
    if before then return before end
    local why = exec_books and "bpftrace did not see the command's exec" or "no bpftrace"
    h.ready(why .. ": the command's figures before its execve are not known")
    return nil
  end

  it("counts the command's faults, minor and major, from the end of its execve", function()
    if not ready() then return end
    local faults = totals(r.events, main.tid, main.at)
    assert.is_true(faults <= main.minflt + main.majflt)
    if window and main.majflt == 0 then print("NOTE: the mapped file took no major fault") end
    local before = before_exec()
    if not before then return end
    assert.are.equal(main.minflt + main.majflt - before.faults, faults)
  end)

  it("counts the command's run-queue wait from the end of its execve", function()
    if not ready() then return end
    local before = before_exec()
    if not before then return end
    local _, delay = totals(r.events, main.tid, books_read(r.events, main.tid, main.at))
    assert_close(main.run_delay - before.run_delay, delay, "main")
  end)

  describe("block I/O", function()
    local function has_dir()
      if not ready() then return false end
      if window then return true end
      return h.ready(dir and "the file system refuses O_DIRECT" or
                     "no directory on a block device (the build tree and /var/tmp are tmpfs)")
    end

    -- The events between the program's "window start" and "window end"
    -- lines: its O_DIRECT overwrite and read-back of the 8 MiB file.
    local function in_window(op)
      local from, to
      for _, e in ipairs(r.events) do
        if e.type == "write" and e.fd == 1 and e.tid == main.tid then
          if e.bytes == #"window start\n" and not from then from = e.ts_ns end
          if e.bytes == #"window end\n" and from and not to then to = e.ts_ns end
        end
      end
      assert.is_not_nil(to, "no window lines among the events")
      local sum = 0
      for _, e in ipairs(r.events) do
        if e.type == "block_io" and e.op == op and e.ts_ns > from and e.ts_ns < to then
          assert.are.equal(main.tid, e.tid)
          sum = sum + e.bytes
        end
      end
      return sum
    end

    it("reads exactly the read_bytes the kernel counts for O_DIRECT reads", function()
      if not has_dir() then return end
      assert.are.equal(8 * MiB, window.read_bytes)
      assert.are.equal(window.read_bytes, in_window("read"))
    end)

    -- write_bytes also counts metadata pages the task dirties (the inode's
    -- times, at a write), which are written later: a page or so.
    it("writes exactly the data the program wrote, which write_bytes counts", function()
      if not has_dir() then return end
      local written = in_window("write")
      assert.are.equal(8 * MiB, written)
      local extra = window.write_bytes - written
      assert.is_true(extra >= 0 and extra % PAGE == 0 and extra <= 4 * PAGE,
                     "write_bytes " .. window.write_bytes .. ", block writes " .. written)
    end)

    it("names the request kinds, and counts only data as written", function()
      if not has_dir() then return end
      local by_op, ops, unseen = {}, {}, 0
      for _, e in ipairs(h.select(r.events, "block_io")) do
        assert.are_not.equal("other", e.op)
        by_op[e.op] = (by_op[e.op] or 0) + e.bytes
        ops[e.op] = (ops[e.op] or 0) + 1
        -- a request whose completion the BPF programs did not see has no latency
        if e.completion_unseen then
          assert.is_nil(e.latency_ns)
          unseen = unseen + 1
        else
          assert.is_true(e.latency_ns > 0)
        end
      end
      assert.are.equal(unseen, r.summary.block_io.unseen)
      if unseen > 0 then print(string.format("NOTE: %d requests' completion unseen", unseen)) end
      -- the fsync ends in a cache flush when the device has a write cache
      local b = r.summary.block_io
      assert.are.equal(by_op.write, b.bytes_written)
      assert.are.equal(by_op.read, b.bytes_read)
      for op, bytes in pairs(by_op) do
        assert.are.equal(bytes, b.by_op[op].bytes, op)
        assert.are.equal(ops[op], b.by_op[op].count, op)
      end
      if by_op.discard then
        -- the file system discards the file's blocks at the unlink
        assert.is_true(by_op.discard <= 8 * MiB + PAGE, "discard " .. by_op.discard)
        assert.is_truthy(r.stderr:find("] block discard ", 1, true), r.stderr)
        local summary_line = string.format("discard %s (%d)", by_op.discard == 8 * MiB and "8.0 MB" or "",
                                           ops.discard)
        if by_op.discard == 8 * MiB then
          assert.is_truthy(r.stderr:find(summary_line, 1, true), r.stderr)
          -- a run of discards is one line, whatever their sizes
          assert.is_truthy(r.stderr:find("] block discard 8.0 MB", 1, true), r.stderr)
        end
      else
        print("NOTE: the file system issued no discards (mounted without discard)")
      end
    end)
  end)
end)
