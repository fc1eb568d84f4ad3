-- JSON encoding with lua-cjson, always valid output:
--   * strings that are not valid UTF-8 get U+FFFD for each bad byte;
--   * integers keep every digit (this lua-cjson may only allow 14
--     significant digits; syscall arguments and byte counts need more);
--   * int64_t and uint64_t cdata (ts_ns, wall_start_ns) are written as
--     integers with every digit, exact beyond 2^53 where a double is not;
--   * tables marked as arrays (json.array, e:table()'s argv and args)
--     encode as [] even when empty;
--   * C1 controls and the characters that reorder text (text.HIDDEN) are
--     written as \u escapes: the same strings, but a line of it shown on a
--     terminal (cat, grep) or in a page cannot start an escape sequence or
--     turn text around.
-- A private cjson instance, so scripts using cjson directly keep their own
-- settings.
local cjson = require("cjson").new()
local ffi = require "ffi"
local text = require "compendium.text"

local type, pairs, next, format, find, getmetatable, rawequal = type, pairs, next, string.format,
                                                              string.find, getmetatable, rawequal
local istype, tostring = ffi.istype, tostring
local utf8_clean, escape_hidden = text.utf8_clean, text.escape_hidden

local M = {}

cjson.encode_sparse_array(false)
local full_precision = pcall(cjson.encode_number_precision, 16)
if not full_precision then cjson.encode_number_precision(14) end

-- Placeholders are strings starting with byte 0xFF: no cleaned string can
-- contain that byte, so after encoding they are found and swapped exactly.
local MARK = "\255"
local EMPTY_ARRAY = MARK .. "[]"

local array_mt = { __jsontype = "array" }

-- Marks t as a JSON array (so that {} encodes as []). Returns t.
function M.array(t)
  return setmetatable(t or {}, array_mt)
end

local function is_array(t)
  local mt = getmetatable(t)
  return mt ~= nil and type(mt) == "table" and mt.__jsontype == "array"
end

local needs_fixup -- set when a placeholder went in

local function big_integer(n)
  return not full_precision and n % 1 == 0 and (n >= 1e14 or n <= -1e14)
         and n < 9.2233720368547758e18 and n >= -9.2233720368547758e18
end

-- Returns v, or a copy with strings cleaned and placeholders in; copies only
-- what changes.
local function prepare(v)
  local tv = type(v)
  if tv == "string" then
    return utf8_clean(v)
  elseif tv == "number" then
    if big_integer(v) then
      needs_fixup = true
      return MARK .. format("%d", v)
    end
    return v
  elseif tv == "cdata" and (istype("uint64_t", v) or istype("int64_t", v)) then
    -- a number this cjson writes with every digit goes as a number (no
    -- placeholder, no pass over the text to swap it back)
    if v < 1e14 and v > -1e14 then return tonumber(v) end
    needs_fixup = true
    return MARK .. (tostring(v):gsub("U?LL$", "")) -- "%d" would make a uint64 signed
  elseif tv == "table" then
    if next(v) == nil then
      if is_array(v) then
        needs_fixup = true
        return EMPTY_ARRAY
      end
      return v
    end
    local copy
    for k, x in pairs(v) do
      local nk = type(k) == "string" and utf8_clean(k) or k
      local nx = prepare(x)
      if nk ~= k or not rawequal(nx, x) then -- a number for a cdata is equal, not the same
        if not copy then
          copy = {}
          for k2, x2 in pairs(v) do copy[k2] = x2 end
        end
        if nk ~= k then copy[k] = nil end
        copy[nk] = nx
      end
    end
    return copy or v
  end
  return v
end


-- One line of JSON for a Lua value (tables, strings, numbers, booleans,
-- nil / cjson.null).
function M.encode(value)
  needs_fixup = false
  -- This lua-cjson escapes every "/" as "\/": valid, but paths read and grep
  -- better without it. Every "/" it writes is escaped, so "\/" can only be
  -- that escape. "<\/" stays, so the text can sit inside an HTML script
  -- element without "</script>" ending it.
  local s = cjson.encode(prepare(value))
  if find(s, "\\/", 1, true) then
    -- plain replacements, not a function per match: this runs per event
    s = s:gsub("\\/", "/")
    if find(s, "</", 1, true) then s = s:gsub("</", "<\\/") end
  end
  if needs_fixup then
    s = s:gsub('"\255([^"]*)"', "%1")
  end
  return escape_hidden(s)
end

-- For tests and tools: the decoder of the same instance.
M.decode = cjson.decode
M.null = cjson.null

return M
