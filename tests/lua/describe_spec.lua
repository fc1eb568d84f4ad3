-- compendium/describe.lua: one text per event kind, how things ended,
-- counts and latencies, on real cmp_event views filled by the fake host.
local fake = require "fake_host"

describe("describe", function()
  local h, e, describe
  before_each(function()
    h = fake.setup()
    e = require("compendium.event").view(h.event())
    describe = require "compendium.describe"
  end)

  local function set(kind, fields)
    h:set(kind, fields)
    return e
  end

  -- {kind, fields, text, line}: every event kind, as the report's table
  -- (text) and the terminal view (line) say it
  local CASES = {
    { "open", { path = "/etc/hosts", fd = 3 }, "/etc/hosts (read)", "open /etc/hosts (read)" },
    { "open", { path = "/tmp/o\27", writable = true }, "/tmp/o\\x1b (write)", "open /tmp/o\\x1b (write)" },
    { "open", { path_error = "ENAMETOOLONG", requested = "a/b", writable = true },
      "? (write; file unnamed: ENAMETOOLONG; asked for a/b)",
      "open ? (write; file unnamed: ENAMETOOLONG; asked for a/b)" },
    { "connect", { sock_type = "tcp4", remote_addr = "10.0.0.9:80", error = "ECONNREFUSED" },
      "tcp4 → 10.0.0.9:80 (ECONNREFUSED)", "connect tcp4 → 10.0.0.9:80 (ECONNREFUSED)" },
    { "connect", { sock_type = "tcp6", remote_addr = "[::1]:8080", error = "EINPROGRESS" },
      "tcp6 → [::1]:8080 (loopback)", "connect tcp6 → [::1]:8080 (loopback)" },
    { "read", { filename = "/etc/hosts", fd = 3, bytes = 1434 }, "/etc/hosts 1.4 KB", "read /etc/hosts 1.4 KB" },
    { "write", { fd = 7, bytes = 5 }, "fd 7 5 B", "write fd 7 5 B" },
    { "send", { sock_type = "tcp4", remote_addr = "1.2.3.4:443", bytes = 517 },
      "   517 B → 1.2.3.4:443", "send    517 B → 1.2.3.4:443" },
    { "recv", { sock_type = "unix", bytes = 2663 }, "  2.6 KB", "recv   2.6 KB" },
    { "brk", { growth_bytes = 135168 }, "heap +132.0 KB", "heap +132.0 KB" },
    { "brk", { growth_bytes = -4096 }, "heap -4.0 KB", "heap -4.0 KB" },
    { "mmap", { addr = 0x7f0000001000, end_addr = 0x7f0000003000, size = 8192, prot = "r--",
                map_type = "file", filename = "/usr/lib/libc.so.6" },
      "7f0000001000-7f0000003000 r--   8.0 KB /usr/lib/libc.so.6",
      "mmap 7f0000001000-7f0000003000 r--   8.0 KB /usr/lib/libc.so.6" },
    { "mmap", { addr = 0x1000, end_addr = 0x2000, size = 4096, prot = "rw-", map_type = "anon" },
      "1000-2000 rw-   4.0 KB anon", "mmap 1000-2000 rw-   4.0 KB anon" },
    { "munmap", { addr = 0x1000, size = 8192 }, "1000-3000 8.0 KB", "munmap 1000-3000 8.0 KB" },
    { "munmap", { addr = 0x1000, size = 4096, filename = "/data" }, "1000-2000 4.0 KB /data",
      "munmap 1000-2000 4.0 KB /data" },
    { "spawn_process", { child = 1240 }, "process 1240", "spawn process 1240" },
    { "spawn_thread", { child = 101 }, "thread 101", "spawn thread 101" },
    { "exec", { program = "/usr/bin/cc", argv = { "cc", "-c", "a.c" } }, "/usr/bin/cc  cc -c a.c", "─── cc -c a.c ───" },
    { "exec", { program = "/usr/bin/sh", argv = { "sh", "-c", "echo 'hi there'", "" } },
      "/usr/bin/sh  sh -c echo 'hi there' ", [[─── sh -c 'echo '\''hi there'\''' '' ───]] },
    { "open", { path = "/etc/gitattributes", requested = "gitattributes", error = "ENOENT" },
      "/etc/gitattributes: ENOENT", "open /etc/gitattributes: ENOENT" },
    { "exit", { is_thread = true, code = 0 }, "thread exit 0", "thread exit 0" },
    { "rename", { path = "/r/.git/index.lock", new_path = "/r/.git/index" },
      "/r/.git/index.lock → /r/.git/index", "rename /r/.git/index.lock → /r/.git/index" },
    { "rename", { path = "/a", new_path = "/b", exchange = true }, "/a ⇄ /b", "rename /a ⇄ /b" },
    { "unlink", { path = "/tmp/x", error = "ENOENT" }, "/tmp/x: ENOENT", "unlink /tmp/x: ENOENT" },
    { "mkdir", { path = "/tmp/d", mode = 493 }, "/tmp/d (0755)", "mkdir /tmp/d (0755)" },
    { "rmdir", { path = "/tmp/d" }, "/tmp/d", "rmdir /tmp/d" },
    { "link", { path = "/a", new_path = "/b" }, "/a → /b", "link /a → /b" },
    { "symlink", { path = "/l", link_target = "../t" }, "/l → ../t", "symlink /l → ../t" },
    { "chmod", { path = "/f", mode = 416 }, "/f 0640", "chmod /f 0640" },
    { "chown", { path = "/f", uid = 1000, gid = -1 }, "/f 1000:-", "chown /f 1000:-" },
    { "truncate", { path = "/f", size = 3 }, "/f to 3 B", "truncate /f to 3 B" },
    { "utimes", { path = "/f" }, "/f", "utimes /f" },
    { "exit", { code = 3 }, "exit 3", "exit 3" },
    { "exit", { code = -1, signal = 11, core_dumped = true }, "killed by SIGSEGV (core dumped)",
      "killed by SIGSEGV (core dumped)" },
    { "signal", { signal = 2 }, "SIGINT", "signal SIGINT" },
    { "fault", { region = "heap", addr = 0x5000, prot = "rw-", count = 3 }, "3 faults in heap @ 5000 (rw-)",
      "3 faults in heap @ 5000 (rw-)" },
    { "fault", { region = "file", filename = "/lib/x.so", addr = 0x7000, prot = "r-x", count = 1 },
      "1 fault in file /lib/x.so @ 7000 (r-x)", "1 fault in file /lib/x.so @ 7000 (r-x)" },
    { "sched_delay", { delay_ns = 1500000 }, "waited 1.50 ms for a CPU", "waited 1.50 ms for a CPU" },
    { "block_io", { op = "write", bytes = 8192, latency_ns = 50000 }, "write 8.0 KB in 50.0 µs",
      "block write 8.0 KB in 50.0 µs" },
    { "block_io", { op = "write", bytes = 8192, completion_unseen = true }, "write 8.0 KB (completion unseen)",
      "block write 8.0 KB (completion unseen)" },
    { "inject", { nr = 1, op = "error", ret = -28, error = "ENOSPC", path = "/tmp/x" },
      "write /tmp/x → ENOSPC (injected)", "inject write /tmp/x → ENOSPC (injected)" },
    { "inject", { nr = 42, op = "return", ret = 0, sockaddr = "10.0.0.5:5432" },
      "connect 10.0.0.5:5432 → 0 (injected)", "inject connect 10.0.0.5:5432 → 0 (injected)" },
    { "inject", { nr = 74, op = "delay", delay_ns = 200000000, fd_path = "/var/db" },
      "fsync /var/db → delayed 200 ms (injected)", "inject fsync /var/db → delayed 200 ms (injected)" },
    { "io_uring", { fd = 5, entries = 1, sqpoll = true }, "fd 5 (1 entry, SQPOLL): the I/O through it is not seen",
      "io_uring fd 5 (1 entry, SQPOLL): the I/O through it is not seen" },
    { "io_uring", { fd = 6, inherited = true }, "fd 6 (set up before it was traced): the I/O through it is not seen",
      "io_uring fd 6 (set up before it was traced): the I/O through it is not seen" },
  }

  it("gives each event its text and its line", function()
    for _, case in ipairs(CASES) do
      local ev = set(case[1], case[2])
      assert.are.equal(case[3], describe.text(ev), case[1])
      assert.are.equal(case[4], describe.line(ev), case[1])
    end
  end)

  it("says the same of an event's plain copy (e:table()) as of the event", function()
    for _, case in ipairs(CASES) do
      local ev = set(case[1], case[2])
      local copy = ev:table()
      if case[1] == "mmap" or case[1] == "munmap" or case[1] == "fault" then
        copy.addr, copy.end_addr = ev.addr, ev.end_addr -- JSON writes them in hex
      end
      assert.are.equal(case[4], describe.line(copy), case[1])
    end
  end)

  it("has a text for every event kind", function()
    for _, kind in ipairs(require("compendium.event").kinds) do
      assert.is_function(describe.kinds[kind], kind)
    end
  end)

  it("tells a run of events as one", function()
    assert.are.equal("read /etc/resolv.conf 1.4 KB (3 calls)",
                     describe.line { type = "read", filename = "/etc/resolv.conf", fd = 3, bytes = 1434, calls = 3 })
    assert.are.equal("recv   2.6 KB → 1.2.3.4:443 (2 calls)",
                     describe.line { type = "recv", remote_addr = "1.2.3.4:443", bytes = 2663, calls = 2 })
    assert.are.equal("waited for a CPU 3 times, 60.0 µs in all (max 30.0 µs)",
                     describe.line { type = "sched_delay", calls = 3, delay_ns = 60000, max_delay_ns = 30000 })
    assert.are.equal("block write 4.0 KB × 3 (latency avg 200.0 µs, max 300.0 µs)",
                     describe.line { type = "block_io", op = "write", bytes = 4096, calls = 3, latency_ns = 600000,
                                     max_latency_ns = 300000 })
  end)

  it("says how the run ended, in the summary and in a verdict", function()
    local function both(run) return { describe.ended(run), describe.status(run) } end
    assert.are.same({ "0", "the command exited 0" }, both { exit = { code = 0 } })
    assert.are.same({ "killed by SIGSEGV (core dumped)", "the command was killed by SIGSEGV" },
                    both { exit = { signal = "SIGSEGV", core_dumped = true } })
    assert.are.same({ "detached, 1234 still running", "the process was detached and runs on" },
                    both { detached = true, root_pid = 1234, exit = {} })
    assert.are.same({ "killed by SIGKILL after a second Ctrl-C", "the command was killed after a second Ctrl-C" },
                    both { interrupted = true, exit = {} })
    assert.are.same({ "unknown", "the command's status is unknown" }, both { exit = {} })
  end)

  it("counts, latencies, what was not seen, undecoded syscalls, fault regions", function()
    assert.are.same({ "1 process", "3 processes" },
                    { describe.count(1, "process", "processes"), describe.count(3, "process", "processes") })
    assert.are.equal("total 3.20 ms, p50 40.0 µs, p99 1.20 ms, max 2.00 ms",
                     describe.latency { count = 4, total_ns = 3200000, p50_ns = 40000, p99_ns = 1200000,
                                        max_ns = 2000000 })
    assert.is_nil(describe.latency { count = 0, total_ns = 0, p50_ns = 0, p99_ns = 0, max_ns = 0 })
    assert.is_nil(describe.unseen { io_urings = 0 })
    assert.are.equal("the I/O through 2 io_urings", describe.unseen { io_urings = 2 })
    assert.are.equal("signal ×2, socketcall:recvmmsg", describe.undecoded { ["socketcall:recvmmsg"] = 1, signal = 2 })
    assert.are.same({ "heap 3", "file 5" },
                    describe.fault_regions { regions = { { region = "heap", count = 3 }, { region = "file", count = 5 } } })
  end)
end)
