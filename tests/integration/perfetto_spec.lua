-- --perfetto FILE / -s perfetto: the trace file, read back with protoc and
-- the official message definitions (tests/perfetto), compared with the
-- --json events of the same run.
local h = require "helpers"
local pf = require "pftrace"

local one = pf.one

-- Runs compendium FLAGS --json DIR/e.jsonl --perfetto DIR/t.pftrace -- ARGS.
local function perfetto_of(args, flags)
  local dir = h.tmpdir()
  local argv = { h.bin(), "-q" }
  for _, f in ipairs(flags or {}) do argv[#argv + 1] = f end
  for _, a in ipairs { "--json", dir .. "/e.jsonl", "--perfetto", dir .. "/t.pftrace", "--" } do
    argv[#argv + 1] = a
  end
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local r = h.run(argv)
  assert.are.equal(0, r.status, r.stderr)
  r.events = h.read_jsonl(dir .. "/e.jsonl")
  r.trace = pf.read(dir .. "/t.pftrace")
  r.tracks = pf.index(r.trace)
  r.path = dir .. "/t.pftrace"
  return r
end

local function basename(p) return (p:match("[^/]*$")) end

-- Events that a returning syscall made, with the time it took.
local FROM_SYSCALL = { open = true, connect = true, read = true, write = true, send = true,
                       recv = true, brk = true, mmap = true, munmap = true }

local function count_if(list, pred)
  local n = 0
  for _, v in ipairs(list or {}) do if pred(v) then n = n + 1 end end
  return n
end

local function find(list, pred)
  for _, v in ipairs(list or {}) do if pred(v) then return v end end
end

describe("--perfetto", function()
  teardown(h.cleanup)

  it("refuses an output it cannot write, before tracing, with one line", function()
    for _, argv in ipairs {
      { h.bin(), "--perfetto", "/nonexistent/dir/t.pftrace", "--", "true" },
      { h.bin(), "-s", "perfetto", "-X", "perfetto.out=/nonexistent/dir/t.pftrace", "--", "true" },
    } do
      local r = h.run(argv)
      assert.are_not.equal(0, r.status)
      assert.is_truthy(h.one_line_error(r.stderr))
      assert.is_truthy(r.stderr:find("/nonexistent/dir/t.pftrace", 1, true))
    end
    local r = h.run({ h.bin(), "-s", "perfetto", "--", "true" })
    assert.are.equal(2, r.status)
    assert.is_truthy(r.stderr:find("perfetto.out", 1, true))
  end)

  it("reports a write that fails and exits 125", function()
    local r = h.run({ h.bin(), "-q", "--perfetto", "/dev/full", "--", h.prog("spawn") })
    assert.are.equal(125, r.status, r.stderr)
    assert.is_truthy(r.stderr:find("/dev/full", 1, true))
  end)

  it("writes the same bytes from a recording as from the live trace it recorded", function()
    local dir = h.tmpdir()
    local live = h.run({ h.bin(), "-q", "--record", dir .. "/run.cmpd", "--perfetto", dir .. "/live.pftrace",
                         "--", h.prog("spawn") })
    assert.are.equal(0, live.status, live.stderr)
    local replay = h.run({ h.bin(), "-q", "--replay", dir .. "/run.cmpd", "--perfetto", dir .. "/replay.pftrace" })
    assert.are.equal(0, replay.status, replay.stderr)
    local bytes = h.read_file(dir .. "/live.pftrace")
    assert.is_true(#bytes > 1000)
    assert.are.equal(bytes, h.read_file(dir .. "/replay.pftrace"))
    -- and what it holds reads back whole
    local t = pf.read(dir .. "/replay.pftrace")
    local child = tonumber(live.stdout:match("child (%d+)"))
    assert.is_truthy(pf.index(t).process[child])
  end)

  it("runs once when -s perfetto and --perfetto both name it: strace sees one open of the file", function()
    local dir = h.tmpdir()
    local out, log = dir .. "/once.pftrace", dir .. "/strace.log"
    -- compendium itself under strace (no -f: its tracee is compendium's to trace)
    local r = h.run({ "strace", "-e", "trace=open,openat", "-o", log, h.bin(), "-q", "-s", "perfetto",
                      "--perfetto", out, "--", h.prog("spawn") })
    assert.are.equal(0, r.status, r.stderr)
    local opens = 0
    for line in h.read_file(log):gmatch("[^\n]+") do
      if line:find('"' .. out .. '"', 1, true) then opens = opens + 1 end
    end
    assert.are.equal(1, opens, h.read_file(log))
    local child = tonumber(r.stdout:match("child (%d+)"))
    assert.is_truthy(pf.index(pf.read(out)).process[child])
  end)

  it("with -X perfetto.logs=1 has every -v line as a log message on its thread, at its time", function()
    local dir = h.tmpdir()
    local out = dir .. "/logs.pftrace"
    local r = h.run({ h.bin(), "-v", "--perfetto", out, "-X", "perfetto.logs=1", "--", h.prog("spawn") })
    assert.are.equal(0, r.status, r.stderr)
    -- -v's syscall lines by thread (its other lines do not start with a call)
    local want, n = {}, 0
    for secs, tid, text in r.stderr:gmatch("%[%+(%d+%.%d%d%d)s%] %[(%d+)%] ([%w_]+%([^\n]*)") do
      tid = tonumber(tid)
      want[tid] = want[tid] or {}
      table.insert(want[tid], { secs = tonumber(secs), text = text })
      n = n + 1
    end
    assert.is_true(n > 50, r.stderr)
    local t = pf.read(out)
    local x = pf.index(t)
    local start = one(one(t.clock, "clocks"), "timestamp") -- CLOCK_MONOTONIC at the run's start
    local got = 0
    for uuid, logs in pairs(t.logs) do
      local d = t.tracks[uuid]
      local th = one(d, "thread")
      assert.is_truthy(th, "a log message on " .. one(d, "name") .. ", not a thread's track")
      local tid = one(th, "tid")
      assert.are.equal(uuid, x.thread[tid])
      local lines = want[tid]
      assert.is_truthy(lines, "logs of " .. tid .. ", which -v did not show")
      assert.are.equal(#lines, #logs, "the logs of thread " .. tid)
      for i, l in ipairs(logs) do
        assert.are.equal(lines[i].text, l.body)
        assert.is_true(math.abs((l.ts - start) / 1e9 - lines[i].secs) <= 0.0006)
      end
      got = got + #logs
    end
    assert.are.equal(n, got)
    -- and none without the option
    local plain = perfetto_of({ h.prog("spawn") })
    assert.are.same({}, plain.trace.logs)
  end)

  it("refuses a -X perfetto.syscalls it cannot read", function()
    for value, says in pairs { bogus = "unknown syscall 'bogus'", ["%nosuch"] = "no syscall class '%nosuch'" } do
      local r = h.run({ h.bin(), "-s", "perfetto", "-X", "perfetto.out=" .. h.tmpdir() .. "/t.pftrace",
                        "-X", "perfetto.syscalls=" .. value, "--", "true" })
      assert.are.equal(2, r.status)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.are.equal("compendium: perfetto: -X perfetto.syscalls: " .. says .. "\n", r.stderr)
    end
  end)

  it("has a slice for every syscall with -X perfetto.syscalls=all, for a list with a list", function()
    local all = perfetto_of({ h.prog("spawn") }, { "-X", "perfetto.syscalls=all" })
    local root = h.one(all.events, "exec", { program = h.prog("spawn") }).pid
    local slices = all.trace.slices[all.tracks.thread[root]]
    -- pipe2 makes no event: only a traced syscall shows it
    local pipe = find(slices, function(s) return s.name == "pipe2" end)
    assert.is_truthy(pipe)
    assert.is_truthy(pipe.args.call:find("^pipe2%("), pipe.args.call)
    assert.is_truthy(find(slices, function(s) return s.name == "wait4" end))
    local some = perfetto_of({ h.prog("spawn") }, { "-X", "perfetto.syscalls=pipe2" })
    root = h.one(some.events, "exec", { program = h.prog("spawn") }).pid
    slices = some.trace.slices[some.tracks.thread[root]]
    assert.is_truthy(find(slices, function(s) return s.name == "pipe2" end))
    assert.is_nil(find(slices, function(s) return s.name == "wait4" end))
    local none = perfetto_of({ h.prog("spawn") }, { "-X", "perfetto.syscalls=none" })
    root = h.one(none.events, "exec", { program = h.prog("spawn") }).pid
    assert.is_nil(none.trace.slices[none.tracks.thread[root]])
  end)

  it("has a recv slice per peer of a socket that never connected (udp_peers)", function()
    local r = perfetto_of({ h.prog("udp_peers") })
    local root = h.one(r.events, "exec", { program = h.prog("udp_peers") }).pid
    local got = {}
    for _, s in ipairs(r.trace.slices[r.tracks.named["events " .. root]] or {}) do
      if s.name == "recv" then
        got[#got + 1] = s.args.bytes .. " " .. tostring(s.args.text:match("→ ([%d.:]+)"))
      end
    end
    local want = {}
    for _, e in ipairs(h.select(r.events, "recv")) do want[#want + 1] = e.bytes .. " " .. e.remote_addr end
    assert.are.equal(3, #want)
    assert.are.same(want, got)
  end)

  describe("of tests/progs/spawn", function()
    local r, t, x, root, child, thread
    setup(function()
      r = perfetto_of({ h.prog("spawn") })
      t, x = r.trace, r.tracks
      root = h.one(r.events, "exec", { program = h.prog("spawn") }).pid
      child = h.one(r.events, "spawn_process", { pid = root }).child_pid
      thread = h.one(r.events, "spawn_thread", { pid = root }).child_tid
    end)

    it("says which clock its times are on and ties it to the wall clock", function()
      local summary = r.events[#r.events]
      local clocks = {}
      for _, k in ipairs(t.clock.clocks) do clocks[one(k, "clock_id")] = one(k, "timestamp") end
      assert.are.equal("BUILTIN_CLOCK_MONOTONIC", one(t.clock, "primary_trace_clock"))
      assert.are.equal(summary.start_ns, clocks[3])
      assert.are.equal(summary.wall_start_ns, clocks[1])
    end)

    it("has a process track per process, named \"prog pid\", with its pid", function()
      local root_d = t.tracks[x.process[root]]
      assert.are.equal("spawn " .. root, one(root_d, "name"))
      assert.are.equal("spawn", one(one(root_d, "process"), "process_name"))
      assert.are.same({ h.prog("spawn") }, one(root_d, "process").cmdline)
      local child_d = t.tracks[x.process[child]]
      assert.are.equal("true " .. child, one(child_d, "name"))
      assert.are.same({ "true" }, one(child_d, "process").cmdline)
      local n = 0
      for _ in pairs(x.process) do n = n + 1 end
      assert.are.equal(2, n)
    end)

    it("has thread tracks under their process, in the process tree's order", function()
      for tid, pid in pairs { [root] = root, [thread] = root, [child] = child } do
        local d = t.tracks[x.thread[tid]]
        assert.is_truthy(d, "no thread track for " .. tid)
        assert.are.equal(pid, one(one(d, "thread"), "pid"))
        assert.is_truthy(x.process[pid])
      end
      assert.are.equal("spawn " .. thread, one(t.tracks[x.thread[thread]], "name"))
      local function rank(uuid) return one(t.tracks[uuid], "sibling_order_rank") end
      -- root, its threads, then the process it started
      assert.is_true(rank(x.process[root]) < rank(x.thread[thread]))
      assert.is_true(rank(x.thread[root]) < rank(x.thread[thread]))
      assert.is_true(rank(x.thread[thread]) < rank(x.process[child]))
      assert.is_true(t.tracks[x.process[root]].order < t.tracks[x.process[child]].order)
    end)

    it("shows what each process ran, from exec (or fork) to exit, with argv and status", function()
      local ran = t.slices[x.process[root]]
      local exec = h.one(r.events, "exec", { pid = root })
      local exit = h.one(r.events, "exit", { pid = root, tid = root })
      assert.are.equal(1, #ran)
      assert.are.same({ name = "spawn", b = exec.ts_ns, e = exit.ts_ns, depth = 0 },
                      { name = ran[1].name, b = ran[1].b, e = ran[1].e, depth = ran[1].depth })
      assert.are.equal(h.prog("spawn"), ran[1].args.argv)
      assert.are.equal("exit 0", ran[1].args.exit)
      local cran = t.slices[x.process[child]]
      local cexec = h.one(r.events, "exec", { pid = child })
      local cexit = h.one(r.events, "exit", { pid = child })
      local spawned = h.one(r.events, "spawn_process", { pid = root })
      assert.are.equal(2, #cran)
      assert.are.same({ "spawn", spawned.ts_ns, cexec.ts_ns, root },
                      { cran[1].name, cran[1].b, cran[1].e, cran[1].args["forked from"] })
      assert.are.same({ "true", cexec.ts_ns, cexit.ts_ns, "true", "/bin/true", "exit 0" },
                      { cran[2].name, cran[2].b, cran[2].e, cran[2].args.argv, cran[2].args.program,
                        cran[2].args.exit })
    end)

    it("has a slice per syscall on its thread, at the event's exact times", function()
      local checked = 0
      for _, e in ipairs(r.events) do
        if FROM_SYSCALL[e.type] and e.dur_ns then
          local s = find(t.slices[x.thread[e.tid]], function(s)
            return s.b == e.ts_ns - e.dur_ns and s.e == e.ts_ns
          end)
          assert.is_truthy(s, "no syscall slice for " .. e.type .. " at " .. e.ts_ns)
          assert.is_truthy(s.args.call:find("^" .. s.name:match("^%S+") .. "%("), s.args.call)
          checked = checked + 1
        end
      end
      assert.is_true(checked > 10)
      -- the thread's one write: 5 bytes into the pipe
      local writes = count_if(t.slices[x.thread[thread]], function(s) return s.name == "write" end)
      assert.are.equal(1, writes)
      local w = find(t.slices[x.thread[thread]], function(s) return s.name == "write" end)
      assert.are.equal(5, w.args.result)
      assert.is_truthy(w.args.call:find('"hello", 5) = 5', 1, true), w.args.call)
    end)

    it("shows the events as describe.lua tells them, on the thread's events track", function()
      local events = t.slices[x.named["events " .. thread]]
      local w = find(events, function(s) return s.name == "write" end)
      assert.are.equal(5, w.args.bytes)
      assert.are.equal(1, w.args.calls)
      assert.is_truthy(w.args.text:find("pipe", 1, true), w.args.text)
      -- every byte the root read is in a read slice, runs summed
      local bytes = 0
      for _, e in ipairs(h.select(r.events, "read", { tid = root })) do bytes = bytes + e.bytes end
      local shown = 0
      for _, s in ipairs(t.slices[x.named["events " .. root]] or {}) do
        if s.name == "read" then shown = shown + s.args.bytes end
      end
      assert.are.equal(bytes, shown)
      local open = h.select(r.events, "open", { tid = root })
      assert.are.equal(#open, count_if(t.slices[x.named["events " .. root]], function(s)
        return s.name == "open"
      end))
    end)

    it("counts the bytes each process wrote and read, and its heap", function()
      for _, case in ipairs { { "write", "bytes written" }, { "read", "bytes read" } } do
        local sum = 0
        for _, e in ipairs(h.select(r.events, case[1], { pid = root })) do sum = sum + e.bytes end
        local uuid = find(t.packets, function(p)
          local d = one(p, "track_descriptor")
          return d and one(d, "name") == case[2] and one(d, "parent_uuid") == x.process[root]
        end)
        uuid = one(one(uuid, "track_descriptor"), "uuid")
        assert.are.equal("UNIT_SIZE_BYTES", one(one(t.tracks[uuid], "counter"), "unit"))
        local values = t.counters[uuid]
        assert.are.equal(sum, values[#values].value)
      end
    end)

    it("draws flows from each spawn to the child's first event", function()
      local function flow_from(tid, name)
        local i = find(t.instants[x.thread[root]], function(s) return s.name == name end)
        assert.is_truthy(i, "no instant " .. name)
        assert.are.equal(1, #i.flows_out)
        return i.flows_out[1]
      end
      local pflow = flow_from(root, "spawn process " .. child)
      local tflow = flow_from(root, "spawn thread " .. thread)
      assert.are_not.equal(pflow, tflow)
      -- the first event of the child and of the thread end them
      local cexec = h.one(r.events, "exec", { pid = child })
      local ran = t.slices[x.process[child]][2]
      assert.are.equal(cexec.ts_ns, ran.b)
      assert.are.same({ pflow }, ran.flows_in)
      local first
      for _, list in ipairs { t.slices[x.thread[thread]], t.instants[x.thread[thread]] } do
        for _, s in ipairs(list or {}) do
          local ts = s.b or s.ts
          if not first or ts < (first.b or first.ts) then first = s end
        end
      end
      assert.are.same({ tflow }, first.flows_in)
    end)

    it("marks the exits as instants", function()
      local i = find(t.instants[x.thread[child]], function(s) return s.name == "exit 0" end)
      assert.are.equal(h.one(r.events, "exit", { pid = child }).ts_ns, i.ts)
    end)
  end)

  describe("with --faults --ebpf, of tests/progs/touch_pages", function()
    local r, t, x, permitted, why
    setup(function()
      local probe = h.run({ h.bin(), "--faults", "--ebpf", "--", "true" })
      permitted, why = probe.status == 0, probe.stderr
      if not permitted then return end
      r = perfetto_of({ h.prog("touch_pages"), "32" }, { "--faults", "--ebpf" })
      t, x = r.trace, r.tracks
    end)

    local function needs_both()
      if permitted then return true end
      print("SKIP: --faults --ebpf not permitted here: " .. why)
      pending("--faults --ebpf cannot run here: " .. why)
      return false
    end

    -- the uuid of a track named `name` under the process of pid
    local function named(name)
      return x.named[name]
    end

    it("puts every page fault on its task's page faults track, at its time", function()
      if not needs_both() then return end
      local faults = h.select(r.events, "fault")
      assert.is_true(#faults >= 32)
      local by_tid = {}
      for _, e in ipairs(faults) do
        by_tid[e.tid] = (by_tid[e.tid] or 0) + 1
        local i = find(t.instants[named("page faults " .. e.tid)], function(i) return i.ts == e.ts_ns end)
        assert.is_truthy(i, "no instant for the fault at " .. e.ts_ns)
        assert.are.equal("fault " .. e.region, i.name)
      end
      for tid, n in pairs(by_tid) do
        assert.are.equal(n, #t.instants[named("page faults " .. tid)])
      end
    end)

    it("shows each run-queue wait and block I/O as a slice ending when it ended", function()
      if not needs_both() then return end
      for _, case in ipairs { { "sched_delay", "CPU waits ", "delay_ns" },
                              { "block_io", "block I/O ", "latency_ns" } } do
        for _, e in ipairs(h.select(r.events, case[1])) do
          local found
          for n = 1, 16 do
            local name = case[2] .. e.tid .. (n > 1 and (" (" .. n .. ")") or "")
            found = found or find(t.slices[named(name)], function(s)
              return s.e == e.ts_ns and s.b == e.ts_ns - e[case[3]]
            end)
          end
          assert.is_truthy(found, "no slice for the " .. case[1] .. " at " .. e.ts_ns)
        end
      end
    end)

    it("counts the heap and the mapped memory of the process", function()
      if not needs_both() then return end
      local root = h.one(r.events, "exec", { program = h.prog("touch_pages") }).pid
      local heap, mapped = 0, 0
      for _, e in ipairs(r.events) do
        if e.pid == root then
          if e.type == "brk" then heap = heap + e.growth_bytes end
          if e.type == "mmap" then mapped = mapped + e.size end
          if e.type == "munmap" then mapped = mapped - e.size end
        end
      end
      for name, want in pairs { heap = heap, mapped = mapped } do
        local uuid
        for id, d in pairs(t.tracks) do
          if one(d, "name") == name and one(d, "parent_uuid") == x.process[root] then uuid = id end
        end
        assert.is_truthy(uuid, "no " .. name .. " counter")
        local values = t.counters[uuid]
        assert.are.equal(want, values[#values].value)
      end
    end)
  end)
end)
