-- The path of record of an open is the file the kernel opened (its fd's
-- link in /proc), not the argument read at entry; checks match that file,
-- and a path that cannot be made absolute fails them instead of being
-- guessed or shortened.
local h = require "helpers"

local function check(script, option, argv, opts)
  local args = { h.bin(), "-q", "-s", script, "-X", option, "--" }
  for _, a in ipairs(argv) do args[#args + 1] = a end
  return h.run(args, opts)
end

-- The failure lines of a check run ("  ✗ ..."), without the where-from tail.
local function failures(r)
  local out = {}
  for _, l in ipairs(h.lines(r.stderr)) do
    local text = l:match("^  ✗ (.-) by ")
    if text then out[#out + 1] = text end
  end
  return out
end

describe("a working directory deeper than PATH_MAX", function()
  local dir
  setup(function()
    dir = h.tmpdir()
    assert.are.equal(0, h.run({ h.prog("deep_cwd"), dir, "setup" }).status)
  end)
  teardown(h.cleanup)

  it("reports the relative open as unnamed, never as a shortened absolute path", function()
    local r = h.trace({ h.prog("deep_cwd"), dir, "run" })
    assert.are.equal(0, r.status, r.stderr)
    local open = h.one(r.events, "open", { requested = "tmp/evil" })
    assert.is_nil(open.path)
    assert.are.equal("ENAMETOOLONG", open.path_error)
    assert.is_true(open.writable)
    assert.are.same({}, h.select(r.events, "open", { path = "/tmp/evil" }))
    -- the failed open is an event with its error, and no path: the
    -- working directory has no name to make it absolute with
    local failed = h.one(r.events, "open", { requested = "tmp/missing" })
    assert.are.same({ "ENOENT", nil }, { failed.error, failed.path })
  end)

  it("fails check/fs-allow: what cannot be named might be anywhere", function()
    -- undo the previous run's mkdir
    assert.are.equal(0, h.run("cd " .. h.quote(dir) .. " && find . -name sub -type d -delete").status)
    local r = check("check/fs-allow", "fs.allow=/tmp/**", { h.prog("deep_cwd"), dir, "run" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.same({
      "check/fs-allow: mkdir of a path that cannot be checked: tmp/sub cannot be resolved "
        .. "(ENAMETOOLONG)",
      "check/fs-allow: write of a path that cannot be checked: the kernel cannot name the file "
        .. "(ENAMETOOLONG); asked for tmp/evil",
    }, failures(r))
  end)
end)

describe("symlinks", function()
  local dir
  setup(function()
    dir = h.tmpdir()
    assert.are.equal(0, h.run("mkdir -p " .. dir .. "/secret " .. dir .. "/allowed " .. dir ..
                              "/outside && echo key >" .. dir .. "/secret/key && ln -s ../secret " ..
                              dir .. "/allowed/keys && ln -s ../outside " .. dir ..
                              "/allowed/out").status)
  end)
  teardown(h.cleanup)

  it("an open through a symlink reports the file opened and the name asked for", function()
    local r = h.trace({ "cat", dir .. "/allowed/keys/key" })
    assert.are.equal(0, r.status)
    local open = h.one(r.events, "open", { requested = dir .. "/allowed/keys/key" })
    assert.are.equal(dir .. "/secret/key", open.path)
    assert.is_false(open.writable)
  end)

  it("a read through a symlink into a denied directory fails check/fs-deny", function()
    local r = check("check/fs-deny", "fs.deny=" .. dir .. "/secret/**",
                    { "cat", dir .. "/allowed/keys/key" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.same({ ("check/fs-deny: open %s/secret/key (fs.deny %s/secret/**)"):format(dir, dir) },
                    failures(r))
  end)

  it("a denied name that links elsewhere fails check/fs-deny too", function()
    local r = check("check/fs-deny", "fs.deny=" .. dir .. "/allowed/keys/**",
                    { "cat", dir .. "/allowed/keys/key" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.same({ ("check/fs-deny: open %s/allowed/keys/key (the file %s/secret/key) " ..
                       "(fs.deny %s/allowed/keys/**)"):format(dir, dir, dir) }, failures(r))
  end)

  it("a write through a symlink out of the allowed directory fails check/fs-allow", function()
    local r = check("check/fs-allow", "fs.allow=" .. dir .. "/allowed/**",
                    { "sh", "-c", "echo x >" .. dir .. "/allowed/out/f" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.same({ ("check/fs-allow: write %s/outside/f (outside fs.allow)"):format(dir) },
                    failures(r))
    assert.are.equal("x\n", h.read_file(dir .. "/outside/f"))
  end)

  it("so does removing or renaming through one, by the name the kernel acted on", function()
    h.write_file(dir .. "/outside/g", "g")
    h.write_file(dir .. "/outside/h", "h")
    local r = check("check/fs-allow", "fs.allow=" .. dir .. "/allowed/**",
                    { "sh", "-c", ("rm %s/allowed/out/g && mv %s/allowed/out/h %s/allowed/h && " ..
                                   "ln -s /etc/passwd %s/allowed/out/l && ln -s x %s/allowed/l2")
                                  :format(dir, dir, dir, dir, dir) })
    assert.are.equal(125, r.status, r.stderr)
    local got = failures(r)
    table.sort(got)
    assert.are.same({
      ("check/fs-allow: rename %s/outside/h (outside fs.allow)"):format(dir),
      ("check/fs-allow: symlink %s/outside/l (outside fs.allow)"):format(dir),
      ("check/fs-allow: unlink %s/outside/g (outside fs.allow)"):format(dir),
    }, got)
  end)
end)

describe("a path buffer rewritten by another thread after the entry", function()
  teardown(h.cleanup)

  it("is reported as the file the kernel opened; requested is what was read at entry", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/decoy", "decoy")
    h.write_file(dir .. "/real", "real")
    local r = h.trace({ h.prog("path_swap"), dir }, {
      flags = { "-q", "-s", h.source() .. "/tests/integration/scripts/path_swap.lua", "-X",
                "dir=" .. dir } })
    assert.are.equal(0, r.status, r.stderr) -- it opened the real file
    local open = h.one(r.events, "open", { requested = dir .. "/decoy" })
    assert.are.equal(dir .. "/real", open.path)
    assert.are.same({}, h.select(r.events, "open", { path = dir .. "/decoy" }))
  end)
end)

describe("a file opened by handle, with no path", function()
  local dir
  setup(function()
    dir = h.tmpdir()
    assert.are.equal(0, h.run("mkdir " .. dir .. "/secret && echo key >" .. dir .. "/secret/key").status)
  end)
  teardown(h.cleanup)

  it("is an open of that file, and fails check/fs-deny", function()
    local untraced = h.run({ h.prog("by_handle"), dir, dir .. "/secret/key" })
    if untraced.status == 77 then return pending(untraced.stderr:gsub("\n$", "")) end
    assert.are.equal(0, untraced.status, untraced.stderr)
    local r = h.trace({ h.prog("by_handle"), dir, dir .. "/secret/key" })
    assert.are.equal(0, r.status, r.stderr)
    local open = h.one(r.events, "open", { path = dir .. "/secret/key" })
    assert.is_false(open.writable)
    assert.is_nil(open.requested)
    assert.is_nil(open.requested_error)
    r = check("check/fs-deny", "fs.deny=" .. dir .. "/secret/**",
              { h.prog("by_handle"), dir, dir .. "/secret/key" })
    assert.are.equal(125, r.status, r.stderr)
    assert.are.same({ ("check/fs-deny: open %s/secret/key (fs.deny %s/secret/**)"):format(dir, dir) },
                    failures(r))
  end)
end)

describe("a file whose name is gone while it is open", function()
  teardown(h.cleanup)

  it("is named without the kernel's ' (deleted)' mark; a name that only looks like it stays", function()
    local dir = h.tmpdir()
    local json = dir .. "/events.jsonl"
    -- fd 3 is opened and its name removed before compendium starts, so the
    -- first look at it is at the write
    local r = h.run({ "sh", "-c", 'exec 3>"$1/inherited" && rm "$1/inherited" && ' ..
                      'exec "$2" --json "$3" -s check/fs-deny -X "fs.deny=$1/*(deleted)" ' ..
                      '-- "$4" "$1"', "sh", dir, h.bin(), json, h.prog("deleted_open") })
    assert.are.equal(125, r.status, r.stderr)
    local events = h.read_jsonl(json)
    local keep = dir .. "/keep (deleted)"
    local writes = {}
    for _, w in ipairs(h.select(events, "write", { target = "file" })) do
      if w.filename:sub(1, #dir + 1) == dir .. "/" then writes[#writes + 1] = w end
    end
    assert.are.equal(3, #writes)
    assert.are.equal(3, writes[1].bytes)
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/#%d+$", writes[1].filename)
    assert.are.same({ keep, 2 }, { writes[2].filename, writes[2].bytes })
    assert.are.same({ dir .. "/inherited", 4 }, { writes[3].filename, writes[3].bytes })
    -- only the file really called "keep (deleted)" matches the deny glob
    assert.are.same({ ("check/fs-deny: open %s (fs.deny %s/*(deleted))"):format(keep, dir) },
                    failures(r))
  end)
end)
