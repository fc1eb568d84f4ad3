-- compendium.baseline: how a run's incidental details are generalised, so
-- that -s learn and --diff match the same behaviour in another run.
local fake = require "fake_host"

teardown(fake.cleanup)

local function real(path)
  local p = assert(io.popen("realpath -- '" .. path .. "'"))
  local out = p:read("*l")
  p:close()
  return out
end

describe("baseline.path", function()
  local baseline, tmp
  setup(function()
    fake.setup {}
    baseline = require "compendium.baseline"
    baseline.set_cwd("/src/tree")
    local t = os.getenv("TMPDIR")
    tmp = real((t and t ~= "") and t or "/tmp")
  end)

  it("names the working directory $CWD", function()
    assert.are.equal("$CWD/out.txt", baseline.path("/src/tree/out.txt"))
    assert.are.equal("$CWD", baseline.path("/src/tree"))
    assert.are.equal("/src/treehouse/x", baseline.path("/src/treehouse/x"))
    assert.are.equal("/src/tree/x", baseline.expand("$CWD/x"))
  end)

  it("names the temporary directory $TMP and makes mkstemp's random names and numbers *", function()
    assert.are.equal("$TMP/behave.*", baseline.path(tmp .. "/behave.AbC123"))
    assert.are.equal("$TMP/behave.*", baseline.path(tmp .. "/behave.abcdef"))
    assert.are.equal("$TMP/cc*.s", baseline.path(tmp .. "/ccq3Zh1b.s"))
    assert.are.equal("$TMP/cc*.s", baseline.path(tmp .. "/ccabcdef.s"))
    assert.are.equal("$TMP/app-*.lock", baseline.path(tmp .. "/app-4242.lock"))
    assert.are.equal("$TMP/report.txt", baseline.path(tmp .. "/report.txt"))
    assert.are.equal("$TMP/d.*/out", baseline.path(tmp .. "/d.X8kq2Z/out"))
  end)

  it("takes the names below a directory called tmp as temporary too", function()
    assert.are.equal("$CWD/tmp/x.*", baseline.path("/src/tree/tmp/x.AbCdEf"))
    assert.are.equal("$CWD/src/x.AbCdEf", baseline.path("/src/tree/src/x.AbCdEf"))
  end)

  it("quotes what a glob would take for a wildcard, elsewhere leaves paths as they are", function()
    assert.are.equal("$CWD/a\\[1\\]\\*.txt", baseline.path("/src/tree/a[1]*.txt"))
    assert.are.equal("/etc/hosts", baseline.path("/etc/hosts"))
  end)
end)

describe("baseline.peer", function()
  local baseline
  setup(function()
    fake.setup {}
    baseline = require "compendium.baseline"
  end)

  it("makes a port the kernel picks *, and says when the peer is this machine", function()
    local f = io.open("/proc/sys/net/ipv4/ip_local_port_range")
    local low = f and tonumber(f:read("*a"):match("(%d+)")) or 32768
    if f then f:close() end
    assert.are.same({ "127.0.0.1:*", true }, { baseline.peer("127.0.0.1:" .. low) })
    assert.are.same({ "[::1]:*", true }, { baseline.peer("[::1]:" .. low) })
    assert.are.same({ "192.0.2.1:80", false }, { baseline.peer("192.0.2.1:80") })
    assert.is_nil(baseline.peer("/run/x.sock"))
  end)
end)

describe("baseline.counts_failure", function()
  it("leaves out errnos of timing and removing what is not there", function()
    fake.setup {}
    local baseline = require "compendium.baseline"
    assert.is_true(baseline.counts_failure("read", "EFAULT"))
    assert.is_false(baseline.counts_failure("read", "EAGAIN"))
    assert.is_false(baseline.counts_failure("ioctl", "ENOTTY"))
    assert.is_false(baseline.counts_failure("unlink", "ENOENT"))
    assert.is_true(baseline.counts_failure("openat", "ENOENT"))
  end)
end)
