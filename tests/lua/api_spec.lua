-- The public API (require "compendium") and the runtime the engine drives.
local fake = require "fake_host"

teardown(fake.cleanup)

local OPEN, CONNECT, READ = 3, 4, 5
local SYSCALL, ENTER = 2, 1

-- Loads `source` as script NAME.lua; returns ok, err and the file's path.
local function load(rt, name, source)
  local path = fake.script_file(name, source)
  local ok, err = rt.load(path, path)
  return ok, err, path
end

describe("c.on", function()
  local h, rt
  before_each(function() h, rt = fake.setup() end)

  it("rejects an unknown event name at the caller's line", function()
    local ok, err, path = load(rt, "bad_event", 'local c = require "compendium"\n\nc.on("opne", function() end)\n')
    assert.is_false(ok)
    assert.are.equal(path .. ":3: c.on: unknown event 'opne'; use an event kind (open, connect, read, "
      .. "write, send, recv, brk, mmap, munmap, spawn_process, spawn_thread, exec, exit, signal, fault, "
      .. "sched_delay, block_io, inject, io_uring, rename, unlink, mkdir, rmdir, link, symlink, chmod, "
      .. "chown, truncate, utimes), syscall, syscall:NAME, enter:NAME, start or end", err)
  end)

  it("rejects an unknown syscall name at the caller's line", function()
    local ok, err, path = load(rt, "bad_sys", 'local c = require "compendium"\nc.on("syscall:nosuch", print)\n')
    assert.is_false(ok)
    assert.are.equal(path .. ":2: c.on: unknown syscall 'nosuch' in \"syscall:nosuch\"", err)
    ok, err, path = load(rt, "bad_enter", 'local c = require "compendium"\nc.on("enter:nosuch", print)\n')
    assert.are.equal(path .. ":2: c.on: unknown syscall 'nosuch' in \"enter:nosuch\"", err)
  end)

  it("rejects a hook that is not a function", function()
    local ok, err, path = load(rt, "not_fn", 'local c = require "compendium"\nc.on("open", 42)\n')
    assert.is_false(ok)
    assert.are.equal(path .. ":2: c.on(\"open\"): the hook must be a function, got number", err)
  end)

  it("refuses registrations once scripts are loaded", function()
    assert.is_true((load(rt, "late", [[
      local c = require "compendium"
      c.on("open", function() c.on("read", function() end) end)
    ]])))
    rt.start()
    h:emit("open", { path = "/x" })
    local lines = h:lines()
    assert.are.equal(1, #lines)
    assert.truthy(lines[1]:find("late.lua:2: c.on: hooks can only be registered while scripts load (in 'open' hook, pid 100, +0.000s)", 1, true))
  end)

  it("tells the engine what each registration needs traced", function()
    assert.is_true((load(rt, "interest", [[
      local c = require "compendium"
      c.on("open", function() end)
      c.on("connect", function() end)
      c.on("syscall:openat", function() end)
      c.on("enter:write", function() end)
      c.on("syscall", function() end)
      c.on("start", function() end)
      c.on("end", function() end)
    ]])))
    assert.are.same({ [OPEN] = true, [CONNECT] = true }, h.wanted_events)
    assert.are.same({
      { nr = 257, at_entry = false },
      { nr = 1, at_entry = true },
      { nr = -1, at_entry = false },
    }, h.wanted_syscalls)
  end)

  it("runs handlers in registration order, across scripts", function()
    assert.is_true((load(rt, "first", [[
      local c = require "compendium"
      c.on("open", function(e) c.print("first A %s", e.path) end)
      c.on("open", function(e) c.print("first B") end)
    ]])))
    assert.is_true((load(rt, "second", [[
      local c = require "compendium"
      c.on("open", function(e) c.print("second") end)
    ]])))
    rt.start()
    h:emit("open", { path = "/etc/hosts" })
    assert.are.same({ "first A /etc/hosts", "first B", "second" }, h:lines())
  end)

  it("merges syscall, syscall:NAME and enter:NAME handlers per syscall, in order", function()
    assert.is_true((load(rt, "raw", [[
      local c = require "compendium"
      c.on("syscall:openat", function(e) c.print("openat exit %d", e.ret) end)
      c.on("syscall", function(e) c.print("any exit %s", e.name) end)
      c.on("enter:openat", function(e) c.print("openat entry") end)
      c.on("syscall:read", function(e) c.print("read exit") end)
    ]])))
    rt.start()
    h:emit("enter", { nr = 257 })
    h:emit("syscall", { nr = 257, ret = 3 })
    h:emit("syscall", { nr = 0, ret = 1 })
    h:emit("syscall", { nr = 1, ret = 1 })
    h:emit("enter", { nr = 0 })
    assert.are.same({
      "openat entry",
      "openat exit 3", "any exit openat",
      "any exit read", "read exit",
      "any exit write",
    }, h:lines())
  end)

  it("dispatches semantic events only to their own hooks", function()
    assert.is_true((load(rt, "only", [[
      local c = require "compendium"
      c.on("read", function(e) c.print("read %d", e.bytes) end)
    ]])))
    rt.start()
    h:emit("write", { bytes = 1 })
    h:emit("read", { bytes = 2 })
    h:emit("open", { path = "/x" })
    assert.are.same({ "read 2" }, h:lines())
  end)

  it("creates nothing per event when dispatching", function()
    assert.is_true((load(rt, "noop", [[
      local c = require "compendium"
      c.on("syscall", function(e) end)
      c.on("read", function(e) end)
    ]])))
    rt.start()
    local t = h:set("syscall", { nr = 0 })
    rt.dispatch(t)
    local r = h:set("read", { bytes = 1 })
    h:set("syscall", { nr = 0 })
    rt.dispatch(t)
    collectgarbage("collect")
    collectgarbage("stop")
    local before = collectgarbage("count")
    for _ = 1, 20000 do
      rt.dispatch(t)
      rt.dispatch(r)
    end
    local grown = collectgarbage("count") - before
    collectgarbage("restart")
    -- One small table or closure per call would be over 1000 KB here; the
    -- few KB allowed are the JIT's own trace objects.
    assert.is_true(grown < 64, "dispatch allocated " .. grown .. " KB")
  end)
end)

describe("scripts", function()
  local h, rt
  before_each(function() h, rt = fake.setup() end)

  it("each get their own globals", function()
    assert.is_true((load(rt, "leaky", 'counter = 41\nshared_name = "leaky"\n')))
    local ok, err = load(rt, "reader", [[
      local c = require "compendium"
      assert(counter == nil, "counter leaked")
      counter = 1
      c.on("start", function() c.print("reader sees %s", tostring(shared_name)) end)
    ]])
    assert.is_true(ok, err)
    rt.start()
    assert.are.same({ "reader sees nil" }, h:lines())
    assert.is_nil(rawget(_G, "counter"))
    assert.is_nil(rawget(_G, "shared_name"))
  end)

  it("still see the standard globals", function()
    assert.is_true((load(rt, "std", 'local c = require "compendium"\nc.on("start", function() c.print(string.upper(type(ipairs))) end)\n')))
    rt.start()
    assert.are.same({ "FUNCTION" }, h:lines())
  end)

  it("report a syntax error as one line with file:line", function()
    local ok, err, path = load(rt, "syntax", "local x = = 1\n")
    assert.is_false(ok)
    assert.are.equal(path .. ":1: unexpected symbol near '='", err)
  end)

  it("report a load-time runtime error as one line with file:line", function()
    local ok, err, path = load(rt, "runtime", "local t = nil\n\nlocal y = t.field\n")
    assert.is_false(ok)
    assert.are.equal(path .. ":3: attempt to index local 't' (a nil value)", err)
  end)

  it("keep multi-line error messages on one line", function()
    local ok, err, path = load(rt, "multiline", 'error("first\\nsecond")\n')
    assert.is_false(ok)
    assert.are.equal(path .. ":1: first second", err)
  end)

  it("stop loading with c.error's message alone", function()
    local ok, err = load(rt, "usage", 'local c = require "compendium"\nc.error("mine: set -X mine.out=FILE")\n')
    assert.is_false(ok)
    assert.are.equal("mine: set -X mine.out=FILE", err)
    ok, err = load(rt, "usage2", 'require("compendium").error("two\\nlines")\n')
    assert.is_false(ok)
    assert.are.equal("two lines", err)
  end)
end)

describe("c.opt", function()
  local function with_options(options, source, name)
    local h, rt = fake.setup { options = options }
    local ok, err = load(rt, name or "mine", source)
    return h, rt, ok, err
  end

  it("prefers SCRIPT.key over key and converts to the default's type", function()
    local h, rt, ok, err = with_options({
      { key = "limit", value = "3" }, { key = "mine.limit", value = "7" },
      { key = "ratio", value = "0.5" }, { key = "name", value = "x" },
    }, [[
      local c = require "compendium"
      local limit, ratio, name = c.opt("limit", 5), c.opt("ratio", 1), c.opt("name", "none")
      c.on("start", function() c.print("%s %s %s %s", limit, ratio, name, type(limit)) end)
    ]])
    assert.is_true(ok, err)
    rt.start()
    assert.are.same({ "7 0.5 x number" }, h:lines())
  end)

  it("uses the unscoped key when no scoped one is given", function()
    local h, rt, ok = with_options({ { key = "limit", value = "3" }, { key = "other.limit", value = "9" } },
      'local c = require "compendium"\nlocal n = c.opt("limit", 5)\nc.on("start", function() c.print("%d", n) end)\n')
    assert.is_true(ok)
    rt.start()
    assert.are.same({ "3" }, h:lines())
  end)

  it("returns the default when the option is missing, and the last -X when repeated", function()
    local h, rt, ok = with_options({ { key = "a", value = "1" }, { key = "a", value = "2" } }, [[
      local c = require "compendium"
      local a, b, d = c.opt("a", 0), c.opt("b", 10), c.opt("d")
      c.on("start", function() c.print("%d %d %s", a, b, tostring(d)) end)
    ]])
    assert.is_true(ok)
    rt.start()
    assert.are.same({ "2 10 nil" }, h:lines())
  end)

  it("converts booleans", function()
    local values = { "1", "0", "true", "false", "yes", "no", "on", "off", "YES" }
    local expected = { "true", "false", "true", "false", "true", "false", "true", "false", "true" }
    for i, v in ipairs(values) do
      local h, rt, ok = with_options({ { key = "flag", value = v } },
        'local c = require "compendium"\nlocal f = c.opt("flag", false)\nc.on("start", function() c.print(tostring(f)) end)\n')
      assert.is_true(ok)
      rt.start()
      assert.are.same({ expected[i] }, h:lines())
    end
  end)

  it("refuses values that do not convert", function()
    local _, _, ok, err = with_options({ { key = "limit", value = "abc" } },
      'local c = require "compendium"\nc.opt("limit", 5)\n')
    assert.is_false(ok)
    assert.are.equal("option limit=abc: expected a number", err)
    _, _, ok, err = with_options({ { key = "mine.flag", value = "maybe" } },
      'local c = require "compendium"\nc.opt("flag", true)\n')
    assert.is_false(ok)
    assert.are.equal("option mine.flag=maybe: expected true or false (yes/no, on/off, 1/0)", err)
  end)

  it("reports the first option no script reads", function()
    local _, rt, ok = with_options({
      { key = "mine.limit", value = "1" }, { key = "limti", value = "2" }, { key = "zzz", value = "3" },
    }, 'local c = require "compendium"\nc.opt("limit", 5)\n')
    assert.is_true(ok)
    assert.are.equal("unknown option -X limti=2: no script reads it (" ..
                     "c.opt(\"limti\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)", rt.check_options())
  end)

  it("counts both the scoped and the plain key as known", function()
    local _, rt, ok = with_options({ { key = "mine.limit", value = "1" }, { key = "limit", value = "2" } },
      'local c = require "compendium"\nc.opt("limit", 5)\n')
    assert.is_true(ok)
    assert.is_nil(rt.check_options())
  end)

  it("takes a key read only in a hook, there or in the start hook, for a known one", function()
    local h, rt, ok = with_options({ { key = "mine.greeting", value = "hello" }, { key = "limit", value = "4" } }, [[
      local c = require "compendium"
      c.on("start", function() c.print("start: %s", c.opt("greeting", "none")) end)
      c.on("open", function(e) c.print("open: limit %d", c.opt("limit", 1)) end)
    ]])
    assert.is_true(ok)
    assert.is_nil(rt.check_options())
    rt.start()
    h:emit("open", { path = "/x" })
    assert.are.same({ "start: hello", "open: limit 4" }, h:lines())
  end)

  it("still reports a misspelt key when the script reads its options in hooks", function()
    -- the same word quoted elsewhere is no c.opt call
    local _, rt, ok = with_options({ { key = "limti", value = "4" } }, [[
      local c = require "compendium"
      c.on("open", function(e) c.print("open: limit %d", c.opt("limit", 1)) end)
      c.on("end", function() c.print("limti") end)
    ]])
    assert.is_true(ok)
    assert.are.equal("unknown option -X limti=4: no script reads it (" ..
                     "c.opt(\"limti\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)", rt.check_options())
  end)

  it("scopes by the file's name inside hooks too", function()
    local h, rt, ok = with_options({ { key = "mine.mode", value = "late" } }, [[
      local c = require "compendium"
      c.opt("mode")
      c.on("start", function() c.print(c.opt("mode", "default")) end)
    ]])
    assert.is_true(ok)
    rt.start()
    assert.are.same({ "late" }, h:lines())
  end)
end)

describe("c.fail", function()
  it("lists failures with file:line after the end hooks and counts them", function()
    local h, rt = fake.setup()
    local ok, err, path = load(rt, "checker", [[
      local c = require "compendium"
      c.on("open", function(e)
        c.fail("opened " .. e.path)
      end)
      c.on("end", function(run)
        c.print("end sees %d failure(s)", #run.failures)
        c.fail("second")
      end)
    ]])
    assert.is_true(ok, err)
    rt.start()
    h:emit("open", { path = "/etc/shadow" })
    assert.are.equal(1, h.failures)
    assert.are.equal(2, rt.finish())
    assert.are.equal(2, h.failures)
    assert.are.same({
      "end sees 1 failure(s)",
      "compendium: 2 failures:",
      "  ✗ opened /etc/shadow (" .. path .. ":3)",
      "  ✗ second (" .. path .. ":7)",
      "compendium: 1 of 1 check failed (checker); the command exited 0",
    }, h:lines())
  end)

  it("says nothing when nothing failed", function()
    local h, rt = fake.setup()
    assert.is_true((load(rt, "quiet_ok", 'local c = require "compendium"\nc.on("open", function() end)\n')))
    rt.start()
    assert.are.equal(0, rt.finish())
    assert.are.same({}, h:lines())
  end)

  it("uses the singular for one failure", function()
    local h, rt = fake.setup()
    local _, _, path = load(rt, "one", 'local c = require "compendium"\nc.on("end", function() c.fail("x") end)\n')
    rt.start()
    assert.are.equal(1, rt.finish())
    assert.are.same({ "compendium: 1 failure:", "  ✗ x (" .. path .. ":2)",
                      "compendium: 1 of 1 check failed (one); the command exited 0" }, h:lines())
  end)
end)

describe("a hook that raises", function()
  it("is reported once, counted, and does not stop the other hooks", function()
    local h, rt = fake.setup()
    local ok, err, path = load(rt, "broken", [[
      local c = require "compendium"
      c.on("open", function(e)
        error("cannot handle " .. e.path)
      end)
      c.on("open", function(e) c.print("still runs for %s", e.path) end)
    ]])
    assert.is_true(ok, err)
    rt.start()
    h:emit("open", { pid = 42, ts = 0.012, path = "/a" })
    h:emit("open", { pid = 42, ts = 0.013, path = "/b" })
    h:emit("open", { pid = 42, ts = 0.014, path = "/c" })
    assert.are.equal(3, h.failures)
    assert.are.equal(3, rt.finish())
    assert.are.same({
      "compendium: error: " .. path .. ":3: cannot handle /a (in 'open' hook, pid 42, +0.012s)",
      "still runs for /a",
      "still runs for /b",
      "still runs for /c",
      "compendium: error: " .. path .. ":3: cannot handle /a (in 'open' hook) happened 2 more times",
      "compendium: 1 of 1 check failed (broken); the command exited 0",
    }, h:lines())
  end)

  it("in start or end is reported without an event", function()
    local h, rt = fake.setup()
    local _, _, path = load(rt, "phases", [[
      local c = require "compendium"
      c.on("start", function() error("no start") end)
      c.on("end", function() error("no end") end)
      c.on("end", function() c.print("later end hook") end)
    ]])
    rt.start()
    assert.are.equal(2, rt.finish())
    assert.are.same({
      "compendium: error: " .. path .. ":2: no start (in 'start' hook)",
      "compendium: error: " .. path .. ":3: no end (in 'end' hook)",
      "later end hook",
      "compendium: 1 of 1 check failed (phases); the command exited 0",
    }, h:lines())
  end)

  it("of several handlers are each reported", function()
    local h, rt = fake.setup()
    local _, _, path = load(rt, "two", [[
      local c = require "compendium"
      c.on("syscall", function() error("one") end)
      c.on("syscall", function() error("two") end)
      c.on("syscall", function(e) c.print("three %d", e.nr) end)
    ]])
    rt.start()
    h:emit("syscall", { nr = 3, ts = 1.5 })
    assert.are.same({
      "compendium: error: " .. path .. ":2: one (in 'syscall' hook, pid 100, +1.500s)",
      "compendium: error: " .. path .. ":3: two (in 'syscall' hook, pid 100, +1.500s)",
      "three 3",
    }, h:lines())
  end)
end)

describe("the run object", function()
  it("reaches start and end hooks with the engine's data and the failures", function()
    local h, rt = fake.setup()
    local seen = {}
    package.loaded["spec_seen"] = seen
    assert.is_true((load(rt, "runs", [[
      local c = require "compendium"
      local seen = require "spec_seen"
      c.on("start", function(run) seen.start = run end)
      c.on("end", function(run) c.fail("x"); seen.finish = run end)
    ]])))
    h.run_info.command = "ls -l"
    rt.start()
    h.run_info.duration = 2.25
    rt.finish()
    package.loaded["spec_seen"] = nil
    assert.are.equal("ls -l", seen.start.command)
    assert.are.equal(2.25, seen.finish.duration)
    assert.are.equal("x", seen.finish.failures[1].message)
  end)
end)

describe("helpers", function()
  local c, h
  before_each(function()
    h = fake.setup()
    c = require "compendium"
  end)

  it("c.print formats only when arguments follow", function()
    c.print("100%")
    c.print("%d%% of %s", 50, "it")
    assert.are.same({ "100%", "50% of it" }, h:lines())
  end)

  it("c.errname takes a return value or an errno", function()
    assert.are.equal("ENOENT", c.errname(-2))
    assert.are.equal("ENOENT", c.errname(2))
    assert.is_nil(c.errname(0))
  end)

  it("c.signame names signals", function()
    assert.are.equal("SIGKILL", c.signame(9))
  end)

  it("c.syscall_classes and c.syscalls_in ask the engine's table", function()
    assert.are.same({ "fd", "file" }, c.syscall_classes("openat"))
    assert.are.same({}, c.syscall_classes("mmap"))
    assert.are.same({ "unlink", "openat" }, c.syscalls_in("file"))
    assert.are.same({}, c.syscalls_in("ipc"))
    local none, why = c.syscall_classes("nosuch")
    assert.is_nil(none)
    assert.are.equal("unknown syscall 'nosuch'", why)
    none, why = c.syscalls_in("net")
    assert.is_nil(none)
    assert.are.equal("unknown syscall class 'net'; use fd, file, network or ipc", why)
    assert.is_nil((c.syscalls_in(nil)))
    assert.is_nil((c.syscall_classes(257)))
  end)

  it("c.proc and c.fd ask the engine", function()
    h.procs[7] = { pid = 7, comm = "sh" }
    h.fds["7:3"] = { fd = 3, kind = "file", path = "/x" }
    assert.are.same({ pid = 7, comm = "sh" }, c.proc(7))
    assert.are.same({ fd = 3, kind = "file", path = "/x" }, c.fd(7, 3))
    assert.is_nil(c.proc(8))
    assert.is_nil(c.fd(7, 4))
  end)

  it("c.event_kinds lists the semantic kinds in order", function()
    assert.are.same({ "open", "connect", "read", "write", "send", "recv", "brk", "mmap", "munmap",
                      "spawn_process", "spawn_thread", "exec", "exit", "signal", "fault",
                      "sched_delay", "block_io", "inject", "io_uring", "rename", "unlink", "mkdir",
                      "rmdir", "link", "symlink", "chmod", "chown", "truncate", "utimes" }, c.event_kinds)
  end)

  it("c.verbose and c.quiet follow the configuration", function()
    assert.is_false(c.verbose)
    assert.is_false(c.quiet)
    fake.setup { verbose = true, quiet = true }
    c = require "compendium"
    assert.is_true(c.verbose)
    assert.is_true(c.quiet)
  end)

  it("c.format_syscall hands the engine a cmp_event pointer", function()
    local _, rt = fake.setup()
    c = require "compendium"
    local path = fake.script_file("fmt", 'local c = require "compendium"\nc.on("syscall", function(e) c.print(c.format_syscall(e)) end)\n')
    assert.is_true((rt.load(path, path)))
    rt.start()
    local host = require "compendium.host"
    host:emit("syscall", { nr = 257, args = { -100 }, ret = 3 })
    assert.are.same({ "openat(-100) = 3" }, host:lines())
  end)

  it("c.want_format and c.want_resolved tell the engine which syscalls, only while loading", function()
    local h, rt = fake.setup()
    assert.is_true((load(rt, "wants", 'local c = require "compendium"\n' ..
                                       'c.want_format("write")\nc.want_format()\nc.want_resolved("mkdir")\n' ..
                                       'c.on("start", function() c.want_format("read") end)\n')))
    assert.are.same({ 1, -1 }, h.wanted_format)
    assert.are.same({ 83 }, h.wanted_resolved)
    rt.start()
    assert.are.same({ 1, -1 }, h.wanted_format)
    local printed = table.concat(h:lines(), "\n")
    assert.truthy(printed:find("wants.lua:5: c.want_format: only while scripts load", 1, true), printed)
    local ok, err = load(rt, "bad", 'local c = require "compendium"\nc.want_resolved("nosuch")\n')
    assert.is_false(ok)
    assert.are.equal(fake.tmpdir() .. "/bad.lua:2: c.want_resolved: unknown syscall 'nosuch'", err)
  end)

  it("c.open_output opens for writing or stops with a clean message", function()
    local path = fake.tmpdir() .. "/out.txt"
    local f = c.open_output(path)
    f:write("x")
    f:close()
    assert.are.equal("x", fake.read_file(path))
    local ok, err = pcall(c.open_output, fake.tmpdir() .. "/missing/dir/out.txt")
    assert.is_false(ok)
    assert.are.equal("cannot write " .. fake.tmpdir() .. "/missing/dir/out.txt: No such file or directory",
                     tostring(err))
  end)
end)
