-- compendium.outfile: the files scripts write (c.open_output, --json,
-- --report, --junit) report a failed write to the engine instead of
-- dropping it.
local fake = require "fake_host"

describe("outfile", function()
  local host, rt, c
  before_each(function()
    host, rt = fake.setup()
    c = require "compendium"
  end)
  teardown(fake.cleanup)

  it("writes, flushes and closes like a Lua file, and reports nothing when all went well", function()
    local path = fake.fresh_path("out", "txt")
    local f = c.open_output(path)
    assert.are.equal(f, f:write("a", 1, "b"))
    assert.are.equal(f, f:flush())
    f:setvbuf("full", 4096)
    assert.are.equal(f, f:write("c\n"))
    assert.are.equal(5, f:seek())
    assert.is_true(f:close())
    assert.are.equal("a1bc\n", fake.read_file(path))
    assert.are.same({}, host.lost)
  end)

  it("reports the first failed write once, names the file, and takes no more", function()
    local f = c.open_output("/dev/full")
    -- buffered: the failure shows at the flush (or the close)
    f:write(string.rep("x", 100))
    local ok, err = f:flush()
    assert.is_nil(ok)
    assert.are.equal("No space left on device", err)
    assert.are.same({ { name = "/dev/full", reason = "No space left on device" } }, host.lost)
    assert.is_nil((f:write("more")))
    assert.is_nil((f:close()))
    assert.are.equal(1, #host.lost)
  end)

  it("reports a failure at the close", function()
    local f = c.open_output("/dev/full")
    f:write("x")
    local ok, err = f:close()
    assert.is_nil(ok)
    assert.are.equal("No space left on device", err)
    assert.are.same({ { name = "/dev/full", reason = "No space left on device" } }, host.lost)
  end)

  it("closes what scripts left open when the run ends, and checks that last flush", function()
    local good = fake.fresh_path("left-open", "txt")
    c.open_output(good):write("kept")
    c.open_output("/dev/full"):write("lost")
    rt.start()
    rt.finish()
    assert.are.equal("kept", fake.read_file(good))
    assert.are.same({ { name = "/dev/full", reason = "No space left on device" } }, host.lost)
  end)

  it("reports the --junit file", function()
    host, rt = fake.setup { junit = "/dev/full" }
    rt.start()
    rt.finish()
    assert.are.same({ { name = "/dev/full", reason = "No space left on device" } }, host.lost)
  end)

  it("adds a failing 'output' case to the --junit file, after closing what was left open", function()
    local xml = fake.fresh_path("junit", "xml")
    host, rt = fake.setup { junit = xml }
    c = require "compendium"
    c.open_output("/dev/full"):write("lost")
    rt.start()
    rt.finish()
    local doc = fake.read_file(xml)
    assert.truthy(doc:find('<testcase name="output" classname="compendium"', 1, true), doc)
    assert.truthy(doc:find('<failure message="the output is incomplete: /dev/full (No space left on device)"',
                           1, true), doc)
    assert.truthy(doc:find('failures="1"', 1, true), doc)
  end)

  it("adds no 'output' case when nothing was lost", function()
    local xml = fake.fresh_path("junit", "xml")
    host, rt = fake.setup { junit = xml }
    rt.start()
    rt.finish()
    assert.is_nil(fake.read_file(xml):find('name="output"', 1, true))
  end)
end)
