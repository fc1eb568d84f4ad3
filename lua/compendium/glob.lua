-- Shell-style globs for paths, as the checks' options take them:
--
--   *      any characters but /          ?      one character but /
--   **     any characters, / included    [a-z]  one of a set ([!a-z]: not)
--   \*     a literal *                   ~/     the home directory
--
-- "/a/**/b" matches /a/b too, and "/a/**" matches /a and everything below.
--
--   local glob = require "compendium.glob"
--   local set = assert(glob.list("/tmp/**,~/.cache/**"))
--   set:match("/tmp/x")      --> "/tmp/**" (the glob that matched) or nil
--
-- A list is an array of {glob = text, test = function(path)}. Each glob
-- becomes one or more anchored Lua patterns: no backtracking matcher of
-- our own, and LuaJIT runs them fast.
local M = {}

local MAX_OPTIONAL_DIRS = 4 -- "**/" and final "/**" per glob: each doubles the patterns

-- "%." for ".", "a" for "a": a character as a literal in a Lua pattern.
local function literal(ch)
  if ch:find("^%w$") then return ch end
  return "%" .. ch
end

-- The Lua set for "[...]" starting at i (just after "["); returns it and
-- the index after "]", or nil and a message.
local function class(g, i)
  local out, negate = {}, false
  local ch = g:sub(i, i)
  if ch == "!" or ch == "^" then
    negate = true
    i = i + 1
  end
  local first = true
  while i <= #g do
    ch = g:sub(i, i)
    if ch == "]" and not first then
      if #out == 0 then return nil, "empty []" end
      return "[" .. (negate and "^" or "") .. table.concat(out) .. "]", i + 1
    end
    if ch == "\\" and i < #g then
      i = i + 1
      ch = g:sub(i, i)
    end
    if ch == "-" and not first and g:sub(i + 1, i + 1) ~= "]" and i < #g then
      out[#out + 1] = "-"
    else
      out[#out + 1] = literal(ch)
    end
    first = false
    i = i + 1
  end
  return nil, "unclosed ["
end

-- The pieces of a glob: Lua pattern text, or {optional = text} for a
-- part that may also match nothing: a "**/" (any directories, or none) and
-- a final "/**" (everything below, or the directory itself).
local function pieces(g)
  local out, i = {}, 1
  while i <= #g do
    local ch = g:sub(i, i)
    if ch == "\\" then
      if i == #g then return nil, "a trailing \\" end
      out[#out + 1] = literal(g:sub(i + 1, i + 1))
      i = i + 2
    elseif g:sub(i, i + 2) == "**/" and (i == 1 or g:sub(i - 1, i - 1) == "/") then
      out[#out + 1] = { optional = ".*/" }
      i = i + 3
    elseif g:sub(i) == "/**" then
      out[#out + 1] = { optional = "/.*" }
      i = i + 3
    elseif g:sub(i, i + 1) == "**" then
      out[#out + 1] = ".*"
      i = i + 2
    elseif ch == "*" then
      out[#out + 1] = "[^/]*"
      i = i + 1
    elseif ch == "?" then
      out[#out + 1] = "[^/]"
      i = i + 1
    elseif ch == "[" then
      local set, after = class(g, i + 1)
      if not set then return nil, after end
      out[#out + 1] = set
      i = after
    else
      out[#out + 1] = literal(ch)
      i = i + 1
    end
  end
  return out
end

-- Every pattern a glob stands for: each optional part there or not.
local function expand(parts)
  local patterns = { "" }
  for _, p in ipairs(parts) do
    local n = #patterns
    for k = 1, n do
      if type(p) == "string" then
        patterns[k] = patterns[k] .. p
      else
        patterns[n + k] = patterns[k] .. p.optional
      end
    end
  end
  for k, p in ipairs(patterns) do patterns[k] = "^" .. p .. "$" end
  return patterns
end

-- "~/x" → "$HOME/x"; a relative glob is taken relative to `base` when given.
local function absolute(g, base)
  if g == "~" or g:sub(1, 2) == "~/" then
    local home = os.getenv("HOME")
    if home then g = home:gsub("/+$", "") .. g:sub(2) end
  end
  if base and g:sub(1, 1) ~= "/" then g = base:gsub("/+$", "") .. "/" .. g end
  return g
end

-- A function path → true/false for one glob, or nil and what is wrong.
-- opts.base: the directory relative globs start from.
function M.compile(g, opts)
  local full = absolute(g, opts and opts.base)
  local parts, err = pieces(full)
  if not parts then return nil, err .. " in glob '" .. g .. "'" end
  local optional = 0
  for _, p in ipairs(parts) do
    if type(p) == "table" then optional = optional + 1 end
  end
  if optional > MAX_OPTIONAL_DIRS then
    return nil, "more than " .. MAX_OPTIONAL_DIRS .. " '**' in glob '" .. g .. "'"
  end
  local patterns = expand(parts)
  local find = string.find
  if #patterns == 1 then
    local p = patterns[1]
    return function(path) return find(path, p) ~= nil end
  end
  return function(path)
    for k = 1, #patterns do
      if find(path, patterns[k]) then return true end
    end
    return false
  end
end

local Set = {}
Set.__index = Set

-- The first glob that matches path (its text as given), or nil.
function Set:match(path)
  if path == nil then return nil end
  for i = 1, #self do
    if self[i].test(path) then return self[i].glob end
  end
  return nil
end

-- A set from comma-separated globs ("a/**,b/*"; empty items are skipped),
-- or nil and what is wrong with the first bad one.
function M.list(text, opts)
  local set = setmetatable({}, Set)
  for item in tostring(text):gmatch("[^,]+") do
    local g = item:match("^%s*(.-)%s*$")
    if g ~= "" then
      local test, err = M.compile(g, opts)
      if not test then return nil, err end
      set[#set + 1] = { glob = g, test = test }
    end
  end
  if #set == 0 then return nil, "no glob given" end
  return set
end

return M
