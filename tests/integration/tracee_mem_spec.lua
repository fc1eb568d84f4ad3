-- Reading the tracee's memory never waits for the tracee: tests/progs/uffd_path
-- passes open() a path in a userfaultfd page that its own handler thread
-- fills only after the kernel's copy of the path has faulted (and a second
-- later). A tracer that waited for the page would wait forever (the handler
-- is a traced thread, stopped at its next syscall until the tracer moves on).
local h = require "helpers"

describe("a path argument in a userfaultfd page nobody filled yet", function()
  local file, untraced
  setup(function()
    file = h.tmpdir() .. "/target"
    h.write_file(file, "x")
    untraced = h.run({ h.prog("uffd_path"), file })
  end)
  teardown(h.cleanup)

  it("does not stop the trace: the program ends with its own status", function()
    if untraced.status == 77 then return pending(untraced.stderr:gsub("\n$", "")) end
    assert.are.equal(7, untraced.status)
    local r = h.trace({ h.prog("uffd_path"), file })
    assert.are.equal(7, r.status, r.stderr)
    assert.are.same({ code = 7 }, r.summary.exit)
    -- the argument could not be read; the file opened is known from its fd
    local open = h.one(r.events, "open", { path = file })
    assert.is_nil(open.requested)
    assert.are.equal("EFAULT", open.requested_error)
  end)

  it("says so in the default view", function()
    if untraced.status == 77 then return pending(untraced.stderr:gsub("\n$", "")) end
    local r = h.run({ h.bin(), "--", h.prog("uffd_path"), file })
    assert.are.equal(7, r.status, r.stderr)
    assert.truthy(r.stderr:find("open " .. file .. " (read; path argument unreadable: EFAULT)", 1, true),
                  r.stderr)
  end)
end)

describe("the fds compendium keeps to read tracees' memory", function()
  teardown(h.cleanup)

  it("name live tasks only: an exited task's is closed", function()
    local dir = h.tmpdir()
    local fifo, ready = dir .. "/fifo", dir .. "/ready"
    assert.are.equal(0, h.run({ "mkfifo", fifo }).status)
    -- 40 processes that open a file (their path arguments are read), gone
    -- before the shell waits on the fifo
    local p = h.spawn({ h.bin(), "-q", "-s", "default", "--", "sh", "-c",
      "for i in $(seq 40); do cat /etc/hostname >/dev/null; done; : >\"$1\"; read x <\"$2\"",
      "sh", ready, fifo })
    assert.truthy(h.wait_for(function() return h.exists(ready) end, h.TIMEOUT))
    local fds = h.run("ls -l /proc/" .. p.pid .. "/fd | grep -o '/proc/[0-9]*/mem' || true").stdout
    local pids = {}
    for pid in fds:gmatch("/proc/(%d+)/mem") do
      -- only the shell is alive now, waiting on the fifo
      assert.is_true(h.exists("/proc/" .. pid), "a mem fd of exited task " .. pid)
      pids[#pids + 1] = pid
    end
    h.write_file(fifo, "x\n")
    local r = p:wait()
    assert.are.equal(0, r.status, r.stderr)
    assert.is_true(#pids <= 1, fds)
  end)
end)
