-- Byte totals: regular files, pipes, other fds and the network apart; I/O
-- through /dev/stdout and /dev/fd/N counted as what the fd is; peeked bytes
-- not received; and the JSON summary's totals the sum of its own events.
local h = require "helpers"

-- A peer on this machine, as the README's schema says: 127.0.0.0/8, ::1,
-- ::ffff:127.x.
local function loopback(addr)
  return addr:find("^127%.") ~= nil or addr:find("^%[::1%]") ~= nil or
         addr:find("^%[::ffff:127%.") ~= nil
end

-- The summary's io, as the README's schema says to sum the events: reads
-- and writes by target, sends and receives of inet sockets as the network
-- (loopback apart), of other sockets as other fds.
local function summed(events)
  local io = { files_read = 0, files_written = 0, pipes_read = 0, pipes_written = 0,
               other_read = 0, other_written = 0, net_sent = 0, net_received = 0,
               loopback_sent = 0, loopback_received = 0 }
  local through = { file = "files", pipe = "pipes" }
  for _, e in ipairs(events) do
    local field
    if e.type == "read" or e.type == "write" then
      field = (through[e.target] or "other") .. (e.type == "read" and "_read" or "_written")
    elseif e.type == "send" or e.type == "recv" then
      local inet = e.sock_type:find("^%a+[46]$") and e.sock_type ~= "raw" or false
      if inet then
        local kind = loopback(e.remote_addr) and "loopback" or "net"
        field = kind .. (e.type == "send" and "_sent" or "_received")
      else
        field = e.type == "send" and "other_written" or "other_read"
      end
    end
    if field then io[field] = io[field] + e.bytes end
  end
  return io
end

local function io(t)
  local all = { files_read = 0, files_written = 0, pipes_read = 0, pipes_written = 0,
                other_read = 0, other_written = 0, net_sent = 0, net_received = 0,
                loopback_sent = 0, loopback_received = 0 }
  for k, v in pairs(t) do all[k] = v end
  return all
end

-- A file of known text in a fresh directory.
local function big_file(dir)
  local lines = {}
  for i = 1, 5000 do lines[i] = tostring(i % 777) end
  local text = table.concat(lines, "\n") .. "\n"
  h.write_file(dir .. "/big.txt", text)
  return text
end

local C = { LC_ALL = "C" }

-- sh -c CMD traced in dir, which must succeed.
local function sh_in(dir, cmd)
  local r = h.trace({ "sh", "-c", cmd }, { cwd = dir, env = C })
  assert.are.equal(0, r.status, r.stderr)
  return r
end

describe("I/O totals", function()
  teardown(h.cleanup)

  it("count regular files, pipes and other fds apart, in the JSON and the terminal summary", function()
    local dir = h.tmpdir()
    local r = h.trace({ h.prog("fd_kinds"), dir })
    assert.are.equal(0, r.status, r.stderr)
    -- /dev/null and the shared libraries are the view's noise
    assert.are.same(io { files_read = 1000, files_written = 1000, pipes_read = 300, pipes_written = 300,
                         other_read = 8 + 40, other_written = 8 + 40 }, r.summary.shown.io)
    local all = r.summary.io
    assert.are.equal(300, all.pipes_read)
    assert.are.equal(8 + 40 + 5, all.other_written) -- /dev/null is a device, not a file
    local nulls = h.select(r.events, "write", { filename = "/dev/null" })
    assert.are.same({ "other" }, h.pluck(nulls, "target"))

    local t = h.run({ h.bin(), "--", h.prog("fd_kinds"), dir })
    assert.are.equal(0, t.status, t.stderr)
    local lines = {}
    for _, line in ipairs(h.lines(t.stderr)) do
      if line:find("^   %a+ %a+: +%d") then lines[#lines + 1] = line end
    end
    assert.are.same({
      "   Files read:       1000 B", "   Files written:    1000 B",
      "   Pipes read:        300 B", "   Pipes written:     300 B",
      "   Other read:         48 B", "   Other written:      48 B",
      "   Net sent:            0 B", "   Net received:        0 B",
    }, lines)
  end)

  it("give a pipeline's files their sizes and its pipes the rest", function()
    local dir = h.tmpdir()
    local text = big_file(dir)
    local r = sh_in(dir, "cat big.txt | sort | uniq -c > out.txt")
    local out = h.read_file(dir .. "/out.txt")
    assert.are.equal(777, select(2, out:gsub("\n", "")))
    -- cat → sort → uniq: the text goes through two pipes
    assert.are.same(io { files_read = #text, files_written = #out, pipes_read = 2 * #text,
                         pipes_written = 2 * #text }, r.summary.shown.io)
  end)

  it("count I/O through /dev/stdout as I/O of the file it is", function()
    local dir = h.tmpdir()
    local text = big_file(dir)
    local r = sh_in(dir, "tee /dev/stdout < big.txt > copy.txt")
    -- two descriptions of the file, each writing the text from offset 0
    assert.are.equal(text, h.read_file(dir .. "/copy.txt"))
    local open = h.one(r.events, "open", { requested = "/dev/stdout" })
    assert.are.equal(dir .. "/copy.txt", open.path)
    assert.are.equal(2 * #text, h.sum(h.select(r.events, "write", { filename = dir .. "/copy.txt" }), "bytes"))
    assert.are.same(io { files_read = #text, files_written = 2 * #text }, r.summary.shown.io)

    r = sh_in(dir, "sort -o /dev/stdout big.txt > out")
    assert.are.equal(#text, #h.read_file(dir .. "/out"))
    assert.are.same(io { files_read = #text, files_written = #text }, r.summary.shown.io)

    r = sh_in(dir, "cat /dev/fd/3 3< big.txt > out2")
    assert.are.equal(dir .. "/big.txt", h.one(r.events, "open", { requested = "/dev/fd/3" }).path)
    assert.are.same(io { files_read = #text, files_written = #text }, r.summary.shown.io)
  end)

  it("count a process substitution as the pipe it is", function()
    local dir = h.tmpdir()
    -- --norc: Debian's bash reads the bashrc files when it thinks sshd started it;
    -- SHELL: without it, bash reads /etc/passwd to learn the user's shell
    local env = { LC_ALL = "C", SHELL = "/bin/sh" }
    local r = h.trace({ "bash", "--norc", "-c", "cat <(seq 3) > out" }, { cwd = dir, env = env })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("1\n2\n3\n", h.read_file(dir .. "/out"))
    local reads = h.select(r.events, "read", { target = "pipe" })
    assert.are.equal(6, h.sum(reads, "bytes"))
    local files = {}
    for _, e in ipairs(h.select(r.events, "read")) do files[#files + 1] = tostring(e.filename) end
    assert.are.same(io { files_written = 6, pipes_read = 6, pipes_written = 6 }, r.summary.shown.io,
                    "reads: " .. table.concat(files, ", "))
  end)

  it("do not count peeked bytes as received", function()
    local r = h.trace({ h.prog("peek_recv") })
    assert.are.equal(0, r.status, r.stderr)
    local peer = r.stdout:gsub("\n$", "")
    -- four peeks (recv, recvfrom, recvmsg, recvmmsg), then one read
    local recvs = h.select(r.events, "recv")
    assert.are.same({ 100 }, h.pluck(recvs, "bytes"))
    assert.are.equal(peer, recvs[1].remote_addr)
    -- over 127.0.0.1: loopback, and shown
    for _, figures in ipairs { r.summary.io, r.summary.shown.io } do
      assert.are.equal(100, figures.loopback_received)
      assert.are.equal(100, figures.loopback_sent)
      assert.are.equal(0, figures.net_received)
    end
  end)

  it("count datagrams on sockets that never connect as their peers' (recvfrom's address)", function()
    local r = h.trace({ h.prog("udp_peers") })
    assert.are.equal(0, r.status, r.stderr)
    local rx, first, second = r.stdout:match("^(%d+) (%d+) (%d+)\n$")
    local function at(port) return "127.0.0.1:" .. port end
    local recvs = h.select(r.events, "recv")
    assert.are.same({ 100, 10, 50 }, h.pluck(recvs, "bytes"))
    assert.are.same({ at(first), at(second), at(rx) }, h.pluck(recvs, "remote_addr"))
    assert.are.same({ at(rx), at(rx), at(first) }, h.pluck(h.select(r.events, "send"), "remote_addr"))
    for _, figures in ipairs { r.summary.io, r.summary.shown.io } do
      assert.are.equal(160, figures.loopback_received)
      assert.are.equal(160, figures.loopback_sent)
      assert.are.equal(0, figures.net_received)
      assert.are.equal(0, figures.net_sent)
    end
    -- the view does not merge the receiver's two recvfroms: their peers differ
    local view = h.run({ h.bin(), "--", h.prog("udp_peers") })
    assert.are.equal(0, view.status, view.stderr)
    local lines = {}
    for l in view.stderr:gmatch("recv [^\n]*") do lines[#lines + 1] = l end
    local ports = { view.stdout:match("^(%d+) (%d+) (%d+)\n$") }
    assert.are.same({ "recv    100 B → " .. at(ports[2]) .. " (loopback)",
                      "recv     10 B → " .. at(ports[3]) .. " (loopback)",
                      "recv     50 B → " .. at(ports[1]) .. " (loopback)" }, lines)
  end)

  it("in the JSON summary are the sums of the file's own events", function()
    local dir = h.tmpdir()
    big_file(dir)
    for _, argv in ipairs {
      { "sh", "-c", "cat big.txt | sort | uniq -c > out.txt; cat /proc/self/stat > /dev/null" },
      { h.prog("peek_recv") },
      { h.prog("udp_peers") },
      { h.prog("fd_kinds"), dir },
    } do
      local r = h.trace(argv, { cwd = dir, env = C })
      assert.are.equal(0, r.status, r.stderr)
      assert.are.same(summed(r.events), r.summary.io)
      local connections = {}
      for _, e in ipairs(h.select(r.events, "connect")) do
        if not e.error or e.error == "EINPROGRESS" then
          connections[#connections + 1] = { sock_type = e.sock_type, remote_addr = e.remote_addr }
        end
      end
      assert.are.same(connections, r.summary.connections)
    end
  end)
end)
