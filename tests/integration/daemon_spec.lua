-- A command that exits and leaves a daemon behind: compendium says it still
-- traces the daemon, one Ctrl-C or SIGTERM ends the trace (the daemon is
-- killed), and the exit status is the command's own.
local h = require "helpers"

-- Runs `daemonize CODE` under compendium, waits for the notice, sends the
-- signals in `sigs` and returns the result, the daemon's pid and the notice.
local function leave_daemon(code, sigs, program)
  local json = h.tmpdir() .. "/events.jsonl"
  local p = h.spawn({ h.bin(), "--json", json, "--", program or h.prog("daemonize"), tostring(code) })
  local daemon = h.wait_for(function() return tonumber(p:stdout():match("^(%d+)\n")) end, 30)
  assert(daemon, "daemonize printed no pid: " .. p:stderr())
  local notice = h.wait_for(function() return p:stderr():match("compendium: the command [^\n]*\n") end, 30)
  assert(notice, "no notice that the daemon is still traced:\n" .. p:stderr())
  assert.is_false(p:done(), "compendium ended without a request")
  for _, sig in ipairs(sigs) do
    h.kill(p.pid, sig)
    h.sleep(0.05)
  end
  local r = p:wait()
  r.events = h.read_jsonl(json)
  return r, daemon, notice
end

local function gone(pid)
  return h.wait_for(function()
    local status = h.read_file("/proc/" .. pid .. "/status")
    return status == nil or status:match("\nState:%s+Z") ~= nil
  end, 10)
end

describe("a command that exits leaving a daemon", function()
  teardown(h.cleanup)

  it("says what it still traces, and one SIGTERM ends the trace with the command's status", function()
    local r, daemon, notice = leave_daemon(3, { h.SIGTERM })
    assert.are.equal(("compendium: the command exited 3; still tracing 1 process it started: " ..
                      "%d daemonize — Ctrl-C to stop\n"):format(daemon), notice)
    assert.are.equal(3, r.status, r.stderr)
    local _, count = r.stderr:gsub("still tracing", "")
    assert.are.equal(1, count)
    assert.truthy(r.stderr:find(" Exit: 3\n", 1, true), r.stderr)
    assert.truthy(gone(daemon), "the daemon still runs")
    local exit = h.one(r.events, "exit", { pid = daemon })
    assert.are.equal("SIGKILL", exit.signal)
    assert.are.same({ code = 3 }, r.events[#r.events].exit)
  end)

  it("ends on one Ctrl-C too", function()
    local r, daemon = leave_daemon(0, { h.SIGINT })
    assert.are.equal(0, r.status, r.stderr)
    assert.truthy(r.stderr:find(" Exit: 0\n", 1, true), r.stderr)
    assert.truthy(gone(daemon), "the daemon still runs")
  end)

  it("does not call the command killed when a second Ctrl-C follows", function()
    local r, daemon = leave_daemon(0, { h.SIGINT, h.SIGINT })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_nil(r.stderr:find("Exit: killed", 1, true), r.stderr)
    assert.truthy(r.stderr:find(" Exit: 0\n", 1, true), r.stderr)
    assert.are.same({ code = 0 }, r.events[#r.events].exit)
    assert.truthy(gone(daemon), "the daemon still runs")
  end)
end)

describe("a daemon with a hostile name", function()
  teardown(h.cleanup)

  it("is named escaped in the notice", function()
    local program = h.tmpdir() .. "/evil\27[2Jname"
    assert(os.execute("cp " .. h.quote(h.prog("daemonize")) .. " " .. h.quote(program)) == 0)
    local r, daemon, notice = leave_daemon(0, { h.SIGTERM }, program)
    assert.are.equal(("compendium: the command exited 0; still tracing 1 process it started: " ..
                      "%d evil\\x1b[2Jname — Ctrl-C to stop\n"):format(daemon), notice)
    assert.is_nil(r.stderr:find("\27", 1, true))
  end)
end)

describe("a command whose children all end with it", function()
  teardown(h.cleanup)

  it("gets no notice", function()
    local r = h.trace({ "sh", "-c", "sleep 0.1 & wait; exit 4" })
    assert.are.equal(4, r.status, r.stderr)
    assert.is_nil(r.stderr:find("still tracing", 1, true), r.stderr)
  end)
end)
