-- scripts/jsonl.lua: the JSON objects it writes, decoded back.
local cjson = require "cjson"
local fake = require "fake_host"

teardown(fake.cleanup)

local function out_path() return fake.fresh_path("events", "jsonl") end

local function jsonl(path, config)
  config = config or {}
  config.options = { { key = "jsonl.out", value = path } }
  local h, rt = fake.setup(config)
  local ok, err = rt.load(fake.bundled("jsonl"), "jsonl")
  return h, rt, ok, err
end

local function read_lines(path)
  local lines = {}
  for line in fake.read_file(path):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

local function decoded(path)
  local list = {}
  for _, line in ipairs(read_lines(path)) do list[#list + 1] = cjson.decode(line) end
  return list
end

describe("the jsonl script", function()
  it("needs an output file", function()
    local _, rt = fake.setup()
    local ok, err = rt.load(fake.bundled("jsonl"), "jsonl")
    assert.is_false(ok)
    assert.are.equal("jsonl: set -X jsonl.out=FILE (or use --json FILE)", err)
  end)

  it("fails before tracing when the file cannot be written", function()
    local path = fake.tmpdir() .. "/no/such/dir/x.jsonl"
    local _, _, ok, err = jsonl(path)
    assert.is_false(ok)
    assert.are.equal("cannot write " .. path .. ": No such file or directory", err)
  end)

  it("reads its option as jsonl.out, so --json passes the option check", function()
    local _, rt, ok = jsonl(out_path())
    assert.is_true(ok)
    assert.is_nil(rt.check_options())
  end)

  it("hooks every semantic event kind and no syscall", function()
    local h, _, ok = jsonl(out_path())
    assert.is_true(ok)
    local wanted = {}
    for id = 3, 31 do wanted[id] = true end
    assert.are.same(wanted, h.wanted_events)
    assert.are.same({}, h.wanted_syscalls)
  end)

  it("writes one object per event, unfiltered, then the summary", function()
    local path = out_path()
    local h, rt, ok, err = jsonl(path)
    assert.is_true(ok, err)
    h.run_info = {
      command = "curl -s https://example.com", root_pid = 100, attached = false, detached = false,
      interrupted = false, duration = 0.345678, exit = { code = 0 }, processes = 2, threads = 1,
      syscalls = 420, dropped = 0, undecoded_syscalls = 2, undecoded_by_name = { signal = 2 },
      memory = { heap_bytes = 135168, mmap_bytes = 8912896, mmap_regions = 24 },
      io = { file_read_bytes = 1, file_written_bytes = 2 }, net = { bytes_sent = 3, bytes_received = 4 },
    }
    rt.start()
    h:emit("exec", { ts = 0.0000004, program = "/usr/bin/curl", argv = { "curl", "-s" } })
    h:emit("open", { ts = 0.001, path = "/lib/libc.so.6", fd = 3 })
    h:emit("read", { ts = 0.0012, filename = "/lib/libc.so.6", fd = 3, bytes = 832, dur_ns = 31000 })
    h:emit("read", { ts = 0.0013, filename = "/etc/hosts", fd = 4, bytes = 100, target = "file" })
    h:emit("mmap", { ts = 0.002, addr = 0x7f8a12345000, end_addr = 0x7f8a12347000, size = 8192,
                     prot = "rw-", map_type = "anon" })
    h:emit("connect", { ts = 0.003, fd = 5, sock_type = "udp4", remote_addr = "127.0.0.53:53" })
    h:emit("send", { ts = 0.004, fd = 5, sock_type = "udp4", remote_addr = "127.0.0.53:53", bytes = 40 })
    h:emit("connect", { ts = 0.015, fd = 6, sock_type = "tcp4", remote_addr = "93.184.216.34:443",
                        error = "EINPROGRESS" })
    h:emit("send", { ts = 0.156, fd = 6, sock_type = "tcp4", remote_addr = "93.184.216.34:443", bytes = 517 })
    h:emit("recv", { ts = 0.234, fd = 6, sock_type = "tcp4", remote_addr = "93.184.216.34:443", bytes = 2663 })
    h:emit("spawn_thread", { ts = 0.3, child = 101 })
    h:emit("exit", { ts = 0.31, tid = 101, is_thread = true, code = 0 })
    h:emit("exit", { ts = 0.345, code = 0 })
    assert.are.equal(0, rt.finish())

    local lines = read_lines(path)
    for _, line in ipairs(lines) do assert.is_nil(line:find("\n"), "one line per object") end
    assert.are.same({
      { ts = 0, ts_ns = 5000000000400, pid = 100, tid = 100, type = "exec", program = "/usr/bin/curl", argv = { "curl", "-s" } },
      { ts = 0.001, ts_ns = 5000001000000, pid = 100, tid = 100, type = "open", path = "/lib/libc.so.6", writable = false, fd = 3 },
      { ts = 0.0012, ts_ns = 5000001200000, dur_ns = 31000, pid = 100, tid = 100, type = "read", bytes = 832, filename = "/lib/libc.so.6",
        target = "file", fd = 3 },
      { ts = 0.0013, ts_ns = 5000001300000, pid = 100, tid = 100, type = "read", bytes = 100, filename = "/etc/hosts",
        target = "file", fd = 4 },
      { ts = 0.002, ts_ns = 5000002000000, pid = 100, tid = 100, type = "mmap", addr = "0x7f8a12345000", end_addr = "0x7f8a12347000",
        size = 8192, prot = "rw-", map_type = "anon" },
      { ts = 0.003, ts_ns = 5000003000000, pid = 100, tid = 100, type = "connect", sock_type = "udp4", remote_addr = "127.0.0.53:53",
        fd = 5 },
      { ts = 0.004, ts_ns = 5000004000000, pid = 100, tid = 100, type = "send", bytes = 40, remote_addr = "127.0.0.53:53",
        sock_type = "udp4", fd = 5 },
      { ts = 0.015, ts_ns = 5000015000000, pid = 100, tid = 100, type = "connect", sock_type = "tcp4",
        remote_addr = "93.184.216.34:443", fd = 6, error = "EINPROGRESS" },
      { ts = 0.156, ts_ns = 5000156000000, pid = 100, tid = 100, type = "send", bytes = 517, remote_addr = "93.184.216.34:443",
        sock_type = "tcp4", fd = 6 },
      { ts = 0.234, ts_ns = 5000234000000, pid = 100, tid = 100, type = "recv", bytes = 2663, remote_addr = "93.184.216.34:443",
        sock_type = "tcp4", fd = 6 },
      { ts = 0.3, ts_ns = 5000300000000, pid = 100, tid = 100, type = "spawn_thread", child_tid = 101 },
      { ts = 0.31, ts_ns = 5000310000000, pid = 100, tid = 101, type = "exit", code = 0, is_thread = true },
      { ts = 0.345, ts_ns = 5000345000000, pid = 100, tid = 100, type = "exit", code = 0, is_thread = false },
      {
        type = "summary", command = "curl -s https://example.com", duration = 0.345678, exit = { code = 0 },
        memory = { heap_bytes = 135168, mmap_bytes = 8912896, mmap_regions = 24, anon_bytes = 8912896,
                   file_bytes = 0, reserved_bytes = 0, total_bytes = 9048064 },
        -- every event counts (the resolver stub's bytes are loopback); `shown`
        -- is what the default view shows
        io = { files_read = 932, files_written = 0, pipes_read = 0, pipes_written = 0, other_read = 0,
               other_written = 0, net_sent = 517, net_received = 2663, loopback_sent = 40,
               loopback_received = 0 },
        connections = { { sock_type = "udp4", remote_addr = "127.0.0.53:53" },
                        { sock_type = "tcp4", remote_addr = "93.184.216.34:443" } },
        shown = {
          io = { files_read = 100, files_written = 0, pipes_read = 0, pipes_written = 0, other_read = 0,
                 other_written = 0, net_sent = 517, net_received = 2663, loopback_sent = 0,
                 loopback_received = 0 },
          connections = { { sock_type = "tcp4", remote_addr = "93.184.216.34:443" } },
        },
        processes = 2, threads = 1, syscalls = 420, dropped = 0, failures = 0,
        undecoded_syscalls = 2, undecoded_by_name = { signal = 2 },
      },
    }, decoded(path))
    assert.truthy(lines[#lines]:find('"connections":[{', 1, true))
  end)

  it("writes ts_ns and the summary's clock anchor as exact integers", function()
    local path = out_path()
    local h, rt = jsonl(path)
    rt.start()
    h:emit("open", { ts = 0.5, path = "/x", fd = 3 })
    h.ev.ts_ns = 9007199254740993ULL -- 2^53 + 1: a double would write ...992
    require("compendium.runtime").dispatch(h.ev.type)
    rt.finish()
    local lines = read_lines(path)
    assert.truthy(lines[1]:find('"ts_ns":5000500000000[,}]'), lines[1])
    assert.truthy(lines[2]:find('"ts_ns":9007199254740993[,}]'), lines[2])
    assert.truthy(lines[3]:find('"wall_start_ns":1764581234567890123[,}]'), lines[3])
    assert.truthy(lines[3]:find('"start_ns":5000000000000[,}]'), lines[3])
    assert.is_nil(lines[1]:find("dur_ns", 1, true), "no entry seen, no dur_ns")
  end)

  it("keeps everything in the totals with -v", function()
    local path = out_path()
    local h, rt = jsonl(path, { verbose = true })
    rt.start()
    h:emit("read", { filename = "/lib/libc.so.6", fd = 3, bytes = 832 })
    h:emit("connect", { fd = 5, sock_type = "udp4", remote_addr = "127.0.0.53:53" })
    h:emit("send", { fd = 5, sock_type = "udp4", remote_addr = "127.0.0.53:53", bytes = 40 })
    rt.finish()
    local summary = decoded(path)[4]
    local io = { files_read = 832, files_written = 0, pipes_read = 0, pipes_written = 0, other_read = 0,
                 other_written = 0, net_sent = 0, net_received = 0, loopback_sent = 40,
                 loopback_received = 0 }
    assert.are.same(io, summary.io)
    assert.are.same(io, summary.shown.io)
    assert.are.same({ { sock_type = "udp4", remote_addr = "127.0.0.53:53" } }, summary.connections)
    assert.are.same({ { sock_type = "udp4", remote_addr = "127.0.0.53:53" } }, summary.shown.connections)
  end)

  it("writes [] for no connections, the signal of a killed program and the failure count", function()
    local path = out_path()
    local h, rt = jsonl(path)
    local check = fake.script_file("failing", 'local c = require "compendium"\nc.on("open", function() c.fail("no") end)\n')
    -- the engine loads jsonl last; order does not matter for the count here
    assert.is_true((rt.load(check, check)))
    h.run_info.exit = { signal = "SIGSEGV" }
    rt.start()
    h:emit("open", { path = "/x\255" })
    rt.finish()
    local lines = read_lines(path)
    assert.are.equal(2, #lines)
    assert.are.equal("/x\239\191\189", cjson.decode(lines[1]).path)
    assert.truthy(lines[2]:find('"connections":[]', 1, true), lines[2])
    local summary = cjson.decode(lines[2])
    assert.are.same({ signal = "SIGSEGV" }, summary.exit)
    assert.are.equal(1, summary.failures)
  end)
end)
