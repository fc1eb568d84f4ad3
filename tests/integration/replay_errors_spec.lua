-- What --record and --replay do with bad input: a file that is not a
-- recording, of a newer format, cut short or corrupted; an unwritable or
-- full --record file; options a replay cannot take. One clear line, never a
-- crash; a cut recording replays up to its last whole record and says so.
local h = require "helpers"

local function record(command, flags)
  local dir = h.tmpdir()
  local rec = dir .. "/run.cmpd"
  local argv = { h.bin(), "-q", "--record", rec }
  for _, f in ipairs(flags or {}) do argv[#argv + 1] = f end
  argv[#argv + 1] = "--"
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  local r = h.run(argv)
  assert.are.equal(0, r.status, r.stderr)
  return rec, dir
end

local function replay(rec, flags)
  local json = h.tmpdir() .. "/replay.jsonl"
  local argv = { h.bin(), "-r", rec, "--json", json }
  for _, f in ipairs(flags or {}) do argv[#argv + 1] = f end
  local r = h.run(argv)
  r.json = json
  return r
end

local function write_bytes(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

describe("--replay of a file that is not a whole recording", function()
  local rec, bytes, full
  setup(function()
    rec = record({ h.prog("counts"), "40", "40" })
    bytes = h.read_file(rec)
    full = replay(rec)
    full.events = h.read_jsonl(full.json)
  end)
  teardown(h.cleanup)

  it("replays a whole one without a word about it", function()
    assert.are.equal(0, full.status, full.stderr)
    assert.is_nil(full.stderr:find("cut short", 1, true))
    assert.are.equal("summary", full.events[#full.events].type)
    assert.are.equal(40, #h.select(full.events, "open", { path = "/etc/hostname" }))
  end)

  it("says in one line that a file is not a recording", function()
    local dir = h.tmpdir()
    write_bytes(dir .. "/text", "hello, world\n")
    local r = replay(dir .. "/text")
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: " .. dir .. "/text is neither a compendium recording nor an strace log\n",
                     r.stderr)
    r = replay(dir .. "/missing")
    assert.are.equal(1, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("No such file or directory", 1, true), r.stderr)
    write_bytes(dir .. "/empty", "")
    r = replay(dir .. "/empty")
    assert.are.equal(1, r.status)
    assert.are.equal("compendium: " .. dir .. "/empty is not a compendium recording\n", r.stderr)
  end)

  it("says in one line that a recording is of a newer format", function()
    local dir = h.tmpdir()
    write_bytes(dir .. "/newer", bytes:sub(1, 8) .. "\2\0\0\0" .. bytes:sub(13))
    local r = replay(dir .. "/newer")
    assert.are.equal(1, r.status)
    assert.are.equal("compendium: " .. dir .. "/newer is a recording of format version 2; this " ..
                     "compendium reads version 1: replay it with a newer compendium\n", r.stderr)
  end)

  it("replays a cut one up to its last whole record, wherever it was cut, and says so", function()
    local dir = h.tmpdir()
    local cuts = {}
    for n = 0, 24 do cuts[#cuts + 1] = n end
    for k = 1, 30 do cuts[#cuts + 1] = math.floor(#bytes * k / 31) end
    cuts[#cuts + 1] = #bytes - 1
    local replayed_some = 0
    for _, n in ipairs(cuts) do
      local path = dir .. "/cut" .. n
      write_bytes(path, bytes:sub(1, n))
      local r = replay(path)
      if n < 8 then
        assert.are.equal(1, r.status, n)
        assert.is_true(h.one_line_error(r.stderr), r.stderr)
      elseif r.status == 1 then
        -- cut before its header was whole: nothing to replay
        assert.are.equal("compendium: " .. path .. " is cut short before its header: there is " ..
                         "nothing to replay\n", r.stderr)
      else
        replayed_some = replayed_some + 1
        assert.are.equal(125, r.status, r.stderr)
        assert.truthy(r.stderr:find("\ncompendium: " .. path:gsub("%p", "%%%0") ..
                                    ": the recording is cut short at byte %d+ %(it was not finished%): " ..
                                    "replayed up to its last whole record\n"), r.stderr)
        local events = h.read_jsonl(r.json)
        assert.are.equal("summary", events[#events].type)
        -- what it replays is what the whole file gives, up to where it ends
        assert.is_true(#events <= #full.events)
        for i = 1, #events - 1 do assert.are.same(full.events[i], events[i]) end
      end
    end
    assert.is_true(replayed_some >= 25)
  end)

  it("says in one line where a recording is corrupted", function()
    local dir = h.tmpdir()
    for k = 1, 12 do
      local at = 12 + math.floor((#bytes - 13) * k / 12) -- a byte after the preamble
      local b = bytes:byte(at)
      local path = dir .. "/bad" .. k
      write_bytes(path, bytes:sub(1, at - 1) .. string.char((b + 1) % 256) .. bytes:sub(at + 1))
      local r = replay(path)
      assert.are.equal(1, r.status, r.stderr)
      local where = tonumber(r.stderr:match("^compendium: " .. path:gsub("%p", "%%%0") ..
                                            " is corrupted at byte (%d+) %(its checksum does not " ..
                                            "match%): it cannot be replayed\n$"))
      assert.truthy(where, r.stderr)
      assert.is_true(where >= 12 and where < at, r.stderr)
    end
  end)
end)

describe("--record", function()
  teardown(h.cleanup)

  it("refuses a file it cannot create before anything runs", function()
    local dir = h.tmpdir()
    local r = h.run({ h.bin(), "--record", dir .. "/no/such/dir/run.cmpd", "--", "sh", "-c",
                      "touch " .. h.quote(dir .. "/ran") })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: cannot write recording " .. dir .. "/no/such/dir/run.cmpd: No " ..
                     "such file or directory\n", r.stderr)
    assert.is_false(h.exists(dir .. "/ran"))
  end)

  it("says when the recording cannot be written, and the exit status is 125", function()
    local dir = h.tmpdir()
    local r = h.run({ h.bin(), "-q", "--record", "/dev/full", "--", "sh", "-c",
                      "touch " .. h.quote(dir .. "/ran") .. "; exit 3" })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("compendium: writing /dev/full: No space left on device\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("exit status 125, not 3: the output is incomplete: /dev/full", 1, true),
                  r.stderr)
    assert.is_true(h.exists(dir .. "/ran"))
  end)

  it("is written as the trace goes on: what compendium recorded before it was killed replays", function()
    local dir = h.tmpdir()
    local rec = dir .. "/run.cmpd"
    local c = h.spawn({ h.bin(), "-q", "--record", rec, "--", "sh", "-c",
                        "echo hi > " .. h.quote(dir .. "/f") .. "; exec sleep 60" })
    -- the write is in the file while the command still sleeps
    local seen = h.wait_for(function()
      local r = h.run({ h.bin(), "-r", rec })
      return r.stderr:find("open " .. dir .. "/f (write)", 1, true) and r
    end, 30)
    assert.truthy(seen, "the recording never had the write")
    h.kill(c.pid, 9)
    c:wait()
    local r = h.run({ h.bin(), "-r", rec })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("open " .. dir .. "/f (write)", 1, true), r.stderr)
    assert.truthy(r.stderr:find("the recording is cut short at byte", 1, true), r.stderr)
  end)

  it("with -q only records: nothing is printed, and the replay shows the default view", function()
    local dir = h.tmpdir()
    local rec = dir .. "/run.cmpd"
    local r = h.run({ h.bin(), "-q", "--record", rec, "--", h.prog("fileio"), dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("", r.stderr)
    local view = h.run({ h.bin(), "-r", rec })
    assert.are.equal(0, view.status, view.stderr)
    assert.truthy(view.stderr:find("^compendium: replaying a recording: tracing " .. h.prog("fileio"):gsub("%p", "%%%0")),
                  view.stderr)
    assert.truthy(view.stderr:find("open " .. dir .. "/out.bin (write)", 1, true), view.stderr)
    assert.truthy(view.stderr:find("Files written:%s+1%.7 KB"), view.stderr)
  end)
end)

describe("what a recording has", function()
  teardown(h.cleanup)

  local COUNT = [[
local c = require "compendium"
local seen = {}
c.on("syscall", function(e) seen[e.name] = (seen[e.name] or 0) + 1 end)
c.on("end", function()
  local names = {}
  for name, n in pairs(seen) do names[#names + 1] = name .. "=" .. n end
  table.sort(names)
  c.print("seen %s", table.concat(names, " "))
end)
]]

  it("is what the run stopped for: a hook on anything else is warned about in one line", function()
    local rec = record({ h.prog("counts"), "2", "1" })
    local script = h.tmpdir() .. "/getpid.lua"
    h.write_file(script, [[
local c = require "compendium"
c.on("syscall:getpid", function() end)
c.on("syscall:openat", function() end)
]])
    local r = replay(rec, { "-s", script })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("compendium: warning: " .. rec .. " did not record getpid: hooks on it see nothing " ..
                     "(record with the same scripts, or --record-all)\n", r.stderr)
  end)

  it("with --record-all is every syscall, for any script", function()
    local script = h.tmpdir() .. "/count.lua"
    h.write_file(script, COUNT)
    local narrow = record({ h.prog("counts"), "3", "1" })
    local r = replay(narrow, { "-s", script })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find("^compendium: warning: the scripts hook every syscall, but " ..
                                narrow:gsub("%p", "%%%0") .. " has only those it stopped for"), r.stderr)
    assert.is_nil(r.stderr:find(" set_tid_address=", 1, true), r.stderr)

    local all = record({ h.prog("counts"), "3", "1" }, { "--record-all" })
    r = replay(all, { "-s", script })
    assert.are.equal(0, r.status, r.stderr)
    -- what the state needs no stop for: the C library's start
    assert.truthy(r.stderr:find("^seen .* set_tid_address=1 "), r.stderr)
    assert.truthy(r.stderr:find(" arch_prctl=%d"), r.stderr)
    assert.is_nil(r.stderr:find("warning", 1, true), r.stderr)
    -- the 3 opens of /etc/hostname, the loader's and /dev/null's
    local openat = tonumber(r.stderr:match(" openat=(%d+)"))
    assert.is_true(openat >= 5, r.stderr)
  end)
end)

describe("a replay stopped with Ctrl-C", function()
  teardown(h.cleanup)

  it("ends where it is, says so, and the exit status is 125", function()
    local dir = h.tmpdir()
    local rec = record({ h.prog("counts"), "0", "5000" })
    local script = dir .. "/wait.lua"
    -- the first write's hook waits until the test has sent the signal
    h.write_file(script, ([[
local c = require "compendium"
local n = 0
c.on("write", function()
  n = n + 1
  if n > 1 then return end
  io.open("%s/started", "w"):close()
  for _ = 1, 3000000000 do
    local f = io.open("%s/sent")
    if f then f:close() return end
  end
end)
c.on("end", function() c.print("writes replayed: %%d", n) end)
]]):format(dir, dir))
    local c = h.spawn({ h.bin(), "-r", rec, "-s", script })
    assert(h.wait_for(function() return h.exists(dir .. "/started") end, 30), "the replay never started")
    h.kill(c.pid, 2)
    h.write_file(dir .. "/sent", "")
    local r = c:wait()
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("compendium: " .. rec:gsub("%p", "%%%0") ..
                                ": the replay was stopped at byte %d+: the rest is not replayed\n"), r.stderr)
    local n = tonumber(r.stderr:match("writes replayed: (%d+)"))
    assert.truthy(n, r.stderr)
    assert.is_true(n >= 1 and n < 5000, r.stderr)
  end)
end)

describe("--replay", function()
  teardown(h.cleanup)

  it("is an option: programs named replay or diff are traced as ever", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/replay", "#!/bin/sh\nexit 7\n")
    os.execute("chmod +x " .. h.quote(dir .. "/replay"))
    local r = h.run({ h.bin(), "-q", "replay" }, { env = { PATH = dir .. ":/usr/bin:/bin" } })
    assert.are.equal(7, r.status, r.stderr)
    h.write_file(dir .. "/a", "a\n")
    h.write_file(dir .. "/b", "b\n")
    r = h.run({ h.bin(), "-q", "diff", "a", "b" }, { cwd = dir })
    assert.are.equal(1, r.status, r.stderr) -- diff's own: the files differ
  end)

  it("refuses what a replay cannot do, in one line, with status 2", function()
    local rec = record({ "true" })
    local enter = h.tmpdir() .. "/enter.lua"
    h.write_file(enter, 'local c = require "compendium"\nc.on("enter:openat", function() end)\n')
    local cases = {
      { { "-r", rec, "--", "true" }, "--replay reads its records from the recording: give it no command" },
      { { "-r", rec, "--pid", "1" }, "--replay reads its records from the recording: give it no --pid" },
      { { "-r", rec, "--faults" }, "--faults watches running tasks" },
      { { "-r", rec, "--ebpf" }, "--ebpf watches running tasks" },
      { { "-r", rec, "--record", rec .. "2" }, "a replay is not recorded again" },
      { { "--record-all", "--", "true" }, "--record-all needs --record FILE" },
      { { "-r", rec, "-s", enter }, 'c.on("enter:openat") needs a source that stops the traced task' },
      { { "-r", rec, "--json", rec }, "name the same file" },
    }
    for _, case in ipairs(cases) do
      local argv = { h.bin() }
      for _, a in ipairs(case[1]) do argv[#argv + 1] = a end
      local r = h.run(argv)
      assert.are.equal(2, r.status, table.concat(case[1], " ") .. ": " .. r.stderr)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.truthy(r.stderr:find(case[2], 1, true), r.stderr)
    end
    -- the recording is untouched by a refused --json onto it
    assert.are.equal(0, replay(rec).status)
  end)
end)
