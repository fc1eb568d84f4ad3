-- The files compendium writes for scripts: --json, --report, --junit and
-- every c.open_output. Each looks like a Lua file (write, flush, close,
-- setvbuf, seek), but a write, flush or close that fails is not lost in a
-- return value nobody checks: the engine says it once ("compendium:
-- writing FILE: No space left on device") and the run's exit status is 125.
-- Such a file takes no more writes, so what it holds is a prefix of what
-- was meant. Files still open when the run ends are closed, and their last
-- flush checked, before the status is decided (close_all).
local host = require "compendium.host"

local setmetatable, tostring = setmetatable, tostring

local M = {}

local File = {}
File.__index = File

local open_files = {} -- File → true, until closed

function M.open(path, mode)
  local f, err = io.open(path, mode or "w")
  if not f then return nil, err end
  local file = setmetatable({ path = path, f = f }, File)
  open_files[file] = true
  return file
end

-- The first failure: reported, the file closed (its data is lost anyway).
local function failed(self, err)
  local reason = tostring(err or "unknown error")
  local prefix = self.path .. ": "
  if reason:sub(1, #prefix) == prefix then reason = reason:sub(#prefix + 1) end
  self.error = reason
  open_files[self] = nil
  pcall(self.f.close, self.f)
  host.output_failed(self.path, reason)
  return nil, reason
end

function File:write(...)
  if self.error then return nil, self.error end
  local ok, err = self.f:write(...)
  if not ok then return failed(self, err) end
  return self
end

function File:flush()
  if self.error then return nil, self.error end
  local ok, err = self.f:flush()
  if not ok then return failed(self, err) end
  return self
end

function File:close()
  if self.error then return nil, self.error end
  open_files[self] = nil
  local ok, err = self.f:close()
  if not ok then return failed(self, err) end
  return true
end

function File:setvbuf(...) return self.f:setvbuf(...) end
function File:seek(...) return self.f:seek(...) end
function File:__tostring() return "compendium output " .. self.path end

-- After the end hooks: closes what scripts left open, but `keep`.
function M.close_all(keep)
  local list = {}
  for file in pairs(open_files) do
    if file ~= keep then list[#list + 1] = file end
  end
  table.sort(list, function(a, b) return a.path < b.path end)
  for _, file in ipairs(list) do file:close() end
end

return M
