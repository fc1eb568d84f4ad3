-- Event getters and e:table(), on a real cmp_event filled by the fake host.
local ffi = require "ffi"
local fake = require "fake_host"

describe("event", function()
  local h, e
  before_each(function()
    h = fake.setup()
    e = require("compendium.event").view(h.event())
  end)

  local function set(kind, fields)
    h:set(kind, fields)
    return e
  end

  describe("getters", function()
    it("give the common fields as Lua values", function()
      set("open", { pid = 12, tid = 13, ts = 1.25, path = "/etc/hosts", fd = 3, writable = true })
      assert.are.equal("open", e.type)
      assert.are.equal(12, e.pid)
      assert.are.equal(13, e.tid)
      assert.are.equal(1.25, e.ts)
      assert.are.equal("/etc/hosts", e.path)
      assert.are.equal(3, e.fd)
      assert.are.equal(true, e.writable)
      assert.are.equal("number", type(e.ts))
    end)

    it("give ts_ns exactly, as uint64_t, past 2^53 too", function()
      set("open", { ts = 1.25 })
      assert.is_true(ffi.istype("uint64_t", e.ts_ns))
      assert.are.equal(fake.START_NS + 1250000000ULL, e.ts_ns)
      h.ev.ts_ns = 9007199254740993ULL -- 2^53 + 1: no double holds it
      assert.are.equal("9007199254740993ULL", tostring(e.ts_ns))
    end)

    it("give dur_ns from the entry stop to the exit stop, nil without an entry", function()
      set("syscall", { nr = 35, ts = 2, dur_ns = 200000123 })
      assert.are.equal(200000123, e.dur_ns)
      assert.are.equal("number", type(e.dur_ns))
      -- the halves borrow across 2^32
      h.ev.ts_ns, h.ev.entry_ns = 0x100000005ULL, 0xFFFFFFFFULL
      assert.are.equal(6, e.dur_ns)
      assert.is_nil(set("syscall", { nr = 35, ts = 2 }).dur_ns)
      assert.is_nil(set("exec", { ts = 2 }).dur_ns)
    end)

    it("give syscall context: name, nr, ret, args, arg(i)", function()
      set("syscall", { nr = 257, ret = -2, args = { -100, 4096, 0x80000, 0, 0, 7 }, path = "/nope",
                       fd_path = "/tmp", sockaddr = "1.2.3.4:80" })
      assert.are.equal("syscall", e.type)
      assert.are.equal("openat", e.name)
      assert.are.equal(257, e.nr)
      assert.are.equal(-2, e.ret)
      assert.are.equal("number", type(e.ret))
      assert.are.equal(-100, e:arg(1))
      assert.are.equal(4096, e:arg(2))
      assert.are.equal(0x80000, e:arg(3))
      assert.are.equal(7, e:arg(6))
      assert.is_true(ffi.istype("uint64_t[6]", e.args))
      assert.are.equal(4096ULL, e.args[1])
      assert.are.equal("/nope", e.path)
      assert.are.equal("/tmp", e.fd_path)
      assert.are.equal("1.2.3.4:80", e.sockaddr)
      assert.are.equal(0, e.addr) -- addr is always the number: memory events' address
      assert.has_error(function() e:arg(7) end, "arg: index 7 is not 1..6")
    end)

    -- The struct is read from engine/event.h here, not from event.lua: a
    -- field added to cmp_event must be readable in a hook, under its own
    -- name or the one event.read_as gives it, or this fails.
    it("reach every field of cmp_event: setting it changes what the view reads", function()
      local event = require "compendium.event"
      local body = assert(fake.cdef:match("typedef%s+struct%s+cmp_event%s*(%b{})%s*cmp_event%s*;"))
      body = body:gsub("/%*.-%*/", "")
      local fields = {}
      for ctype, name, array in body:gmatch("([%w_]+)%s+([%w_]+)%s*(%[?%s*%d*%s*%]?)%s*;") do
        fields[#fields + 1] = { ctype = ctype, name = name, array = array ~= "" }
      end
      assert.is_true(#fields >= 40, "too few fields read from event.h: " .. #fields)
      -- a few getters read their field only on the event kind it belongs to
      local KIND = { child = "spawn_process", code = "exit", target = "read" }
      local keep = {}
      local function read(f)
        local v = e[event.read_as[f.name] or f.name]
        if f.array then return tonumber(v[0]) end
        if type(v) == "cdata" then return tostring(v) end
        return v
      end
      for _, f in ipairs(fields) do
        h:set(KIND[f.name] or "open", {})
        local before = read(f)
        if f.ctype == "cmp_str" then
          keep[f.name] = "value of " .. f.name
          h.ev[f.name].ptr, h.ev[f.name].len = keep[f.name], #keep[f.name]
        elseif f.array then
          h.ev[f.name][0] = 5
        elseif f.name == "type" then
          h.ev.type = event.type_ids.exec
        elseif f.ctype == "uint64_t" or f.ctype == "int64_t" then
          h.ev[f.name] = f.name == "ts_ns" and h.ev.ts_ns + 0x123456789ULL or 0x123456789ULL
        else
          h.ev[f.name] = 1
        end
        local after = read(f)
        assert.is_not_nil(after, f.name .. " reads nil")
        assert.are_not.equal(before, after, f.name .. " reads the same set or not")
      end
    end)

    it("give the ABI of an int $0x80 syscall, nil for x86-64 ones", function()
      assert.are.equal("i386", set("open", { path = "/tmp/x", abi = "i386" }).abi)
      assert.is_nil(set("open", { path = "/tmp/x" }).abi)
    end)

    it("name syscalls the engine does not know", function()
      set("enter", { nr = 400 })
      assert.are.equal("syscall_400", e.name)
      assert.are.equal("enter", e.type)
    end)

    it("give nil for strings the engine did not set, and no name outside syscalls", function()
      set("read", { bytes = 10, fd = 4 })
      assert.is_nil(e.filename)
      assert.is_nil(e.path)
      assert.is_nil(e.remote_addr)
      assert.is_nil(e.name)
      assert.are.equal("", set("read", { filename = "" }).filename)
    end)

    it("give read/write fields", function()
      set("write", { bytes = 5000, filename = "pipe:[77]", target = "pipe", fd = 1 })
      assert.are.equal(5000, e.bytes)
      assert.are.equal("pipe:[77]", e.filename)
      assert.are.equal("pipe", e.target)
      assert.are.equal("other", set("read", { target = "other" }).target)
      assert.are.equal("file", set("read", {}).target)
      assert.is_nil(set("open", {}).target)
    end)

    it("give numbers for addresses of memory events, exactly", function()
      set("mmap", { addr = 0x7f8a12345000, end_addr = 0x7f8a12347000, size = 8192, prot = "rw-",
                    map_type = "anon" })
      assert.are.equal(0x7f8a12345000, e.addr)
      assert.are.equal(0x7f8a12347000, e.end_addr)
      assert.are.equal(8192, e.size)
      assert.are.equal("rw-", e.prot)
      assert.are.equal("anon", e.map_type)
    end)

    it("give a signed heap growth", function()
      assert.are.equal(-4096, set("brk", { growth_bytes = -4096 }).growth_bytes)
    end)

    it("give spawn children by kind", function()
      set("spawn_process", { child = 1240 })
      assert.are.equal(1240, e.child_pid)
      assert.is_nil(e.child_tid)
      set("spawn_thread", { child = 1241 })
      assert.are.equal(1241, e.child_tid)
      assert.is_nil(e.child_pid)
    end)

    it("give an exit code, or a signal name instead", function()
      set("exit", { code = 3 })
      assert.are.equal(3, e.code)
      assert.is_nil(e.signal)
      assert.is_false(e.is_thread)
      assert.is_false(e.core_dumped)
      set("exit", { code = -1, signal = 11, core_dumped = true, is_thread = true })
      assert.is_nil(e.code)
      assert.are.equal("SIGSEGV", e.signal)
      assert.is_true(e.core_dumped)
      assert.is_true(e.is_thread)
    end)

    it("split argv on NULs", function()
      set("exec", { program = "/bin/ls", argv = { "ls", "-l", "" } })
      assert.are.same({ "ls", "-l", "" }, e.argv)
      assert.are.same({}, set("exec", { argv = {} }).argv)
      assert.is_nil(set("exec", {}).argv)
    end)

    it("give the native events' fields", function()
      set("fault", { addr = 0x5000, region = "heap", prot = "rw-", count = 12 })
      assert.are.same({ 0x5000, "heap", "rw-", 12 }, { e.addr, e.region, e.prot, e.count })
      set("sched_delay", { delay_ns = 25000 })
      assert.are.equal(25000, e.delay_ns)
      set("block_io", { latency_ns = 800000, bytes = 4096, op = "write" })
      assert.are.same({ 800000, 4096, "write", false }, { e.latency_ns, e.bytes, e.op, e.completion_unseen })
      set("block_io", { bytes = 8192, op = "read", completion_unseen = true })
      assert.are.same({ 8192, "read", true }, { e.bytes, e.op, e.completion_unseen })
      assert.is_nil(e.latency_ns)
    end)

    it("read strings with their length, NULs and all", function()
      assert.are.equal("a\0b", set("open", { path = "a\0b" }).path)
    end)

    it("give nil for unknown fields", function()
      assert.is_nil(set("open", {}).no_such_field)
    end)

    it("allocate nothing for number fields, even interpreted", function()
      set("syscall", { nr = 0, ret = -2, args = { -100, 7 }, ts = 3.5, dur_ns = 1 })
      local function read_numbers(n)
        local sum = 0
        for _ = 1, n do
          sum = sum + e.ret + e.ts + e:arg(1) + e.pid + e.nr + e.bytes + e.size + e.growth_bytes
                + e.dur_ns
        end
        return sum
      end
      -- the JIT would sink boxed 64-bit values; the interpreter, as run for
      -- an event entering from C, would not
      jit.off(read_numbers)
      read_numbers(10)
      collectgarbage("collect")
      collectgarbage("stop")
      local before = collectgarbage("count")
      local sum = read_numbers(10000)
      local grown = collectgarbage("count") - before
      collectgarbage("restart")
      assert.are.equal(10000 * (-2 + 3.5 - 100 + 100 + 0 + 1), sum)
      -- boxing one 64-bit value per read comes to hundreds of KB
      assert.is_true(grown < 64, "getters allocated " .. grown .. " KB")
    end)
  end)

  describe("e:table()", function()
    local function tbl(kind, fields)
      fields.pid, fields.tid, fields.ts = 50, 51, 0.0123456
      return set(kind, fields):table()
    end
    local function common(kind, extra)
      local t = { ts = 0.012346, ts_ns = fake.START_NS + 12345600ULL, pid = 50, tid = 51, type = kind }
      for k, v in pairs(extra) do t[k] = v end
      return t
    end

    it("open", function()
      assert.are.same(common("open", { path = "/etc/hosts", writable = false, fd = 3 }),
                      tbl("open", { path = "/etc/hosts", fd = 3, nr = 257, args = { 1 } }))
    end)

    it("abi, for what an int $0x80 syscall caused", function()
      assert.are.same(common("open", { path = "/tmp/x", writable = true, fd = 3, abi = "i386" }),
                      tbl("open", { path = "/tmp/x", fd = 3, writable = true, abi = "i386" }))
      assert.are.same(common("spawn_thread", { child_tid = 7, abi = "i386" }),
                      tbl("spawn_thread", { child = 7, abi = "i386" }))
    end)

    it("open: the file opened, the path asked for, and why either is missing", function()
      assert.are.same(common("open", { path = "/etc/hosts", requested = "../hosts", writable = true,
                                       fd = 3 }),
                      tbl("open", { path = "/etc/hosts", requested = "../hosts", fd = 3,
                                    writable = true }))
      assert.are.same(common("open", { requested = "tmp/evil", path_error = "ENAMETOOLONG",
                                       writable = false, fd = 4 }),
                      tbl("open", { requested = "tmp/evil", path_error = "ENAMETOOLONG", fd = 4 }))
      assert.are.same(common("open", { path = "/etc/hosts", requested_error = "EFAULT",
                                       writable = false, fd = 5 }),
                      tbl("open", { path = "/etc/hosts", arg_error = "EFAULT", fd = 5 }))
    end)

    it("connect, with error only when set", function()
      assert.are.same(common("connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:443", fd = 5 }),
                      tbl("connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:443", fd = 5 }))
      assert.are.same(common("connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:1", fd = 5,
                                          error = "ECONNREFUSED" }),
                      tbl("connect", { sock_type = "tcp4", remote_addr = "1.2.3.4:1", fd = 5,
                                       error = "ECONNREFUSED" }))
    end)

    it("read and write", function()
      assert.are.same(common("read", { bytes = 10, filename = "/x", target = "file", fd = 3 }),
                      tbl("read", { bytes = 10, filename = "/x", fd = 3 }))
      assert.are.same(common("write", { bytes = 2, filename = "pipe:[9]", target = "pipe", fd = 1 }),
                      tbl("write", { bytes = 2, filename = "pipe:[9]", target = "pipe", fd = 1 }))
    end)

    it("send and recv", function()
      assert.are.same(common("send", { bytes = 517, remote_addr = "1.2.3.4:443", sock_type = "tcp4", fd = 4 }),
                      tbl("send", { bytes = 517, remote_addr = "1.2.3.4:443", sock_type = "tcp4", fd = 4 }))
      assert.are.same(common("recv", { bytes = 9, sock_type = "udp4", fd = 4 }),
                      tbl("recv", { bytes = 9, sock_type = "udp4", fd = 4 }))
    end)

    it("brk", function()
      assert.are.same(common("brk", { growth_bytes = 135168 }), tbl("brk", { growth_bytes = 135168 }))
    end)

    it("mmap, with filename for file mappings only", function()
      assert.are.same(common("mmap", { addr = "0x7f8a12345000", end_addr = "0x7f8a12347000", size = 8192,
                                       prot = "rw-", map_type = "anon" }),
                      tbl("mmap", { addr = 0x7f8a12345000, end_addr = 0x7f8a12347000, size = 8192,
                                    prot = "rw-", map_type = "anon", filename = "ignored" }))
      assert.are.same(common("mmap", { addr = "0x1000", end_addr = "0x3000", size = 8192, prot = "r-x",
                                       map_type = "file", filename = "/usr/lib/libc.so.6" }),
                      tbl("mmap", { addr = 0x1000, end_addr = 0x3000, size = 8192, prot = "r-x",
                                    map_type = "file", filename = "/usr/lib/libc.so.6" }))
    end)

    it("munmap", function()
      assert.are.same(common("munmap", { addr = "0x7f0000001000", size = 4096 }),
                      tbl("munmap", { addr = 0x7f0000001000, size = 4096 }))
      assert.are.same(common("munmap", { addr = "0x1000", size = 8192, filename = "/tmp/data.bin" }),
                      tbl("munmap", { addr = 0x1000, size = 8192, filename = "/tmp/data.bin" }))
    end)

    it("spawns", function()
      assert.are.same(common("spawn_process", { child_pid = 60 }), tbl("spawn_process", { child = 60 }))
      assert.are.same(common("spawn_thread", { child_tid = 61 }), tbl("spawn_thread", { child = 61 }))
    end)

    it("exec", function()
      assert.are.same(common("exec", { program = "/bin/ls", argv = { "ls", "-l" } }),
                      tbl("exec", { program = "/bin/ls", argv = { "ls", "-l" } }))
    end)

    it("exit: code or signal, core_dumped only when true", function()
      assert.are.same(common("exit", { code = 0, is_thread = false }), tbl("exit", { code = 0 }))
      assert.are.same(common("exit", { signal = "SIGSEGV", is_thread = false, core_dumped = true }),
                      tbl("exit", { code = -1, signal = 11, core_dumped = true }))
      assert.are.same(common("exit", { signal = "SIGKILL", is_thread = true }),
                      tbl("exit", { code = -1, signal = 9, is_thread = true }))
    end)

    it("signal", function()
      assert.are.same(common("signal", { signal = "SIGINT" }), tbl("signal", { signal = 2 }))
    end)

    it("fault, sched_delay, block_io", function()
      assert.are.same(common("fault", { addr = "0x5000", region = "heap", prot = "rw-", count = 3 }),
                      tbl("fault", { addr = 0x5000, region = "heap", prot = "rw-", count = 3 }))
      assert.are.same(common("sched_delay", { delay_ns = 15000 }), tbl("sched_delay", { delay_ns = 15000 }))
      assert.are.same(common("block_io", { latency_ns = 900, bytes = 4096, op = "read" }),
                      tbl("block_io", { latency_ns = 900, bytes = 4096, op = "read" }))
      assert.are.same(common("block_io", { bytes = 4096, op = "write", completion_unseen = true }),
                      tbl("block_io", { bytes = 4096, op = "write", completion_unseen = true }))
    end)

    it("syscall and enter events", function()
      assert.are.same(common("syscall", { name = "openat", nr = 257, args = { -100, 4096, 0, 0, 0, 0 }, ret = 3,
                                          path = "/etc/hosts" }),
                      tbl("syscall", { nr = 257, args = { -100, 4096 }, ret = 3, path = "/etc/hosts" }))
      assert.are.same(common("enter", { name = "connect", nr = 42, args = { 3, 0, 16, 0, 0, 0 },
                                        fd_path = "socket:tcp4", sockaddr = "1.2.3.4:80" }),
                      tbl("enter", { nr = 42, args = { 3, 0, 16 }, fd_path = "socket:tcp4",
                                     sockaddr = "1.2.3.4:80", ret = 99 }))
    end)

    it("ts_ns on every event; dur_ns on those made at a syscall's return, when known", function()
      assert.are.same(common("read", { bytes = 10, filename = "/x", target = "file", fd = 3,
                                       dur_ns = 250000 }),
                      tbl("read", { bytes = 10, filename = "/x", fd = 3, dur_ns = 250000 }))
      assert.are.same(common("syscall", { name = "read", nr = 0, args = { 3, 0, 0, 0, 0, 0 }, ret = 0,
                                          dur_ns = 200000001 }),
                      tbl("syscall", { nr = 0, args = { 3 }, dur_ns = 200000001 }))
      assert.are.same(common("fault", { addr = "0x5000", region = "heap", prot = "rw-", count = 1 }),
                      tbl("fault", { addr = 0x5000, region = "heap", prot = "rw-", count = 1 }))
    end)

    it("is a copy that outlives the event", function()
      local t = tbl("open", { path = "/first", fd = 3 })
      set("open", { path = "/second", fd = 4 })
      assert.are.equal("/first", t.path)
      assert.are.equal(3, t.fd)
    end)
  end)
end)
