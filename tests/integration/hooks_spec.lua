-- Scripts: a test script counts syscalls with syscall:NAME and enter:NAME
-- hooks; the counts must be exact.
local h = require "helpers"

local COUNT = h.source() .. "/tests/integration/scripts/count.lua"

describe("a script counting syscalls", function()
  teardown(h.cleanup)

  it("sees every openat and every write, exactly once", function()
    local r = h.run({ h.bin(), "-s", COUNT, "--", h.prog("counts"), "7", "11" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("", r.stdout)
    assert.truthy(r.stderr:find("count: openat /etc/hostname = 7\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("count: write /dev/null = 11 (11 bytes)\n", 1, true), r.stderr)
  end)

  it("counts zero when nothing happens", function()
    local r = h.run({ h.bin(), "-s", COUNT, "--", h.prog("counts"), "0", "0" })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("count: openat /etc/hostname = 0\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("count: write /dev/null = 0 (0 bytes)\n", 1, true), r.stderr)
  end)

  it("hooks a class of syscalls, as strace's -e trace=%file", function()
    local dir = h.tmpdir()
    local script = dir .. "/files.lua"
    h.write_file(script, [[
local c = require "compendium"
local seen, hostname = {}, 0
for _, name in ipairs(assert(c.syscalls_in("file"))) do
  c.on("syscall:" .. name, function(e)
    seen[e.name] = true
    if e.path == "/etc/hostname" then hostname = hostname + 1 end
  end)
end
c.on("end", function()
  c.print("classes of openat: %s", table.concat(c.syscall_classes("openat"), ","))
  c.print("classes of write: %s", table.concat(c.syscall_classes("write"), ","))
  c.print("file syscalls with /etc/hostname: %d", hostname)
  local names = {}
  for name in pairs(seen) do names[#names + 1] = name end
  table.sort(names)
  c.print("seen: %s", table.concat(names, ","))
  c.print("no such class: %s", select(2, c.syscalls_in("files")))
end)
]])
    local r = h.run({ h.bin(), "-s", script, "--", h.prog("counts"), "7", "11" })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("classes of openat: fd,file\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("classes of write: fd\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("file syscalls with /etc/hostname: 7\n", 1, true), r.stderr)
    -- counts and its loader: every name seen is a file syscall, none of
    -- its writes or closes (fd syscalls with no path) are hooked
    local seen = r.stderr:match("seen: ([%w_,]*)\n")
    assert.truthy(seen, r.stderr)
    local set = {}
    for name in seen:gmatch("[%w_]+") do set[name] = true end
    assert.is_true(set.openat, seen)
    assert.is_true(set.execve, seen)
    assert.is_nil(set.write, seen)
    assert.is_nil(set.close, seen)
    assert.is_nil(set.mmap, seen)
    assert.truthy(r.stderr:find("no such class: unknown syscall class 'files'; use fd, file, "
      .. "network, process, memory, signal, ipc, creds or clock\n", 1, true), r.stderr)
  end)

  it("reads its options from -X", function()
    local r = h.run({ h.bin(), "-s", COUNT, "-X", "path=/dev/null", "-X", "sink=/nonexistent",
                      "--", h.prog("counts"), "3", "5" })
    assert.are.equal(0, r.status, r.stderr)
    -- counts opens /dev/null once (with openat) for its writes
    assert.truthy(r.stderr:find("count: openat /dev/null = 1\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("count: write /nonexistent = 0 (0 bytes)\n", 1, true), r.stderr)
  end)

  it("sees every syscall before it runs with an \"enter\" hook", function()
    local dir = h.tmpdir()
    local script = dir .. "/enters.lua"
    -- each write to /dev/null: its enter first (no ret yet), then its exit
    h.write_file(script, [[
local c = require "compendium"
local entered, before_exit, opens = 0, 0, 0
local pending = {}
c.on("enter", function(e)
  if e.name == "write" and e.fd_path == "/dev/null" then
    entered = entered + 1
    pending[e.tid] = true
  elseif e.name == "openat" and e.path == "/etc/hostname" then
    opens = opens + 1
  end
end)
c.on("syscall:write", function(e)
  if e.fd_path == "/dev/null" and pending[e.tid] then
    before_exit = before_exit + 1
    pending[e.tid] = nil
  end
end)
c.on("end", function()
  c.print("enter: %d writes, %d of them before their exit; %d openat", entered, before_exit, opens)
end)
]])
    local r = h.run({ h.bin(), "-s", script, "--", h.prog("counts"), "3", "5" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("enter: 5 writes, 5 of them before their exit; 3 openat\n", r.stderr)
  end)

  it("reads an option in a hook, and still refuses a misspelt one", function()
    local dir = h.tmpdir()
    local script = dir .. "/late.lua"
    h.write_file(script, [[
local c = require "compendium"
c.on("start", function() c.print("label %s", c.opt("label", "none")) end)
c.on("syscall:openat", function(e)
  if e.path == c.opt("path", "/etc/hostname") then c.print("openat %s", e.path) end
end)
]])
    local r = h.run({ h.bin(), "-s", script, "-X", "late.label=x", "-X", "path=/dev/null",
                      "--", h.prog("counts"), "1", "0" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("label x\nopenat /dev/null\n", r.stderr)
    r = h.run({ h.bin(), "-s", script, "-X", "pth=/dev/null", "--", h.prog("counts"), "1", "0" })
    assert.are.equal(2, r.status, r.stderr)
    assert.are.equal("compendium: unknown option -X pth=/dev/null: no script reads it (" ..
                     "c.opt(\"pth\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)\n", r.stderr)
  end)

  it("composes with another script, each seeing every event", function()
    local r = h.run({ h.bin(), "-s", COUNT, "-s", COUNT, "--", h.prog("counts"), "2", "4" })
    assert.are.equal(0, r.status, r.stderr)
    local _, opens = r.stderr:gsub("count: openat /etc/hostname = 2\n", "")
    local _, writes = r.stderr:gsub("count: write /dev/null = 4 %(4 bytes%)\n", "")
    assert.are.equal(2, opens)
    assert.are.equal(2, writes)
  end)

  it("sees the children's syscalls too", function()
    local cmd = h.quote(h.prog("counts")) .. " 2 1 && " .. h.quote(h.prog("counts")) .. " 3 2"
    local r = h.run({ h.bin(), "-s", COUNT, "--", "sh", "-c", cmd })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("count: openat /etc/hostname = 5\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("count: write /dev/null = 3 (3 bytes)\n", 1, true), r.stderr)
  end)
end)

describe("semantic event hooks", function()
  teardown(h.cleanup)

  it("get the fields of the JSON schema", function()
    local dir = h.tmpdir()
    local script = dir .. "/opens.lua"
    h.write_file(script, [[
local c = require "compendium"
c.on("open", function(e)
  if e.path == "/etc/hostname" then
    c.print("open %s writable=%s fd=%d same=%s", e.path, tostring(e.writable), e.fd,
            tostring(e.pid == e.tid))
  end
end)
c.on("exit", function(e)
  if not e.is_thread then c.print("exit code=%s", tostring(e.code)) end
end)
]])
    local r = h.run({ h.bin(), "-s", script, "--", h.prog("counts"), "2", "0" })
    assert.are.equal(0, r.status, r.stderr)
    -- closed in between, so both opens get the same fd (the lowest free one)
    local fds = {}
    for fd in r.stderr:gmatch("open /etc/hostname writable=false fd=(%d+) same=true\n") do
      fds[#fds + 1] = tonumber(fd)
    end
    assert.are.equal(2, #fds, r.stderr)
    assert.are.equal(fds[1], fds[2])
    assert.is_true(fds[1] >= 3)
    assert.truthy(r.stderr:find("exit code=0\n", 1, true), r.stderr)
  end)
end)
