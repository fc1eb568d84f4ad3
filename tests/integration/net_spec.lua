-- Sockets: tests/progs/tcp_loopback talks TCP over 127.0.0.1 between two
-- threads: the client sends 3000 bytes (send, sendto, sendmsg), the server
-- replies 700 (write).
local h = require "helpers"

local function conversation(flags)
  local r = h.trace({ h.prog("tcp_loopback") }, { flags = flags })
  local port, client_port = r.stdout:match("^PORT (%d+)\nCLIENT (%d+)\n$")
  assert(port, "unexpected output: " .. r.stdout)
  r.port, r.client_port = tonumber(port), tonumber(client_port)
  return r
end

describe("tcp_loopback", function()
  local r, connect, server_tid, client_tid

  setup(function()
    r = conversation()
    local connects = h.select(r.events, "connect")
    connect = connects[1]
    client_tid = connect and connect.tid
    server_tid = connect and connect.pid
  end)
  teardown(h.cleanup)

  it("runs to completion", function()
    assert.are.equal(0, r.status)
  end)

  it("reports the one connect, on the client thread, with the peer", function()
    assert.are.equal(1, #h.select(r.events, "connect"))
    assert.are.equal("tcp4", connect.sock_type)
    assert.are.equal("127.0.0.1:" .. r.port, connect.remote_addr)
    assert.is_nil(connect.error)
    assert.is_true(connect.fd >= 3)
    local thread = h.one(r.events, "spawn_thread")
    assert.are.equal(thread.child_tid, client_tid)
    assert.are.equal(thread.pid, connect.pid)
    assert.are_not.equal(connect.pid, connect.tid)
  end)

  it("reports the client's 3000 bytes sent, one event per call", function()
    local sends = h.select(r.events, "send", { tid = client_tid })
    assert.are.same({ 1000, 1000, 1000 }, h.pluck(sends, "bytes"))
    for _, e in ipairs(sends) do
      assert.are.equal(connect.fd, e.fd)
      assert.are.equal("127.0.0.1:" .. r.port, e.remote_addr)
      assert.are.equal("tcp4", e.sock_type)
    end
  end)

  it("reports the client's 700 bytes received", function()
    local recvs = h.select(r.events, "recv", { tid = client_tid })
    assert.are.equal(700, h.sum(recvs, "bytes"))
    for _, e in ipairs(recvs) do
      assert.are.equal(connect.fd, e.fd)
      assert.are.equal("127.0.0.1:" .. r.port, e.remote_addr)
      assert.are.equal("tcp4", e.sock_type)
    end
  end)

  it("reports the server's 3000 bytes received (recv, recvfrom and read alike)", function()
    local recvs = h.select(r.events, "recv", { tid = server_tid })
    assert.are.equal(3000, h.sum(recvs, "bytes"))
    for _, e in ipairs(recvs) do
      assert.are.equal("127.0.0.1:" .. r.client_port, e.remote_addr)
      assert.are.equal("tcp4", e.sock_type)
      assert.are.equal(recvs[1].fd, e.fd)
    end
    -- the read() on the socket is a recv, not a read
    assert.are.same({}, h.select(r.events, "read", { tid = server_tid, fd = recvs[1].fd }))
  end)

  it("reports the server's 700-byte reply (a write on the socket) as a send", function()
    local sends = h.select(r.events, "send", { tid = server_tid })
    assert.are.same({ 700 }, h.pluck(sends, "bytes"))
    assert.are.equal("127.0.0.1:" .. r.client_port, sends[1].remote_addr)
    assert.are.equal("tcp4", sends[1].sock_type)
    assert.are.same({}, h.select(r.events, "write", { tid = server_tid, fd = sends[1].fd }))
  end)

  it("counts loopback traffic apart from the network's in the summary, shown and in all", function()
    local conns = { { sock_type = "tcp4", remote_addr = "127.0.0.1:" .. r.port } }
    -- a local server is not noise: what the view showed is every event
    for _, figures in ipairs { r.summary, r.summary.shown } do
      assert.are.equal(0, figures.io.net_sent)
      assert.are.equal(0, figures.io.net_received)
      -- both ends are traced: each byte is sent once and received once
      assert.are.equal(3700, figures.io.loopback_sent)
      assert.are.equal(3700, figures.io.loopback_received)
      assert.are.same(conns, figures.connections)
    end
    assert.are.equal(1, r.summary.threads)
    assert.are.same({ code = 0 }, r.summary.exit)
  end)
end)

describe("tcp_loopback in the default view", function()
  teardown(h.cleanup)

  it("shows the connection and its bytes, marked loopback, and a Net (loopback) summary line", function()
    local r = h.run({ h.bin(), "--", h.prog("tcp_loopback") })
    assert.are.equal(0, r.status, r.stderr)
    local port, client_port = r.stdout:match("^PORT (%d+)\nCLIENT (%d+)\n$")
    local peer = "127.0.0.1:" .. port
    local pattern = "%] connect tcp4 → " .. peer:gsub("%p", "%%%0") .. " %(loopback%)\n"
    assert.truthy(r.stderr:find(pattern), r.stderr)
    -- the server's one 700-byte reply, to the client's port
    assert.truthy(r.stderr:find("] send    700 B → 127.0.0.1:" .. client_port .. " (loopback)\n", 1, true),
                  r.stderr)
    assert.truthy(r.stderr:find("\n   Net sent: +0 B\n"), r.stderr)
    assert.truthy(r.stderr:find("\n   Net (loopback): 3.6 KB sent, 3.6 KB received\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("\n   tcp4 → " .. peer .. " (loopback)\n", 1, true), r.stderr)
  end)
end)

describe("tcp_loopback with -v", function()
  teardown(h.cleanup)

  it("counts both directions of both ends and lists the connection", function()
    local r = conversation({ "-v" })
    assert.are.equal(0, r.status)
    assert.are.equal(3700, r.summary.io.loopback_sent)
    assert.are.equal(3700, r.summary.io.loopback_received)
    assert.are.equal(0, r.summary.io.net_sent)
    assert.are.same({ { sock_type = "tcp4", remote_addr = "127.0.0.1:" .. r.port } },
                    r.summary.connections)
  end)
end)

describe("tcp_refused", function()
  teardown(h.cleanup)

  it("reports the failed connect with the errno name, and lists no connection", function()
    local r = h.trace({ h.prog("tcp_refused") }, { flags = { "-v" } })
    assert.are.equal(0, r.status)
    local port = assert(r.stdout:match("^PORT (%d+)\n$"), r.stdout)
    local c = h.one(r.events, "connect")
    assert.are.equal("tcp4", c.sock_type)
    assert.are.equal("127.0.0.1:" .. port, c.remote_addr)
    assert.are.equal("ECONNREFUSED", c.error)
    assert.are.same({}, r.summary.connections)
  end)
end)
