-- Fault injection: what the traced program sees when a script fails,
-- changes or delays its syscalls, and what the output says about it.
local h = require "helpers"

-- A script file with the given source; returns its path.
local function script(source)
  local path = h.tmpdir() .. "/script.lua"
  h.write_file(path, source)
  return path
end

-- A script whose `hook` returns `request` (Lua code) for calls on `file`.
local function script_on_file(hook, file, request)
  return script(([[
local c = require "compendium"
c.on(%q, function(e)
  if e.fd_path == %q then return %s end
end)
]]):format(hook, file, request))
end

describe("the inject script", function()
  teardown(h.cleanup)

  it("fails writes with ENOSPC: the program sees ENOSPC, nothing is written, the output says so", function()
    local file = h.tmpdir() .. "/data.bin"
    local r = h.trace({ h.prog("inject_io"), "write", file, "3" },
                      { flags = { "-s", "default", "-s", "inject", "-X", "inject.write=ENOSPC",
                                  "-X", "inject.path=" .. file } })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("write 1: ENOSPC\nwrite 2: ENOSPC\nwrite 3: ENOSPC\nsize: 0\n", r.stdout)
    local _, lines = r.stderr:gsub("%] inject write " .. file:gsub("%p", "%%%0") .. " → ENOSPC %(injected%)\n", "")
    assert.are.equal(3, lines, r.stderr)
    assert.truthy(r.stderr:find("compendium: inject: failed 3 of 3 write calls with ENOSPC: " .. file .. " ×3\n",
                                1, true), r.stderr)
    -- a failed write wrote nothing: no write event, no bytes in the totals
    assert.are.same({}, h.select(r.events, "write", { filename = file }))
    local injected = h.select(r.events, "inject")
    assert.are.equal(3, #injected)
    for _, e in ipairs(injected) do
      assert.are.equal("write", e.name)
      assert.are.equal("error", e.op)
      assert.are.equal(-28, e.ret)
      assert.are.equal("ENOSPC", e.error)
      assert.are.equal(file, e.fd_path)
    end
  end)

  it("refuses connections with ECONNREFUSED, which the connect event reports", function()
    local r = h.trace({ h.prog("inject_connect") }, { flags = { "-s", "inject", "-X", "inject.connect=ECONNREFUSED" } })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("connect: ECONNREFUSED\n", r.stdout)
    local connect = h.one(r.events, "connect", { error = "ECONNREFUSED" })
    assert.are.equal("tcp4", connect.sock_type)
    local inject = h.one(r.events, "inject", { name = "connect" })
    assert.are.equal(connect.remote_addr, inject.sockaddr)
    -- without injection the same program connects
    r = h.run({ h.bin(), "-s", "check/no-network", "--", h.prog("inject_connect") })
    assert.are.equal("connect: ok\n", r.stdout)
  end)

  it("fails exactly every 3rd read", function()
    local file = h.tmpdir() .. "/in.txt"
    h.write_file(file, "abcdefgh")
    local r = h.run({ h.bin(), "-s", "inject", "-X", "inject.read=EIO", "-X", "inject.every=3",
                      "-X", "inject.path=" .. file, "--", h.prog("inject_io"), "read", file, "10" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(table.concat({
      "read 1: 1", "read 2: 1", "read 3: EIO", "read 4: 1", "read 5: 1", "read 6: EIO",
      "read 7: 1", "read 8: 1", "read 9: EIO", "read 10: 1", "" }, "\n"), r.stdout)
    assert.truthy(r.stderr:find("compendium: inject: failed 3 of 10 read calls with EIO: " .. file .. " ×3\n",
                                1, true), r.stderr)
  end)

  it("interrupts reads with EINTR, and a program that retries recovers", function()
    local file = h.tmpdir() .. "/in.txt"
    h.write_file(file, "hello")
    local r = h.run({ h.bin(), "-s", "inject", "-X", "inject.read=EINTR", "-X", "inject.max=2",
                      "-X", "inject.path=" .. file, "--", h.prog("inject_io"), "retry", file })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("EINTR retries: 2\nread: hello\n", r.stdout)
  end)

  it("chooses the same calls again with the same seed", function()
    local file = h.tmpdir() .. "/in.txt"
    h.write_file(file, string.rep("x", 64))
    local function run()
      return h.run({ h.bin(), "-s", "inject", "-X", "inject.read=EIO", "-X", "inject.probability=0.5",
                     "-X", "inject.seed=1234", "-X", "inject.path=" .. file,
                     "--", h.prog("inject_io"), "read", file, "40" })
    end
    local a, b = run(), run()
    assert.are.equal(0, a.status, a.stderr)
    assert.are.equal(a.stdout, b.stdout)
    local _, failed = a.stdout:gsub(": EIO\n", "")
    assert.is_true(failed > 0 and failed < 40, a.stdout)
    assert.truthy(a.stderr:find("compendium: inject: seed 1234 (repeat with -X inject.seed=1234)", 1, true))
  end)

  it("never fails the command's own start, only the programs it runs", function()
    local r = h.run({ h.bin(), "-s", "inject", "-X", "inject.execve=EACCES", "--",
                      "sh", "-c", "/bin/true; echo status $?" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("status 126\n", r.stdout)
    assert.truthy(r.stderr:find("compendium: inject: failed 1 of 1 execve calls with EACCES: /bin/true\n", 1, true),
                  r.stderr)
  end)

  it("refuses an unknown errno name or syscall before anything runs", function()
    local marker = h.tmpdir() .. "/ran"
    for _, opt in ipairs { "inject.write=ENOSPCX", "inject.wrtie=ENOSPC" } do
      local r = h.run({ h.bin(), "-s", "inject", "-X", opt, "--", "touch", marker })
      assert.are.equal(2, r.status)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.truthy(r.stderr:find("option " .. opt, 1, true), r.stderr)
      assert.is_false(h.exists(marker))
    end
  end)
end)

describe("a script's own injection", function()
  teardown(h.cleanup)

  it("c.inject_return from an exit hook changes what the program sees, after the write happened", function()
    local file = h.tmpdir() .. "/out.bin"
    local path = script_on_file("syscall:write", file, "c.inject_return(2)")
    local r = h.trace({ h.prog("inject_io"), "write", file, "3" }, { flags = { "-s", path } })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("write 1: 2\nwrite 2: 2\nwrite 3: 2\nsize: 12\n", r.stdout)
    -- the state counts what the program was told
    assert.are.same({ 2, 2, 2 }, h.pluck(h.select(r.events, "write", { filename = file }), "bytes"))
    assert.are.same({ "return", "return", "return" }, h.pluck(h.select(r.events, "inject"), "op"))
  end)

  it("c.inject_return from an enter hook skips the syscall", function()
    local file = h.tmpdir() .. "/out.bin"
    local path = script_on_file("enter:write", file, "c.inject_return(4)")
    local r = h.run({ h.bin(), "-s", path, "--", h.prog("inject_io"), "write", file, "2" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("write 1: 4\nwrite 2: 4\nsize: 0\n", r.stdout)
  end)

  it("fails a call when every syscall stops without seccomp (-v)", function()
    local file = h.tmpdir() .. "/data.bin"
    local r = h.run({ h.bin(), "-v", "-s", "default", "-s", "inject", "-X", "inject.write=EIO",
                      "-X", "inject.path=" .. file, "--", h.prog("inject_io"), "write", file, "1" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("write 1: EIO\nsize: 0\n", r.stdout)
    assert.truthy(r.stderr:find('write%(%d+, "abcd", 4%) = %-1 EIO %(Input/output error%)\n'), r.stderr)
  end)

  it("c.delay holds the syscall while other processes run on", function()
    local file = h.tmpdir() .. "/synced"
    local path = script([[
local c = require "compendium"
c.on("enter:fsync", function() return c.delay(1000) end)
]])
    local r = h.run({ h.bin(), "-s", "default", "-s", path, "--", h.prog("inject_delay"), file })
    assert.are.equal(0, r.status, r.stderr)
    local ms = tonumber(r.stdout:match("^fsync: ok after (%d+) ms\n"))
    assert.truthy(ms, r.stdout)
    assert.is_true(ms >= 1000, r.stdout)
    assert.truthy(r.stdout:find("other process done meanwhile: yes\n", 1, true), r.stdout)
    assert.truthy(r.stderr:find("inject fsync " .. file .. " → delayed 1000 ms (injected)", 1, true), r.stderr)
  end)
end)

describe("a delayed syscall when tracing ends", function()
  teardown(h.cleanup)

  it("is released on detach: the process runs on, untraced", function()
    local dir = h.tmpdir()
    local ticks = dir .. "/ticks.txt"
    local path = script_on_file("enter:write", ticks, "c.delay(600000)")
    local prog = h.spawn({ h.prog("threads_loop"), ticks, "6" })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "threads_loop never got ready")
    local c = h.spawn({ h.bin(), "-s", "default", "-s", path, "--pid", tostring(prog.pid) })
    assert(h.wait_for(function() return c:stderr():find("(injected)", 1, true) end, 30), "no write was held")
    local held = #h.lines(h.read_file(ticks))
    h.kill(c.pid, h.SIGINT)
    local r = c:wait()
    assert.are.equal(0, r.status, r.stderr)
    -- the held writes complete and the threads go on ticking
    assert(h.wait_for(function() return #h.lines(h.read_file(ticks)) >= held + 4 end, 30),
           "the process did not run on after the detach")
    local status = h.read_file("/proc/" .. prog.pid .. "/status") or ""
    assert.truthy(status:find("\nTracerPid:%s+0\n"), status)
    assert.are.equal(0, prog:wait().status)
  end)

  it("is ended by a second Ctrl-C, which kills the processes", function()
    local path = script([[
local c = require "compendium"
c.on("enter:fsync", function() return c.delay(600000) end)
]])
    local c = h.spawn({ h.bin(), "-s", "default", "-s", path, "--", h.prog("inject_delay"), h.tmpdir() .. "/f" })
    assert(h.wait_for(function() return c:stderr():find("(injected)", 1, true) end, 30), "fsync was not held")
    h.kill(c.pid, h.SIGINT)
    h.sleep(0.2)
    h.kill(c.pid, h.SIGINT)
    local r = c:wait()
    -- the held child is killed; the parent died of the first SIGINT (passed
    -- on to it), or of the SIGKILL when the second came first
    assert.truthy(r.stderr:find("%] killed by SIGKILL\n"), r.stderr)
    assert.truthy(r.status == 128 + 2 or r.status == 128 + 9, r.stderr)
    assert.is_nil(r.stdout:find("fsync:", 1, true))
  end)
end)
