-- Hostile file names: the terminal gets them escaped, the JSON file gets
-- valid JSON with the names intact (invalid UTF-8 replaced by U+FFFD).
local h = require "helpers"

local FFFD = "\239\191\189"

-- What must never reach a terminal or a page raw: U+009B (CSI) and a raw
-- 0x9B before "2J" (both clear many terminals), U+202E, U+2067, U+2069.
local RAW = {
  ["U+009B"] = "\194\155", ["byte 0x9B"] = "raw\1552J", ["U+202E"] = "\226\128\174",
  ["U+2067"] = "\226\129\167", ["U+2069"] = "\226\129\169",
}

local function assert_no_raw(text, where)
  for name, bytes in pairs(RAW) do
    assert.is_nil(text:find(bytes, 1, true), name .. " reached " .. where)
  end
end

describe("hostile_names", function()
  local dir, r

  setup(function()
    dir = h.tmpdir()
    r = h.trace({ h.prog("hostile_names"), dir })
  end)
  teardown(h.cleanup)

  it("runs to completion", function()
    assert.are.equal(0, r.status)
  end)

  it("escapes the names on the terminal", function()
    assert.truthy(r.stderr:find(dir .. "/a\\nb", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/\\x1b[31mred", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/bad\\xff\\xfe", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/<img src=x onerror=alert(1)>", 1, true), r.stderr)
  end)

  it("escapes C1 controls and bidirectional overrides and isolates on the terminal", function()
    assert.truthy(r.stderr:find(dir .. "/csi\\u009b2J", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/raw\\x9b2J", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/report\\u202ecod.exe", 1, true), r.stderr)
    assert.truthy(r.stderr:find(dir .. "/iso\\u2067abc\\u2069", 1, true), r.stderr)
    assert_no_raw(r.stderr, "the terminal")
  end)

  it("never writes the raw bytes to the terminal", function()
    assert.is_nil(r.stderr:find("\27", 1, true))
    assert.is_nil(r.stderr:find("\255", 1, true))
    assert.is_nil(r.stderr:find("\254", 1, true))
    assert.is_nil(r.stderr:find(dir .. "/a\nb", 1, true))
  end)

  it("keeps the names in the JSON events, invalid bytes replaced", function()
    local names = {
      dir .. "/a\nb",
      dir .. "/\27[31mred",
      dir .. "/bad" .. FFFD .. FFFD,
      dir .. "/<img src=x onerror=alert(1)>",
      dir .. "/</script><img src=x onerror=alert(2)>",
      dir .. "/csi\194\1552J",
      dir .. "/raw" .. FFFD .. "2J",
      dir .. "/report\226\128\174cod.exe",
      dir .. "/iso\226\129\167abc\226\129\169",
    }
    for _, name in ipairs(names) do
      local open = h.one(r.events, "open", { path = name })
      assert.is_true(open.writable)
      local write = h.one(r.events, "write", { filename = name })
      assert.are.equal(1, write.bytes)
      assert.are.equal(open.fd, write.fd)
    end
  end)

  it("writes only escaped control characters and valid UTF-8 to the JSON file", function()
    local text = h.read_file(r.json)
    assert.is_nil(text:find("\27", 1, true))
    assert.truthy(text:find("\\u001b[31mred", 1, true) or text:find("\\u001B[31mred", 1, true))
    assert.truthy(text:find("a\\nb\"", 1, true))
    assert.is_nil(text:find("\255", 1, true))
    assert_no_raw(text, "the JSON file")
    assert.truthy(text:find("/report\\u202ecod.exe", 1, true), text)
    -- every byte sequence is valid UTF-8
    local i = 1
    while i <= #text do
      local b = text:byte(i)
      local n = b < 0x80 and 1 or b >= 0xF0 and 4 or b >= 0xE0 and 3 or b >= 0xC2 and 2 or nil
      assert.truthy(n, "invalid UTF-8 byte at " .. i)
      for k = 1, n - 1 do
        local cont = text:byte(i + k)
        assert.truthy(cont and cont >= 0x80 and cont < 0xC0, "invalid UTF-8 at " .. i)
      end
      i = i + n
    end
  end)
end)

describe("hostile_names in check failures, the report and JUnit", function()
  local dir, out, r

  setup(function()
    dir, out = h.tmpdir(), h.tmpdir()
    r = h.trace({ h.prog("hostile_names"), dir }, {
      flags = { "-s", "default", "-s", "check/fs-deny", "-X", "fs.deny=" .. dir .. "/*",
                "--report", out .. "/report.html", "--junit", out .. "/junit.xml" },
    })
  end)
  teardown(h.cleanup)

  it("fails the check with the names escaped on the failure lines", function()
    assert.are.equal(125, r.status, r.stderr)
    local lines = {}
    for _, line in ipairs(h.lines(r.stderr)) do
      if line:find("✗ check/fs-deny: ", 1, true) then lines[#lines + 1] = line end
    end
    local function failure(name)
      for _, line in ipairs(lines) do
        if line:find("open " .. dir .. "/" .. name .. " (fs.deny ", 1, true) then return true end
      end
      return false
    end
    assert.is_true(failure("csi\\u009b2J"), table.concat(lines, "\n"))
    assert.is_true(failure("raw\\x9b2J"), table.concat(lines, "\n"))
    assert.is_true(failure("report\\u202ecod.exe"), table.concat(lines, "\n"))
    assert.is_true(failure("iso\\u2067abc\\u2069"), table.concat(lines, "\n"))
    assert_no_raw(r.stderr, "the terminal")
  end)

  it("keeps them out of the HTML report and the JUnit file raw", function()
    local page = h.read_file(out .. "/report.html")
    assert.truthy(page:find("report\\\\u202ecod.exe", 1, true)) -- c.escape's text, in JSON
    assert_no_raw(page, "the report")
    local junit = h.read_file(out .. "/junit.xml")
    assert.truthy(junit:find("report\\u202ecod.exe", 1, true), junit)
    assert_no_raw(junit, "the JUnit file")
  end)
end)

describe("a script that prints tracee bytes without c.escape", function()
  local dir, r

  setup(function()
    dir = h.tmpdir()
    r = h.run({ h.bin(), "-q", "-s", h.source() .. "/tests/integration/scripts/careless.lua",
                "-X", "dir=" .. dir, "--", h.prog("hostile_names"), dir })
  end)
  teardown(h.cleanup)

  it("fails as it says", function()
    assert.are.equal(125, r.status, r.stderr)
  end)

  it("still gets no raw control, C1 or bidi character to the terminal", function()
    assert.is_nil(r.stderr:find("[%z\1-\8\11-\31\127]"), r.stderr)
    assert.is_nil(r.stderr:find("\255", 1, true))
    assert_no_raw(r.stderr, "the terminal")
  end)

  it("escapes them in c.fail messages, hook errors and c.print lines", function()
    local lines = h.lines(r.stderr)
    local function has(line)
      for _, l in ipairs(lines) do if l == line then return true end end
      error("no line " .. line .. " in:\n" .. r.stderr, 2)
    end
    has("print " .. dir .. "/\\x1b[31mred")
    has("print " .. dir .. "/report\\u202ecod.exe")
    has("print " .. dir .. "/raw\\x9b2J")
    assert.truthy(r.stderr:find("  ✗ opened " .. dir .. "/csi\\u009b2J (", 1, true), r.stderr)
    -- the hook raised its error at the first file, "a\nb": a message is one line
    assert.truthy(r.stderr:find("compendium: error: " .. h.source() ..
                                "/tests/integration/scripts/careless.lua:15: cannot handle " ..
                                dir .. "/a b (in 'open' hook", 1, true), r.stderr)
  end)

  it("leaves text the script escaped itself as it was, not escaped twice", function()
    assert.truthy(r.stderr:find("\nescaped " .. dir .. "/\\x1b[31mred\n", 1, true), r.stderr)
    assert.truthy(r.stderr:find("\nescaped " .. dir .. "/a\\nb\n", 1, true), r.stderr)
  end)
end)

describe("messages the engine prints before tracing", function()
  teardown(h.cleanup)

  it("a script's load error and an unknown -X value are escaped too", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/bad.lua", 'local c = require "compendium"\n' ..
                                    'c.error("bad value " .. c.opt("v", "") .. "\\226\\128\\174")\n')
    local r = h.run({ h.bin(), "-q", "-s", dir .. "/bad.lua", "-X", "v=\27[2J", "--", "true" })
    assert.are.equal(2, r.status, r.stderr)
    assert.are.equal("compendium: bad value \\x1b[2J\\u202e\n", r.stderr)
    r = h.run({ h.bin(), "-q", "-X", "k=\27]0;x\7", "--", "true" })
    assert.are.equal(2, r.status, r.stderr)
    assert.are.equal("compendium: unknown option -X k=\\x1b]0;x\\x07: no script reads it (" ..
                     "c.opt(\"k\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)\n", r.stderr)
  end)
end)
