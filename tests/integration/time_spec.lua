-- Time in the outputs: every event's ts_ns, dur_ns of what a syscall's
-- return made, and the run's clock anchor (start_ns, wall_start_ns), on
-- tests/progs/timed_sleeps: two processes whose nanosleeps each take at
-- least MS milliseconds from their entry. Bounds only, never speed.
local h = require "helpers"

local MS = 200
local NS = MS * 1000000
local TIMES = h.source() .. "/tests/integration/scripts/syscall_times.lua"

-- The integer after "KEY": in a JSON line, read exactly as a uint64_t (a
-- double cannot hold ns since the epoch).
local function exact(line, key)
  local digits = line:match('"' .. key .. '":(%d+)[,}]')
  assert(digits, "no integer " .. key .. " in " .. line)
  local v = 0ULL
  for d in digits:gmatch("%d") do v = v * 10 + tonumber(d) end
  return v
end

local function realtime_ns()
  local r = h.run({ "date", "+%s%N" })
  return exact('{"t":' .. r.stdout:gsub("%s+$", "") .. "}", "t")
end

-- The lines of a JSON-lines file, raw and decoded, side by side.
local function lines_of(path)
  local raw = h.lines(assert(h.read_file(path), "no file " .. path))
  return raw, h.read_jsonl(path)
end

-- Events made when a syscall returned, and those made elsewhere.
local AT_RETURN = { open = true, read = true, write = true, send = true, recv = true, connect = true,
                    brk = true, mmap = true, munmap = true }
local NOT_AT_RETURN = { exec = true, spawn_process = true, spawn_thread = true, exit = true,
                        signal = true, fault = true, sched_delay = true, block_io = true }

-- ts_ns of every event line, in order, with its start and end bounds.
local function check_event_times(raw, events, start_ns, duration)
  local last = start_ns
  local kinds = {}
  for i = 1, #events - 1 do
    local e, line = events[i], raw[i]
    local ts_ns = exact(line, "ts_ns")
    assert.is_true(ts_ns >= last, "ts_ns goes back at line " .. i .. ": " .. line)
    last = ts_ns
    local since = tonumber(ts_ns - start_ns)
    assert.is_true(since <= duration * 1e9 + 1000, "after the run's end: " .. line)
    assert.is_true(math.abs(e.ts * 1e9 - since) <= 1000, "ts and ts_ns disagree: " .. line)
    if AT_RETURN[e.type] then
      assert.are.equal("number", type(e.dur_ns), "no dur_ns: " .. line)
      assert.is_true(e.dur_ns >= 0 and e.dur_ns <= since, "dur_ns outside the run: " .. line)
    else
      assert.is_true(NOT_AT_RETURN[e.type] ~= nil, "unexpected event " .. line)
      assert.is_nil(e.dur_ns, "dur_ns on an event not made at a syscall's return: " .. line)
    end
    kinds[e.type] = (kinds[e.type] or 0) + 1
  end
  return kinds
end

describe("time", function()
  teardown(h.cleanup)

  local dir, before, after, r, raw, events, summary, times_raw, times
  setup(function()
    dir = h.tmpdir()
    before = realtime_ns()
    r = h.run({ h.bin(), "-q", "-s", TIMES, "-X", "times.out=" .. dir .. "/times.jsonl",
                "--json", dir .. "/events.jsonl", "--", h.prog("timed_sleeps"), tostring(MS), "2" },
              { cwd = dir })
    after = realtime_ns()
    raw, events = lines_of(dir .. "/events.jsonl")
    summary = events[#events]
    times_raw, times = lines_of(dir .. "/times.jsonl")
  end)

  it("writes the clock anchor exactly, taken between the test's two clock reads", function()
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("summary", summary.type)
    local start_ns, wall = exact(raw[#raw], "start_ns"), exact(raw[#raw], "wall_start_ns")
    assert.is_true(wall >= before and wall <= after,
                   ("wall_start_ns %s not within [%s, %s]"):format(tostring(wall), tostring(before),
                                                                   tostring(after)))
    -- the run object hooks see holds the same numbers, digit for digit
    local run = times_raw[#times_raw]
    assert.are.equal("run", times[#times].type)
    assert.are.equal(start_ns, exact(run, "start_ns"))
    assert.are.equal(wall, exact(run, "wall_start_ns"))
    -- so the last event's wall-clock time falls before the test's second read
    local last = exact(raw[#raw - 1], "ts_ns")
    assert.is_true(wall + (last - start_ns) <= after)
  end)

  it("gives each nanosleep a dur_ns of at least its sleep, within the run", function()
    local start_ns = exact(raw[#raw], "start_ns")
    local parent = h.one(events, "exec").pid
    local child = h.one(events, "spawn_process").child_pid
    local per_pid = {}
    for i = 1, #times - 1 do
      local e = times[i]
      assert.are.equal("nanosleep", e.name)
      assert.are.equal(0, e.ret)
      assert.is_true(e.dur_ns >= NS, "slept less than " .. MS .. " ms: " .. times_raw[i])
      -- its entry came after the start, its exit before the end
      local ts_ns = exact(times_raw[i], "ts_ns")
      assert.is_true(ts_ns - start_ns >= e.dur_ns, "entry before the start: " .. times_raw[i])
      assert.is_true(tonumber(ts_ns - start_ns) <= summary.duration * 1e9 + 1000)
      per_pid[e.pid] = (per_pid[e.pid] or 0) + 1
    end
    assert.are.same({ [parent] = 2, [child] = 2 }, per_pid)
  end)

  it("gives every --json event ts_ns, in order, and dur_ns exactly to those made at a return", function()
    local kinds = check_event_times(raw, events, exact(raw[#raw], "start_ns"), summary.duration)
    -- what timed_sleeps does itself: open and write OUT.parent and OUT.child
    for _, who in ipairs({ "parent", "child" }) do
      local file = dir .. "/timed_sleeps.out." .. who
      local w = h.one(events, "write", { filename = file })
      assert.are.equal(5, w.bytes)
      assert.are.equal("number", type(w.dur_ns))
      assert.are.equal("number", type(h.one(events, "open", { path = file }).dur_ns))
    end
    assert.are.equal(1, kinds.exec)
    assert.are.equal(2, kinds.exit)
  end)
end)

describe("time with --faults", function()
  teardown(h.cleanup)

  it("orders fault records with the syscall events by ts_ns, with no dur_ns", function()
    local probe = h.run({ h.bin(), "--faults", "--", "true" })
    if probe.status ~= 0 then
      print("SKIP: --faults not permitted here: " .. probe.stderr)
      pending("perf_event_open is not permitted: " .. probe.stderr)
      return
    end
    local dir = h.tmpdir()
    local r = h.run({ h.bin(), "-q", "--faults", "--json", dir .. "/events.jsonl", "--",
                      h.prog("timed_sleeps"), "50", "2" }, { cwd = dir })
    assert.are.equal(0, r.status, r.stderr)
    local raw, events = lines_of(dir .. "/events.jsonl")
    local summary = events[#events]
    local kinds = check_event_times(raw, events, exact(raw[#raw], "start_ns"), summary.duration)
    -- both processes touched 16 fresh pages each
    assert.is_true((kinds.fault or 0) >= 32, "faults: " .. tostring(kinds.fault))
  end)
end)

describe("time after --pid", function()
  teardown(h.cleanup)

  local function tracer_of(pid)
    local text = h.read_file("/proc/" .. pid .. "/status") or ""
    return tonumber(text:match("\nTracerPid:%s+(%d+)")) or 0
  end

  it("times only calls whose entry it saw: the one in progress at the attach is not one", function()
    local dir = h.tmpdir()
    local go = dir .. "/go"
    local prog = h.spawn({ h.prog("timed_sleeps"), tostring(MS), "2", go })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "timed_sleeps never got ready")
    local times = dir .. "/times.jsonl"
    local c = h.spawn({ h.bin(), "-q", "-s", TIMES, "-X", "times.out=" .. times,
                        "-X", "times.names=nanosleep,restart_syscall", "--pid", tostring(prog.pid) })
    assert(h.wait_for(function() return tracer_of(prog.pid) ~= 0 end, 30), "compendium never attached")
    -- a sleep was in progress at the attach (the loop sleeps all the time)
    h.write_file(go, "")
    assert.are.equal(0, prog:wait().status)
    local done = c:wait()
    assert.are.equal(0, done.status, done.stderr)
    local raw, list = lines_of(times)
    local start_ns = exact(raw[#raw], "start_ns")
    local sleeps = {}
    for i = 1, #list - 1 do
      local e = list[i]
      local since = exact(raw[i], "ts_ns") - start_ns
      assert.are.equal("number", type(e.dur_ns), raw[i])
      assert.is_true(e.dur_ns <= tonumber(since), "timed from before the attach: " .. raw[i])
      -- a whole nanosleep, never the rest of one (that continues as restart_syscall)
      if e.name == "nanosleep" then
        assert.is_true(e.dur_ns >= NS, "a nanosleep shorter than its sleep: " .. raw[i])
        sleeps[e.pid] = (sleeps[e.pid] or 0) + 1
      end
    end
    -- the two after the go of each process, at least
    local n = 0
    for pid, count in pairs(sleeps) do
      n = n + 1
      assert.is_true(count >= 2, "pid " .. pid .. ": " .. count)
    end
    assert.are.equal(2, n)
  end)
end)
