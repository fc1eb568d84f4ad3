-- The summary accumulator.
local fake = require "fake_host"

teardown(fake.cleanup)

describe("summary", function()
  local h, e, summary, noise
  before_each(function()
    h = fake.setup()
    e = require("compendium.event").view(h.event())
    summary = require "compendium.summary"
    noise = require "compendium.noise"
  end)

  local function feed(acc, list)
    for _, item in ipairs(list) do
      h:set(item[1], item[2])
      acc:add(e)
    end
  end

  local EVENTS = {
    { "read", { filename = "/etc/hosts", target = "file", bytes = 100 } },
    { "read", { filename = "/usr/lib/libc.so.6", target = "file", bytes = 832 } },
    { "read", { filename = "pipe:[5]", target = "pipe", bytes = 7 } },
    { "read", { target = "other", bytes = 1 } },
    { "write", { filename = "/tmp/out", bytes = 50 } },
    { "write", { filename = "/dev/null", bytes = 9 } },
    { "send", { sock_type = "tcp4", remote_addr = "1.2.3.4:443", bytes = 517 } },
    { "send", { sock_type = "udp4", remote_addr = "127.0.0.53:53", bytes = 40 } },
    { "send", { sock_type = "unix", remote_addr = "/run/x.sock", bytes = 1000 } },
    { "recv", { sock_type = "tcp6", remote_addr = "[2001:db8::1]:443", bytes = 1434 } },
    { "recv", { sock_type = "raw4", remote_addr = "8.8.8.8", bytes = 64 } },
    { "recv", { sock_type = "udp4", remote_addr = "127.0.0.53:53", bytes = 80 } },
    { "send", { sock_type = "tcp4", remote_addr = "127.0.0.1:8000", bytes = 78 } },
    { "recv", { sock_type = "tcp6", remote_addr = "[::1]:8000", bytes = 120 } },
    { "connect", { sock_type = "udp4", remote_addr = "127.0.0.53:53" } },
    { "connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:443", error = "EINPROGRESS" } },
    { "connect", { sock_type = "unix", remote_addr = "/run/x.sock" } },
    { "connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:443" } },
    { "connect", { sock_type = "tcp4", remote_addr = "5.6.7.8:1", error = "ECONNREFUSED" } },
    { "connect", { sock_type = "netlink", remote_addr = "netlink:pid=0,groups=0" } },
    { "connect", { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" } },
    { "spawn_process", { child = 2 } },
    { "spawn_process", { child = 3 } },
    { "spawn_thread", { child = 4 } },
    { "exit", { pid = 3, code = -1, signal = 11, core_dumped = true } },
    { "exit", { pid = 4, is_thread = true, code = 0 } },
    { "open", { path = "/etc/hosts" } },
  }

  it("keeps everything without a keep predicate", function()
    local acc = summary.new()
    feed(acc, EVENTS)
    assert.are.equal(100 + 832 + 7 + 1, acc.files_read)
    assert.are.equal(59, acc.files_written)
    assert.are.equal(517, acc.net_sent)          -- inet only: not the unix socket
    assert.are.equal(1434 + 64, acc.net_received)
    -- this machine's peers, the resolver stub too, are counted apart
    assert.are.equal(40 + 78, acc.loopback_sent)
    assert.are.equal(80 + 120, acc.loopback_received)
    assert.are.same({
      { sock_type = "udp4", remote_addr = "127.0.0.53:53" },
      { sock_type = "tcp4", remote_addr = "1.2.3.4:443" },
      { sock_type = "unix", remote_addr = "/run/x.sock" },
      { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" },
    }, acc.connections)
    assert.are.equal(2, acc.processes)
    assert.are.equal(1, acc.threads)
    assert.are.same({ [3] = { signal = "SIGSEGV", core_dumped = true } }, acc.exits)
  end)

  it("counts only what the keep predicate keeps", function()
    local acc = summary.new { keep = function(ev) return not noise.event(ev) end }
    feed(acc, EVENTS)
    assert.are.equal(100 + 7 + 1, acc.files_read)
    assert.are.equal(50, acc.files_written)
    assert.are.equal(517, acc.net_sent)
    assert.are.equal(1434 + 64, acc.net_received)
    -- a local server is shown; the resolver stub is not
    assert.are.equal(78, acc.loopback_sent)
    assert.are.equal(120, acc.loopback_received)
    assert.are.same({
      { sock_type = "tcp4", remote_addr = "1.2.3.4:443" },
      { sock_type = "unix", remote_addr = "/run/x.sock" },
      { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" },
    }, acc.connections)
    assert.are.equal(2, acc.processes)
  end)

  it("registers its hooks with acc:hook(c)", function()
    local _, rt = h, require "compendium.runtime"
    local path = fake.script_file("acc", [[
      local c = require "compendium"
      local acc = require("compendium.summary").new():hook(c)
      c.on("end", function() c.print("%d %d %d", acc.files_read, acc.net_sent, acc.processes) end)
    ]])
    assert.is_true((rt.load(path, path)))
    rt.start()
    h:emit("read", { filename = "/x", bytes = 3 })
    h:emit("send", { sock_type = "tcp4", remote_addr = "1.1.1.1:1", bytes = 4 })
    h:emit("spawn_process", { child = 9 })
    rt.finish()
    assert.are.same({ "3 4 1" }, h:lines())
  end)

  it("counts faults by region, and keeps scheduler and block I/O figures", function()
    local acc = summary.new()
    local function add(kind, f) feed(acc, { { kind, f } }) end
    add("fault", { region = "heap", count = 1 })
    add("fault", { region = "heap", count = 2 })
    add("fault", { region = "anon", count = 1 })
    add("sched_delay", { delay_ns = 15000 })
    add("block_io", { op = "write", bytes = 4096, latency_ns = 7 })
    add("block_io", { op = "read", bytes = 512, latency_ns = 9 })
    add("block_io", { op = "other", bytes = 100, latency_ns = 1 })
    assert.are.equal(4, acc.faults)
    assert.are.same({ heap = 3, anon = 1 }, acc.faults_by_region)
    assert.are.same({ 15000 }, acc.sched_delays)
    assert.are.same({ 7, 9, 1 }, acc.block_latencies)
    assert.are.equal(512, acc.block_read)
    assert.are.equal(4096, acc.block_written)
  end)

  it("gives every figure in one plain table: the run's and what was counted", function()
    local acc = summary.new { keep = function(ev) return not noise.event(ev) end }
    feed(acc, EVENTS)
    feed(acc, {
      { "fault", { region = "file", count = 5 } }, { "fault", { region = "heap", count = 2 } },
      { "sched_delay", { delay_ns = 30000 } }, { "sched_delay", { delay_ns = 10000 } },
      { "block_io", { op = "read", bytes = 512, latency_ns = 9 } },
      { "io_uring", { fd = 7 } },
    })
    local run = fake.default_run()
    run.faults_traced, run.ebpf_traced, run.attached = true, true, true
    run.memory = { heap_bytes = 4096, mmap_bytes = 8192, mmap_regions = 2,
                   at_attach = { heap_bytes = 1024, mmap_bytes = 2048, mmap_regions = 1 } }
    run.exit = { signal = "SIGSEGV", core_dumped = true }
    run.failures = { {}, {} }
    run.undecoded_syscalls, run.undecoded_by_name = 1, { signal = 1 }
    assert.are.same({
      command = "prog --flag", source = run.source, duration = 0.5, start_ns = run.start_ns,
      wall_start_ns = run.wall_start_ns, exit = { signal = "SIGSEGV", core_dumped = true },
      root_pid = 100, attached = true, detached = false, interrupted = false,
      memory = { heap_bytes = 4096, mmap_bytes = 8192, mmap_regions = 2, total_bytes = 12288,
                 at_attach = { heap_bytes = 1024, mmap_bytes = 2048, mmap_regions = 1, total_bytes = 3072 } },
      io = { files_read = 108, files_written = 50, net_sent = 517, net_received = 1498,
             loopback_sent = 78, loopback_received = 120 },
      connections = { { sock_type = "tcp4", remote_addr = "1.2.3.4:443" },
                      { sock_type = "unix", remote_addr = "/run/x.sock" },
                      { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" } },
      processes = 1, threads = 0, syscalls = 10,
      spawned = { processes = 2, threads = 1 },
      page_faults = { count = 7, page_size = 4096, bytes = 7 * 4096, by_region = { heap = 2, file = 5 },
                      regions = { { region = "heap", count = 2 }, { region = "file", count = 5 } } },
      scheduler = { count = 2, total_ns = 40000, p50_ns = 10000, p99_ns = 30000, max_ns = 30000 },
      block_io = { count = 1, total_ns = 9, p50_ns = 9, p99_ns = 9, max_ns = 9, bytes_read = 512, bytes_written = 0 },
      io_urings = 1,
      dropped = 0, dropped_faults = 0, dropped_ebpf = 0, undecoded_syscalls = 1,
      undecoded_by_name = { signal = 1 }, failures = 2,
    }, acc:result(run))
  end)

  it("leaves out what was not traced", function()
    local s = summary.new():result(fake.default_run())
    assert.is_nil(s.page_faults)
    assert.is_nil(s.scheduler)
    assert.is_nil(s.block_io)
    assert.is_nil(s.memory.at_attach)
    assert.are.same({ files_read = 0, files_written = 0, net_sent = 0, net_received = 0,
                      loopback_sent = 0, loopback_received = 0 }, s.io)
    assert.are.same({}, s.connections)
    assert.are.equal(0, s.failures)
  end)

  it("gives count, total and nearest-rank p50/p99/max of a list", function()
    local values = {}
    for i = 100, 1, -1 do values[#values + 1] = i end
    assert.are.same({ count = 100, total = 5050, p50 = 50, p99 = 99, max = 100 }, summary.stats(values))
    assert.are.same({ count = 1, total = 7, p50 = 7, p99 = 7, max = 7 }, summary.stats({ 7 }))
    assert.are.same({ count = 0, total = 0, p50 = 0, p99 = 0, max = 0 }, summary.stats({}))
  end)
end)
