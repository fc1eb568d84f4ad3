-- A protobuf writer for outputs in binary formats (Perfetto traces): fields
-- go straight into one LuaJIT string.buffer through FFI pointers, so a
-- field costs no Lua string and no table.
--
--   local pb = require "compendium.protobuf"
--   local w = pb.writer()
--   local m = w:open(1)          -- a length-delimited field (a message)
--   w:uint(1, 42); w:string(2, "name"); w:fixed64(47, id)
--   w:close(m)
--   file:write(w:take())         -- the bytes so far; the writer is empty again
--
-- An open message's length is written when it closes, as a 4-byte varint
-- (padded with continuation bytes, as Perfetto's own protozero writes
-- them): valid protobuf that every decoder reads, and no copying.
-- Messages are limited to 2^28 bytes.
local buffer = require "string.buffer"
local ffi = require "ffi"
local bit = require "bit"

local floor, byte_t = math.floor, ffi.typeof("uint8_t *")
local band, bor, rshift = bit.band, bit.bor, bit.rshift
local u64, i64 = ffi.typeof("uint64_t"), ffi.typeof("int64_t")
local double_bytes = ffi.new("union { double d; uint8_t b[8]; }")

local M = {}

local Writer = {}
Writer.__index = Writer

function M.writer(size)
  return setmetatable({ buf = buffer.new(size or 65536) }, Writer)
end

-- v: a whole number, 0 <= v < 2^53 (so at most 8 bytes). Unrolled: a loop
-- here would be an inner loop in every trace that writes a field, which
-- LuaJIT does not compile into them.
local function varint(p, n, v)
  if v < 128 then
    p[n] = v
    return n + 1
  end
  p[n] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 1] = v
    return n + 2
  end
  p[n + 1] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 2] = v
    return n + 3
  end
  p[n + 2] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 3] = v
    return n + 4
  end
  p[n + 3] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 4] = v
    return n + 5
  end
  p[n + 4] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 5] = v
    return n + 6
  end
  p[n + 5] = v % 128 + 128
  v = floor(v / 128)
  if v < 128 then
    p[n + 6] = v
    return n + 7
  end
  p[n + 6] = v % 128 + 128
  p[n + 7] = floor(v / 128)
  return n + 8
end
M.varint = varint

-- a uint64_t / int64_t cdata, or a negative number (two's complement, 10 bytes)
local function varint64(p, n, v)
  if type(v) == "number" then v = i64(v) end
  v = u64(v)
  while v >= 128 do
    p[n] = tonumber(bor(band(v, 127), 128))
    v = rshift(v, 7)
    n = n + 1
  end
  p[n] = tonumber(v)
  return n + 1
end
M.varint64 = varint64

local function put_number(buf, v)
  buf:commit(varint(buf:reserve(10), 0, v))
end

local function put_u64(buf, v)
  buf:commit(varint64(buf:reserve(10), 0, v))
end

local function put_varint(buf, v)
  if type(v) == "number" then
    if v >= 0 and v < 9007199254740992 then return put_number(buf, v) end
    return put_u64(buf, i64(v))
  end
  return put_u64(buf, v)
end
M.put_varint = put_varint

-- field with wire type 0 (varint): uint32/64, int32/64 (negative ones in
-- 10 bytes), bool, enum. v: a number or a 64-bit cdata.
function Writer:uint(field, v)
  local buf = self.buf
  put_number(buf, field * 8)
  put_varint(buf, v)
end
Writer.int = Writer.uint

function Writer:bool(field, v)
  local buf = self.buf
  put_number(buf, field * 8)
  put_number(buf, v and 1 or 0)
end

-- wire type 1: fixed64 (v: a number below 2^53 or a 64-bit cdata)
function Writer:fixed64(field, v)
  local buf = self.buf
  if type(v) == "number" and v >= 0 and v < 9007199254740992 then
    return buf:commit(M.fixed64(buf:reserve(20), 0, field, v))
  end
  put_number(buf, field * 8 + 1)
  local p = buf:reserve(8)
  v = u64(v)
  for i = 0, 7 do p[i] = tonumber(band(rshift(v, i * 8), 255)) end
  buf:commit(8)
end

function Writer:double(field, v)
  local buf = self.buf
  put_number(buf, field * 8 + 1)
  double_bytes.d = v
  buf:putcdata(double_bytes.b, 8)
end

-- Bytes already encoded (tags and values known in advance).
function Writer:raw(s)
  self.buf:put(s)
end

-- wire type 2: string or bytes
function Writer:string(field, s)
  local buf = self.buf
  put_number(buf, field * 8 + 2)
  put_number(buf, #s)
  buf:put(s)
end

-- Opens a length-delimited field: returns where its content starts, for close.
function Writer:open(field)
  local buf = self.buf
  put_number(buf, field * 8 + 2)
  buf:reserve(4)
  buf:commit(4)
  return #buf
end

-- ---- the fast path: one reserve, then fields at an offset ----------------
--
--   local p = w:reserve(max)              -- room for at most max bytes
--   local n = pb.varint(p, 0, tag)        -- each call returns the next offset
--   local m; n, m = pb.open(p, n, field)  -- a message, closed by pb.close(p, m, n)
--   w:commit(n)
-- For the fields of one hot message: no call per field into the buffer.

-- any integer: a number (negative ones too) or a 64-bit cdata
function M.int(p, n, v)
  if type(v) == "number" and v >= 0 and v < 9007199254740992 then return varint(p, n, v) end
  return varint64(p, n, v)
end

-- a length-delimited field's tag and room for its length; returns the next
-- offset and the content's start, for close
function M.open(p, n, field)
  n = varint(p, n, field * 8 + 2)
  return n + 4, n + 4
end

function M.close(p, start, n)
  local len = n - start
  local q = p + (start - 4)
  q[0] = bor(band(len, 127), 128)
  q[1] = bor(band(rshift(len, 7), 127), 128)
  q[2] = bor(band(rshift(len, 14), 127), 128)
  q[3] = rshift(len, 21)
end

-- a string field
function M.string(p, n, field, s)
  n = varint(p, n, field * 8 + 2)
  local len = #s
  n = varint(p, n, len)
  ffi.copy(p + n, s, len)
  return n + len
end

-- a fixed64 field of a number below 2^53
function M.fixed64(p, n, field, v)
  n = varint(p, n, field * 8 + 1)
  local lo, hi = v % 4294967296, floor(v / 4294967296)
  p[n], p[n + 1], p[n + 2], p[n + 3] =
    band(lo, 255), band(rshift(lo, 8), 255), band(rshift(lo, 16), 255), rshift(lo, 24)
  p[n + 4], p[n + 5], p[n + 6], p[n + 7] =
    band(hi, 255), band(rshift(hi, 8), 255), band(rshift(hi, 16), 255), rshift(hi, 24)
  return n + 8
end

function Writer:reserve(max)
  return (self.buf:reserve(max))
end

function Writer:commit(n)
  self.buf:commit(n)
end

-- Closes the field `open` returned `start` for: writes its length.
function Writer:close(start)
  local buf = self.buf
  local n = #buf
  if n - start >= 268435456 then error("protobuf: a message of 256 MiB or more", 2) end
  M.close(ffi.cast(byte_t, (buf:ref())), start, n)
end

-- How many bytes are written and not taken yet.
function Writer:size()
  return #self.buf
end

-- The bytes written since the last take, as a string; empties the writer.
-- Take only between top-level fields (no field open).
function Writer:take()
  local s = self.buf:tostring()
  self.buf:reset()
  return s
end

return M
