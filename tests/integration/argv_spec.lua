-- Long command lines: tests/progs/many_args runs itself again with 100,001
-- arguments (about 1.4 MB with their pointers); every one of them reaches the
-- exec event, none cut.
local h = require "helpers"

describe("an exec with 100,001 arguments", function()
  local r, child
  setup(function()
    r = h.trace({ h.prog("many_args"), "100001" })
    child = h.select(r.events, "exec")
    child = child[#child]
  end)
  teardown(h.cleanup)

  it("runs untouched", function()
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("100001\n", r.stdout)
  end)

  it("keeps every argument, each one whole", function()
    assert.are.equal(100001, #child.argv)
    assert.are.equal("many_args", child.argv[1])
    assert.are.equal("child", child.argv[2])
    for i = 3, #child.argv do
      if child.argv[i] ~= "a" .. (i - 1) then
        error(("argument %d is %q, want %q"):format(i, child.argv[i], "a" .. (i - 1)))
      end
    end
  end)
end)

describe("a command line of 100,001 arguments given to compendium", function()
  teardown(h.cleanup)

  it("is the run's command, whole", function()
    local args = { "/bin/true" }
    for i = 1, 100000 do args[#args + 1] = "a" .. i end
    -- through xargs: the shell's own command line would be as long
    local list = h.tmpdir() .. "/args"
    h.write_file(list, table.concat(args, "\n") .. "\n")
    local json = h.tmpdir() .. "/events.jsonl"
    local cmd = "xargs -a " .. h.quote(list) .. " -d '\\n' -x -s 2000000 " .. h.quote(h.bin()) ..
                " -q --json " .. h.quote(json) .. " --"
    local r = h.run(cmd)
    assert.are.equal(0, r.status, r.stderr)
    local events = h.read_jsonl(json)
    assert.are.equal(table.concat(args, " "), events[#events].command)
  end)
end)

describe("a process attached with --pid whose command line is longer than a page", function()
  teardown(h.cleanup)

  it("is the run's command, whole", function()
    -- sleep adds up its arguments: 3000 zeros make 6 KB of command line
    local args = { "sleep", "60" }
    for _ = 1, 3000 do args[#args + 1] = "0" end
    local prog = h.spawn(args)
    local json = h.tmpdir() .. "/events.jsonl"
    local c = h.spawn({ h.bin(), "-q", "--json", json, "--pid", tostring(prog.pid) })
    assert(h.wait_for(function()
      local status = h.read_file("/proc/" .. prog.pid .. "/status") or ""
      return status:find("\nTracerPid:%s+" .. c.pid .. "\n")
    end, 30), "compendium never attached")
    h.kill(c.pid, h.SIGINT)
    local r = c:wait()
    h.kill(prog.pid, h.SIGKILL)
    prog:wait()
    assert.are.equal(0, r.status, r.stderr)
    local events = h.read_jsonl(json)
    assert.are.equal(table.concat(args, " "), events[#events].command)
  end)
end)
