-- Checks: qualified options, compendium.check (one report per distinct
-- violation, with a count), the verdict line and the JUnit document.
local fake = require "fake_host"

teardown(fake.cleanup)

local function options(map)
  local list = {}
  for k, v in pairs(map) do list[#list + 1] = { key = k, value = v } end
  table.sort(list, function(a, b) return a.key < b.key end)
  return list
end

local function load(rt, name, source)
  local path = fake.script_file(name, source)
  local ok, err = rt.load(path, path)
  return ok, err, path
end

describe("options with a dot", function()
  it("are read exactly, whatever the script is called", function()
    local h, rt = fake.setup { options = options { ["fs.allow"] = "/tmp/**", ["mine.fs.allow"] = "/no" } }
    assert(load(rt, "mine", [[
      local c = require "compendium"
      c.on("start", function() c.print(c.opt("fs.allow", "unset")) end)
    ]]))
    rt.start()
    assert.are.same({ "/tmp/**" }, h:lines())
    assert.are.equal("unknown option -X mine.fs.allow=/no: no script reads it (" ..
                     "c.opt(\"mine.fs.allow\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)", rt.check_options())
  end)

  it("report a misspelt key before tracing", function()
    local _, rt = fake.setup { options = options { ["fs.alow"] = "/tmp/**" } }
    assert(load(rt, "reader", 'local c = require "compendium"\nc.opt("fs.allow")\n'))
    assert.are.equal("unknown option -X fs.alow=/tmp/**: no script reads it (" ..
                     "c.opt(\"fs.alow\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)", rt.check_options())
  end)

  it("can be listed by prefix, the last -X of a key winning", function()
    local _, rt = fake.setup { options = {
      { key = "inject.write", value = "EIO" }, { key = "inject.read", value = "EINTR" },
      { key = "inject.write", value = "ENOSPC" }, { key = "injected", value = "x" },
      { key = "inject.", value = "y" },
    } }
    local c = require "compendium"
    assert(load(rt, "lister", 'local c = require "compendium"\nlisted = c.options("inject")\n'))
    assert.are.same({ write = "ENOSPC", read = "EINTR" }, c.options("inject"))
    assert.are.equal("unknown option -X injected=x: no script reads it (" ..
                     "c.opt(\"injected\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)", rt.check_options())
  end)
end)

describe("a check", function()
  local h, rt, path
  before_each(function()
    h, rt = fake.setup()
    h.procs[42] = { pid = 42, tid = 42, comm = "curl" }
    h.procs[43] = { pid = 43, tid = 43, comm = "wget" }
    local ok, err
    ok, err, path = load(rt, "peers", [[
      local c = require "compendium"
      local check = require("compendium.check").new()
      c.on("connect", function(e)
        check:violation(e, "connect to %s", e.remote_addr)
      end)
    ]])
    assert.is_true(ok, err)
  end)

  it("reports each distinct violation once, with the first pid, program and time, and a count", function()
    rt.start()
    h:emit("connect", { pid = 42, ts = 0.25, remote_addr = "192.0.2.1:80" })
    h:emit("connect", { pid = 43, ts = 0.5, remote_addr = "192.0.2.1:80" })
    h:emit("connect", { pid = 43, ts = 0.75, remote_addr = "192.0.2.9:443" })
    h:emit("connect", { pid = 42, ts = 1.0, remote_addr = "192.0.2.1:80" })
    assert.are.equal(2, h.failures)
    assert.are.equal(2, rt.finish())
    assert.are.same({
      "compendium: 2 failures:",
      "  ✗ peers: connect to 192.0.2.1:80 by curl (pid 42) at +0.250s, 3 times (" .. path .. ":4)",
      "  ✗ peers: connect to 192.0.2.9:443 by wget (pid 43) at +0.750s (" .. path .. ":4)",
      "compendium: 1 of 1 check failed (peers); the command exited 0",
    }, h:lines())
  end)

  it("passes when nothing broke the rule, and the verdict names it with the command's status", function()
    h.run_info.exit = { code = 3 }
    rt.start()
    assert.are.equal(0, rt.finish())
    assert.are.same({ "compendium: 1 check passed (peers); the command exited 3" }, h:lines())
  end)

  it("says how the command ended when it failed too", function()
    h.run_info.exit = { signal = "SIGSEGV" }
    rt.start()
    h:emit("connect", { pid = 42, ts = 0.25, remote_addr = "192.0.2.1:80" })
    rt.finish()
    local lines = h:lines()
    assert.are.equal("compendium: 1 of 1 check failed (peers); the command was killed by SIGSEGV",
                     lines[#lines])
  end)
end)

describe("a check that fails closed on undecoded 32-bit syscalls", function()
  local SCRIPT = [[
    local check = require("compendium.check").new()
    check:fail_closed_on_undecoded()
  ]]

  it("fails once at the end, naming them, pointing at the check", function()
    local h, rt = fake.setup()
    local ok, err, path = load(rt, "gate", SCRIPT)
    assert.is_true(ok, err)
    h.run_info.undecoded_syscalls = 3
    h.run_info.undecoded_by_name = { signal = 2, x32 = 1 }
    rt.start()
    assert.are.equal(1, rt.finish())
    assert.are.same({
      "compendium: 1 failure:",
      "  ✗ gate: 3 32-bit syscalls that compendium could not decode (signal ×2, x32); " ..
      "-X abi.undecoded=allow accepts them (" .. path .. ":2)",
      "compendium: 1 of 1 check failed (gate); the command exited 0",
    }, h:lines())
  end)

  it("passes when there were none, or with -X abi.undecoded=allow", function()
    local h, rt = fake.setup()
    assert.is_true((load(rt, "gate", SCRIPT)))
    rt.start()
    assert.are.equal(0, rt.finish())
    h, rt = fake.setup { options = { { key = "abi.undecoded", value = "allow" } } }
    assert.is_true((load(rt, "gate", SCRIPT)))
    h.run_info.undecoded_syscalls = 1
    h.run_info.undecoded_by_name = { signal = 1 }
    rt.start()
    assert.are.equal(0, rt.finish())
  end)
end)

describe("check options", function()
  local check
  setup(function()
    fake.setup()
    check = require "compendium.check"
  end)

  it("read sizes, 1024-based", function()
    assert.are.equal(512 * 1024 * 1024, check.parse_size("512MB"))
    assert.are.equal(1024 ^ 3, check.parse_size("1G"))
    assert.are.equal(100 * 1024, check.parse_size("100KB"))
    assert.are.equal(1536, check.parse_size("1.5k"))
    assert.are.equal(4096, check.parse_size("4096"))
    assert.are.equal(2 * 1024 ^ 3, check.parse_size("2 GiB"))
    assert.is_nil(check.parse_size("lots"))
    assert.is_nil(check.parse_size("12XB"))
    assert.is_nil(check.parse_size("-5MB"))
    assert.is_nil(check.parse_size(""))
  end)

  it("refuse bad values in one line naming the option", function()
    local cases = {
      { { ["memory.max"] = "lots" }, 'check.size("memory.max")',
        "option memory.max=lots: expected a size like 512MB, 1G or 100KB" },
      { { ["fs.allow"] = "/tmp/[x" }, 'check.globs("fs.allow")', "option fs.allow=/tmp/[x: unclosed [ in glob '/tmp/[x'" },
      { {}, 'check.globs("fs.allow")', "mycheck needs -X fs.allow=GLOB[,GLOB...]" },
      { { ["processes.max"] = "2.5" }, 'check.count("processes.max", nil, 1)',
        "option processes.max=2.5: expected a whole number >= 1" },
    }
    for _, case in ipairs(cases) do
      local _, rt = fake.setup { options = options(case[1]) }
      local ok, err = load(rt, "mycheck", 'local check = require "compendium.check"\n' .. case[2] .. "\n")
      assert.is_false(ok)
      assert.are.equal(case[3], err)
    end
  end)
end)

describe("check paths", function()
  local check, h
  setup(function()
    h = fake.setup()
    check = require "compendium.check"
  end)

  -- a tid with no /proc entry: its working directory cannot be read
  local gone = { pid = 2 ^ 30, tid = 2 ^ 30 }

  it("make paths absolute lexically, or say why they cannot", function()
    assert.are.equal("/a/c", check.absolute(gone, "/a/b/../c"))
    local path, why = check.absolute(gone, "tmp/evil")
    assert.is_nil(path)
    assert.are.equal("relative to a working directory with no name within PATH_MAX", why)
    path, why = check.absolute(gone, nil)
    assert.is_nil(path)
    assert.are.equal("the path argument could not be read", why)
  end)

  it("make relative paths absolute against the working directory the engine tracks", function()
    -- no process has this tid: the directory can only come from the engine's state
    h.procs[2 ^ 30 - 1] = { pid = 2 ^ 30 - 1, tid = 2 ^ 30 - 1, cwd = "/srv/app" }
    local e = { pid = 2 ^ 30 - 1, tid = 2 ^ 30 - 1 }
    assert.are.equal("/srv/app/tmp/x", check.absolute(e, "tmp/../tmp/./x"))
    h.procs[2 ^ 30 - 1].cwd = ""
    local path, why = check.absolute(e, "x")
    assert.is_nil(path)
    assert.are.equal("relative to a working directory with no name within PATH_MAX", why)
    h.procs[2 ^ 30 - 1] = nil
  end)

  it("resolve what a path names from the record, or say why they cannot", function()
    local e = require("compendium.event").view(h.event())
    -- /tmp/l -> /srv; path2 x/y: its directory is gone
    h:set("syscall", { nr = 82, path = "/tmp/l/", path2 = "x/y" })
    h.resolved_paths[0] = { dir = "/tmp", full = "/srv" }
    h.resolved_paths[1] = { dir_err = 2, full_err = 2 }
    assert.are.equal("/tmp/l", check.resolved(e, "path"))
    assert.are.equal("/srv", check.resolved(e, "path", true))
    local path, why = check.resolved(e, "path2")
    assert.is_nil(path)
    assert.are.equal("x/y cannot be resolved (ENOENT)", why)
    -- a path ending in "..", and one at the root
    h:set("syscall", { nr = 83, path = "/a/b/.." })
    h.resolved_paths[0] = { dir = "/a", full = "/a" }
    assert.are.equal("/a", check.resolved(e, "path"))
    h:set("syscall", { nr = 83, path = "/top" })
    h.resolved_paths[0] = { dir = "/", full_err = 2 }
    assert.are.equal("/top", check.resolved(e, "path"))
    -- an unreadable argument, and a record without resolved paths: nothing
    -- is read anywhere else (this tid has no /proc entry anyway)
    h:set("syscall", { nr = 83, tid = 2 ^ 30 })
    path, why = check.resolved(e, "path")
    assert.is_nil(path)
    assert.are.equal("the path argument could not be read", why)
    h:set("syscall", { nr = 83, tid = 2 ^ 30, path = "/tmp/x" })
    h.resolved_paths = {}
    path, why = check.resolved(e, "path")
    assert.is_nil(path)
    assert.are.equal('/tmp/x was not resolved when the call returned (c.want_resolved("mkdir"))', why)
  end)
end)

describe("the bundled no-network check", function()
  it("fails on peers off this machine only, connect or sendto", function()
    local h, rt = fake.setup()
    assert(rt.load(fake.bundled("check/no-network"), "check/no-network"))
    rt.start()
    for _, peer in ipairs { "127.0.0.1:80", "127.1.2.3:53", "[::1]:8080", "0.0.0.0:80", "[::]:1",
                            "[::ffff:127.0.0.1]:80", "/run/x.sock", "netlink:pid=0,groups=0" } do
      h:emit("connect", { pid = 5, remote_addr = peer })
      h:emit("syscall", { pid = 5, nr = 44, sockaddr = peer })
    end
    assert.are.equal(0, h.failures)
    h:emit("connect", { pid = 5, ts = 0.001, remote_addr = "192.0.2.1:80" })
    h:emit("connect", { pid = 5, remote_addr = "[2001:db8::1]:443" })
    h:emit("syscall", { pid = 5, nr = 44, sockaddr = "[::ffff:192.0.2.7]:53" })
    assert.are.equal(3, h.failures)
    rt.finish()
    local lines = h:lines()
    assert.truthy(lines[2]:find("✗ check/no-network: connect to 192.0.2.1:80 by pid 5 at +0.001s " ..
                                "(check/no-network.lua:", 1, true), lines[2])
    assert.truthy(lines[3]:find("connect to [2001:db8::1]:443", 1, true), lines[3])
    assert.truthy(lines[4]:find("sendto [::ffff:192.0.2.7]:53", 1, true), lines[4])
  end)
end)

describe("io_uring in a check", function()
  -- The bundled checks that a ring makes blind, with the option that lets
  -- one through and what it says is not seen.
  local CASES = {
    { "check/fs-allow", { ["fs.allow"] = "/tmp/**" }, "fs.uring", "file" },
    { "check/fs-deny", {}, "fs.uring", "file" },
    { "check/no-network", {}, "net.uring", "network" },
  }

  local function setup_check(case, extra)
    local opts = {}
    for k, v in pairs(case[2]) do opts[k] = v end
    for k, v in pairs(extra or {}) do opts[k] = v end
    local h, rt = fake.setup { options = options(opts) }
    h.procs[7] = { pid = 7, tid = 7, comm = "ringer" }
    local ok, err = rt.load(fake.bundled(case[1]), case[1])
    return h, rt, ok, err
  end

  for _, case in ipairs(CASES) do
    local name, key, what = case[1], case[3], case[4]

    it(name .. " fails closed on each ring, once per kind of ring, naming " .. key, function()
      local h, rt, ok, err = setup_check(case)
      assert.is_true(ok, err)
      assert.is_nil(rt.check_options())
      rt.start()
      h:emit("io_uring", { pid = 7, ts = 0.5, fd = 3, entries = 8 })
      h:emit("io_uring", { pid = 7, ts = 0.6, fd = 4, entries = 8 })
      h:emit("io_uring", { pid = 7, ts = 0.7, fd = 5, inherited = true })
      assert.are.equal(2, h.failures) -- a message once: the second ring only counts
      h.run_info.io_urings = 3
      assert.are.equal(2, rt.finish())
      local lines = h:lines()
      local line = "  ✗ " .. name .. ": io_uring set up: " .. what .. " I/O through it cannot " ..
                   "be seen (-X " .. key .. "=allow accepts it) by ringer (pid 7) at +0.500s, 2 times (" ..
                   name .. ".lua:"
      assert.are.equal(line, lines[2]:sub(1, #line), lines[2])
      assert.truthy(lines[3]:find(name .. ": io_uring in use, set up before tracing: " .. what ..
                                  " I/O", 1, true), lines[3])
      assert.are.equal("compendium: 1 of 1 check failed (" .. name .. "); the command exited 0; " ..
                       "the I/O through 3 io_urings was not seen", lines[4])
    end)

    it(name .. " lets a ring through with -X " .. key .. "=allow, and the verdict still says it", function()
      local h, rt, ok, err = setup_check(case, { [key] = "allow" })
      assert.is_true(ok, err)
      assert.is_nil(rt.check_options())
      rt.start()
      h:emit("io_uring", { pid = 7, fd = 3, entries = 8 })
      assert.are.equal(0, h.failures)
      h.run_info.io_urings = 1
      assert.are.equal(0, rt.finish())
      assert.are.same({ "compendium: 1 check passed (" .. name .. "); the command exited 0; " ..
                        "the I/O through 1 io_uring was not seen" }, h:lines())
    end)

    it(name .. " refuses -X " .. key .. " other than allow or deny", function()
      local _, _, ok, err = setup_check(case, { [key] = "yes" })
      assert.is_false(ok)
      assert.are.equal("option " .. key .. "=yes: expected allow or deny", err)
    end)
  end

  it("says nothing of io_uring in the verdict of a run without one", function()
    local h, rt, ok, err = setup_check(CASES[1])
    assert.is_true(ok, err)
    rt.start()
    assert.are.equal(0, rt.finish())
    assert.are.same({ "compendium: 1 check passed (check/fs-allow); the command exited 0" }, h:lines())
  end)
end)

describe("the JUnit document", function()
  local junit
  setup(function()
    fake.setup()
    junit = require "compendium.junit"
  end)

  it("escapes markup, control characters and bad UTF-8 from the traced program", function()
    assert.are.equal("a &lt;b&gt; &amp; \"c\" 'd'", junit.escape("a <b> & \"c\" 'd'"))
    assert.are.equal("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;&#10;", junit.escape("a <b> & \"c\" 'd'\n", true))
    assert.are.equal("\\x1b[31m\\x00\239\191\189é", junit.escape("\27[31m\0\255é"))
    assert.are.equal("\\u009b\\u202eé", junit.escape("\194\155\226\128\174é"))
  end)

  it("has one testcase per check, one failure element with every violation, and the command's own case", function()
    local run = fake.default_run()
    run.exit = { code = 2 }
    local doc = junit.render({
      { name = "check/no-network", failures = {}, errors = {} },
      { name = "check/fs-allow", failures = { "write /etc/x <1>", "unlink /etc/y" }, errors = {} },
    }, run, "the command exited 2")
    assert.truthy(doc:find('^<%?xml version="1.0" encoding="UTF%-8"%?>\n<testsuites name="compendium" ' ..
                           'tests="3" failures="2" errors="0" time="0.500">\n'), doc)
    assert.truthy(doc:find('<testcase name="check/no%-network" classname="compendium" time="0.500"/>'), doc)
    assert.truthy(doc:find('<failure message="write /etc/x &lt;1&gt; %(and 1 more%)" type="check">' ..
                           'write /etc/x &lt;1&gt;\nunlink /etc/y</failure>'), doc)
    assert.truthy(doc:find('<testcase name="exit status" classname="compendium" time="0.500">\n' ..
                           '      <failure message="the command exited 2" type="exit status">', 1, true), doc)
    assert.truthy(doc:find('<property name="command" value="prog --flag"/>', 1, true), doc)
    assert.falsy(doc:find("not seen", 1, true), doc)
  end)

  it("says what the trace could not see: the I/O through io_urings", function()
    local run = fake.default_run()
    run.io_urings = 2
    local doc = junit.render({ { name = "check/no-exec", failures = {}, errors = {} } }, run,
                             "the command exited 0")
    assert.truthy(doc:find('\n      <property name="status" value="the command exited 0"/>\n' ..
                           '      <property name="not seen" value="the I/O through 2 io_urings"/>\n',
                           1, true), doc)
  end)
end)
