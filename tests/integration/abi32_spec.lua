-- 32-bit syscalls (int $0x80) from a 64-bit program: decoded into the same
-- events as their x86-64 twins, marked abi "i386"; those with no decoding
-- are counted, and the checks that gate CI fail closed on them.
local h = require "helpers"

local PROG = "int80"
local TEXT = "written through int 0x80\n"

-- Whether this kernel runs i386 syscalls at all (it may be built or booted
-- without the emulation): the program says so with status 77.
local supported = h.run({ h.prog(PROG), "signal" }).status ~= 77

local function needs_i386()
  if not supported then pending("this kernel runs no i386 syscalls") end
  return supported
end

local function check(name, opts, args)
  local command = { h.prog(PROG) }
  for _, a in ipairs(args) do command[#command + 1] = a end
  return h.check(name, opts, command)
end

local failures = function(r) return h.failure_lines(r.stderr) end

describe("int 0x80 open and write", function()
  teardown(h.cleanup)

  -- Both ways of stopping: seccomp picks the stops by default, -v stops at
  -- every syscall.
  for _, mode in ipairs { { name = "seccomp", flags = {} }, { name = "every stop", flags = { "-v" } } } do
    it("are an open and a write of the file, with their bytes (" .. mode.name .. ")", function()
      if not needs_i386() then return end
      local file = h.tmpdir() .. "/out.txt"
      local r = h.trace({ h.prog(PROG), "write", file, TEXT }, { flags = mode.flags })
      assert.are.equal(0, r.status, r.stderr)
      assert.are.equal(TEXT, h.read_file(file))
      local open = h.one(r.events, "open", { path = file })
      assert.are.equal("i386", open.abi)
      assert.is_true(open.writable)
      local write = h.one(r.events, "write", { filename = file })
      assert.are.equal(#TEXT, write.bytes)
      assert.are.equal(open.fd, write.fd)
      assert.are.equal("i386", write.abi)
      assert.are.equal(#TEXT, r.summary.io.files_written)
      assert.are.equal(0, r.summary.undecoded_syscalls)
    end)
  end

  it("show as the x86-64 syscalls they mean, marked i386, in trace lines", function()
    if not needs_i386() then return end
    local file = h.tmpdir() .. "/out.txt"
    local r = h.run({ h.bin(), "-v", "--", h.prog(PROG), "write", file, TEXT })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("] open " .. file .. " (write) [i386]\n", 1, true), r.stderr)
    local fd = r.stderr:match('%] %[i386%] open%("' .. file:gsub("%p", "%%%0") ..
                              '", O_WRONLY|O_CREAT|O_TRUNC, 0644%) = (%d+)\n')
    assert.truthy(fd, r.stderr)
    assert.truthy(r.stderr:find(("[i386] write(%s, \"written through int 0x80\\n\", %d) = %d\n")
                                :format(fd, #TEXT, #TEXT), 1, true), r.stderr)
    assert.truthy(r.stderr:find(("[i386] close(%s) = 0\n"):format(fd), 1, true), r.stderr)
  end)

  it("read as strace decodes the same int 0x80 calls", function()
    if not needs_i386() then return end
    if h.run({ "strace", "-V" }).status ~= 0 then
      pending("strace is not installed")
      return
    end
    local file = h.tmpdir() .. "/out.txt"
    -- The open of the file and the two calls after it: "name(args) = ret".
    local function calls(text, prefix)
      local out = {}
      for _, line in ipairs(h.lines(text)) do
        local call = line:match(prefix .. "(%a+%(.*)$")
        if call and (#out > 0 or call:find(file, 1, true)) and #out < 3 then
          out[#out + 1] = (call:gsub("%s+= ", " = "))
        end
      end
      return out
    end
    local s = h.run({ "strace", "-qq", "-e", "trace=open,write,close", h.prog(PROG), "write", file, "abc" })
    assert.are.equal(0, s.status, s.stderr)
    local r = h.run({ h.bin(), "-v", "--", h.prog(PROG), "write", file, "abc" })
    assert.are.equal(0, r.status, r.stderr)
    local want = calls(s.stderr, "^")
    assert.are.equal(3, #want, s.stderr)
    assert.are.same(want, calls(r.stderr, "%] %[i386%] "))
  end)

  it("reach the hooks of their x86-64 twins: an injected ENOSPC fails the write", function()
    if not needs_i386() then return end
    local file = h.tmpdir() .. "/out.txt"
    local r = h.run({ h.bin(), "-s", "inject", "-X", "inject.write=ENOSPC", "-X", "inject.path=" .. file,
                      "--", h.prog(PROG), "write", file, TEXT })
    assert.are.equal(1, r.status, r.stderr)
    assert.truthy(r.stderr:find("int80: write: No space left on device\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("compendium: inject: failed 1 of 1 write calls with ENOSPC: " .. file,
                                1, true), r.stderr)
    assert.are.equal("", h.read_file(file))
  end)

  it("fail check/fs-allow outside the allowed tree, and pass inside it", function()
    if not needs_i386() then return end
    local dir, elsewhere = h.tmpdir(), h.tmpdir()
    local file = dir .. "/out.txt"
    local r = check("fs-allow", { "fs.allow=" .. elsewhere .. "/**" }, { "write", file, TEXT })
    assert.are.equal(125, r.status, r.stderr)
    local list = failures(r)
    assert.are.equal(1, #list, r.stderr)
    assert.truthy(list[1]:find("check/fs-allow: write " .. file .. " (outside fs.allow) by " ..
                               PROG, 1, true), list[1])
    r = check("fs-allow", { "fs.allow=" .. dir .. "/**" }, { "write", file, TEXT })
    assert.are.equal(0, r.status, r.stderr)
  end)
end)

describe("int 0x80 execve", function()
  teardown(h.cleanup)

  it("is the exec of the program it names, not of the last file opened", function()
    if not needs_i386() then return end
    local r = h.trace({ h.prog(PROG), "exec" })
    assert.are.equal(0, r.status, r.stderr)
    local execs = h.select(r.events, "exec")
    assert.are.equal(2, #execs)
    assert.are.equal(h.prog(PROG), execs[1].program)
    assert.is_nil(execs[1].abi)
    assert.are.equal("/bin/true", execs[2].program)
    assert.are.same({ "true", "from-int80" }, execs[2].argv)
    assert.are.equal("i386", execs[2].abi)
    assert.are.equal(execs[1].pid, execs[2].pid)
  end)

  it("is checked by check/exec-allow", function()
    if not needs_i386() then return end
    local r = check("exec-allow", { "exec.allow=" .. PROG }, { "exec" })
    assert.are.equal(125, r.status, r.stderr)
    local list = failures(r)
    assert.are.equal(1, #list, r.stderr)
    -- named by the file run: /bin may be a link to /usr/bin
    local real = h.realpath("/bin/true")
    local as = real ~= "/bin/true" and " (as /bin/true)" or ""
    assert.truthy(list[1]:find("check/exec-allow: exec " .. real .. as .. " (not in exec.allow)", 1,
                               true), list[1])
  end)
end)

describe("int 0x80 clone of a thread", function()
  teardown(h.cleanup)

  it("is a thread of the process, with its tid", function()
    if not needs_i386() then return end
    local r = h.trace({ h.prog(PROG), "thread" })
    assert.are.equal(0, r.status, r.stderr)
    local tid = tonumber(r.stdout:match("^thread (%d+)\n$"))
    assert.is_number(tid, r.stdout)
    local spawn = h.one(r.events, "spawn_thread")
    assert.are.equal(tid, spawn.child_tid)
    assert.are.equal("i386", spawn.abi)
    assert.are.same({}, h.select(r.events, "spawn_process"))
    local exit = h.one(r.events, "exit", { tid = tid })
    assert.is_true(exit.is_thread)
    assert.are.equal(spawn.pid, exit.pid)
    assert.are.equal(1, r.summary.processes)
    assert.are.equal(1, r.summary.threads)
  end)
end)

describe("int 0x80 mmap2 and munmap", function()
  teardown(h.cleanup)

  it("are a mapping of the pages, at the address the program got, and its unmapping", function()
    if not needs_i386() then return end
    local r = h.trace({ h.prog(PROG), "mmap" })
    assert.are.equal(0, r.status, r.stderr)
    local addr = tonumber(r.stdout:match("^mapped (%x+)\n$"), 16)
    assert.is_number(addr, r.stdout)
    local maps = h.select(r.events, "mmap", { abi = "i386" })
    assert.are.equal(1, #maps)
    assert.are.equal(addr, h.addr(maps[1].addr))
    assert.are.equal(3 * 4096, maps[1].size)
    assert.are.equal("anon", maps[1].map_type)
    assert.are.equal("rw-", maps[1].prot)
    local unmap = h.one(r.events, "munmap", { abi = "i386" })
    assert.are.equal(addr, h.addr(unmap.addr))
    assert.are.equal(3 * 4096, unmap.size)
  end)
end)

describe("int 0x80 socketcall", function()
  teardown(h.cleanup)

  it("is the socket and the connect it stands for, with the peer", function()
    if not needs_i386() then return end
    local r = h.trace({ h.prog(PROG), "connect", "127.0.0.1", "9" })
    assert.are.equal(0, r.status, r.stderr)
    local err = r.stdout:match("^connect: (%S+)\n$")
    local connect = h.one(r.events, "connect", { abi = "i386" })
    assert.are.equal("127.0.0.1:9", connect.remote_addr)
    assert.are.equal("tcp4", connect.sock_type)
    assert.are.equal(err ~= "ok" and err or nil, connect.error)
  end)

  it("fails check/no-network when it goes for another machine", function()
    if not needs_i386() then return end
    if h.run({ "unshare", "-n", "true" }).status ~= 0 then
      pending("unshare -n is not permitted here")
      return
    end
    local r = h.check("no-network", {}, { "unshare", "-n", h.prog(PROG), "connect", "192.0.2.1", "80" })
    assert.are.equal(125, r.status, r.stderr)
    local list = failures(r)
    assert.are.equal(1, #list, r.stderr)
    assert.truthy(list[1]:find("check/no-network: connect to 192.0.2.1:80 by " .. PROG, 1, true),
                  list[1])
  end)
end)

describe("a 32-bit program", function()
  teardown(h.cleanup)

  it("is traced like a 64-bit one: its file, bytes, mapping and exit", function()
    if not needs_i386() then return end
    if not h.exists(h.prog("hello32")) then
      pending("the compiler here cannot build an i386 program")
      return
    end
    local dir = h.tmpdir()
    local r = h.trace({ h.prog("hello32") }, { cwd = dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("hello from i386\n", h.read_file(dir .. "/hello32.out"))
    local exec = h.one(r.events, "exec")
    assert.are.equal(h.prog("hello32"), exec.program)
    local open = h.one(r.events, "open", { path = dir .. "/hello32.out" })
    assert.are.equal("i386", open.abi)
    assert.is_true(open.writable)
    local write = h.one(r.events, "write", { fd = open.fd })
    assert.are.equal(16, write.bytes)
    assert.are.equal("i386", write.abi)
    local map = h.one(r.events, "mmap")
    assert.are.equal(8192, map.size)
    assert.are.equal("anon", map.map_type)
    assert.is_true(h.addr(map.addr) < 2 ^ 32)
    local unmap = h.one(r.events, "munmap")
    assert.are.equal(map.addr, unmap.addr)
    assert.are.equal(0, h.one(r.events, "exit").code)
    assert.are.equal(0, r.summary.undecoded_syscalls)
    assert.are.equal(16, r.summary.io.files_written)
  end)
end)

describe("an int 0x80 syscall compendium cannot decode", function()
  teardown(h.cleanup)

  it("is counted by name in the summary", function()
    if not needs_i386() then return end
    local r = h.trace({ h.prog(PROG), "signal" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(1, r.summary.undecoded_syscalls)
    assert.are.same({ signal = 1 }, r.summary.undecoded_by_name)
    r = h.run({ h.bin(), "--", h.prog(PROG), "signal" })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("\n Undecoded: 1 32-bit syscall that compendium could not decode " ..
                                "(signal)\n", 1, true), r.stderr)
  end)

  it("counts an x32 syscall too, with or without seccomp choosing the stops", function()
    if not needs_i386() then return end
    for _, flags in ipairs { {}, { "-v" } } do
      local r = h.trace({ h.prog(PROG), "x32" }, { flags = flags })
      assert.are.equal(0, r.status, r.stderr)
      assert.are.equal(1, r.summary.undecoded_syscalls)
      assert.are.same({ x32 = 1 }, r.summary.undecoded_by_name)
    end
  end)

  local opts = {
    ["fs-allow"] = { "fs.allow=/**" },
    ["fs-deny"] = { "fs.deny=/nowhere/**" },
    ["exec-allow"] = { "exec.allow=" .. PROG },
    ["no-network"] = {},
  }
  for _, name in ipairs { "fs-allow", "fs-deny", "exec-allow", "no-network" } do
    it("fails check/" .. name .. " closed, unless -X abi.undecoded=allow", function()
      if not needs_i386() then return end
      local r = check(name, opts[name], { "signal" })
      assert.are.equal(125, r.status, r.stderr)
      local list = failures(r)
      assert.are.equal(1, #list, r.stderr)
      assert.are.equal("check/" .. name .. ": 1 32-bit syscall that compendium could not decode " ..
                       "(signal); -X abi.undecoded=allow accepts them (check/" .. name .. ".lua:" ..
                       list[1]:match("%.lua:(%d+)%)$") .. ")", list[1])
      local allowed = {}
      for i, o in ipairs(opts[name]) do allowed[i] = o end
      allowed[#allowed + 1] = "abi.undecoded=allow"
      r = check(name, allowed, { "signal" })
      assert.are.equal(0, r.status, r.stderr)
    end)
  end
end)
