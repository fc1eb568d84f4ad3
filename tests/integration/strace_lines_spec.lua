-- Line by line against strace: the same command run once under `strace -f`
-- and once under `compendium -v` must print at least 90% of strace's
-- syscall lines identically, once what differs from run to run is
-- normalised: pointers, pids, times, random bytes and the machine's load.
local h = require "helpers"
local st = require "strace_text"

local TARGET = 0.90

local strace_lines = st.lines

local function compendium_lines(text)
  local pids, lines = {}, {}
  for line in text:gmatch("[^\n]+") do
    local pid, call = line:match("^%[%+[%d.]+s%] %[(%d+)%] (.*)$")
    if pid then
      pids[pid] = true
      lines[#lines + 1] = call
    end
  end
  return lines, pids
end

-- The share of strace's lines that compendium printed too, and strace's
-- lines it did not print.
local function compare(slog, ctext)
  local s, spids = strace_lines(slog)
  local c, cpids = compendium_lines(ctext)
  return st.share(s, spids, c, cpids)
end

local GIT_ENV = { GIT_CONFIG_NOSYSTEM = "1", GIT_AUTHOR_NAME = "a", GIT_AUTHOR_EMAIL = "a@b",
                  GIT_COMMITTER_NAME = "a", GIT_COMMITTER_EMAIL = "a@b",
                  GIT_AUTHOR_DATE = "2020-01-01T00:00:00Z", GIT_COMMITTER_DATE = "2020-01-01T00:00:00Z" }

-- A server for curl: it answers two requests the same way, then exits.
local SERVER = [[
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(2)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
body = b"<html>" + b"x" * 3000 + b"</html>\n"
for _ in range(2):
    c, _ = s.accept()
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = c.recv(4096)
        if not chunk:
            break
        req += chunk
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
]]

local WORKLOADS = {
  { name = "ls -la /etc", command = { "ls", "-la", "/etc" } },
  {
    name = "git status in a small repository",
    needs = "git",
    setup = function(dir)
      local env = { HOME = dir }
      for k, v in pairs(GIT_ENV) do env[k] = v end
      local r = h.run({ "sh", "-c", "git init -q repo && cd repo && echo a > a && git add a && " ..
                        "git commit -qm one && echo b > a" }, { cwd = dir, env = env })
      assert.are.equal(0, r.status, r.stderr)
    end,
    command = { "sh", "-c", "cd repo && git --no-optional-locks status --porcelain" },
  },
  { name = "python3 -c", needs = "python3",
    command = { "python3", "-c", "import json; print(json.dumps({'a': [1, 2]}))" } },
  { name = "tar cf of a tree",
    setup = function(dir)
      h.run({ "mkdir", "-p", dir .. "/tree/sub" })
      h.write_file(dir .. "/tree/one", "1\n")
      h.write_file(dir .. "/tree/sub/text", string.rep("compendium\n", 500))
    end,
    command = { "tar", "cf", "out.tar", "tree" } },
  { name = "a shell pipeline", command = { "sh", "-c", "seq 100 | sort -r | head -3" } },
  { name = "sleep 0.1", command = { "sleep", "0.1" } },
  {
    name = "curl to a local server",
    needs = "curl",
    server = true,
    command = function(_, port) return { "curl", "-s", "-o", "page.html", "http://127.0.0.1:" .. port .. "/" } end,
  },
  { name = "tests/progs/fileio", command = function(dir) return { h.prog("fileio"), dir } end },
  -- single-threaded: a threaded program's fd numbers and read sizes race
  { name = "tests/progs/fd_kinds", command = function(dir) return { h.prog("fd_kinds"), dir } end },
  { name = "tests/progs/tcp_refused", command = function() return { h.prog("tcp_refused") } end },
  { name = "tests/progs/spawn", command = function() return { h.prog("spawn") } end },
}

describe("-v lines compared with strace -f", function()
  teardown(h.cleanup)
  local have_strace = h.installed("strace")

  for _, w in ipairs(WORKLOADS) do
    local missing = not have_strace and "strace" or (w.needs and not h.installed(w.needs) and w.needs) or
                    (w.server and not h.installed("python3") and "python3")
    if missing then
      pending(w.name .. ": " .. missing .. " is not installed")
    elseif w.short then
      pending(w.name .. ": below 90% (" .. w.short .. ")")
    else
      it(w.name .. ": at least 90% of strace's lines are identical", function()
        local sdir, cdir = h.tmpdir(), h.tmpdir()
        if w.setup then w.setup(sdir); w.setup(cdir) end
        local port, server
        if w.server then
          -- one fixed answer for each of the two runs, on a port the kernel picks
          local portfile = h.tmpdir() .. "/port"
          server = h.spawn({ "python3", "-c", SERVER, portfile })
          port = h.wait_for(function() return h.read_file(portfile) end, 10)
          assert(port, "the server did not start: " .. server:stderr())
        end
        local function argv_of(dir)
          return type(w.command) == "function" and w.command(dir, port) or w.command
        end
        local env = { LC_ALL = "C", HOME = "/nonexistent" }
        local sargv = { "strace", "-f", "-qq", "-o", sdir .. "/strace.log", "--" }
        for _, a in ipairs(argv_of(sdir)) do sargv[#sargv + 1] = a end
        local s = h.run(sargv, { cwd = sdir, env = env })
        local cargv = { h.bin(), "-v", "-o", cdir .. "/lines.txt", "--" }
        for _, a in ipairs(argv_of(cdir)) do cargv[#cargv + 1] = a end
        local c = h.run(cargv, { cwd = cdir, env = env })
        assert.are.equal(s.status, c.status, c.stderr)
        if server then assert.are.equal(0, server:wait().status, server:stderr()) end
        -- the runs' own directories name the same thing
        local slog = h.read_file(sdir .. "/strace.log"):gsub(sdir:gsub("%p", "%%%0"), "DIR")
        local ctext = h.read_file(cdir .. "/lines.txt"):gsub(cdir:gsub("%p", "%%%0"), "DIR")
        local share, total, not_printed, extra = compare(slog, ctext)
        print(("%s: %.1f%% of %d lines identical"):format(w.name, 100 * share, total))
        local shown = {}
        for i = 1, math.min(10, #not_printed) do shown[#shown + 1] = "strace:     " .. not_printed[i] end
        for i = 1, math.min(10, #extra) do shown[#shown + 1] = "compendium: " .. extra[i] end
        assert.is_true(share >= TARGET, ("%.1f%% identical; the first that differ:\n%s"):format(
          100 * share, table.concat(shown, "\n")))
      end)
    end
  end
end)

describe("-v and the syscalls that never return", function()
  teardown(h.cleanup)

  it("shows exit_group with its status as it is entered, as strace does, once", function()
    local r = h.run({ h.bin(), "-v", "--", h.prog("spawn") })
    local text = r.stderr
    local count = 0
    for pid, status in text:gmatch("%[(%d+)%] exit_group%((%d+)%) = %?\n") do
      count = count + 1
      assert.is_true(tonumber(pid) > 0)
      assert.are.equal("0", status, text)
    end
    -- tests/progs/spawn runs one child process besides itself
    assert.are.equal(2, count, text)
    local s = h.run({ h.bin(), "-v", "--", "sh", "-c", "exit 3" })
    assert.are.equal(3, s.status)
    local _, n = s.stderr:gsub("%] exit_group%(3%) = %?\n", "")
    assert.are.equal(1, n, s.stderr)
  end)
end)
