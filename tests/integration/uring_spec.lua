-- io_uring: tests/progs/uring_io opens a file, writes 64 KiB to it and
-- reads them back through one ring, with no open, write or read syscall.
-- What goes through a ring is not seen; the ring itself is an event, the
-- summaries say what was not seen, and the checks that rely on file or
-- network events fail closed unless told to accept rings.
local h = require "helpers"

local PROG = "uring_io"

local function literal(s)
  return (s:gsub("%p", "%%%0"))
end

-- The ring's fd, from the program's own line (asserts it did its I/O); a
-- program told to wait said "ready" first.
local function ring_fd(r)
  local fd = r.stdout:gsub("^ready\n", ""):match("^io_uring fd (%d+): wrote 65536, read 65536 bytes\n$")
  assert.truthy(fd, "uring_io did not finish its I/O: " .. r.stdout .. r.stderr)
  return tonumber(fd)
end

-- compendium [-s check/NAME ...] [-X ...] -- uring_io PATH
local function traced(words, path, opts)
  local argv = { h.bin() }
  for _, w in ipairs(words) do argv[#argv + 1] = w end
  argv[#argv + 1] = "--"
  argv[#argv + 1] = h.prog(PROG)
  argv[#argv + 1] = path
  return h.run(argv, opts)
end

-- "  ✗ check/NAME: io_uring set up: WHAT I/O ... by uring_io (pid N) at +T (check/NAME.lua:L)"
local function assert_ring_failure(r, name, what, key)
  assert.are.equal(125, r.status, r.stderr)
  local lines = h.lines(r.stderr)
  assert.are.equal("compendium: 1 failure:", lines[#lines - 2], r.stderr)
  local pattern = "^  ✗ " .. literal(name) .. ": io_uring set up: " .. what ..
                  " I/O through it cannot be seen %(%-X " .. literal(key) .. "=allow accepts it%) " ..
                  "by uring_io %(pid (%d+)%) at %+%d+%.%d%d%ds %(" .. literal(name) .. "%.lua:%d+%)$"
  local pid = lines[#lines - 1]:match(pattern)
  assert.truthy(pid, lines[#lines - 1])
  assert.are.equal("compendium: 1 of 1 check failed (" .. name .. "); the command exited 0; " ..
                   "the I/O through 1 io_uring was not seen", lines[#lines])
  return tonumber(pid)
end

local function assert_passes_but_says(r, name)
  assert.are.equal(0, r.status, r.stderr)
  assert.are.equal("compendium: 1 check passed (" .. name .. "); the command exited 0; " ..
                   "the I/O through 1 io_uring was not seen\n", r.stderr)
end

describe("io_uring", function()
  local dir, outside, available
  setup(function()
    dir = h.tmpdir()
    outside = dir .. "/outside.bin"
    available = h.run({ h.prog(PROG), dir .. "/probe.bin" }).status ~= 3
  end)
  teardown(h.cleanup)

  before_each(function()
    if not available then pending("the kernel offers no io_uring here") end
    os.remove(outside)
  end)

  it("is an event with the pid, the fd and the size; the JSON summary says its I/O was not seen", function()
    if not available then return end
    local r = h.trace({ h.prog(PROG), outside })
    assert.are.equal(0, r.status, r.stderr)
    local fd = ring_fd(r)
    assert.are.equal(65536, #h.read_file(outside)) -- the tracer did not get in the way
    local exec = h.one(r.events, "exec", { program = h.prog(PROG) })
    local ring = h.one(r.events, "io_uring")
    -- made when io_uring_setup returned: timed from its entry
    assert.are.equal("number", type(ring.dur_ns))
    assert.are.same({ type = "io_uring", pid = exec.pid, tid = exec.pid, ts = ring.ts, ts_ns = ring.ts_ns,
                      dur_ns = ring.dur_ns, fd = fd, entries = 4, sqpoll = false, inherited = false }, ring)
    -- what went through the ring is indeed not seen
    assert.are.same({}, h.select(r.events, "open", { path = outside }))
    assert.are.same({}, h.select(r.events, "write", { filename = outside }))
    assert.are.same({ rings = 1, io_seen = false }, r.summary.io_uring)
    assert.are.equal(0, r.summary.shown.io.files_read)
  end)

  it("is a live line, and the terminal summary says its I/O was not seen", function()
    if not available then return end
    local r = traced({}, outside)
    assert.are.equal(0, r.status, r.stderr)
    local fd = ring_fd(r)
    assert.truthy(r.stderr:find("\n%[%+%d+%.%d%d%ds%] io_uring fd " .. fd ..
                                " %(4 entries%): the I/O through it is not seen\n"), r.stderr)
    assert.truthy(r.stderr:find("\n   Not seen:     I/O through 1 io_uring (not in these totals)\n",
                                1, true), r.stderr)
  end)

  it("fails check/fs-allow (exit 125) for a file outside fs.allow, unless -X fs.uring=allow", function()
    if not available then return end
    local allow = "fs.allow=" .. dir .. "/allowed/**"
    local r = traced({ "-s", "check/fs-allow", "-X", allow }, outside)
    ring_fd(r)
    local pid = assert_ring_failure(r, "check/fs-allow", "file", "fs.uring")
    assert.truthy(pid > 0)
    assert_passes_but_says(traced({ "-s", "check/fs-allow", "-X", allow, "-X", "fs.uring=allow" },
                                  outside), "check/fs-allow")
  end)

  it("fails check/fs-deny, unless -X fs.uring=allow", function()
    if not available then return end
    local deny = "fs.deny=" .. outside
    assert_ring_failure(traced({ "-s", "check/fs-deny", "-X", deny }, outside), "check/fs-deny",
                        "file", "fs.uring")
    assert_passes_but_says(traced({ "-s", "check/fs-deny", "-X", deny, "-X", "fs.uring=allow" },
                                  outside), "check/fs-deny")
  end)

  it("fails check/no-network, unless -X net.uring=allow", function()
    if not available then return end
    assert_ring_failure(traced({ "-s", "check/no-network" }, outside), "check/no-network",
                        "network", "net.uring")
    assert_passes_but_says(traced({ "-s", "check/no-network", "-X", "net.uring=allow" }, outside),
                           "check/no-network")
  end)

  it("is named in the verdict of checks it does not fail, and in the JUnit report", function()
    if not available then return end
    local xml = dir .. "/checks.xml"
    assert_passes_but_says(traced({ "--junit", xml, "-s", "check/no-exec" }, outside), "check/no-exec")
    assert.truthy(h.read_file(xml):find('\n      <property name="not seen" value="the I/O through 1 ' ..
                                        'io_uring"/>\n', 1, true), h.read_file(xml))
  end)

  it("--pid: a ring set up before the attach is reported at its first use, and fails the check", function()
    if not available then return end
    local go, json = dir .. "/go", dir .. "/attached.jsonl"
    os.remove(go)
    local prog = h.spawn({ h.prog(PROG), outside, go })
    assert(h.wait_for(function() return prog:stdout() == "ready\n" end, 30), "uring_io never got ready")
    local c = h.spawn({ h.bin(), "--json", json, "-s", "check/fs-allow", "-X",
                        "fs.allow=" .. dir .. "/allowed/**", "--pid", tostring(prog.pid) })
    assert(h.wait_for(function()
      local status = h.read_file("/proc/" .. prog.pid .. "/status") or ""
      return tonumber(status:match("\nTracerPid:%s+(%d+)")) == c.pid
    end, 30), "compendium never attached")
    h.write_file(go, "")
    local done, r = prog:wait(), c:wait()
    assert.are.equal(0, done.status, done.stderr)
    local fd = ring_fd(done)
    local lines = h.lines(r.stderr)
    assert.are.equal(125, r.status, r.stderr)
    local pid = lines[#lines - 1]:match("^  ✗ check/fs%-allow: io_uring in use, set up before tracing: " ..
                                        "file I/O through it cannot be seen %(%-X fs%.uring=allow " ..
                                        "accepts it%) by uring_io %(pid (%d+)%) at ")
    assert.are.equal(prog.pid, tonumber(pid), r.stderr)
    local ring = h.one(h.read_jsonl(json), "io_uring")
    -- made at the entry of io_uring_enter, before the call ran: no dur_ns
    assert.are.same({ type = "io_uring", pid = prog.pid, tid = prog.pid, ts = ring.ts, ts_ns = ring.ts_ns,
                      fd = fd, entries = 4, sqpoll = false, inherited = true }, ring)
  end)

  it("gives the ring's fd the kind io_uring in c.fd", function()
    if not available then return end
    local script = dir .. "/ring_fd.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'c.on("io_uring", function(e)\n' ..
                         '  local d = c.fd(e.pid, e.fd)\n' ..
                         '  c.print("%d %s %s %s", d.fd, d.kind, d.path, tostring(d.cloexec))\n' ..
                         'end)\n')
    local r = traced({ "-s", script }, outside)
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(ring_fd(r) .. " io_uring anon_inode:[io_uring] true\n", r.stderr)
  end)

  it("refuses a value other than allow or deny before anything runs", function()
    if not available then return end
    local r = traced({ "-s", "check/fs-deny", "-X", "fs.uring=yes" }, outside)
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: option fs.uring=yes: expected allow or deny\n", r.stderr)
    assert.is_nil(h.read_file(outside))
  end)
end)
