-- compendium.glob: the globs the checks' options take.
local glob = require "compendium.glob"
local ffi = require "ffi"

ffi.cdef [[ int setenv(const char *name, const char *value, int overwrite); ]]

local function matches(g, path)
  local test = assert(glob.compile(g))
  return test(path)
end

describe("a glob", function()
  it("* and ? stay inside one directory", function()
    assert.is_true(matches("/tmp/*.txt", "/tmp/a.txt"))
    assert.is_false(matches("/tmp/*.txt", "/tmp/sub/a.txt"))
    assert.is_true(matches("/tmp/?", "/tmp/a"))
    assert.is_false(matches("/tmp/?", "/tmp/ab"))
    assert.is_false(matches("/tmp/?", "/tmp//"))
  end)

  it("** crosses directories, /**/ also matches no directory at all, /** the directory itself", function()
    assert.is_true(matches("/src/**", "/src/a/b/c.o"))
    assert.is_true(matches("/src/**", "/src"))
    assert.is_false(matches("/src/**", "/srcshop/a"))
    assert.is_false(matches("/src/**", "/srcshop"))
    assert.is_true(matches("/a/**/b", "/a/b"))
    assert.is_true(matches("/a/**/b", "/a/x/y/b"))
    assert.is_false(matches("/a/**/b", "/a/xb"))
    assert.is_true(matches("**/*.c", "main.c"))
    assert.is_true(matches("**/*.c", "/src/engine/main.c"))
    assert.is_true(matches("/x**", "/x/y/z"))
  end)

  it("is anchored at both ends and takes everything else literally", function()
    assert.is_false(matches("/tmp/a", "/tmp/ab"))
    assert.is_false(matches("/tmp/a", "/x/tmp/a"))
    assert.is_true(matches("/a.b+c(d)%e$", "/a.b+c(d)%e$"))
    assert.is_false(matches("/a.b", "/axb"))
  end)

  it("has sets, negated sets and escapes", function()
    assert.is_true(matches("/log[0-9]", "/log7"))
    assert.is_false(matches("/log[0-9]", "/logx"))
    assert.is_true(matches("/log[!0-9]", "/logx"))
    assert.is_false(matches("/log[^0-9]", "/log1"))
    assert.is_true(matches("/[]]", "/]"))
    assert.is_true(matches("/a[.%]", "/a%"))
    assert.is_true(matches("/star\\*", "/star*"))
    assert.is_false(matches("/star\\*", "/starx"))
  end)

  it("expands ~/ to the home directory", function()
    -- the suite may run with no HOME at all: give it one
    local home = "/home/glob tester"
    assert.are.equal(0, ffi.C.setenv("HOME", home, 1))
    assert.is_true(matches("~/.ssh/**", home .. "/.ssh/id_ed25519"))
    assert.is_false(matches("~/.ssh/**", "/elsewhere/.ssh/id_ed25519"))
  end)

  it("starts at base when relative and a base is given", function()
    local test = assert(glob.compile("build/**", { base = "/src/proj/" }))
    assert.is_true(test("/src/proj/build/x.o"))
    assert.is_false(test("build/x.o"))
  end)

  it("says what is wrong with a malformed one", function()
    local cases = {
      { "/tmp/[abc", "unclosed [ in glob '/tmp/[abc'" },
      { "/tmp/[]", "unclosed [ in glob '/tmp/[]'" },
      { "/tmp/x\\", "a trailing \\ in glob '/tmp/x\\'" },
      { "/**/a/**/b/**/c/**/d/**/e", "more than 4 '**' in glob '/**/a/**/b/**/c/**/d/**/e'" },
    }
    for _, case in ipairs(cases) do
      local test, err = glob.compile(case[1])
      assert.is_nil(test)
      assert.are.equal(case[2], err)
    end
  end)
end)

describe("a glob list", function()
  it("splits on commas, trims, skips empty items and names the glob that matched", function()
    local set = assert(glob.list(" /tmp/** , ,/src/*.c,"))
    assert.are.equal(2, #set)
    assert.are.equal("/tmp/**", set:match("/tmp/a/b"))
    assert.are.equal("/src/*.c", set:match("/src/x.c"))
    assert.is_nil(set:match("/etc/passwd"))
    assert.is_nil(set:match(nil))
  end)

  it("fails on the first malformed glob, or when none is given", function()
    local set, err = glob.list("/ok/**,/bad[")
    assert.is_nil(set)
    assert.are.equal("unclosed [ in glob '/bad['", err)
    set, err = glob.list(" , ")
    assert.is_nil(set)
    assert.are.equal("no glob given", err)
  end)

  it("with resolve, also matches below the real path of the literal part", function()
    -- a machine where /bin and /tmp are symlinks; /tmp/new does not exist yet
    local real = { ["/bin"] = "/usr/bin", ["/bin/sh"] = "/usr/bin/dash", ["/tmp"] = "/private/tmp",
                   ["/srv"] = "/srv", ["/odd"] = "/data/a*b" }
    local asked = {}
    local function resolve(path)
      asked[#asked + 1] = path
      return real[path]
    end
    local set = assert(glob.list("/bin/sh,/bin/*grep,/tmp/new/**,/srv/**,/odd/x", { resolve = resolve }))
    assert.are.equal("/bin/sh", set:match("/bin/sh"))
    assert.are.equal("/bin/sh", set:match("/usr/bin/dash"))
    assert.are.equal("/bin/*grep", set:match("/usr/bin/egrep"))
    assert.are.equal("/tmp/new/**", set:match("/private/tmp/new/x/y"))
    assert.are.equal("/srv/**", set:match("/srv/www"))
    -- the real path is literal: its * is no wildcard
    assert.are.equal("/odd/x", set:match("/data/a*b/x"))
    assert.is_nil(set:match("/data/aZb/x"))
    assert.is_nil(set:match("/usr/bin/bash"))
    assert.is_nil(set:match("/private/tmp/other"))
    -- the deepest literal directory is asked first, then its parents
    assert.are.same({ "/bin/sh", "/bin", "/tmp/new", "/tmp", "/srv", "/odd/x", "/odd" }, asked)
  end)
end)
