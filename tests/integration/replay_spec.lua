-- --record keeps the record stream; --replay (-r) runs the scripts over it
-- again. Every output of a replay must equal the live run's: each JSON line,
-- the default view (but its first line, which says it is a replay), the
-- report's data, the checks' verdicts and JUnit, and the exit status.
local h = require "helpers"
local cjson = require "cjson"

-- A live run with --record, --json and -o, then its replay with the same
-- flags: both results, with their events and text.
local function live_and_replay(command, flags, opts)
  opts = opts or {}
  local dir = h.tmpdir()
  local rec = dir .. "/run.cmpd"
  local function run(which, extra)
    local argv = { h.bin() }
    for _, f in ipairs(flags or {}) do argv[#argv + 1] = (f:gsub("%%OUT", dir .. "/" .. which)) end
    for _, f in ipairs(extra) do argv[#argv + 1] = f end
    argv[#argv + 1] = "--json"
    argv[#argv + 1] = dir .. "/" .. which .. ".jsonl"
    argv[#argv + 1] = "-o"
    argv[#argv + 1] = dir .. "/" .. which .. ".txt"
    if which == "live" then
      argv[#argv + 1] = "--"
      for _, a in ipairs(command) do argv[#argv + 1] = a end
    end
    local r = h.run(argv, opts.run)
    r.events = h.read_jsonl(dir .. "/" .. which .. ".jsonl")
    r.text = h.read_file(dir .. "/" .. which .. ".txt")
    return r
  end
  local live_flags = { "--record", rec }
  for _, f in ipairs(opts.live_flags or {}) do live_flags[#live_flags + 1] = f end
  local live = run("live", live_flags)
  local replay = run("replay", { "-r", rec })
  return live, replay, dir
end

-- Equal but for what says which source the records came from.
local function assert_same_outputs(live, replay)
  assert.are.equal(live.status, replay.status, "live:\n" .. live.stderr .. "\nreplay:\n" .. replay.stderr)
  assert.are.equal(#live.events, #replay.events)
  local ls, rs = live.events[#live.events], replay.events[#replay.events]
  assert.are.same({ name = "ptrace", live = true, can_stop = true }, ls.source)
  assert.are.same({ name = "recording", live = false, can_stop = false }, rs.source)
  ls.source, rs.source = nil, nil
  for i = 1, #live.events do assert.are.same(live.events[i], replay.events[i]) end
  -- the default view's first line says it is a replay
  local expected = live.text:gsub("^compendium: tracing ", "compendium: replaying a recording: tracing ", 1)
                            :gsub("^compendium: attached ", "compendium: replaying a recording: attached ", 1)
                            -- and the outputs it names are the replay's own
                            :gsub("(\ncompendium: report written to [^\n]*/)live(%.html )", "%1replay%2")
  assert.are.equal(expected, replay.text)
end

describe("a replay of a recording", function()
  teardown(h.cleanup)

  it("gives every output of the live run: a program that reads and writes files", function()
    local dir = h.tmpdir()
    local live, replay = live_and_replay({ h.prog("fileio"), dir })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    assert.are.equal(1750, replay.events[#replay.events].io.files_written)
  end)

  it("gives every output of the live run: processes, threads and pipes", function()
    local live, replay = live_and_replay({ h.prog("spawn") })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    assert.are.equal(1, #h.select(replay.events, "spawn_thread"))
  end)

  it("gives every output of the live run: an exec by a thread that is not the leader", function()
    local live, replay = live_and_replay({ h.prog("thread_exec") })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    local exec = h.select(replay.events, "exec")
    assert.are.equal("/bin/echo", exec[#exec].program)
  end)

  it("gives every output of the live run: memory, and a TCP conversation between threads", function()
    local l1, r1 = live_and_replay({ h.prog("memory") })
    assert_same_outputs(l1, r1)
    local l2, r2 = live_and_replay({ h.prog("tcp_loopback") })
    assert.are.equal(0, l2.status, l2.stderr)
    assert_same_outputs(l2, r2)
    -- the server's 3000 and the client's 700
    assert.are.equal(3700, h.sum(h.select(r2.events, "recv"), "bytes"))
  end)

  it("gives every output of the live run: tar of a small tree", function()
    local dir = h.tmpdir()
    os.execute("mkdir -p " .. h.quote(dir .. "/tree/a/b") .. " && for i in 1 2 3 4 5; do echo file $i > " ..
               h.quote(dir .. "/tree/a") .. "/f$i; done && echo deep > " .. h.quote(dir .. "/tree/a/b/g"))
    local live, replay = live_and_replay({ "tar", "cf", dir .. "/out.tar", "-C", dir, "tree" })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    assert.truthy(#h.select(replay.events, "open", { path = dir .. "/tree/a/b/g" }) == 1)
  end)

  it("gives every output of the live run: a shell pipeline", function()
    local live, replay = live_and_replay({ "sh", "-c", "seq 1 2000 | grep 7 | wc -l > /dev/null; exit 3" })
    assert.are.equal(3, live.status, live.stderr)
    assert_same_outputs(live, replay)
    assert.is_true(#h.select(replay.events, "spawn_process") >= 3)
  end)

  it("gives every output of the live run: gcc compiling a program", function()
    if os.execute("command -v gcc >/dev/null 2>&1") ~= 0 and os.execute("command -v gcc >/dev/null 2>&1") ~= true then
      pending("gcc is not installed here: the gcc replay is not tested")
      return
    end
    local dir = h.tmpdir()
    h.write_file(dir .. "/hello.c", '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n')
    local live, replay = live_and_replay({ "gcc", "-o", dir .. "/hello", dir .. "/hello.c" })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    assert.is_true(#h.select(replay.events, "exec") >= 3) -- gcc, cc1, as, collect2/ld
  end)

  it("gives the checks' verdicts, JUnit and exit status of the live run", function()
    local dir = h.tmpdir()
    local live, replay, out = live_and_replay({ h.prog("fileio"), dir }, {
      "-s", "check/fs-allow", "-X", "fs.allow=/nowhere/**", "-s", "check/no-network",
      "--junit", "%OUT.xml",
    })
    assert.are.equal(125, live.status, live.stderr)
    assert.truthy(live.stderr:find("✗ check/fs-allow: write " .. dir .. "/out.bin", 1, true), live.stderr)
    assert.are.equal(live.stderr, replay.stderr)
    assert_same_outputs(live, replay)
    local junit = h.read_file(out .. "/live.xml")
    assert.truthy(junit:find('<testcase name="check/fs-allow"', 1, true), junit)
    assert.are.equal(junit, h.read_file(out .. "/replay.xml"))
  end)

  it("recorded with --record-all, shows -v's every syscall as the live -v did", function()
    local dir = h.tmpdir()
    local live, replay = live_and_replay({ h.prog("fileio"), dir }, { "-v" }, { live_flags = { "--record-all" } })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    -- the buffers' contents, not their addresses: the record holds them
    assert.truthy(live.text:find('write%(%d+, "'), live.text)
    assert.truthy(replay.text:find('write%(%d+, "'), replay.text)
  end)

  it("recorded with a narrow script, shows -v's syscalls without the memory it did not capture", function()
    local dir = h.tmpdir()
    local rec = dir .. "/run.cmpd"
    local live = h.run({ h.bin(), "--record", rec, "-o", dir .. "/live.txt", "--", h.prog("fileio"), dir })
    assert.are.equal(0, live.status, live.stderr)
    local replay = h.run({ h.bin(), "-r", rec, "-v", "-o", dir .. "/replay.txt" })
    assert.are.equal(0, replay.status, replay.stderr)
    local text = h.read_file(dir .. "/replay.txt")
    -- a write's buffer was not captured: its pointer stands for it
    assert.truthy(text:find("write%(%d+, 0x%x+, %d+%) = %d+"), text)
    assert.falsy(text:find('write%(%d+, "'), text)
  end)

  it("gives the report's data of the live run", function()
    local live, replay, out = live_and_replay({ h.prog("spawn") }, { "--report", "%OUT.html" })
    assert_same_outputs(live, replay)
    -- the page embeds the run's data as JSON (its keys in any order) in the
    -- same template
    local function parts(path)
      local page = h.read_file(path)
      assert.truthy(page, path)
      local before, data, after = page:match('^(.-<script type="application/json" id="report%-data">)(.-)(</script>.*)$')
      assert.truthy(data, path)
      return before .. after, cjson.decode(data)
    end
    local live_page, live_data = parts(out .. "/live.html")
    local replay_page, replay_data = parts(out .. "/replay.html")
    assert.are.equal(live_page, replay_page)
    assert.are.same(live_data, replay_data)
    assert.is_true(#live_data.files.rows > 0)
  end)

  it("gives the page faults, scheduler delays and block I/O the live run had", function()
    for _, flag in ipairs { "--faults", "--ebpf" } do
      local probe = h.run({ h.bin(), flag, "--", "true" })
      if probe.status ~= 0 then
        print("SKIP: " .. flag .. " cannot run here: " .. probe.stderr)
        pending(flag .. " cannot run here: " .. probe.stderr)
        return
      end
    end
    local dir = h.tmpdir()
    local live, replay = live_and_replay({ "sh", "-c", h.quote(h.prog("touch_pages")) .. " 64 && dd if=/dev/zero of=" ..
                                           h.quote(dir .. "/blocks") .. " bs=4096 count=64 oflag=direct status=none" },
                                         {}, { live_flags = { "--faults", "--ebpf" } })
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    local summary = replay.events[#replay.events]
    assert.is_true(summary.page_faults.count >= 128)
    assert.is_true(#h.select(replay.events, "fault") > 0)
  end)

  it("answers c.fd on an fd the trace never saw opened as the live run did", function()
    local dir = h.tmpdir()
    local script = dir .. "/fd.lua"
    h.write_file(script, [[
local c = require "compendium"
c.on("exec", function(e)
  local f = c.fd(e.pid, 7)
  c.print("fd 7: %s", f and c.escape(f.path) or "not open")
end)
c.on("end", function() local f = c.fd(0, 7) c.print("end: %s", tostring(f)) end)
]])
    h.write_file(dir .. "/inherited", "x\n")
    local rec = dir .. "/run.cmpd"
    -- fd 7 comes from outside: opened before compendium runs
    local live = h.run("exec 7<" .. h.quote(dir .. "/inherited") .. "; exec " .. h.quote(h.bin()) ..
                       " -s " .. h.quote(script) .. " --record " .. h.quote(rec) .. " --json " ..
                       h.quote(dir .. "/live.jsonl") .. " -- " .. h.quote(h.prog("counts")) .. " 1 1")
    assert.are.equal(0, live.status, live.stderr)
    assert.truthy(live.stderr:find("fd 7: " .. dir .. "/inherited\n", 1, true), live.stderr)
    local replay = h.run({ h.bin(), "-s", script, "-r", rec, "--json", dir .. "/replay.jsonl" })
    assert.are.equal(live.stderr, replay.stderr)
    local le, re = h.read_jsonl(dir .. "/live.jsonl"), h.read_jsonl(dir .. "/replay.jsonl")
    le[#le].source, re[#re].source = nil, nil
    assert.are.same(le, re)
  end)

  it("of an attached process gives every output of the live run", function()
    local dir = h.tmpdir()
    local prog = h.spawn({ h.prog("attach_snapshot"), dir })
    assert(h.wait_for(function() return prog:stdout():find("^ready") end, 30), "attach_snapshot never got ready")
    local rec = dir .. "/run.cmpd"
    local c = h.spawn({ h.bin(), "--record", rec, "--json", dir .. "/live.jsonl", "-o", dir .. "/live.txt",
                        "--pid", tostring(prog.pid) })
    assert(h.wait_for(function() return (h.read_file(dir .. "/live.txt") or ""):find("\n", 1, true) end, 30),
           "compendium never started")
    h.write_file(dir .. "/go", "")
    assert(h.wait_for(function() return prog:stdout():find("done\n", 1, true) end, 30), "it never got done")
    h.write_file(dir .. "/end", "")
    assert.are.equal(0, prog:wait().status)
    local live = c:wait()
    live.events = h.read_jsonl(dir .. "/live.jsonl")
    live.text = h.read_file(dir .. "/live.txt")
    local replay = h.run({ h.bin(), "-r", rec, "--json", dir .. "/replay.jsonl", "-o", dir .. "/replay.txt" })
    replay.events = h.read_jsonl(dir .. "/replay.jsonl")
    replay.text = h.read_file(dir .. "/replay.txt")
    assert.are.equal(0, live.status, live.stderr)
    assert_same_outputs(live, replay)
    local summary = replay.events[#replay.events]
    assert.are.equal(2, summary.threads)
    assert.truthy(summary.memory.at_attach.heap_bytes >= 256 * 1024)
    assert.truthy(replay.text:find("^compendium: replaying a recording: attached to PID " .. prog.pid))
  end)
end)
