-- I/O that moves several buffers at once (sendmmsg/recvmmsg) or moves data
-- between fds inside the kernel (splice, tee) is attributed to both ends.
local h = require "helpers"

describe("io_variants", function()
  local r, dir

  setup(function()
    dir = h.tmpdir()
    r = h.trace({ h.prog("io_variants"), dir })
  end)
  teardown(h.cleanup)

  it("runs to completion", function()
    assert.are.equal(0, r.status, r.stderr)
  end)

  it("counts every datagram of sendmmsg and recvmmsg", function()
    local send = h.one(r.events, "send", { sock_type = "udp4" })
    local recv = h.one(r.events, "recv", { sock_type = "udp4" })
    assert.are.equal(600, send.bytes)
    assert.are.equal(600, recv.bytes)
    assert.truthy(send.remote_addr:match("^127%.0%.0%.1:%d+$"), send.remote_addr)
  end)

  it("attributes splice to the pipe read and the file written", function()
    local file = dir .. "/spliced.bin"
    local write = h.one(r.events, "write", { filename = file })
    assert.are.equal(64, write.bytes)
    assert.are.equal("file", write.target)
    local reads = h.select(r.events, "read", { target = "pipe" })
    assert.are.same({ 64, 32 }, h.pluck(reads, "bytes"))
  end)

  it("attributes tee to both pipes", function()
    local pipe_writes = h.select(r.events, "write", { target = "pipe" })
    -- 64 and 32 written by the program into pipe A, 32 tee'd into pipe B
    assert.are.same({ 64, 32, 32 }, h.pluck(pipe_writes, "bytes"))
    assert.are_not.equal(pipe_writes[1].filename, pipe_writes[3].filename)
    assert.are.equal(pipe_writes[1].filename, pipe_writes[2].filename)
  end)
end)
