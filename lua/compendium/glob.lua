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

-- An absolute glob split where its first wildcard is: the directories (or
-- the whole path) it names literally, "/bin" of "/bin/*sh", and the rest,
-- "/*sh". nil when not even the first component is literal.
local function literal_prefix(full)
  local literal, rest = {}, nil
  for part in full:gmatch("[^/]+") do
    if rest == nil and part:find("[%*%?%[\\]") then rest = {} end
    if rest then rest[#rest + 1] = part else literal[#literal + 1] = part end
  end
  if #literal == 0 then return nil end
  return "/" .. table.concat(literal, "/"), rest and "/" .. table.concat(rest, "/") or ""
end

-- A literal path as glob text: its wildcard characters escaped.
local function quote(path)
  return (path:gsub("[%*%?%[\\]", "\\%0"))
end

-- The glob as given, and also, when `resolve` (a path → its real path, or
-- nil) says its literal directories lead elsewhere through a symlink, the
-- glob on their real path: "/bin/sh" also stands for "/usr/bin/dash", so a
-- rule can be matched against the file the kernel really used.
local function compile_resolved(g, opts)
  local test, err = M.compile(g, opts)
  if not test or not (opts and opts.resolve) then return test, err end
  local full = absolute(g, opts.base)
  if full:sub(1, 1) ~= "/" then return test end
  local prefix, rest = literal_prefix(full)
  -- the deepest literal directory that exists (what is below it may be
  -- made by the traced program)
  local real = prefix and opts.resolve(prefix)
  while real == nil and prefix and prefix:find("/[^/]+/") do
    local up, last = prefix:match("^(.*)(/[^/]+)$")
    prefix, rest = up, last .. rest
    real = opts.resolve(prefix)
  end
  if real == nil or real == prefix then return test end
  local real_test = M.compile(quote(real) .. rest)
  if not real_test then return test end
  return function(path) return test(path) or real_test(path) end
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
-- or nil and what is wrong with the first bad one. opts.base as for
-- compile; opts.resolve, a function giving a path's real path (or nil),
-- makes each glob also match below the real path of its literal part.
function M.list(text, opts)
  local set = setmetatable({}, Set)
  for item in tostring(text):gmatch("[^,]+") do
    local g = item:match("^%s*(.-)%s*$")
    if g ~= "" then
      local test, err = compile_resolved(g, opts)
      if not test then return nil, err end
      set[#set + 1] = { glob = g, test = test }
    end
  end
  if #set == 0 then return nil, "no glob given" end
  return set
end

return M
