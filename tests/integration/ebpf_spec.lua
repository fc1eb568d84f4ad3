-- --ebpf: block I/O of tests/progs/bpf_direct_write (O_DIRECT writes to a
-- file on a real block device) and run-queue delays of tests/progs/bpf_wakeups
-- (two threads waking each other while busy loops keep every CPU busy).
-- Needs root (CAP_BPF and CAP_PERFMON) and kernel BTF; without them the
-- measuring tests say SKIP and why, and the permission test runs as is.
local h = require "helpers"

-- The default view asks for run-queue delays of at least 10 us.
local THRESHOLD_NS = 10000

local function capture(argv)
  return (h.run(argv).stdout:gsub("\n$", ""))
end

local function is_root()
  return capture({ "id", "-u" }) == "0"
end

-- Why --ebpf cannot measure here, or nil when it can.
local function missing_privilege()
  if not h.exists("/sys/kernel/btf/vmlinux") then
    return "no kernel BTF (/sys/kernel/btf/vmlinux)"
  end
  local r = h.run({ h.bin(), "--ebpf", "-o", "/dev/null", "--", "true" })
  if r.status ~= 0 then return "--ebpf is not permitted: " .. r.stderr:gsub("\n$", "") end
  return nil
end

-- The traced command's process: the pid of its exec event.
local function root_pid(events)
  return h.select(events, "exec")[1].pid
end

describe("--ebpf", function()
  local missing
  setup(function() missing = missing_privilege() end)
  teardown(h.cleanup)

  local function needs_ebpf() return h.ready(missing) end

  -- The kernel's loader program loads the programs; libbpf does where the
  -- kernel has none (before 5.17), forced here so that both are tested.
  for _, loader in ipairs { "light", "libbpf" } do
  describe("block I/O (" .. loader .. " loader)", function()
    local dir, r, written, pid
    setup(function()
      if missing then return end
      dir = h.block_device_dir()
      if not dir then return end
      -- 32 writes of 128 KiB: 4 MiB in all
      r = h.trace({ h.prog("bpf_direct_write"), dir, "32", "131072" },
                  { flags = { "--ebpf" }, env = { COMPENDIUM_BPF_LOADER = loader } })
      written = tonumber(r.stdout:match("^wrote (%d+) bytes\n$"))
      pid = root_pid(r.events)
    end)
    teardown(function()
      if dir then os.execute("rm -rf " .. h.quote(dir)) end
    end)

    local function ready()
      if not needs_ebpf() then return false end
      if dir then return true end
      print("SKIP: no directory on a block device (the build tree and /var/tmp are tmpfs)")
      pending("no directory on a block device")
      return false
    end

    it("runs the program to completion", function()
      if not ready() then return end
      assert.are.equal(0, r.status, r.stderr)
      assert.are.equal(32 * 131072, written)
      assert.are.equal(0, r.summary.dropped_ebpf)
    end)

    it("reports block writes adding up to exactly what the program wrote", function()
      if not ready() then return end
      local writes = h.select(r.events, "block_io", { op = "write", tid = pid })
      assert.is_true(#writes > 0)
      assert.are.equal(written, h.sum(writes, "bytes"))
      assert.are.equal(written, r.summary.block_io.bytes_written)
    end)

    -- A request whose completion the kernel ran no BPF program for comes
    -- marked completion_unseen, without a latency.
    it("charges every request to the program, with a latency unless its completion was unseen", function()
      if not ready() then return end
      local all = h.select(r.events, "block_io")
      assert.is_true(#all >= 1)
      for _, e in ipairs(all) do
        assert.are.equal(pid, e.pid)
        assert.are.equal(pid, e.tid)
        if e.completion_unseen then
          assert.is_nil(e.latency_ns)
        else
          assert.is_true(e.latency_ns > 0, "latency " .. tostring(e.latency_ns))
        end
        assert.is_true(e.op == "read" or e.op == "write" or e.op == "flush" or e.op == "discard", e.op)
      end
    end)
  end)
  end

  describe("a cache flush", function()
    local dir, r, pid
    setup(function()
      if missing then return end
      dir = h.block_device_dir()
      if not dir then return end
      r = h.trace({ h.prog("bpf_direct_write"), dir, "4", "131072", "fsync" }, { flags = { "--ebpf" } })
      pid = root_pid(r.events)
    end)
    teardown(function()
      if dir then os.execute("rm -rf " .. h.quote(dir)) end
    end)

    -- fsync makes the program submit an empty flush bio, whose completion
    -- covers no bytes: it is a record like any other, and nothing is lost.
    it("is a 'flush' request of 0 bytes, and nothing is counted as dropped", function()
      if not needs_ebpf() then return end
      if not dir then
        pending("no directory on a block device")
        return
      end
      assert.are.equal(0, r.status, r.stderr)
      assert.are.equal("wrote 524288 bytes\n", r.stdout)
      assert.are.equal(0, r.summary.dropped_ebpf)
      for _, e in ipairs(h.select(r.events, "block_io", { bytes = 0 })) do
        assert.are.equal("flush", e.op)
        assert.are.equal(pid, e.tid)
      end
    end)
  end)

  describe("run-queue delays", function()
    local r, pid, tids, busy = nil, nil, nil, {}
    setup(function()
      if missing then return end
      -- Untraced busy loops, one for each CPU, so that wakeups wait.
      local cpus = tonumber(capture({ "nproc" })) or 2
      for i = 1, cpus do busy[i] = h.spawn({ "sh", "-c", "while :; do :; done" }) end
      local ok, res = pcall(h.trace, { h.prog("bpf_wakeups"), "2000" }, { flags = { "--ebpf" } })
      for _, p in ipairs(busy) do h.kill(p.pid, h.SIGKILL) end
      for _, p in ipairs(busy) do p:wait() end
      assert(ok, res)
      r = res
      local p, t1, t2 = r.stdout:match("^pid (%d+) tids (%d+) (%d+)\n$")
      pid, tids = tonumber(p), { [tonumber(t1)] = true, [tonumber(t2)] = true }
    end)

    it("runs the program to completion", function()
      if not needs_ebpf() then return end
      assert.are.equal(0, r.status, r.stderr)
      assert.is_not_nil(pid, r.stdout)
      assert.are.equal(pid, root_pid(r.events))
    end)

    it("reports delays of both of the program's threads, above the threshold", function()
      if not needs_ebpf() then return end
      local seen = {}
      for _, e in ipairs(h.select(r.events, "sched_delay")) do
        seen[e.tid] = true
        assert.is_true(e.delay_ns >= THRESHOLD_NS, "delay " .. e.delay_ns)
      end
      for tid in pairs(tids) do
        assert.is_true(seen[tid] == true, "no sched_delay for thread " .. tid)
      end
    end)

    it("reports none for any other task, the busy loops included", function()
      if not needs_ebpf() then return end
      local strangers = {}
      for _, p in ipairs(busy) do strangers[p.pid] = true end
      for _, e in ipairs(h.select(r.events, "sched_delay")) do
        assert.is_true(tids[e.tid] == true, "sched_delay for task " .. e.tid)
        assert.are.equal(pid, e.pid)
        assert.is_nil(strangers[e.tid])
      end
    end)
  end)

  describe("without privileges", function()
    local dir
    teardown(function()
      if dir then os.execute("rm -rf " .. h.quote(dir)) end
    end)

    it("stops before tracing with a one-line message and exit status 1", function()
      local argv
      if is_root() then
        -- A copy that user nobody can reach: the binary and its scripts.
        dir = capture("d=$(mktemp -d /tmp/compendium-ebpf.XXXXXX) && cd \"$d\" && pwd -P")
        assert.is_true(dir:sub(1, 1) == "/")
        local share = h.bin():gsub("/[^/]*$", "") .. "/../share"
        local copied = os.execute(table.concat({
          "mkdir", h.quote(dir .. "/bin"), "&&", "cp", h.quote(h.bin()),
          h.quote(dir .. "/bin/compendium"), "&&", "cp", "-rL", h.quote(share), h.quote(dir), "&&",
          "chmod", "-R", "a+rX", h.quote(dir) }, " "))
        assert.is_true(copied == 0 or copied == true)
        argv = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 dir .. "/bin/compendium" }
      else
        dir = h.tmpdir()
        argv = { h.bin() }
      end
      local marker = dir .. "/ran"
      for _, a in ipairs({ "--ebpf", "--", "sh", "-c", "touch " .. h.quote(marker) }) do
        argv[#argv + 1] = a
      end
      local r = h.run(argv)
      assert.are.equal(1, r.status, r.stderr)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.is_truthy(r.stderr:find("--ebpf needs CAP_BPF and CAP_PERFMON (or root)", 1, true),
                       r.stderr)
      assert.is_false(h.exists(marker))
    end)
  end)
end)
