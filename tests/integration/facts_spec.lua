-- Facts people trace for, in the default view and the JSON: failed opens
-- (and a program's search of a path as one line), changes to the file tree,
-- exec lines with their arguments, thread exits, -q with no check, and
-- floods merged per process and fd.
local h = require "helpers"

local function escaped(s) return (s:gsub("%p", "%%%0")) end

-- The view's lines of one run (stderr), without the summary box.
local function view_lines(stderr)
  local out = {}
  for _, line in ipairs(h.lines(stderr)) do
    if line == "" then break end
    out[#out + 1] = line
  end
  return out
end

local function count(lines, pattern)
  local n = 0
  for _, line in ipairs(lines) do
    if line:find(pattern) then n = n + 1 end
  end
  return n
end

describe("failed opens", function()
  teardown(h.cleanup)

  it("are shown: cat of a missing file", function()
    local missing = h.tmpdir() .. "/missing"
    local r = h.run({ h.bin(), "--", "cat", missing })
    assert.are.equal(1, r.status)
    assert.truthy(r.stderr:find("] open " .. missing .. ": ENOENT\n", 1, true), r.stderr)
  end)

  it("searching one path are one line with a count; -v and the JSON have each path", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/found", "x\n")
    -- the loader searches a directory that does not exist first: noise
    local env = { LD_LIBRARY_PATH = "/nonexistent-libdir" }
    local r = h.trace({ h.prog("probe_path"), dir }, { env = env })
    assert.are.equal(0, r.status, r.stderr)
    local lines = view_lines(r.stderr)
    local d = escaped(dir)
    assert.are.equal(1, count(lines, "%] open settings%.ini: ENOENT ×3 %(in " .. d .. "/a, " .. d ..
                                     "/b, " .. d .. "/c%)$"), r.stderr)
    assert.are.equal(1, count(lines, "%] open " .. d .. "/conf%.d/: ENOENT ×3 %(one%.conf, two%.conf, three%.conf%)$"),
                     r.stderr)
    assert.are.equal(1, count(lines, "%] open /nonexistent%-probe: ENOENT$"), r.stderr)
    assert.are.equal(3, count(lines, "ENOENT"), r.stderr)
    -- the loader's probes: in the JSON, not in the view
    assert.are.equal(0, count(lines, "nonexistent%-libdir"), r.stderr)
    local loader = 0
    for _, e in ipairs(h.select(r.events, "open", { error = "ENOENT" })) do
      if e.path:find("^/nonexistent%-libdir/") then loader = loader + 1 end
    end
    assert.is_true(loader > 0)
    -- each probe of the program's own, with the absolute path and no fd
    local probes = {}
    for _, e in ipairs(h.select(r.events, "open", { error = "ENOENT" })) do
      if e.path:sub(1, #dir) == dir then
        probes[#probes + 1] = e.path:sub(#dir + 2)
        assert.is_nil(e.fd)
        assert.is_false(e.writable)
      end
    end
    assert.are.same({ "a/settings.ini", "b/settings.ini", "c/settings.ini", "conf.d/one.conf",
                      "conf.d/two.conf", "conf.d/three.conf" }, probes)
    -- -v: a line each
    local v = h.run({ h.bin(), "-v", "--", h.prog("probe_path"), dir }, { env = env })
    local vlines = view_lines(v.stderr)
    assert.are.equal(1, count(vlines, "%] open " .. d .. "/b/settings%.ini: ENOENT$"), v.stderr)
    assert.are.equal(1, count(vlines, "%] open " .. d .. "/conf%.d/two%.conf: ENOENT$"), v.stderr)
  end)
end)

describe("changes to the file tree", function()
  local dir, r
  setup(function()
    dir = h.tmpdir()
    r = h.trace({ h.prog("tree_changes"), dir })
  end)
  teardown(h.cleanup)

  local function facts(type)
    local out = {}
    for _, e in ipairs(h.select(r.events, type)) do
      local t = { e.path and e.path:gsub("^" .. escaped(dir), "D") or false }
      if e.new_path then t[#t + 1] = e.new_path:gsub("^" .. escaped(dir), "D") end
      if e.link_target then t[#t + 1] = e.link_target end
      if e.mode then t[#t + 1] = string.format("%04o", e.mode) end
      if e.size then t[#t + 1] = e.size end
      if e.error then t[#t + 1] = e.error end
      out[#out + 1] = table.concat(t, " ")
    end
    return out
  end

  it("runs to completion", function()
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("ok\n", r.stdout)
  end)

  it("are events with absolute paths, each variant, failures with their error", function()
    assert.are.same({ "D/d 0750", "D/e 0700", "D/i 0755 EEXIST" }, facts("mkdir"))
    assert.are.same({ "D/f D/g", "D/g D/h", "D/h D/i", "D/index.lock D/index", "D/missing D/x ENOENT" },
                    facts("rename"))
    assert.are.same({ "D/i D/j", "D/j D/k" }, facts("link"))
    assert.are.same({ "D/l i", "D/m i" }, facts("symlink"))
    -- fchmod names its fd's file by the name the renames gave it
    assert.are.same({ "D/i 0640", "D/i 0600", "D/i 0644" }, facts("chmod"))
    assert.are.same({ "D/i", "D/i", "D/l", "D/i" }, facts("chown"))
    assert.are.same({ "D/i 3", "D/i 2" }, facts("truncate"))
    assert.are.same({ "D/i", "D/i", "D/i", "D/i", "D/i" }, facts("utimes"))
    assert.are.same({ "D/j", "D/k", "D/missing ENOENT" }, facts("unlink"))
    assert.are.same({ "D/d", "D/e" }, facts("rmdir"))
  end)

  it("keep the argument as passed, and leave chown's unchanged ids out", function()
    local rename = h.one(r.events, "rename", { requested = "index.lock" })
    assert.are.equal(dir .. "/index", rename.new_path)
    for _, e in ipairs(h.select(r.events, "chown")) do
      assert.is_nil(e.uid)
      assert.is_nil(e.gid)
    end
    -- the f-variants have no path argument
    assert.are.equal(2, #h.select(r.events, "chmod", { requested = "i" }))
  end)

  it("have a line each in the default view; git's rename of index.lock is seen", function()
    local v = h.run({ h.bin(), "--", h.prog("tree_changes"), h.tmpdir() })
    assert.are.equal(0, v.status, v.stderr)
    local lines = view_lines(v.stderr)
    for _, kind in ipairs { "mkdir", "rename", "link", "symlink", "chmod", "chown", "truncate", "utimes",
                            "unlink", "rmdir" } do
      assert.is_true(count(lines, "%] " .. kind .. " /") > 0, kind .. "\n" .. v.stderr)
    end
    assert.are.equal(1, count(lines, "%] rename /.*/index%.lock → /.*/index$"), v.stderr)
    assert.are.equal(1, count(lines, "%] unlink /.*/missing: ENOENT$"), v.stderr)
  end)
end)

describe("exec lines", function()
  teardown(h.cleanup)

  it("show the arguments, quoted where a shell would need it", function()
    local r = h.trace({ "sh", "-c", "exec /bin/echo -n 'a b' c" })
    assert.are.equal(0, r.status, r.stderr)
    local exec = h.select(r.events, "exec")[2]
    assert.are.same({ "/bin/echo", "-n", "a b", "c" }, exec.argv)
    local v = h.run({ h.bin(), "--", "sh", "-c", "exec /bin/echo -n 'a b' c" })
    assert.truthy(v.stderr:find("] ─── echo -n 'a b' c ───\n", 1, true), v.stderr)
  end)

  it("are cut on the terminal with a marker, whole in the JSON", function()
    local long = string.rep("x", 150)
    local r = h.trace({ "sh", "-c", "exec /bin/echo -n " .. long })
    local exec = h.select(r.events, "exec")[2]
    assert.are.same({ "/bin/echo", "-n", long }, exec.argv)
    local v = h.run({ h.bin(), "--", "sh", "-c", "exec /bin/echo -n " .. long })
    -- 100 characters, the marker included
    local shown = ("echo -n " .. long):sub(1, 99)
    assert.truthy(v.stderr:find("] ─── " .. shown .. "… ───\n", 1, true), v.stderr)
  end)
end)

describe("thread exits and -q", function()
  teardown(h.cleanup)

  it("show a thread's exit in the view", function()
    local r = h.run({ h.bin(), "--", h.prog("tcp_loopback") })
    assert.are.equal(0, r.status, r.stderr)
    local lines = view_lines(r.stderr)
    assert.are.equal(1, count(lines, "^%[%+%d+%.%d+s%] %[%d+%] thread exit 0$"), r.stderr)
  end)

  it("-q with no check prints only how the command ended", function()
    local r = h.run({ h.bin(), "-q", "--", "sh", "-c", "echo out; exit 3" })
    assert.are.equal(3, r.status)
    assert.are.equal("out\n", r.stdout)
    assert.are.equal("compendium: no checks; the command exited 3\n", r.stderr)
  end)
end)

describe("floods", function()
  teardown(h.cleanup)

  it("are merged per process and fd while two processes interleave, and small mmaps too", function()
    local r = h.run({ h.bin(), "--", h.prog("flood") })
    assert.are.equal(0, r.status, r.stderr)
    local lines = view_lines(r.stderr)
    assert.are.equal(1, count(lines, "%] write pipe:%[%d+%] 2%.0 KB %(200 calls%)$"), r.stderr)
    assert.are.equal(1, count(lines, "%] read pipe:%[%d+%] 2%.0 KB %(200 calls%)$"), r.stderr)
    assert.are.equal(1, count(lines, "%] mmap anon rw%- × 200, 800%.0 KB in all$"), r.stderr)
    assert.are.equal(0, count(lines, "4%.0 KB anon$"), r.stderr)
    assert.are.equal(2, count(lines, "pipe:"), r.stderr)
  end)

  it("-v shows each", function()
    local r = h.run({ h.bin(), "-v", "--", h.prog("flood") })
    assert.are.equal(0, r.status, r.stderr)
    local lines = view_lines(r.stderr)
    assert.are.equal(200, count(lines, "%] write pipe:%[%d+%] 10 B$"), r.stderr)
    assert.are.equal(200, count(lines, "%] read pipe:%[%d+%] 10 B$"), r.stderr)
    assert.are.equal(200, count(lines, "%] mmap %x+%-%x+ rw%-   4%.0 KB anon$"), r.stderr)
  end)
end)
