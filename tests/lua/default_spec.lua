-- scripts/default.lua: exact output for synthetic traces.
local fake = require "fake_host"
teardown(fake.cleanup)

local RULE = string.rep("━", 64)

-- Loads the default script with this configuration; returns host, runtime.
local function default(config)
  local h, rt = fake.setup(config)
  local ok, err = rt.load(fake.bundled("default"), "default")
  assert(ok, err)
  assert.is_nil(rt.check_options())
  return h, rt
end

-- The lines after the start line and before the summary box.
local function live_lines(h)
  local lines, out = h:lines(), {}
  for i = 2, #lines do
    if lines[i] == "" then break end
    out[#out + 1] = lines[i]
  end
  return out
end

-- The summary box: from the blank line on.
local function box(h)
  local lines = h:lines()
  for i, line in ipairs(lines) do
    if line == "" then return { unpack(lines, i + 1) } end
  end
  return {}
end

local CURL = {
  { "exec", { ts = 0.0, program = "/usr/bin/curl", argv = { "curl", "-s", "https://example.com" } } },
  { "open", { ts = 0.001, path = "/etc/ld.so.cache", fd = 3 } },
  { "open", { ts = 0.0012, path = "/lib/x86_64-linux-gnu/libc.so.6", fd = 3 } },
  { "read", { ts = 0.0013, filename = "/lib/x86_64-linux-gnu/libc.so.6", fd = 3, bytes = 832 } },
  { "mmap", { ts = 0.0014, addr = 0x7f8a12000000, end_addr = 0x7f8a12200000, size = 0x200000, prot = "r-x",
              map_type = "file", filename = "/lib/x86_64-linux-gnu/libc.so.6" } },
  { "mmap", { ts = 0.002, addr = 0x7f8a12345000, end_addr = 0x7f8a12347000, size = 8192, prot = "rw-",
              map_type = "anon" } },
  { "brk", { ts = 0.0025, growth_bytes = 135168 } },
  { "open", { ts = 0.003, path = "/etc/resolv.conf", fd = 3 } },
  { "read", { ts = 0.0031, filename = "/etc/resolv.conf", fd = 3, bytes = 700 } },
  { "read", { ts = 0.0032, filename = "/etc/resolv.conf", fd = 3, bytes = 734 } },
  { "read", { ts = 0.0033, filename = "/etc/resolv.conf", fd = 3, bytes = 0 } },
  { "open", { ts = 0.004, path = "/proc/self/status", fd = 4 } },
  { "read", { ts = 0.0041, filename = "/proc/self/status", fd = 4, bytes = 1500 } },
  { "connect", { ts = 0.005, sock_type = "udp4", remote_addr = "127.0.0.53:53", fd = 5 } },
  { "send", { ts = 0.006, sock_type = "udp4", remote_addr = "127.0.0.53:53", fd = 5, bytes = 40 } },
  { "connect", { ts = 0.010, sock_type = "tcp4", remote_addr = "10.0.0.9:80", fd = 6, error = "ECONNREFUSED" } },
  { "connect", { ts = 0.015, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 7,
                 error = "EINPROGRESS" } },
  { "send", { ts = 0.156, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 7, bytes = 517 } },
  { "recv", { ts = 0.234, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 7, bytes = 1434 } },
  { "recv", { ts = 0.235, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 7, bytes = 1229 } },
  { "spawn_thread", { ts = 0.24, child = 101 } },
  { "recv", { ts = 0.25, tid = 101, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 7, bytes = 10 } },
  { "exit", { ts = 0.26, tid = 101, is_thread = true, code = 0 } },
  { "write", { ts = 0.30, filename = "/tmp/out", fd = 8, bytes = 4096 } },
  { "write", { ts = 0.31, filename = "/tmp/out", fd = 8, bytes = 4096 } },
  { "write", { ts = 0.32, filename = "/tmp/out", fd = 8, bytes = 2048 } },
  { "write", { ts = 0.33, filename = "/tmp/other", fd = 9, bytes = 1 } },
  { "munmap", { ts = 0.335, addr = 0x7f8a12345000, size = 8192 } },
  { "munmap", { ts = 0.335, addr = 0x7f8a12000000, size = 45056, filename = "/etc/ld.so.cache" } },
  { "brk", { ts = 0.336, growth_bytes = -4096 } },
  { "signal", { ts = 0.337, signal = 17 } },
  { "signal", { ts = 0.338, signal = 2 } },
  { "exit", { ts = 0.34, code = 0 } },
}

local function play(h, events)
  for _, item in ipairs(events) do h:emit(item[1], item[2]) end
end

describe("the default script", function()
  it("prints the live lines of a trace, filtering noise and merging I/O", function()
    local h, rt = default { command = "curl -s https://example.com" }
    h.run_info.command = "curl -s https://example.com"
    rt.start()
    play(h, CURL)
    rt.finish()
    assert.are.equal("compendium: tracing curl -s https://example.com", h:lines()[1])
    assert.are.same({
      "[+0.000s] ─── curl -s https://example.com ───",
      "[+0.002s] mmap 7f8a12345000-7f8a12347000 rw-   8.0 KB anon",
      "[+0.003s] heap +132.0 KB",
      "[+0.003s] open /etc/resolv.conf (read)",
      "[+0.003s] read /etc/resolv.conf 1.4 KB (3 calls)",
      "[+0.010s] connect tcp4 → 10.0.0.9:80 (ECONNREFUSED)",
      "[+0.015s] connect tcp4 → 93.184.216.34:443",
      "[+0.156s] send    517 B → 93.184.216.34:443",
      "[+0.234s] recv   2.6 KB → 93.184.216.34:443 (2 calls)",
      "[+0.240s] [100] spawn thread 101",
      "[+0.250s] [101] recv     10 B → 93.184.216.34:443",
      "[+0.260s] [101] thread exit 0",
      "[+0.300s] [100] write /tmp/out 10.0 KB (3 calls)",
      "[+0.330s] [100] write /tmp/other 1 B",
      "[+0.335s] [100] munmap 7f8a12345000-7f8a12347000 8.0 KB",
      "[+0.336s] [100] heap -4.0 KB",
      "[+0.338s] [100] signal SIGINT",
    }, live_lines(h))
  end)

  it("closes with the summary box", function()
    local h, rt = default()
    h.run_info.command = "curl -s https://example.com"
    h.run_info.duration = 0.3449
    h.run_info.memory = { heap_bytes = 135168, mmap_bytes = 8912896, mmap_regions = 24,
                          anon_bytes = 4194304, file_bytes = 4194304, reserved_bytes = 524288 }
    rt.start()
    play(h, CURL)
    rt.finish()
    assert.are.same({
      RULE,
      " FINAL: curl -s https://example.com (0.34s)",
      RULE,
      " Memory:",
      "   Heap:     132.0 KB",
      "   Anon:     4.0 MB",
      "   Total:    4.1 MB",
      "   Mapped:   files 4.0 MB, reserved 512.0 KB, 24 regions",
      " I/O:",
      "   Files read:       1.4 KB",
      "   Files written:   10.0 KB",
      "   Net sent:          517 B",
      "   Net received:     2.6 KB",
      " Network connections:",
      "   tcp4 → 93.184.216.34:443",
      " Subprocesses: 0 processes, 1 thread",
      " Exit: 0",
      RULE,
    }, box(h))
  end)

  it("leaves out empty sections", function()
    local h, rt = default()
    h.run_info.memory = { heap_bytes = 0, mmap_bytes = 4096, mmap_regions = 1 }
    rt.start()
    rt.finish()
    assert.are.same({
      "compendium: tracing prog --flag",
      "",
      RULE,
      " FINAL: prog --flag (0.50s)",
      RULE,
      " Memory:",
      "   Heap:     0 B",
      "   Anon:     4.0 KB",
      "   Total:    4.0 KB",
      "   Mapped:   files 0 B, reserved 0 B, 1 region",
      " I/O:",
      "   Files read:          0 B",
      "   Files written:       0 B",
      "   Net sent:            0 B",
      "   Net received:        0 B",
      " Exit: 0",
      RULE,
    }, h:lines())
  end)

  it("marks what int $0x80 syscalls did, and counts the undecoded ones in the summary", function()
    local h, rt = default()
    h.run_info.undecoded_syscalls = 3
    h.run_info.undecoded_by_name = { signal = 2, ["socketcall:recvmmsg"] = 1 }
    rt.start()
    h:emit("open", { ts = 0.001, path = "/tmp/out", fd = 3, writable = true, abi = "i386" })
    h:emit("open", { ts = 0.002, path = "/tmp/in", fd = 4 })
    h:emit("write", { ts = 0.0021, filename = "/tmp/out", fd = 3, bytes = 10, abi = "i386" })
    h:emit("write", { ts = 0.0022, filename = "/tmp/out", fd = 3, bytes = 20, abi = "i386" })
    h:emit("write", { ts = 0.0023, filename = "/tmp/out", fd = 3, bytes = 5 })
    h:emit("exec", { ts = 0.003, program = "/bin/true", abi = "i386" })
    rt.finish()
    assert.are.same({
      "[+0.001s] open /tmp/out (write) [i386]",
      "[+0.002s] open /tmp/in (read)",
      "[+0.002s] write /tmp/out 30 B (2 calls) [i386]",
      "[+0.002s] write /tmp/out 5 B",
      "[+0.003s] ─── true ─── [i386]",
    }, live_lines(h))
    local summary = box(h)
    assert.are.equal(" Undecoded: 3 32-bit syscalls that compendium could not decode " ..
                     "(signal ×2, socketcall:recvmmsg)", summary[#summary - 2])
  end)

  it("says where an io_uring starts and, in the summary, that its I/O is not seen", function()
    local h, rt = default()
    h.run_info.memory = { heap_bytes = 0, mmap_bytes = 4096, mmap_regions = 1 }
    rt.start()
    h:emit("io_uring", { ts = 0.002, fd = 3, entries = 8 })
    h:emit("io_uring", { ts = 0.003, fd = 5, entries = 1, sqpoll = true })
    h:emit("io_uring", { ts = 0.004, fd = 6, inherited = true })
    rt.finish()
    assert.are.same({
      "[+0.002s] io_uring fd 3 (8 entries): the I/O through it is not seen",
      "[+0.003s] io_uring fd 5 (1 entry, SQPOLL): the I/O through it is not seen",
      "[+0.004s] io_uring fd 6 (set up before it was traced): the I/O through it is not seen",
    }, live_lines(h))
    local summary = box(h)
    assert.are.equal("   Net received:        0 B", summary[13])
    assert.are.equal("   Not seen:     I/O through 3 io_urings (not in these totals)", summary[14])
    assert.are.equal(" Exit: 0", summary[15])
  end)

  it("shows noise and every raw syscall with -v", function()
    local h, rt = default { verbose = true }
    rt.start()
    h:emit("syscall", { ts = 0.001, nr = 257, args = { -100 }, ret = 3 })
    h:emit("open", { ts = 0.001, path = "/etc/ld.so.cache", fd = 3 })
    h:emit("syscall", { ts = 0.002, nr = 0, args = { 3 }, ret = 832 })
    h:emit("read", { ts = 0.002, filename = "/etc/ld.so.cache", fd = 3, bytes = 832 })
    h:emit("syscall", { ts = 0.003, nr = 42, args = { 5 }, ret = 0 })
    h:emit("connect", { ts = 0.003, sock_type = "udp4", remote_addr = "127.0.0.53:53", fd = 5 })
    h:emit("mmap", { ts = 0.004, addr = 0x1000, end_addr = 0x3000, size = 8192, prot = "r--",
                     map_type = "file", filename = "/usr/lib/libc.so.6" })
    rt.finish()
    assert.are.same({
      "[+0.001s] [100] openat(-100) = 3",
      "[+0.001s] open /etc/ld.so.cache (read)",
      "[+0.002s] [100] read(3) = 832",
      "[+0.002s] read /etc/ld.so.cache 832 B",
      "[+0.003s] [100] connect(5) = 0",
      "[+0.003s] connect udp4 → 127.0.0.53:53 (loopback)",
      "[+0.004s] mmap 1000-3000 r--   8.0 KB /usr/lib/libc.so.6",
    }, live_lines(h))
    assert.are.same({ "   Files read:        832 B" }, { box(h)[10] })
    assert.are.same({ " Network connections:", "   udp4 → 127.0.0.53:53 (loopback)" },
                    { box(h)[14], box(h)[15] })
  end)

  it("only traces every syscall with -v", function()
    local h = default()
    assert.are.same({}, h.wanted_syscalls)
    h = default { verbose = true }
    assert.are.same({ { nr = -1, at_entry = false } }, h.wanted_syscalls)
  end)

  it("merges runs per thread and fd while another process's events come between", function()
    local h, rt = default()
    rt.start()
    h:emit("spawn_process", { ts = 0.1, child = 200 })
    for i = 1, 50 do
      local ts = 0.2 + i * 0.001
      h:emit("write", { ts = ts, pid = 200, fd = 1, filename = "pipe:[7]", target = "pipe", bytes = 10 })
      h:emit("read", { ts = ts, fd = 0, filename = "pipe:[7]", target = "pipe", bytes = 10 })
      h:emit("write", { ts = ts, fd = 1, filename = "/tmp/out", bytes = 10 })
      h:emit("mmap", { ts = ts, addr = 0x7f0000000000 + i * 0x1000, end_addr = 0x7f0000001000 + i * 0x1000,
                       size = 4096, prot = "rw-", map_type = "anon" })
    end
    -- a line of its own ends the thread's runs, and only its own
    h:emit("open", { ts = 0.3, path = "/etc/hosts" })
    h:emit("exit", { ts = 0.4, pid = 200, code = 0 })
    rt.finish()
    assert.are.same({
      "[+0.100s] [100] spawn process 200",
      "[+0.201s] [100] read pipe:[7] 500 B (50 calls)",
      "[+0.201s] [100] write /tmp/out 500 B (50 calls)",
      "[+0.201s] [100] mmap anon rw- × 50, 200.0 KB in all",
      "[+0.300s] [100] open /etc/hosts (read)",
      "[+0.201s] [200] write pipe:[7] 500 B (50 calls)",
      "[+0.400s] [200] exit 0",
    }, live_lines(h))
  end)

  it("makes a search of a path one line, and another search another", function()
    local h, rt = default()
    rt.start()
    for i, dir in ipairs { "/a", "/b", "/c", "/d", "/e" } do
      h:emit("open", { ts = 0.1 + i * 0.001, path = dir .. "/app.conf", requested = dir .. "/app.conf",
                       error = "ENOENT" })
    end
    for i, name in ipairs { "x.conf", "y.conf" } do
      h:emit("open", { ts = 0.2 + i * 0.001, path = "/etc/app.d/" .. name, error = "ENOENT" })
    end
    h:emit("open", { ts = 0.3, path = "/var/lib/app/state", error = "EACCES" })
    -- the loader's search is noise
    h:emit("open", { ts = 0.31, path = "/opt/lib/libfoo.so.1", error = "ENOENT" })
    h:emit("open", { ts = 0.4, path = "/etc/hosts" })
    rt.finish()
    assert.are.same({
      "[+0.101s] open app.conf: ENOENT ×5 (in /a, /b, /c and 2 more)",
      "[+0.201s] open /etc/app.d/: ENOENT ×2 (x.conf, y.conf)",
      "[+0.300s] open /var/lib/app/state: EACCES",
      "[+0.400s] open /etc/hosts (read)",
    }, live_lines(h))
  end)

  it("says loopback traffic apart in the summary", function()
    local h, rt = default()
    rt.start()
    h:emit("connect", { ts = 0.1, fd = 3, sock_type = "tcp4", remote_addr = "127.0.0.1:8000" })
    h:emit("send", { ts = 0.2, fd = 3, sock_type = "tcp4", remote_addr = "127.0.0.1:8000", bytes = 78 })
    h:emit("recv", { ts = 0.3, fd = 3, sock_type = "tcp4", remote_addr = "127.0.0.1:8000", bytes = 120 })
    h:emit("send", { ts = 0.4, fd = 4, sock_type = "udp4", remote_addr = "127.0.0.53:53", bytes = 40 })
    rt.finish()
    assert.are.same({
      "[+0.100s] connect tcp4 → 127.0.0.1:8000 (loopback)",
      "[+0.200s] send     78 B → 127.0.0.1:8000 (loopback)",
      "[+0.300s] recv    120 B → 127.0.0.1:8000 (loopback)",
    }, live_lines(h))
    local b = table.concat(box(h), "\n")
    assert.truthy(b:find("\n   Net sent:            0 B\n", 1, true), b)
    assert.truthy(b:find("\n   Net (loopback): 78 B sent, 120 B received\n", 1, true), b)
    assert.truthy(b:find("\n   tcp4 → 127.0.0.1:8000 (loopback)\n", 1, true), b)
  end)

  it("names tids once a second process exists, and shows a child's exit", function()
    local h, rt = default()
    rt.start()
    h:emit("open", { ts = 0.1, path = "/etc/hosts" })
    h:emit("spawn_process", { ts = 0.2, child = 1240 })
    h:emit("exec", { ts = 0.3, pid = 1240, program = "/bin/sh" })
    h:emit("exit", { ts = 0.4, pid = 1240, code = 3 })
    h:emit("spawn_process", { ts = 0.5, child = 1241 })
    h:emit("exit", { ts = 0.6, pid = 1241, code = -1, signal = 9 })
    h:emit("spawn_process", { ts = 0.7, child = 1242 })
    h:emit("exit", { ts = 0.8, pid = 1242, code = -1, signal = 11, core_dumped = true })
    rt.finish()
    assert.are.same({
      "[+0.100s] open /etc/hosts (read)",
      "[+0.200s] [100] spawn process 1240",
      "[+0.300s] [1240] ─── sh ───",
      "[+0.400s] [1240] exit 3",
      "[+0.500s] [100] spawn process 1241",
      "[+0.600s] [1241] killed by SIGKILL",
      "[+0.700s] [100] spawn process 1242",
      "[+0.800s] [1242] killed by SIGSEGV (core dumped)",
    }, live_lines(h))
    assert.are.equal(" Subprocesses: 3 processes, 0 threads", box(h)[14])
  end)

  it("says when an open's file or path argument could not be known", function()
    local h, rt = default {}
    rt.start()
    h:emit("open", { ts = 0, path = "/tmp/f", arg_error = "EFAULT", fd = 3 })
    h:emit("open", { ts = 0, requested = "tmp/\27evil", path_error = "ENAMETOOLONG", fd = 4,
                     writable = true })
    rt.finish()
    assert.are.same({
      "[+0.000s] open /tmp/f (read; path argument unreadable: EFAULT)",
      "[+0.000s] open ? (write; file unnamed: ENAMETOOLONG; asked for tmp/\\x1bevil)",
    }, live_lines(h))
  end)

  it("escapes what the program controls", function()
    local h, rt = default()
    h.run_info.command = "evil\27[2J"
    rt.start()
    h:emit("open", { ts = 0, path = "/tmp/a\nb\27[31m", writable = true })
    h:emit("exec", { ts = 0, program = "/tmp/x\255y" })
    h:emit("connect", { ts = 0, sock_type = "unix", remote_addr = "@x\ty" })
    rt.finish()
    assert.are.equal("compendium: tracing evil\\x1b[2J", h:lines()[1])
    assert.are.same({
      "[+0.000s] open /tmp/a\\nb\\x1b[31m (write)",
      "[+0.000s] ─── x\\xffy ───",
      "[+0.000s] connect unix → @x\\ty",
    }, live_lines(h))
    assert.are.equal(" FINAL: evil\\x1b[2J (0.50s)", box(h)[2])
  end)

  it("says how the program ended", function()
    local cases = {
      { { exit = { code = 7 } }, nil, " Exit: 7" },
      { { exit = { signal = "SIGSEGV", core_dumped = true } }, { code = -1, signal = 11, core_dumped = true },
        " Exit: killed by SIGSEGV (core dumped)" },
      { { exit = { signal = "SIGTERM" } }, nil, " Exit: killed by SIGTERM" },
      { { exit = {}, detached = true, attached = true }, nil, " Exit: detached, 100 still running" },
      { { exit = { signal = "SIGKILL" }, interrupted = true }, nil,
        " Exit: killed by SIGKILL after a second Ctrl-C" },
      { { exit = {} }, nil, " Exit: unknown" },
    }
    for _, case in ipairs(cases) do
      local h, rt = default()
      for k, v in pairs(case[1]) do h.run_info[k] = v end
      rt.start()
      if case[2] then h:emit("exit", case[2]) end
      rt.finish()
      local lines = h:lines()
      assert.are.equal(case[3], lines[#lines - 1])
      assert.are.equal(0, #live_lines(h), "the root's exit is not a live line")
    end
  end)

  it("says it attached", function()
    local h, rt = default()
    h.run_info.attached = true
    h.run_info.root_pid = 4321
    h.run_info.command = "python3 app.py"
    rt.start()
    assert.are.same({ "compendium: attached to PID 4321 (python3 app.py)" }, h:lines())
  end)

  it("says how many threads it attached to, names their tids, and the memory it had", function()
    local h, rt = default()
    h.run_info.attached = true
    h.run_info.root_pid = 4321
    h.run_info.command = "python3 app.py"
    h.run_info.threads = 2
    h.run_info.memory = { heap_bytes = 2 * 1048576, mmap_bytes = 12 * 1048576, mmap_regions = 41,
                          anon_bytes = 9 * 1048576, file_bytes = 2 * 1048576, reserved_bytes = 1048576,
                          at_attach = { heap_bytes = 1048576, mmap_bytes = 8 * 1048576, mmap_regions = 40,
                                        anon_bytes = 5 * 1048576, file_bytes = 2 * 1048576,
                                        reserved_bytes = 1048576 } }
    rt.start()
    h:emit("write", { ts = 0.1, pid = 4321, tid = 4323, fd = 3, filename = "/tmp/log", bytes = 5 })
    rt.finish()
    assert.are.equal("compendium: attached to PID 4321 (python3 app.py), 3 threads", h:lines()[1])
    assert.are.same({ "[+0.100s] [4323] write /tmp/log 5 B" }, live_lines(h))
    local b = box(h)
    assert.are.equal("   Heap:     2.0 MB (at attach 1.0 MB)", b[5])
    assert.are.equal("   Anon:     9.0 MB (at attach 5.0 MB)", b[6])
    assert.are.equal("   Total:    11.0 MB (at attach 6.0 MB)", b[7])
    assert.are.equal("   Mapped:   files 2.0 MB, reserved 1.0 MB, 41 regions; at attach files 2.0 MB, " ..
                     "reserved 1.0 MB, 40 regions", b[8])
  end)

  it("with -q hooks nothing and says only how the command ended", function()
    local h, rt = default { quiet = true }
    rt.start()
    h:emit("open", { path = "/etc/hosts" })
    rt.finish()
    assert.are.same({ "compendium: no checks; the command exited 0" }, h:lines())
    assert.are.same({}, h.wanted_events)
    assert.are.same({}, h.wanted_syscalls)
  end)

  it("lists at most ten connections", function()
    local h, rt = default()
    rt.start()
    for i = 1, 12 do
      h:emit("connect", { ts = 0, sock_type = "tcp4", remote_addr = "10.0.0." .. i .. ":80" })
    end
    rt.finish()
    local b = box(h)
    assert.are.equal(" Network connections:", b[14])
    assert.are.equal("   tcp4 → 10.0.0.10:80", b[24])
    assert.are.equal("   ... and 2 more", b[25])
    assert.are.equal(" Exit: 0", b[26])
  end)
end)

describe("the default script with --faults and --ebpf", function()
  it("groups a run of faults in one region, hiding file faults outside -v", function()
    local h, rt = default()
    rt.start()
    h:emit("mmap", { ts = 0.01, addr = 0x7f0000000000, end_addr = 0x7f0000003000, size = 12288,
                     prot = "rw-", map_type = "anon" })
    for i = 0, 2 do
      h:emit("fault", { ts = 0.011 + i / 1e4, addr = 0x7f0000000000 + i * 4096, region = "anon",
                        prot = "rw-", count = 1 })
    end
    h:emit("fault", { ts = 0.012, addr = 0x7f1000000000, region = "file", prot = "r-x", count = 1,
                      filename = "/usr/lib/libc.so.6" })
    h:emit("fault", { ts = 0.013, addr = 0x5574a0001000, region = "heap", prot = "rw-", count = 1 })
    h:emit("fault", { ts = 0.014, addr = 0x5574a0000000, region = "heap", prot = "rw-", count = 1 })
    h:emit("open", { ts = 0.02, path = "/etc/hosts" })
    h:emit("fault", { ts = 0.03, addr = 0x7ffd00000000, region = "stack", prot = "rw-", count = 1 })
    rt.finish()
    assert.are.same({
      "[+0.010s] mmap 7f0000000000-7f0000003000 rw-  12.0 KB anon",
      "[+0.011s] 3 faults in anon @ 7f0000000000 (rw-)",
      "[+0.013s] 2 faults in heap @ 5574a0000000 (rw-)",
      "[+0.020s] open /etc/hosts (read)",
      "[+0.030s] 1 fault in stack @ 7ffd00000000 (rw-)",
    }, live_lines(h))
  end)

  it("shows faults in mapped files with -v, naming the file", function()
    local h, rt = default { verbose = true }
    rt.start()
    h:emit("fault", { ts = 0.012, addr = 0x7f1000000000, region = "file", prot = "r-x", count = 1,
                      filename = "/usr/lib/libc.so.6" })
    rt.finish()
    assert.are.same({ "[+0.012s] 1 fault in file /usr/lib/libc.so.6 @ 7f1000000000 (r-x)" },
                    live_lines(h))
  end)

  it("groups same-size block I/O outside -v and prints each wait for a CPU", function()
    local h, rt = default()
    rt.start()
    for i = 1, 3 do
      h:emit("block_io", { ts = 0.1 + i / 1e3, bytes = 4096, op = "write", latency_ns = i * 100000 })
    end
    h:emit("block_io", { ts = 0.2, bytes = 8192, op = "write", latency_ns = 50000 })
    h:emit("sched_delay", { ts = 0.3, delay_ns = 1500000 })
    rt.finish()
    assert.are.same({
      "[+0.101s] block write 4.0 KB × 3 (latency avg 200.0 µs, max 300.0 µs)",
      "[+0.200s] block write 8.0 KB in 50.0 µs",
      "[+0.300s] waited 1.50 ms for a CPU",
    }, live_lines(h))
  end)

  -- The kernel runs no BPF program for some completions: such a request
  -- has its bytes and no latency.
  it("counts block requests whose completion was not seen, with their bytes and no latency", function()
    local h, rt = default()
    h.run_info.ebpf_traced = true
    rt.start()
    h:emit("block_io", { ts = 0.1, bytes = 4096, op = "write", latency_ns = 100000 })
    h:emit("block_io", { ts = 0.101, bytes = 4096, op = "write", completion_unseen = true })
    h:emit("block_io", { ts = 0.102, bytes = 4096, op = "write", latency_ns = 300000 })
    h:emit("block_io", { ts = 0.2, bytes = 8192, op = "read", completion_unseen = true })
    rt.finish()
    local lines = live_lines(h)
    assert.are.same({
      "[+0.100s] block write 4.0 KB × 3 (latency avg 200.0 µs, max 300.0 µs; 1 completion unseen)",
      "[+0.200s] block read 8.0 KB (completion unseen)",
    }, { lines[1], lines[2] })
    local summary
    for _, l in ipairs(box(h)) do if l:find("^ Block I/O:") then summary = l end end
    assert.are.equal(" Block I/O: 4 requests, 8.0 KB read, 12.0 KB written: total 400.0 µs, p50 100.0 µs, "
                     .. "p99 300.0 µs, max 300.0 µs (2 requests' completion unseen)", summary)
  end)

  -- A file system discards a file's extents in requests of many sizes.
  it("makes one line of a run of discards of any sizes, with their sum", function()
    local h, rt = default()
    rt.start()
    local sizes = { 4194304, 3670016, 262144, 131072, 131072 }
    for i, size in ipairs(sizes) do
      h:emit("block_io", { ts = 0.1 + i / 1e3, bytes = size, op = "discard", latency_ns = i * 100000 })
    end
    h:emit("block_io", { ts = 0.2, bytes = 4096, op = "write", latency_ns = 50000 })
    h:emit("block_io", { ts = 0.3, bytes = 8192, op = "write", latency_ns = 50000 })
    rt.finish()
    assert.are.same({
      "[+0.101s] block discard 8.0 MB in 5 requests (latency avg 300.0 µs, max 500.0 µs)",
      "[+0.200s] block write 4.0 KB in 50.0 µs",
      "[+0.300s] block write 8.0 KB in 50.0 µs",
    }, live_lines(h))
  end)

  it("keeps runs of different kinds apart, in the order they started", function()
    local h, rt = default()
    rt.start()
    for i = 1, 3 do
      h:emit("write", { ts = 0.1 + i / 100, filename = "/var/tmp/t", fd = 3, bytes = 4096 })
      h:emit("sched_delay", { ts = 0.1 + i / 100 + 0.001, delay_ns = i * 10000 })
      h:emit("block_io", { ts = 0.1 + i / 100 + 0.002, bytes = 4096, op = "write", latency_ns = 50000 })
    end
    h:emit("open", { ts = 0.2, path = "/etc/hosts" })
    rt.finish()
    assert.are.same({
      "[+0.110s] write /var/tmp/t 12.0 KB (3 calls)",
      "[+0.111s] waited for a CPU 3 times, 60.0 µs in all (max 30.0 µs)",
      "[+0.112s] block write 4.0 KB × 3 (latency avg 50.0 µs, max 50.0 µs)",
      "[+0.200s] open /etc/hosts (read)",
    }, live_lines(h))
  end)

  it("shows every block request on its own line with -v", function()
    local h, rt = default { verbose = true }
    rt.start()
    h:emit("block_io", { ts = 0.1, bytes = 4096, op = "read", latency_ns = 1000 })
    h:emit("block_io", { ts = 0.2, bytes = 4096, op = "read", latency_ns = 2000 })
    rt.finish()
    assert.are.same({ "[+0.100s] block read 4.0 KB in 1.0 µs", "[+0.200s] block read 4.0 KB in 2.0 µs" },
                    live_lines(h))
  end)

  it("adds Page faults, Scheduler, Block I/O and Dropped to the summary", function()
    local h, rt = default()
    local run = h.run_info
    run.faults_traced, run.ebpf_traced, run.page_size = true, true, 4096
    run.dropped, run.dropped_faults, run.dropped_ebpf = 5, 2, 3
    rt.start()
    for i = 1, 3 do h:emit("fault", { ts = 0.01, addr = 0x1000 * i, region = "heap", prot = "rw-", count = 1 }) end
    h:emit("fault", { ts = 0.02, addr = 0x9000, region = "file", prot = "r--", count = 1, filename = "/x" })
    for _, d in ipairs { 20000, 10000, 30000, 2000000 } do h:emit("sched_delay", { ts = 0.03, delay_ns = d }) end
    h:emit("block_io", { ts = 0.04, bytes = 4096, op = "write", latency_ns = 100000 })
    h:emit("block_io", { ts = 0.05, bytes = 8192, op = "read", latency_ns = 300000 })
    rt.finish()
    local lines = box(h)
    local function find(prefix)
      for _, l in ipairs(lines) do if l:sub(1, #prefix) == prefix then return l end end
    end
    assert.are.equal(" Page faults: 4 (4.0 KB pages, 16.0 KB touched)", find(" Page faults:"))
    assert.are.equal("   heap 3 · file 1", find("   heap"))
    assert.are.equal(" Scheduler: 4 waits ≥ 10.0 µs: total 2.06 ms, p50 20.0 µs, p99 2.00 ms, max 2.00 ms",
                     find(" Scheduler:"))
    assert.are.equal(" Block I/O: 2 requests, 8.0 KB read, 4.0 KB written: total 400.0 µs, p50 100.0 µs, "
                     .. "p99 300.0 µs, max 300.0 µs", find(" Block I/O:"))
    assert.are.equal(" Dropped: 5 records the kernel could not queue (2 fault samples, 3 BPF)", find(" Dropped:"))
  end)

  it("asks the engine for the sched_delay threshold, 10 µs unless -X sched_threshold says", function()
    local h = default()
    assert.are.equal(10000, h.sched_threshold_ns)
    h = default { options = { { key = "sched_threshold", value = "2ms" } } }
    assert.are.equal(2000000, h.sched_threshold_ns)
  end)

  it("refuses a threshold that is not a duration, before tracing", function()
    local _, rt = fake.setup { options = { { key = "sched_threshold", value = "soon" } } }
    local ok, err = rt.load(fake.bundled("default"), "default")
    assert.is_false(ok)
    assert.truthy(err:find("-X sched_threshold needs a duration such as 10us or 2ms, not 'soon'", 1, true), err)
  end)

  it("takes runs of I/O merged by the source, adding up their calls", function()
    local h, rt = default()
    assert.is_true(rt.io_runs())
    rt.start()
    h:emit("read", { ts = 0.1, fd = 3, filename = "/tmp/in", bytes = 7 })
    h:emit("read", { ts = 0.2, fd = 3, filename = "/tmp/in", bytes = 700, calls = 100 })
    h:emit("write", { ts = 0.3, fd = 4, filename = "/tmp/out", bytes = 707, calls = 101 })
    h:emit("open", { ts = 0.4, path = "/etc/hosts" })
    rt.finish()
    assert.are.same({
      "[+0.100s] read /tmp/in 707 B (101 calls)",
      "[+0.300s] write /tmp/out 707 B (101 calls)",
      "[+0.400s] open /etc/hosts (read)",
    }, live_lines(h))
  end)

  it("takes runs only without -v, and only when every script does", function()
    local _, rt = default { verbose = true }
    assert.is_false(rt.io_runs())
    _, rt = default()
    assert.is_true(rt.io_runs())
    local ok, err = fake.load_script(rt, "mine", 'local c = require "compendium"\nc.on("read", function() end)')
    assert(ok, err)
    assert.is_false(rt.io_runs())
  end)
end)
