-- Hostile file names: the terminal gets them escaped, the JSON file gets
-- valid JSON with the names intact (invalid UTF-8 replaced by U+FFFD).
local h = require "helpers"

local FFFD = "\239\191\189"

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
