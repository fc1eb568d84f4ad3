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

  -- this machine's peers are counted apart from the network's: all of
  -- them (the resolver stub too) in all, a local server but not the
  -- resolver stub in what is shown
  local ALL_IO = { files_read = 100 + 832, files_written = 59, pipes_read = 7, pipes_written = 0,
                  other_read = 1, other_written = 1000, net_sent = 517, net_received = 1434 + 64,
                  loopback_sent = 40 + 78, loopback_received = 80 + 120 }
  local SHOWN_IO = { files_read = 100, files_written = 50, pipes_read = 7, pipes_written = 0,
                     other_read = 1, other_written = 1000, net_sent = 517, net_received = 1434 + 64,
                     loopback_sent = 78, loopback_received = 120 }
  local ALL_CONNECTIONS = {
    { sock_type = "udp4", remote_addr = "127.0.0.53:53" },
    { sock_type = "tcp4", remote_addr = "1.2.3.4:443" },
    { sock_type = "unix", remote_addr = "/run/x.sock" },
    { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" },
  }
  local SHOWN_CONNECTIONS = {
    { sock_type = "tcp4", remote_addr = "1.2.3.4:443" },
    { sock_type = "unix", remote_addr = "/run/x.sock" },
    { sock_type = "tcp4", remote_addr = "127.0.0.1:8000" },
  }

  local function io_of(b)
    local io = {}
    for k in pairs(ALL_IO) do io[k] = b[k] end
    return io
  end

  it("keeps everything without a keep predicate", function()
    local acc = summary.new()
    feed(acc, EVENTS)
    -- files, pipes and other fds apart; inet sockets are the network, a
    -- unix socket is another fd
    assert.are.same(ALL_IO, io_of(acc.all))
    assert.are.same(ALL_IO, io_of(acc.shown))
    assert.are.same(ALL_CONNECTIONS, acc.all.connections)
    assert.are.same(ALL_CONNECTIONS, acc.shown.connections)
    assert.are.equal(2, acc.processes)
    assert.are.equal(1, acc.threads)
    assert.are.same({ [3] = { signal = "SIGSEGV", core_dumped = true } }, acc.exits)
  end)

  it("counts everything, and apart what the keep predicate keeps", function()
    local acc = summary.new { keep = function(ev) return not noise.event(ev) end }
    feed(acc, EVENTS)
    assert.are.same(ALL_IO, io_of(acc.all))
    assert.are.same(SHOWN_IO, io_of(acc.shown))
    assert.are.same(ALL_CONNECTIONS, acc.all.connections)
    assert.are.same(SHOWN_CONNECTIONS, acc.shown.connections)
    assert.are.equal(2, acc.processes)
  end)

  it("lists files and the network always, pipes and other fds when they moved bytes, loopback as a pair", function()
    local zero = { files_read = 0, files_written = 0, pipes_read = 0, pipes_written = 0,
                   other_read = 0, other_written = 0, net_sent = 0, net_received = 0,
                   loopback_sent = 0, loopback_received = 0 }
    local function labels(io)
      local list = {}
      for _, f in ipairs(summary.io_figures(io)) do list[#list + 1] = f.label end
      return list
    end
    assert.are.same({ "Files read", "Files written", "Net sent", "Net received" }, labels(zero))
    -- bytes one way bring the pair: the terminal's one Net (loopback) line
    local received_only = {}
    for k, v in pairs(zero) do received_only[k] = v end
    received_only.loopback_received = 5
    assert.are.same({ "Files read", "Files written", "Net sent", "Net received", "Loopback sent",
                      "Loopback received" }, labels(received_only))
    assert.are.same({
      { id = "files-read", label = "Files read", bytes = 100 },
      { id = "files-written", label = "Files written", bytes = 50 },
      { id = "pipes-read", label = "Pipes read", bytes = 7 },
      { id = "other-read", label = "Other read", bytes = 1 },
      { id = "other-written", label = "Other written", bytes = 1000 },
      { id = "net-sent", label = "Net sent", bytes = 517 },
      { id = "net-received", label = "Net received", bytes = 1498 },
      { id = "loopback-sent", label = "Loopback sent", bytes = 78, loopback = true },
      { id = "loopback-received", label = "Loopback received", bytes = 120, loopback = true },
    }, summary.io_figures(SHOWN_IO))
  end)

  it("registers its hooks with acc:hook(c)", function()
    local _, rt = h, require "compendium.runtime"
    local path = fake.script_file("acc", [[
      local c = require "compendium"
      local acc = require("compendium.summary").new():hook(c)
      c.on("end", function() c.print("%d %d %d", acc.all.files_read, acc.all.net_sent, acc.processes) end)
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
    add("block_io", { op = "write", bytes = 8192, completion_unseen = true })
    assert.are.equal(4, acc.faults)
    assert.are.same({ heap = 3, anon = 1 }, acc.faults_by_region)
    assert.are.same({ 15000 }, acc.sched_delays)
    assert.are.same({ 7, 9, 1 }, acc.block_latencies)
    assert.are.equal(1, acc.block_unseen)
    assert.are.equal(512, acc.block_read)
    assert.are.equal(4096 + 8192, acc.block_written)
  end)

  -- A discard, a secure erase or a write-zeroes request covers a range of
  -- the device that no data was sent for.
  it("counts only data as written, and every request kind by name", function()
    local acc = summary.new()
    feed(acc, {
      { "block_io", { op = "write", bytes = 4096, latency_ns = 1 } },
      { "block_io", { op = "discard", bytes = 8388608, latency_ns = 2 } },
      { "block_io", { op = "discard", bytes = 4096, latency_ns = 3 } },
      { "block_io", { op = "write-zeroes", bytes = 65536, latency_ns = 4 } },
      { "block_io", { op = "secure-erase", bytes = 512, latency_ns = 5 } },
      { "block_io", { op = "zone-append", bytes = 8192, latency_ns = 6 } },
      { "block_io", { op = "flush", bytes = 0, latency_ns = 7 } },
      { "block_io", { op = "read", bytes = 1024, latency_ns = 8 } },
      { "block_io", { op = "someday", bytes = 1, latency_ns = 9 } },
    })
    local run = fake.default_run()
    run.ebpf_traced = true
    local b = acc:result(run).block_io
    assert.are.equal(4096 + 8192, b.bytes_written)
    assert.are.equal(1024, b.bytes_read)
    assert.are.equal(9, b.count)
    assert.are.same({ count = 2, bytes = 8388608 + 4096 }, b.by_op.discard)
    assert.are.same({ "read", "write", "flush", "discard", "write-zeroes", "secure-erase", "zone-append",
                      "someday" }, (function()
      local names = {}
      for i, k in ipairs(b.ops) do names[i] = k.op end
      return names
    end)())
    assert.are.same({ "flush 1", "discard 8.0 MB (2)", "write-zeroes 64.0 KB (1)", "secure-erase 512 B (1)",
                      "someday 1 B (1)" }, require("compendium.describe").block_ops(b))
  end)

  it("gives every figure in one plain table: the run's and what was counted", function()
    local acc = summary.new { keep = function(ev) return not noise.event(ev) end }
    feed(acc, EVENTS)
    feed(acc, {
      { "fault", { region = "file", count = 5 } }, { "fault", { region = "heap", count = 2 } },
      { "sched_delay", { delay_ns = 30000 } }, { "sched_delay", { delay_ns = 10000 } },
      { "block_io", { op = "read", bytes = 512, latency_ns = 9 } },
      { "block_io", { op = "write", bytes = 4096, completion_unseen = true } },
      { "io_uring", { fd = 7 } },
    })
    local run = fake.default_run()
    run.faults_traced, run.ebpf_traced, run.attached = true, true, true
    run.memory = { heap_bytes = 4096, mmap_bytes = 8192, mmap_regions = 2, anon_bytes = 4096,
                   file_bytes = 4096, reserved_bytes = 0,
                   at_attach = { heap_bytes = 1024, mmap_bytes = 2048, mmap_regions = 1,
                                 anon_bytes = 0, file_bytes = 0, reserved_bytes = 2048 } }
    run.exit = { signal = "SIGSEGV", core_dumped = true }
    run.failures = { {}, {} }
    run.undecoded_syscalls, run.undecoded_by_name = 1, { signal = 1 }
    assert.are.same({
      command = "prog --flag", source = run.source, duration = 0.5, start_ns = run.start_ns,
      wall_start_ns = run.wall_start_ns, exit = { signal = "SIGSEGV", core_dumped = true },
      root_pid = 100, attached = true, detached = false, interrupted = false,
      -- the total is the heap and anonymous memory: not files, not reservations
      memory = { heap_bytes = 4096, mmap_bytes = 8192, mmap_regions = 2, anon_bytes = 4096, file_bytes = 4096,
                 reserved_bytes = 0, total_bytes = 8192, touched_bytes = 2 * 4096,
                 at_attach = { heap_bytes = 1024, mmap_bytes = 2048, mmap_regions = 1, anon_bytes = 0,
                               file_bytes = 0, reserved_bytes = 2048, total_bytes = 1024 } },
      io = ALL_IO, connections = ALL_CONNECTIONS,
      shown = { io = SHOWN_IO, connections = SHOWN_CONNECTIONS },
      processes = 1, threads = 0, syscalls = 10,
      spawned = { processes = 2, threads = 1 },
      page_faults = { count = 7, page_size = 4096, bytes = 7 * 4096, by_region = { heap = 2, file = 5 },
                      regions = { { region = "heap", count = 2 }, { region = "file", count = 5 } } },
      scheduler = { count = 2, total_ns = 40000, p50_ns = 10000, p99_ns = 30000, max_ns = 30000 },
      -- the latencies are those of the requests whose completion was seen
      block_io = { count = 2, unseen = 1, total_ns = 9, p50_ns = 9, p99_ns = 9, max_ns = 9, bytes_read = 512,
                   bytes_written = 4096,
                   by_op = { read = { count = 1, bytes = 512 }, write = { count = 1, bytes = 4096 } },
                   ops = { { op = "read", count = 1, bytes = 512 }, { op = "write", count = 1, bytes = 4096 } } },
      io_urings = 1,
      dropped = 0, dropped_faults = 0, dropped_ebpf = 0, undecoded_syscalls = 1,
      undecoded_by_name = { signal = 1 }, unknown = {}, failures = 2,
    }, acc:result(run))
  end)

  it("leaves out what was not traced", function()
    local s = summary.new():result(fake.default_run())
    assert.is_nil(s.page_faults)
    assert.is_nil(s.scheduler)
    assert.is_nil(s.block_io)
    assert.is_nil(s.memory.at_attach)
    local zero = { files_read = 0, files_written = 0, pipes_read = 0, pipes_written = 0,
                   other_read = 0, other_written = 0, net_sent = 0, net_received = 0,
                   loopback_sent = 0, loopback_received = 0 }
    assert.are.same(zero, s.io)
    assert.are.same({}, s.connections)
    assert.are.same({ io = zero, connections = {} }, s.shown)
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
