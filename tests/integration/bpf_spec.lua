-- --bpf: the syscall source that never stops a task. The facts the ptrace
-- source is tested for (bytes per file, peers, processes, threads, exec,
-- exit status) must come out the same from both sources on the same
-- programs: each case runs once under ptrace and once under --bpf, and the
-- two --json files, read back by a JSON parser, must say the same. Needs
-- root (CAP_BPF and CAP_PERFMON) and kernel BTF; without them the tests say
-- SKIP and why.
local h = require "helpers"

local function missing_privilege()
  if not h.exists("/sys/kernel/btf/vmlinux") then
    return "no kernel BTF (/sys/kernel/btf/vmlinux)"
  end
  local r = h.run({ h.bin(), "--bpf", "-o", "/dev/null", "--", "true" })
  -- only the refusals --bpf says it makes: anything else is a failure
  local refused = r.stderr:find("--bpf needs", 1, true) or r.stderr:find("--bpf is not available", 1, true)
  if r.status ~= 0 and refused then return "--bpf is not permitted: " .. r.stderr:gsub("\n$", "") end
  return nil
end

local missing = missing_privilege()

-- it(), but a visible SKIP where --bpf cannot run.
local function bpf_it(name, fn)
  it(name, function()
    if h.ready(missing) then fn() end
  end)
end

local function sorted(list)
  table.sort(list)
  return list
end

-- What a run says, without what differs from run to run (pids, times,
-- ports the kernel chose).
local function facts(r)
  local f = { bytes = {}, opens = {}, failed_opens = {}, execs = {}, exits = {}, spawns = {},
              signals = {} }
  local function add(t, k, n) t[k] = (t[k] or 0) + n end
  local own_out = 0
  for _, e in ipairs(r.events) do
    if e.bytes and (e.type == "read" or e.type == "write" or e.type == "send" or
                    e.type == "recv") then
      -- each run has stdout and stderr of its own: files in its own
      -- directory, or pipe:[N]
      local name = tostring(e.filename or e.peer or ""):gsub(":%d+$", ":PORT")
      name = name:gsub("^/.*/(std%a+)$", "%1")
      if name == "stdout" then
        -- what the programs print holds pids, whose digits vary
        own_out = own_out + e.bytes
      else
        add(f.bytes, e.type .. " " .. tostring(e.target) .. " " .. name:gsub("%[%d+%]", "[N]"), e.bytes)
      end
    elseif e.type == "open" then
      f.opens[#f.opens + 1] = e.path .. (e.writable and " w" or " r")
    elseif e.type == "open_failed" then
      f.failed_opens[#f.failed_opens + 1] = tostring(e.path) .. " " .. tostring(e.errno)
    elseif e.type == "exec" then
      f.execs[#f.execs + 1] = e.program .. " " .. tostring(e.path) .. " " ..
                              table.concat(e.argv or {}, " ")
    elseif e.type == "exit" then
      f.exits[#f.exits + 1] = (e.is_thread and "thread " or "process ") ..
                              tostring(e.code) .. " " .. tostring(e.signal)
    elseif e.type == "spawn_process" or e.type == "spawn_thread" then
      add(f.spawns, e.type, 1)
    elseif e.type == "signal" and e.signal ~= "SIGCHLD" then
      -- SIGCHLDs of children that end close together merge, or not, as
      -- the program runs: their count is no fact
      add(f.signals, e.signal, 1)
    end
  end
  sorted(f.opens)
  sorted(f.failed_opens)
  sorted(f.execs)
  sorted(f.exits)
  local s = r.summary
  f.io, f.processes, f.threads, f.exit = {}, s.processes, s.threads, s.exit
  for k, v in pairs(s.io) do f.io[k] = v end
  f.io.files_written = f.io.files_written - own_out
  f.connections = {}
  for _, c in ipairs(s.connections or {}) do
    local parts = {}
    for k, v in pairs(c) do
      if type(v) ~= "table" then
        parts[#parts + 1] = k .. "=" .. tostring(v):gsub(":%d+$", ":PORT")
      end
    end
    f.connections[#f.connections + 1] = table.concat(sorted(parts), ",")
  end
  sorted(f.connections)
  return f
end

local function both(argv, opts)
  local ptrace = h.trace(argv, opts)
  local bpf_opts = {}
  for k, v in pairs(opts or {}) do bpf_opts[k] = v end
  bpf_opts.flags = { "--bpf" }
  local bpf = h.trace(argv, bpf_opts)
  assert.are.equal(ptrace.status, bpf.status, bpf.stderr)
  assert.are.equal("bpf", bpf.summary.source.name)
  assert.are.equal(0, bpf.summary.dropped)
  return facts(ptrace), facts(bpf), ptrace, bpf
end

local function same(argv, opts)
  local p, b = both(argv, opts)
  assert.are.same(p, b)
  return p, b
end

describe("--bpf gives the facts ptrace gives", function()
  after_each(h.cleanup)

  bpf_it("for every way of reading and writing a file (fileio)", function()
    local dir = h.tmpdir()
    local p = same({ h.prog("fileio"), dir })
    assert.is_true(p.bytes["write file " .. h.realpath(dir) .. "/out.bin"] >= 1550)
  end)

  bpf_it("for sendmmsg and recvmmsg (their msg_lens), splice and tee (io_variants)", function()
    local dir = h.tmpdir()
    local _, _, ptrace, bpf = both({ h.prog("io_variants"), dir })
    for _, r in ipairs { ptrace, bpf } do
      assert.are.same({ 600 }, h.pluck(h.select(r.events, "send"), "bytes"))
      assert.are.same({ 600 }, h.pluck(h.select(r.events, "recv"), "bytes"))
    end
    same({ h.prog("io_variants"), dir })
  end)

  -- the source names a new fd after the fact, from /proc while the task
  -- runs on: a name read after the fd went to another file is not taken
  bpf_it("for opens whose fd number the next open takes at once (fd_reuse_opens)", function()
    local dir = h.tmpdir()
    -- ptrace stops each open, so a few show the facts; the race needs many
    for _, case in ipairs { { flags = {}, n = 200 }, { flags = { "--bpf" }, n = 20000 } } do
      local want = { dir .. "/a w", dir .. "/b w" }
      for _ = 1, case.n do
        want[#want + 1] = dir .. "/a r"
        want[#want + 1] = dir .. "/b r"
      end
      local r = h.trace({ h.prog("fd_reuse_opens"), dir, tostring(case.n) }, { flags = case.flags })
      assert.are.equal(0, r.status, r.stderr)
      local got = {}
      for _, e in ipairs(h.select(r.events, "open")) do
        if e.path:sub(1, #dir) == dir then got[#got + 1] = e.path .. (e.writable and " w" or " r") end
      end
      -- the first difference, not a diff of 40000 lines
      local i = 1
      while i <= #want and want[i] == got[i] do i = i + 1 end
      assert.are.same({ #want, want[i] }, { #got, got[i] }, "open " .. i .. " of " .. #got)
    end
  end)

  bpf_it("for datagrams whose peers only recvfrom and sendto name (udp_peers)", function()
    local p = same({ h.prog("udp_peers") })
    assert.are.equal(160, p.io.loopback_received)
    assert.are.equal(0, p.io.net_received)
  end)

  bpf_it("for a known number of calls (counts)", function()
    local p = same({ h.prog("counts"), "5", "7" })
    assert.are.equal(7, p.bytes["write other /dev/null"])
  end)

  -- libbpf loads the programs where the kernel has no loader program
  -- (before 5.17); forced here, it must give the same facts
  bpf_it("for a tree of processes and a file, loaded by libbpf", function()
    local dir = h.tmpdir()
    local p = same({ h.prog("fileio"), dir }, { env = { COMPENDIUM_BPF_LOADER = "libbpf" } })
    assert.is_true(p.bytes["write file " .. h.realpath(dir) .. "/out.bin"] >= 1550)
    same({ h.prog("proc_tree") }, { env = { COMPENDIUM_BPF_LOADER = "libbpf" } })
  end)

  bpf_it("for a tree of processes, their execs and exit statuses (proc_tree)", function()
    local p = same({ h.prog("proc_tree") })
    assert.are.equal(3, p.spawns.spawn_process)
  end)

  bpf_it("for a child process and a thread (spawn)", function()
    local p = same({ h.prog("spawn") })
    assert.are.equal(1, p.spawns.spawn_thread)
  end)

  bpf_it("for an exec from a thread that is not the leader (thread_exec)", function()
    same({ h.prog("thread_exec") })
  end)

  bpf_it("for a TCP conversation between two threads, and its peers (tcp_loopback)", function()
    local p = same({ h.prog("tcp_loopback") })
    assert.is_true(#p.connections > 0)
  end)

  bpf_it("for one fd of each kind (fd_kinds)", function()
    same({ h.prog("fd_kinds"), h.tmpdir() })
  end)

  bpf_it("for deaths by signal (killed_child)", function()
    same({ h.prog("killed_child") })
    same({ h.prog("killed_child"), "self" })
  end)

  bpf_it("for a pipeline", function()
    local p = same({ "sh", "-c", "seq 1 2000 | sort -rn | wc -l > /dev/null; exit 4" })
    assert.are.equal(4, p.exit.code)
  end)

  bpf_it("for tar", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/a.txt", string.rep("a", 5000))
    h.write_file(dir .. "/b.txt", string.rep("b", 300))
    same({ "tar", "-cf", dir .. "/out.tar", "-C", dir, "a.txt", "b.txt" })
  end)
end)

describe("--bpf reads user strings", function()
  after_each(h.cleanup)

  -- uffd_path passes open() a path in a userfaultfd page nobody touched:
  -- unreadable until the kernel's own copy faults it in. At the exit it
  -- is there, and names the file.
  bpf_it("at the syscall's exit, where the kernel has faulted their pages in", function()
    local file = h.tmpdir() .. "/target"
    h.write_file(file, "x")
    local untraced = h.run({ h.prog("uffd_path"), file })
    if untraced.status == 77 then return pending(untraced.stderr:gsub("\n$", "")) end
    local r = h.trace({ h.prog("uffd_path"), file }, { flags = { "--bpf" } })
    assert.are.equal(7, r.status, r.stderr)
    local open = h.one(r.events, "open", { path = file })
    assert.are.equal(file, open.requested)
    assert.is_nil(open.requested_error)
  end)
end)

describe("--bpf refuses what needs a stopped task", function()
  after_each(h.cleanup)

  bpf_it("an enter: hook, before anything runs, saying to drop --bpf", function()
    local dir = h.tmpdir()
    local script = dir .. "/enter.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'c.on("enter:openat", function(e) end)\n')
    local marker = dir .. "/ran"
    local r = h.run({ h.bin(), "--bpf", "-s", script, "--", "touch", marker })
    assert.are.equal(2, r.status)
    assert.is_truthy(r.stderr:find("drop --bpf", 1, true), r.stderr)
    assert.is_false(h.exists(marker))
  end)

  bpf_it("c.inject, saying to drop --bpf", function()
    local dir = h.tmpdir()
    local script = dir .. "/inject.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'local deny = c.inject("EACCES")\n')
    local r = h.run({ h.bin(), "--bpf", "-s", script, "--", "true" })
    assert.are.equal(2, r.status, r.stderr)
    assert.is_truthy(r.stderr:find("drop --bpf", 1, true), r.stderr)
  end)
end)

describe("--bpf --pid", function()
  after_each(h.cleanup)

  local function state_of(pid)
    local stat = h.read_file("/proc/" .. pid .. "/stat")
    return stat and stat:match("%) (%a)")
  end

  bpf_it("never stops a process in a tight syscall loop, and leaves it running", function()
    local target = h.spawn({ h.prog("syscall_loop") })
    assert.is_truthy(h.wait_for(function() return target:stdout():find("ready") end, 10))
    local tracer = h.spawn({ h.bin(), "--bpf", "--pid", tostring(target.pid), "--json",
                             h.tmpdir() .. "/attach.jsonl" })
    -- Sampled while it is traced: a ptrace attach would show 't' here.
    local states = {}
    assert.is_truthy(h.wait_for(function() return tracer:stderr():find("attached") end, 10),
                     tracer:stderr())
    for _ = 1, 50 do
      states[#states + 1] = state_of(target.pid)
      h.sleep(0.01)
    end
    h.kill(tracer.pid, h.SIGINT)
    local t = tracer:wait()
    assert.are.equal(0, t.status, t.stderr)
    for _, s in ipairs(states) do assert.are_not.equal("t", s) end
    for _, s in ipairs(states) do assert.are_not.equal("T", s) end
    -- Detached: it runs on, and ends as it would have.
    assert.is_truthy(state_of(target.pid))
    h.sleep(0.1)
    assert.are_not.equal("t", state_of(target.pid))
    h.kill(target.pid, h.SIGTERM)
    local r = target:wait()
    assert.are.equal(0, r.status)
    assert.is_truthy(r.stdout:match("writes (%d+)"))
  end)
end)

describe("--bpf ring buffer overflow", function()
  after_each(h.cleanup)

  bpf_it("is counted in the JSON and said in the summary", function()
    local r = h.trace({ h.prog("counts"), "2000", "20000" },
                      { flags = { "--bpf" }, env = { COMPENDIUM_BPF_RINGBUF = "4096" } })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_true(r.summary.dropped > 0)
    assert.is_true(r.summary.dropped_ebpf > 0)
    assert.is_truthy(r.stderr:find("Dropped: " .. r.summary.dropped, 1, true), r.stderr)
  end)

  bpf_it("has a size that must be a power of two", function()
    local r = h.run({ h.bin(), "--bpf", "--", "true" }, { env = { COMPENDIUM_BPF_RINGBUF = "5000" } })
    assert.are_not.equal(0, r.status)
    assert.is_truthy(h.one_line_error(r.stderr))
  end)
end)

-- c.accept_io_runs: a script that takes runs lets --bpf merge a task's like
-- reads or writes of one fd in the kernel; the bytes and the calls stay
-- exact, and a script that does not take runs sees every call.
describe("--bpf runs of reads and writes", function()
  after_each(h.cleanup)

  -- A script printing, per kind and file, its events, calls and bytes.
  local function counter(dir, accepts)
    local path = dir .. "/count.lua"
    h.write_file(path, 'local c = require "compendium"\n' .. (accepts and "c.accept_io_runs()\n" or "") .. [[
local seen = {}
local function add(e)
  if not e.filename or not e.filename:find("/data", 1, true) then return end
  local k = e.type .. " " .. e.filename:match("[^/]*$")
  local s = seen[k] or { events = 0, calls = 0, bytes = 0 }
  s.events, s.calls, s.bytes = s.events + 1, s.calls + e.calls, s.bytes + e.bytes
  seen[k] = s
end
c.on("read", add)
c.on("write", add)
c.on("end", function()
  for k, s in pairs(seen) do c.print("%s %d %d %d", k, s.events, s.calls, s.bytes) end
end)
]])
    return path
  end

  -- "kind file" → {events, calls, bytes} of a run of the counter script.
  local function counted(flags, script, args)
    local argv = { h.bin() }
    for _, f in ipairs(flags) do argv[#argv + 1] = f end
    for _, a in ipairs { "-s", script, "--" } do argv[#argv + 1] = a end
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    local r = h.run(argv)
    assert.are.equal(0, r.status, r.stderr)
    local t = {}
    for _, l in ipairs(h.lines(r.stderr .. r.stdout)) do
      local k, ev, calls, bytes = l:match("^(%a+ [%w.]+) (%d+) (%d+) (%d+)$")
      if k then t[k] = { events = tonumber(ev), calls = tonumber(calls), bytes = tonumber(bytes) } end
    end
    return t
  end

  local SIZE, CHUNK = 30000, 3 -- 10000 reads and writes each way

  local function setup()
    local dir = h.tmpdir()
    local data = {}
    for i = 1, SIZE do data[i] = string.char(65 + i % 26) end
    h.write_file(dir .. "/data.in", table.concat(data))
    return dir, { h.prog("small_copy"), dir .. "/data.in", dir .. "/data.out", tostring(CHUNK) }
  end

  bpf_it("are merged for a script that takes them, with the calls and bytes ptrace counts", function()
    local dir, args = setup()
    local script = counter(dir, true)
    local ptrace = counted({}, script, args)
    local bpf = counted({ "--bpf" }, script, args)
    local calls = SIZE / CHUNK
    for _, k in ipairs { "read data.in", "write data.out", "read data.out" } do
      assert.is_table(ptrace[k], k)
      assert.are.same({ calls, SIZE }, { ptrace[k].calls, ptrace[k].bytes }, k)
      assert.are.equal(calls, ptrace[k].events, k) -- ptrace makes an event per call
      assert.are.same({ calls, SIZE }, { bpf[k].calls, bpf[k].bytes }, k)
      -- merged in the kernel: far fewer events than calls
      assert.is_true(bpf[k].events < calls / 10, k .. ": " .. bpf[k].events .. " events")
    end
  end)

  bpf_it("are not made for a script that does not take them: it sees every call", function()
    local dir, args = setup()
    local bpf = counted({ "--bpf" }, counter(dir, false), args)
    local calls = SIZE / CHUNK
    for _, k in ipairs { "read data.in", "write data.out", "read data.out" } do
      assert.are.same({ calls, calls, SIZE }, { bpf[k].events, bpf[k].calls, bpf[k].bytes }, k)
    end
  end)

  bpf_it("are made where threads share the fd table, with the calls and bytes ptrace counts", function()
    local dir, args = setup()
    args[#args + 1] = "thread"
    local script = counter(dir, true)
    local ptrace = counted({}, script, args)
    local bpf = counted({ "--bpf" }, script, args)
    local calls = SIZE / CHUNK
    for _, k in ipairs { "read data.in", "write data.out", "read data.out" } do
      assert.are.same({ calls, calls, SIZE }, { ptrace[k].events, ptrace[k].calls, ptrace[k].bytes }, k)
      assert.are.same({ calls, SIZE }, { bpf[k].calls, bpf[k].bytes }, k)
      assert.is_true(bpf[k].events < calls / 10, k .. ": " .. bpf[k].events .. " events")
    end
  end)

  -- a thread's run on fd F is still in the kernel when the main thread
  -- makes F name data.y (close and open, close_range and open, dup2): the
  -- run counts for data.x
  for _, change in ipairs { "close", "close_range", "dup2" } do
    bpf_it("leave before another thread's " .. change .. " makes their fd name another file", function()
      local dir = h.tmpdir()
      local N = 5000
      h.write_file(dir .. "/data.x", string.rep("x", N))
      h.write_file(dir .. "/data.y", string.rep("y", N))
      local args = { h.prog("thread_fd_reuse"), dir .. "/data.x", dir .. "/data.y", tostring(N), change }
      local script = counter(dir, true)
      for _, flags in ipairs { {}, { "--bpf" } } do
        local t = counted(flags, script, args)
        local how = flags[1] or "ptrace"
        for _, k in ipairs { "read data.x", "read data.y" } do
          assert.is_table(t[k], how .. ": " .. k)
          assert.are.same({ N, N }, { t[k].calls, t[k].bytes }, how .. ": " .. k)
        end
        if how == "--bpf" then
          assert.is_true(t["read data.x"].events < N / 10, t["read data.x"].events .. " events")
        end
      end
    end)
  end

  bpf_it("are not made when one of the scripts does not take them (--json)", function()
    local dir, args = setup()
    local script = counter(dir, true)
    local argv = { "--bpf", "--json", dir .. "/events.jsonl" }
    local bpf = counted(argv, script, args)
    local calls = SIZE / CHUNK
    assert.are.same({ calls, calls, SIZE }, { bpf["read data.in"].events, bpf["read data.in"].calls,
                                             bpf["read data.in"].bytes })
    local events = h.read_jsonl(dir .. "/events.jsonl")
    local writes = 0
    for _, e in ipairs(events) do
      if e.type == "write" and tostring(e.filename):find("data.out", 1, true) then writes = writes + 1 end
    end
    assert.are.equal(calls, writes)
  end)

  bpf_it("show in the default view as the runs ptrace shows", function()
    local dir, args = setup()
    local function view(flags)
      local argv = { h.bin() }
      for _, f in ipairs(flags) do argv[#argv + 1] = f end
      argv[#argv + 1] = "--"
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      local r = h.run(argv)
      assert.are.equal(0, r.status, r.stderr)
      local lines = {}
      for _, l in ipairs(h.lines(r.stderr)) do
        if l:find("data%.") and (l:find("] read ") or l:find("] write ")) then
          lines[#lines + 1] = l:gsub("^%[[^]]*%] ", "")
        end
      end
      return lines
    end
    local p = view({})
    assert.are.same(p, view({ "--bpf" }))
    assert.are.equal(3, #p)
    assert.is_truthy(p[1]:find("(10000 calls)", 1, true), p[1])
  end)
end)
