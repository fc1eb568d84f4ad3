-- What scripts read of a syscall's record beyond the state, on real
-- programs: the -v lines (c.format_syscall renders the memory the source
-- captured, only where a script wants it), c.fd on an fd the state has not
-- met, and check.resolved taking the tree as it was when the call returned.
local h = require "helpers"

-- The syscall lines of a -v run: "[+T] [TID] TEXT" → TEXT.
local function syscall_lines(stderr)
  local lines = {}
  for _, line in ipairs(h.lines(stderr)) do
    local text = line:match("^%[%+%d+%.%d%d%ds%] %[%d+%] (.*)$")
    if text then lines[#lines + 1] = text end
  end
  return lines
end

local function has(lines, want)
  for _, l in ipairs(lines) do
    if l == want then return true end
  end
  return false
end

local function matching(lines, pattern)
  for _, l in ipairs(lines) do
    if l:match(pattern) then return l end
  end
  return nil
end

-- "null=3\nmemfd=4\n..." → { null = 3, memfd = 4, pipe = {5, 6}, ... }
local function fds(stdout)
  local t = {}
  for name, value in stdout:gmatch("(%w+)=([%d,]+)\n") do
    local a, b = value:match("^(%d+),(%d+)$")
    t[name] = a and { tonumber(a), tonumber(b) } or tonumber(value)
  end
  return t
end

describe("-v lines", function()
  local dir, r, lines, fd
  setup(function()
    dir = h.realpath(h.tmpdir())
    r = h.run({ h.bin(), "-v", "--", h.prog("shown_args"), dir })
    lines = syscall_lines(r.stderr)
    fd = fds(r.stdout)
  end)
  teardown(h.cleanup)

  it("cut strings and buffers longer than 32 bytes with ...", function()
    assert.are.equal(0, r.status, r.stderr)
    local abc = "abcdefghijklmnopqrstuvwxyzabcdef"
    assert.is_true(has(lines, ('write(%d, "%s"..., 100) = 100'):format(fd.null, abc)), r.stderr)
    assert.is_true(has(lines, ('write(%d, "%s", 32) = 32'):format(fd.null, abc)), r.stderr)
    assert.is_true(has(lines, ('memfd_create("a-name-that-is-longer-than-thirt"..., 0) = %d'):format(fd.memfd)),
                   r.stderr)
  end)

  it("show pointers that cannot be read as hex", function()
    assert.is_true(has(lines, ("write(%d, 0x10, 6) = 6"):format(fd.null)), r.stderr)
    assert.is_true(has(lines, "memfd_create(0x10, 0) = -1 EFAULT (Bad address)"), r.stderr)
  end)

  it("show what the kernel wrote into a buffer, as many bytes as it returned", function()
    assert.is_true(has(lines, ('read(%d, "kernel\\n", 64) = 7'):format(fd.pipe[1])), r.stderr)
    assert.is_true(has(lines, ('read(%d, "abcdefghijklmnopqrstuvwxyzabcdef"..., 100) = 100'):format(fd.pipe[1])),
                   r.stderr)
  end)

  it("show socket addresses passed in and those the kernel stored, with the stored length", function()
    local stream, dgram = dir .. "/stream", dir .. "/dgram"
    for _, want in ipairs {
      ('bind(%d, {sa_family=AF_UNIX, sun_path="%s"}, 110) = 0'):format(fd.server, stream),
      ('connect(%d, {sa_family=AF_UNIX, sun_path="%s"}, 110) = 0'):format(fd.client, stream),
      -- the room offered (a whole sockaddr_un) => the length stored
      ("accept(%d, {sa_family=AF_UNIX}, [110 => 2]) = %d"):format(fd.server, fd.conn),
      ('getsockname(%d, {sa_family=AF_UNIX, sun_path="%s"}, [110 => %d]) = 0'):format(fd.server, stream,
                                                                                   2 + #stream + 1),
      ('sendto(%d, "ping", 4, 0, {sa_family=AF_UNIX, sun_path="%s"}, 110) = 4'):format(fd.sender, dgram),
    } do
      assert.is_true(has(lines, want), want .. "\n" .. r.stderr)
    end
    -- an unbound sender: the kernel stores no address (length 0)
    assert.truthy(matching(lines, ('^recvfrom%%(%d, "ping", 64, 0, 0x%%x+, 0x%%x+%%) = 4$'):format(fd.receiver)),
                  r.stderr)
  end)

  it("show the start of a path too long for the kernel", function()
    assert.is_true(has(lines, ('openat(AT_FDCWD, "%s"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)'):format(("x"):rep(135))),
                   r.stderr)
  end)
end)

describe("what is read of the traced memory", function()
  teardown(h.cleanup)

  -- How many times compendium read the 8 bytes of one of shown_args's 50
  -- last writes from its memory: its pread64 calls of /proc/PID/mem that
  -- got "12345678", under strace (which follows compendium only, not the
  -- program it traces).
  local function buffer_reads(flags)
    local dir = h.realpath(h.tmpdir())
    h.run({ "rm", "-rf", dir .. "/stream", dir .. "/dgram" })
    local log = dir .. "/strace.log"
    local argv = { "strace", "-o", log, "-e", "trace=pread64", h.bin() }
    for _, f in ipairs(flags) do argv[#argv + 1] = f end
    for _, a in ipairs { "--", h.prog("shown_args"), dir, "50" } do argv[#argv + 1] = a end
    local r = h.run(argv)
    assert.are.equal(0, r.status, r.stderr)
    local n = 0
    for line in (h.read_file(log) or ""):gmatch("[^\n]+") do
      if line:match('^pread64%(%d+, "12345678", 8, %d+%) = 8$') then n = n + 1 end
    end
    return n
  end

  it("is nothing of a write's buffer unless a script formats writes", function()
    if h.run({ "strace", "-V" }).status ~= 0 then
      pending("strace is not installed")
      return
    end
    local hook = h.tmpdir() .. "/hook_writes.lua"
    h.write_file(hook, 'local c = require "compendium"\nc.on("syscall:write", function() end)\n')
    local format = h.tmpdir() .. "/format_writes.lua"
    h.write_file(format, 'local c = require "compendium"\nc.want_format("write")\n' ..
                         'c.on("syscall:write", function(e) c.format_syscall(e) end)\n')
    -- the default view, and a hook on write that does not format
    assert.are.equal(0, buffer_reads({}))
    assert.are.equal(0, buffer_reads({ "-q", "-s", hook }))
    -- formatting them reads each write's buffer once, as -v does
    assert.are.equal(50, buffer_reads({ "-q", "-s", format }))
    assert.are.equal(50, buffer_reads({ "-v" }))
  end)
end)

describe("c.format_syscall without c.want_format", function()
  teardown(h.cleanup)

  it("shows the pointers, the paths and what the state decoded", function()
    local dir = h.realpath(h.tmpdir())
    local script = dir .. "/no_want.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'c.on("syscall:memfd_create", function(e) c.print(c.format_syscall(e)) end)\n' ..
                         'c.on("syscall:bind", function(e) c.print(c.format_syscall(e)) end)\n')
    local r = h.run({ h.bin(), "-s", script, "--", h.prog("shown_args"), dir })
    assert.are.equal(0, r.status, r.stderr)
    local lines = h.lines(r.stderr)
    assert.truthy(matching(lines, "^memfd_create%(0x%x+, 0%) = %d+$"), r.stderr)
    assert.is_true(has(lines, "memfd_create(0x10, 0) = -1 EFAULT (Bad address)"), r.stderr)
    -- the address a hooked bind passes is decoded for the hook's e.addr
    assert.is_true(has(lines, ('bind(%d, {sa_family=AF_UNIX, sun_path="%s/stream"}, 110) = 0'):format(fds(r.stdout).server, dir)),
                   r.stderr)
  end)
end)

describe("c.fd", function()
  teardown(h.cleanup)

  it("on an fd the program inherited and never used asks the source what it is", function()
    local dir = h.realpath(h.tmpdir())
    local file = dir .. "/inherited.txt"
    h.write_file(file, "x")
    local script = dir .. "/fd3.lua"
    h.write_file(script, 'local c = require "compendium"\n' ..
                         'c.on("exec", function(e)\n' ..
                         '  local d = c.fd(e.pid, 3)\n' ..
                         '  c.print("fd 3: %s %s writable=%s", d and d.kind, d and d.path, d and tostring(d.writable))\n' ..
                         '  c.print("fd 9: %s", tostring(c.fd(e.pid, 9)))\n' ..
                         'end)\n')
    local r = h.run({ "sh", "-c", 'exec 3<"$1"; shift; exec "$@"', "sh", file, h.bin(), "-s", script, "--",
                      "/bin/true" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.same({ "fd 3: file " .. file .. " writable=false", "fd 9: nil" }, h.lines(r.stderr))
  end)
end)

describe("check.resolved", function()
  teardown(h.cleanup)

  it("takes the tree as it was when the call returned, not as a later hook left it", function()
    local dir = h.realpath(h.tmpdir())
    assert.are.equal(0, h.run(("mkdir %s/ok %s/out %s/ok/real && ln -s ../out %s/ok/lnk && ln -s real %s/ok/lnk2")
                              :format(dir, dir, dir, dir, dir)).status)
    -- a hook before the check's points DIR/ok/lnk at DIR/ok/real once the
    -- mkdir through it (into DIR/out) has returned
    local relink = h.source() .. "/tests/integration/scripts/relink.lua"
    local r = h.run({ h.bin(), "-s", relink, "-X", "dir=" .. dir, "-s", "check/fs-allow",
                      "-X", "fs.allow=" .. dir .. "/ok/**", "--", h.prog("check_actions"),
                      "mkdir:" .. dir .. "/ok/lnk/sub" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.equal(dir .. "/ok/real", h.realpath(dir .. "/ok/lnk"))
    local failures = h.failure_lines(r.stderr)
    assert.are.equal(1, #failures, r.stderr)
    assert.truthy(failures[1]:find("check/fs-allow: mkdir " .. dir .. "/out/sub (outside fs.allow)", 1, true),
                  r.stderr)
  end)

  it("resolves a relative path from the directory a chdir through a symlink reached", function()
    local dir = h.realpath(h.tmpdir())
    assert.are.equal(0, h.run(("mkdir %s/ok %s/out && ln -s ../out %s/ok/lnk"):format(dir, dir, dir)).status)
    local r = h.run({ h.bin(), "-s", "check/fs-allow", "-X", "fs.allow=" .. dir .. "/ok/**", "--",
                      h.prog("check_actions"), "cd:ok/lnk", "mkdir:sub", "mkdir:../ok/fine" }, { cwd = dir })
    assert.are.equal(125, r.status, r.stderr)
    local failures = h.failure_lines(r.stderr)
    assert.are.equal(1, #failures, r.stderr)
    assert.truthy(failures[1]:find("check/fs-allow: mkdir " .. dir .. "/out/sub (outside fs.allow)", 1, true),
                  r.stderr)
  end)

  it("says why when no script declared the syscall", function()
    local dir = h.realpath(h.tmpdir())
    local script = dir .. "/undeclared.lua"
    h.write_file(script, 'local c = require "compendium"\nlocal check = require "compendium.check"\n' ..
                         'c.on("syscall:mkdir", function(e) c.print("%s", select(2, check.resolved(e, "path"))) end)\n')
    local r = h.run({ h.bin(), "-q", "-s", script, "--", "mkdir", dir .. "/new" })
    assert.are.equal(0, r.status, r.stderr)
    -- and -q with no check says how the command ended
    assert.are.equal(dir .. '/new was not resolved when the call returned (c.want_resolved("mkdir"))\n' ..
                     "compendium: no checks; the command exited 0\n", r.stderr)
  end)
end)
