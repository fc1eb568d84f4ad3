-- File I/O: tests/progs/fileio writes and reads a file every way there is
-- (1550 bytes each way), copies 100 bytes with copy_file_range and 100 with
-- sendfile, and fails to open a missing file.
local h = require "helpers"

-- The successful opens of files in dir.
local function open_paths(events, dir)
  local out = {}
  for _, e in ipairs(h.select(events, "open")) do
    if not e.error and e.path:sub(1, #dir + 1) == dir .. "/" then out[#out + 1] = e end
  end
  return out
end

describe("fileio", function()
  local dir, r, opens

  setup(function()
    dir = h.tmpdir()
    r = h.trace({ h.prog("fileio"), dir })
    opens = open_paths(r.events, dir)
  end)
  teardown(h.cleanup)

  it("runs to completion, untouched", function()
    assert.are.equal(0, r.status)
    assert.are.equal("", r.stdout)
    assert.are.equal(1550, #h.read_file(dir .. "/out.bin"))
  end)

  it("reports each successful open with its absolute path and writability", function()
    assert.are.same({ dir .. "/out.bin", dir .. "/out.bin", dir .. "/copy.bin", dir .. "/copy2.bin" },
                    h.pluck(opens, "path"))
    assert.are.same({ true, false, true, true }, h.pluck(opens, "writable"))
    for _, e in ipairs(opens) do
      assert.is_true(e.fd >= 3)
      assert.are.equal(e.pid, e.tid)
      assert.are.equal(opens[1].pid, e.pid)
    end
  end)

  it("reports the failed open with its absolute path and the errno name, and no fd", function()
    local failed = h.one(r.events, "open", { path = dir .. "/missing" })
    assert.are.equal("ENOENT", failed.error)
    assert.are.equal(dir .. "/missing", failed.requested)
    assert.is_false(failed.writable)
    assert.is_nil(failed.fd)
    assert.are.equal(opens[1].pid, failed.pid)
  end)

  it("reports every write to the file, one event per call, on the written fd", function()
    local writes = h.select(r.events, "write", { filename = dir .. "/out.bin" })
    -- write, pwrite64, writev, pwritev2
    assert.are.same({ 1000, 200, 300, 50 }, h.pluck(writes, "bytes"))
    for _, e in ipairs(writes) do
      assert.are.equal("file", e.target)
      assert.are.equal(opens[1].fd, e.fd)
      assert.are.equal(opens[1].pid, e.pid)
    end
  end)

  it("reports every read of the file, copies included, on the read fd", function()
    local reads = h.select(r.events, "read", { filename = dir .. "/out.bin" })
    -- read, pread64, readv, preadv2, then copy_file_range and sendfile
    assert.are.same({ 1000, 200, 300, 50, 100, 100 }, h.pluck(reads, "bytes"))
    for _, e in ipairs(reads) do
      assert.are.equal("file", e.target)
      assert.are.equal(opens[2].fd, e.fd)
    end
  end)

  it("attributes copy_file_range and sendfile to the file written", function()
    local copy = h.select(r.events, "write", { filename = dir .. "/copy.bin" })
    assert.are.equal(100, h.sum(copy, "bytes"))
    for _, e in ipairs(copy) do
      assert.are.equal(opens[3].fd, e.fd)
      assert.are.equal("file", e.target)
    end
    local sent = h.select(r.events, "write", { filename = dir .. "/copy2.bin" })
    assert.are.equal(100, h.sum(sent, "bytes"))
    for _, e in ipairs(sent) do
      assert.are.equal(opens[4].fd, e.fd)
      assert.are.equal("file", e.target)
    end
  end)

  it("totals the file bytes in the summary, without the noise", function()
    -- 1550 + 100 (copy_file_range) + 100 (sendfile) each way; what the dynamic
    -- linker reads from shared libraries does not count
    local shown = r.summary.shown
    assert.are.equal(1750, shown.io.files_read)
    assert.are.equal(1750, shown.io.files_written)
    assert.are.equal(0, shown.io.net_sent)
    assert.are.equal(0, shown.io.net_received)
    assert.are.same({}, shown.connections)
    assert.are.same({ code = 0 }, r.summary.exit)
    assert.are.equal(0, r.summary.dropped)
  end)

  it("shows the opens on the terminal", function()
    assert.truthy(r.stderr:find("] open " .. dir .. "/out.bin (read)\n", 1, true))
    assert.is_nil(r.stderr:find(dir .. "/missing (read)", 1, true))
  end)
end)

describe("fileio with a relative directory", function()
  teardown(h.cleanup)

  it("reports open paths made absolute against the working directory", function()
    local dir = h.tmpdir()
    assert.are.equal(0, h.run({ "mkdir", dir .. "/sub" }).status)
    local r = h.trace({ h.prog("fileio"), "sub" }, { cwd = dir })
    assert.are.equal(0, r.status)
    local opens = open_paths(r.events, dir)
    assert.are.same({ dir .. "/sub/out.bin", dir .. "/sub/out.bin", dir .. "/sub/copy.bin",
                      dir .. "/sub/copy2.bin" }, h.pluck(opens, "path"))
    -- a failed open too: the path it asked for, as the kernel looked it up
    local failed = h.one(r.events, "open", { path = dir .. "/sub/missing" })
    assert.are.same({ "ENOENT", "sub/missing" }, { failed.error, failed.requested })
    local writes = h.select(r.events, "write", { filename = dir .. "/sub/out.bin" })
    assert.are.equal(1550, h.sum(writes, "bytes"))
  end)

  it("resolves ./ and ../ in the path", function()
    local dir = h.tmpdir()
    assert.are.equal(0, h.run({ "mkdir", "-p", dir .. "/a/b" }).status)
    local r = h.trace({ h.prog("fileio"), "./b/../b/." }, { cwd = dir .. "/a" })
    assert.are.equal(0, r.status)
    local opens = open_paths(r.events, dir)
    assert.are.equal(dir .. "/a/b/out.bin", opens[1].path)
    assert.are.equal(dir .. "/a/b/copy2.bin", opens[4].path)
  end)
end)
