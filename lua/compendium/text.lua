-- Text helpers shared by the API and the JSON encoder: byte counts, hex,
-- terminal escaping and UTF-8 repair. Pure functions, no engine access.
local byte, char, format, concat, find = string.byte, string.char, string.format, table.concat, string.find

local M = {}

-- "0 B", "517 B", "1.4 KB", "8.5 MB", "2.0 GB": 1024-based, one decimal from
-- KB up. Negative counts (a shrinking heap) keep their sign.
function M.bytes(n)
  n = tonumber(n) or 0
  if n < 0 then return "-" .. M.bytes(-n) end
  if n < 1024 then return format("%d B", n) end
  if n < 1048576 then return format("%.1f KB", n / 1024) end
  if n < 1073741824 then return format("%.1f MB", n / 1048576) end
  return format("%.1f GB", n / 1073741824)
end

-- "850 ns", "12.3 µs", "4.56 ms", "1.23 s": a duration in nanoseconds.
function M.duration(ns)
  ns = tonumber(ns) or 0
  if ns < 1000 then return format("%d ns", ns) end
  if ns < 1e6 then return format("%.1f µs", ns / 1e3) end
  if ns < 1e9 then return format("%.2f ms", ns / 1e6) end
  return format("%.2f s", ns / 1e9)
end

local DURATION_UNITS = { ns = 1, us = 1e3, ["µs"] = 1e3, ms = 1e6, s = 1e9 }

-- Nanoseconds for "10us", "1.5ms", "2s", "500ns" (a bare number is µs);
-- nil for anything else.
function M.parse_duration(s)
  local number, unit = tostring(s):match("^%s*([%d.]+)%s*(%S*)%s*$")
  number = tonumber(number)
  local scale = DURATION_UNITS[unit == "" and "us" or unit]
  if not number or not scale then return nil end
  return math.floor(number * scale + 0.5)
end

-- "7f8a12345000": lowercase, no 0x. Takes a number or a 64-bit cdata;
-- negative numbers show their 64-bit two's complement.
function M.hex(n)
  return format("%x", n)
end

-- Length of the valid UTF-8 sequence starting at s[i] (whose first byte is
-- b, >= 0x80), or nil when the bytes there are not valid UTF-8: stray
-- continuation bytes, overlong forms, surrogates, code points past U+10FFFF.
local function utf8_len(s, i, b)
  local lo, hi, n = 0x80, 0xBF, 0
  if b >= 0xC2 and b <= 0xDF then n = 1
  elseif b == 0xE0 then n, lo = 2, 0xA0
  elseif b == 0xED then n, hi = 2, 0x9F
  elseif b >= 0xE1 and b <= 0xEF then n = 2
  elseif b == 0xF0 then n, lo = 3, 0x90
  elseif b == 0xF4 then n, hi = 3, 0x8F
  elseif b >= 0xF1 and b <= 0xF3 then n = 3
  else return nil end
  local c = byte(s, i + 1)
  if not c or c < lo or c > hi then return nil end
  for j = i + 2, i + n do
    c = byte(s, j)
    if not c or c < 0x80 or c > 0xBF then return nil end
  end
  return n + 1
end
M.utf8_len = utf8_len

local ESCAPES = { [9] = "\\t", [10] = "\\n", [13] = "\\r", [92] = "\\\\" }

-- Characters that are valid UTF-8 but must not reach a terminal or a page
-- raw, each as its UTF-8 bytes: the C1 controls U+0080-U+009F (U+009B
-- starts an escape sequence on many terminals), and what reorders text
-- (Trojan Source): the bidirectional embeddings, overrides and isolates
-- U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F and U+061C, and
-- the line and paragraph separators U+2028, U+2029.
local HIDDEN = {}
for cp = 0x80, 0x9F do HIDDEN[char(0xC2, cp)] = cp end
HIDDEN["\216\156"] = 0x061C
for _, cp in ipairs { 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                      0x2066, 0x2067, 0x2068, 0x2069 } do
  HIDDEN[char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)] = cp
end
M.HIDDEN = HIDDEN

-- "\u009b" for each of HIDDEN's characters in s; s itself when there is
-- none (the lead bytes C2, D8 and E2 are the quick test). A JSON encoder's
-- output stays the same JSON: these occur only inside its strings.
function M.escape_hidden(s)
  -- three plain searches: far quicker than one with a class, on every line
  if not (find(s, "\194", 1, true) or find(s, "\226", 1, true) or find(s, "\216", 1, true)) then
    return s
  end
  return (s:gsub("[\194\216][\128-\191]", function(seq)
    local cp = HIDDEN[seq]
    return cp and format("\\u%04x", cp) or seq
  end):gsub("\226[\128\129][\128-\191]", function(seq)
    local cp = HIDDEN[seq]
    return cp and format("\\u%04x", cp) or seq
  end))
end

-- s with each byte that is not printable ASCII or part of valid UTF-8 as
-- escapes[b] if there is one, raw if keep[b], else \xNN; HIDDEN's
-- characters as \uNNNN.
local function escape_bytes(s, escapes, keep)
  local out, i, len = {}, 1, #s
  while i <= len do
    local b = byte(s, i)
    local n = 1
    if escapes[b] then
      out[#out + 1] = escapes[b]
    elseif keep[b] then
      out[#out + 1] = char(b)
    elseif b < 32 or b == 127 then
      out[#out + 1] = format("\\x%02x", b)
    elseif b < 128 then
      out[#out + 1] = char(b)
    else
      n = utf8_len(s, i, b)
      if n then
        local seq = s:sub(i, i + n - 1)
        local cp = n < 4 and HIDDEN[seq]
        out[#out + 1] = cp and format("\\u%04x", cp) or seq
      else
        n = 1
        out[#out + 1] = format("\\x%02x", b)
      end
    end
    i = i + n
  end
  return concat(out)
end

local NONE = {}

-- Makes untrusted bytes (paths, addresses, argv) safe to print on a
-- terminal: printable ASCII and valid UTF-8 pass through; \n \t \r and the
-- backslash become escapes; other control bytes, DEL, ESC and bytes that
-- are not valid UTF-8 become \xNN; C1 controls and the characters that
-- reorder text (HIDDEN) become \uNNNN.
function M.escape(s)
  if s == nil then return nil end
  s = tostring(s)
  -- the common case: nothing to do, no allocation
  if not s:find("[%z\1-\31\\\127-\255]") then return s end
  return escape_bytes(s, ESCAPES, NONE)
end

local LINE_BREAKS = { [9] = true, [10] = true }

-- What reaches the terminal from scripts, last: as M.escape, but newlines
-- and tabs stay (they end and lay out lines) and the backslash stays, so
-- text a script already escaped is printed as it is, not escaped twice.
-- Whatever a script forgot to escape (a tracee's bytes in a c.fail
-- message or an error) cannot reach the terminal raw.
function M.terminal_safe(s)
  if not s:find("[%z\1-\8\11-\31\127-\255]") then return s end
  return escape_bytes(s, NONE, LINE_BREAKS)
end

-- "ls\0-l\0" → {"ls", "-l"}: argv as the engine passes it, each argument
-- followed by a NUL (a missing last NUL is tolerated).
function M.split_nul(s)
  local list = {}
  if s then
    for item in s:gmatch("([^%z]*)%z") do list[#list + 1] = item end
    local tail = s:match("([^%z]+)$")
    if tail then list[#list + 1] = tail end
  end
  return list
end

local REPLACEMENT = "\239\191\189" -- U+FFFD

-- Returns s with every byte that is not part of valid UTF-8 replaced by
-- U+FFFD; s itself (no copy) when it is already valid.
function M.utf8_clean(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, len, start, changed = {}, 1, #s, 1, false
  while i <= len do
    local b = byte(s, i)
    if b < 128 then
      i = i + 1
    else
      local n = utf8_len(s, i, b)
      if n then
        i = i + n
      else
        out[#out + 1] = s:sub(start, i - 1)
        out[#out + 1] = REPLACEMENT
        changed = true
        i = i + 1
        start = i
      end
    end
  end
  if not changed then return s end
  out[#out + 1] = s:sub(start)
  return concat(out)
end

return M
