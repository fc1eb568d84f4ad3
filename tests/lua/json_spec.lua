-- compendium.json: always valid JSON, decoded back with lua-cjson.
local cjson = require "cjson"
local fake = require "fake_host"

describe("json", function()
  local json
  before_each(function()
    fake.setup()
    json = require "compendium.json"
  end)

  local function round_trip(v)
    return cjson.decode(json.encode(v))
  end

  it("encodes tables, strings, numbers and booleans", function()
    local v = { a = 1, b = "x", c = true, d = { 1, 2, 3 }, e = { f = 0.5 } }
    assert.are.same(v, round_trip(v))
  end)

  it("escapes control characters, ESC, quotes and backslashes", function()
    local s = "line\nnext\ttab\r\0\1\27[31m\"q\"\\ \127"
    local out = json.encode({ s = s })
    assert.is_nil(out:find("[%z\1-\31]"), "raw control byte in " .. out)
    assert.are.equal(s, cjson.decode(out).s)
  end)

  it("keeps </script> from closing an HTML script element", function()
    local out = json.encode({ s = "</script><script>alert(1)</script>" })
    assert.is_nil(out:find("</", 1, true))
    assert.are.equal("</script><script>alert(1)</script>", cjson.decode(out).s)
  end)

  it("writes paths with plain slashes, and backslashes exactly", function()
    assert.are.equal('{"p":"/etc/hosts"}', json.encode({ p = "/etc/hosts" }))
    local tricky = "a\\/b\\\\/c</d"
    local out = json.encode({ p = tricky })
    assert.are.equal(tricky, cjson.decode(out).p)
    assert.is_nil(out:find("</", 1, true))
  end)

  it("writes C1 controls and the characters that reorder text as \\u escapes, exactly", function()
    local s = "a\194\155b\226\128\174c\226\129\166d\216\156e\226\128\168f\194\160g\226\128\153"
    local out = json.encode({ [s] = s })
    assert.is_nil(out:find("\194[\128-\159]"), out)
    assert.is_nil(out:find("\226\128[\142\143\168-\174]"), out)
    assert.is_nil(out:find("\226\129[\166-\169]"), out)
    assert.is_nil(out:find("\216\156", 1, true), out)
    assert.truthy(out:find("a\\u009bb\\u202ec\\u2066d\\u061ce\\u2028f\194\160g\226\128\153", 1, true), out)
    assert.are.same({ [s] = s }, cjson.decode(out))
    -- a name that spells the escape keeps its backslash
    assert.are.equal("\\u202e", cjson.decode(json.encode({ s = "\\u202e" })).s)
  end)

  it("keeps valid multibyte UTF-8", function()
    local s = "café 日本 😀"
    assert.are.equal(s, round_trip({ s = s }).s)
    assert.are.equal('{"s":"' .. s .. '"}', json.encode({ s = s }))
  end)

  it("replaces invalid UTF-8 with U+FFFD, in values and keys", function()
    local v = round_trip({ ["k\255"] = "a\255b\192\175", list = { "\237\160\128" } })
    assert.are.same({ ["k\239\191\189"] = "a\239\191\189b\239\191\189\239\191\189",
                      list = { "\239\191\189\239\191\189\239\191\189" } }, v)
  end)

  it("does not change the caller's table", function()
    local v = { s = "bad\255", n = 1e15 }
    json.encode(v)
    assert.are.equal("bad\255", v.s)
    assert.are.equal(1e15, v.n)
  end)

  it("keeps every digit of large integers", function()
    assert.are.equal('{"n":140737488355328}', json.encode({ n = 140737488355328 }))
    assert.are.equal('[-9007199254740992,123456789012345,1e-07]', json.encode({ -9007199254740992, 123456789012345, 1e-7 }))
  end)

  it("writes 64-bit integer cdata with every digit, past 2^53", function()
    assert.are.equal('{"ns":1764581234567890123}', json.encode({ ns = 1764581234567890123ULL }))
    assert.are.equal('[18446744073709551615,-9223372036854775807,0]',
                     json.encode({ 18446744073709551615ULL, -9223372036854775807LL, 0ULL }))
  end)

  it("keeps fractions precise", function()
    assert.are.equal('{"ts":0.012346}', json.encode({ ts = 0.012346 }))
    assert.are.equal(12345.678901, round_trip({ ts = 12345.678901 }).ts)
  end)

  it("encodes marked empty tables as arrays, others as objects", function()
    local out = json.encode({ a = json.array({}), o = {} })
    assert.truthy(out:find('"a":[]', 1, true), out)
    assert.truthy(out:find('"o":{}', 1, true), out)
    assert.are.equal(15, #out)
    assert.are.equal("[]", json.encode(json.array()))
  end)

  it("encodes a string that looks like a placeholder as a string", function()
    assert.are.same({ s = "[]", t = "123" }, round_trip({ s = "[]", t = "123" }))
  end)

  it("is what c.json returns", function()
    local c = require "compendium"
    assert.are.equal('{"x":[]}', c.json({ x = json.array() }))
  end)
end)
