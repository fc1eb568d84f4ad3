-- lua/compendium/protobuf.lua: what it writes, read back by protoc
-- (--decode_raw: field numbers and values, no schema).
local pb = require "compendium.protobuf"
local ffi = require "ffi"

local function raw(bytes)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
  local p = assert(io.popen("protoc --decode_raw < " .. path .. " 2>&1"))
  local text = p:read("*a")
  p:close()
  os.remove(path)
  return text
end

describe("compendium.protobuf", function()
  it("writes varints, negative ints as 64-bit two's complement, and 64-bit cdata exactly", function()
    local w = pb.writer()
    w:uint(1, 0)
    w:uint(2, 127)
    w:uint(3, 128)
    w:uint(4, 9007199254740991)
    w:int(5, -2)
    w:uint(6, 0xffffffffffffffffULL)
    w:uint(7, ffi.new("uint64_t", 1796127147701045050ULL))
    w:bool(8, true)
    assert.are.equal(table.concat({
      "1: 0", "2: 127", "3: 128", "4: 9007199254740991", "5: 18446744073709551614",
      "6: 18446744073709551615", "7: 1796127147701045050", "8: 1", "",
    }, "\n"), raw(w:take()))
  end)

  it("writes fixed64, doubles, strings and nested messages with padded lengths", function()
    local w = pb.writer()
    w:fixed64(1, 4294967297)
    w:double(2, 0.5)
    local m = w:open(3)
    w:string(1, "hello")
    local inner = w:open(2)
    w:uint(1, 7)
    w:close(inner)
    w:close(m)
    w:string(4, string.rep("\7", 300)) -- no message: protoc shows it as a string
    local bytes = w:take()
    -- field 3 (tag 0x1a) after 18 bytes: its 14-byte length in 4 bytes
    assert.are.equal("\x1a\x8e\x80\x80\x00", bytes:sub(19, 23))
    local text = raw(bytes)
    assert.is_truthy(text:find("1: 0x0000000100000001", 1, true), text)
    assert.is_truthy(text:find("2: 0x3fe0000000000000", 1, true), text)
    assert.is_truthy(text:find('3 {\n  1: "hello"\n  2 {\n    1: 7\n  }\n}', 1, true), text)
    assert.is_truthy(text:find('4: "' .. string.rep("\\007", 300) .. '"', 1, true), text)
  end)

  it("has a fast path that writes the same bytes", function()
    local w = pb.writer()
    local p = w:reserve(128)
    local n, m = pb.open(p, 0, 3)
    n = pb.string(p, n, 1, "hello")
    n = pb.varint(p, n, 2 * 8)
    n = pb.int(p, n, -1)
    n = pb.fixed64(p, n, 3, 4294967297)
    pb.close(p, m, n)
    w:commit(n)
    local fast = w:take()
    local m2 = w:open(3)
    w:string(1, "hello")
    w:int(2, -1)
    w:fixed64(3, 4294967297)
    w:close(m2)
    assert.are.equal(w:take(), fast)
  end)
end)
