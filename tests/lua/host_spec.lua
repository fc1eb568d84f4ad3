-- compendium.host: the engine's structs turned into the tables scripts see.
-- (The engine calls themselves need the engine; these are the conversions.)
local ffi = require "ffi"
local fake = require "fake_host"

describe("host conversions", function()
  local host, keep
  before_each(function()
    fake.setup()
    package.loaded["compendium.host"] = nil
    host = require "compendium.host" -- the real module
    keep = {}
  end)
  after_each(function() package.loaded["compendium.host"] = nil end)

  local function str(field, s)
    keep[#keep + 1] = s
    field.ptr, field.len = s, #s
  end
  local names = { [9] = "SIGKILL", [11] = "SIGSEGV" }
  local function signame(n) return names[n] end

  it("builds the run object, I/O totals included when traced", function()
    local r = ffi.new("cmp_run_info")
    r.start_ns, r.end_ns = 1000000000, 1340000000
    r.root_pid, r.exit_code, r.exit_signal = 4242, 3, 0
    r.attached, r.detached, r.interrupted = 1, 0, 0
    r.processes, r.threads, r.syscalls, r.dropped = 2, 1, 12345, 0
    r.heap_bytes, r.mmap_bytes, r.mmap_regions = 135168, 8912896, 24
    r.io_traced = 1
    r.faults_traced, r.ebpf_traced, r.page_size, r.faults_dropped, r.ebpf_dropped = 1, 0, 4096, 7, 0
    r.file_read_bytes, r.file_written_bytes, r.net_sent_bytes, r.net_recv_bytes = 10, 20, 30, 40
    r.io_urings = 2
    r.wall_start_ns = 1764581234567890123ULL
    r.attach_heap_bytes, r.attach_mmap_bytes, r.attach_mmap_regions = 131072, 4194304, 20
    r.anon_bytes, r.file_map_bytes, r.reserved_bytes = 4194304, 4194304, 524288
    r.attach_anon_bytes, r.attach_file_map_bytes, r.attach_reserved_bytes = 2097152, 2097152, 0
    str(r.command, "curl -s https://example.com")
    str(r.source.name, "ptrace")
    r.source.live, r.source.can_stop = 1, 0
    assert.are.same({
      command = "curl -s https://example.com", root_pid = 4242,
      source = { name = "ptrace", live = true, can_stop = false },
      attached = true, detached = false, interrupted = false,
      duration = 0.34, exit = { code = 3 },
      start_ns = 1000000000ULL, wall_start_ns = 1764581234567890123ULL,
      processes = 2, threads = 1, syscalls = 12345, dropped = 0,
      faults_traced = true, ebpf_traced = false, page_size = 4096,
      dropped_faults = 7, dropped_ebpf = 0, undecoded_syscalls = 0, undecoded_by_name = {},
      io_urings = 2, unknown = {},
      memory = { heap_bytes = 135168, mmap_bytes = 8912896, mmap_regions = 24,
                 anon_bytes = 4194304, file_bytes = 4194304, reserved_bytes = 524288,
                 at_attach = { heap_bytes = 131072, mmap_bytes = 4194304, mmap_regions = 20,
                               anon_bytes = 2097152, file_bytes = 2097152, reserved_bytes = 0 } },
      io = { file_read_bytes = 10, file_written_bytes = 20 },
      net = { bytes_sent = 30, bytes_received = 40 },
    }, host.run_table(r, signame))
  end)

  it("lists what the source could not know, in its order", function()
    local r = ffi.new("cmp_run_info")
    str(r.unknown, "times\tno timestamps\nfd_names\tno -yy: fds have no names\n")
    assert.are.same({ { id = "times", why = "no timestamps" },
                      { id = "fd_names", why = "no -yy: fds have no names" } },
                    host.run_table(r, signame).unknown)
  end)

  it("keeps the clock anchor exact: uint64_t cdata, copied out of the struct", function()
    local r = ffi.new("cmp_run_info")
    r.start_ns, r.wall_start_ns = 9007199254740993ULL, 1764581234567890123ULL -- both past 2^53
    local run = host.run_table(r, signame)
    r.start_ns, r.wall_start_ns = 0, 0
    assert.is_true(ffi.istype("uint64_t", run.wall_start_ns))
    assert.are.equal("1764581234567890123ULL", tostring(run.wall_start_ns))
    assert.are.equal("9007199254740993ULL", tostring(run.start_ns))
  end)

  it("leaves I/O totals out when read/write were not traced, and names a fatal signal", function()
    local r = ffi.new("cmp_run_info")
    r.exit_code, r.exit_signal, r.core_dumped = -1, 11, 1
    local run = host.run_table(r, signame)
    assert.is_nil(run.io)
    assert.is_nil(run.net)
    assert.are.same({ signal = "SIGSEGV", core_dumped = true }, run.exit)
    assert.are.equal("", run.command)
    r.exit_code, r.exit_signal = -1, 0
    assert.are.same({}, host.run_table(r, signame).exit)
  end)

  it("counts the syscalls of another ABI that could not be decoded, by name", function()
    local r = ffi.new("cmp_run_info")
    r.undecoded = 3
    str(r.undecoded_names, "signal=2 socketcall:recvmmsg=1")
    local run = host.run_table(r, signame)
    assert.are.equal(3, run.undecoded_syscalls)
    assert.are.same({ signal = 2, ["socketcall:recvmmsg"] = 1 }, run.undecoded_by_name)
  end)

  it("builds c.proc's table", function()
    local p = ffi.new("cmp_proc_info")
    p.pid, p.tid, p.ppid, p.is_thread, p.alive = 10, 11, 1, 1, 0
    p.exit_code, p.exit_signal, p.start_ns, p.end_ns = -1, 9, 5, 6
    str(p.comm, "sh")
    str(p.exe, "/bin/sh")
    str(p.argv, "sh\0-c\0true\0")
    p.heap_bytes, p.mapped_bytes, p.anon_bytes = 135168, 2097152, 1048576
    assert.are.same({
      pid = 10, tid = 11, ppid = 1, is_thread = true, alive = false, exit_signal = "SIGKILL",
      start_ns = 5, end_ns = 6, comm = "sh", exe = "/bin/sh", argv = { "sh", "-c", "true" },
      heap_bytes = 135168, mapped_bytes = 2097152, anon_bytes = 1048576,
    }, host.proc_table(p, signame))
    p.exit_code, p.exit_signal = 0, 0
    assert.are.equal(0, host.proc_table(p, signame).exit_code)
  end)

  it("builds c.fd's table", function()
    local d = ffi.new("cmp_fd_info")
    d.fd, d.kind, d.cloexec, d.writable = 4, 3, 1, 1
    str(d.path, "socket")
    str(d.sock_type, "tcp4")
    str(d.remote_addr, "")
    assert.are.same({ fd = 4, kind = "socket", cloexec = true, writable = true, path = "socket",
                      sock_type = "tcp4" }, host.fd_table(d))
  end)
end)
