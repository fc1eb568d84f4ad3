-- What the scripts of this run registered: hooks, option lookups, failures.
-- Shared by the public API (compendium) and the engine side (runtime).
local M = {}

-- Raised by c.error(): a clean, one-line message with no file:line.
M.UsageError = {}
M.UsageError.__index = M.UsageError
M.UsageError.__tostring = function(e) return e.message end

function M.usage_error(message)
  return setmetatable({ message = message }, M.UsageError)
end

function M.is_usage_error(v)
  return getmetatable(v) == M.UsageError
end

function M.reset(config)
  config = config or {}
  M.options = config.options or {} -- -X key=value, in order: {key=, value=}
  M.verbose = config.verbose and true or false
  M.quiet = config.quiet and true or false
  M.command = config.command or ""
  M.known = {}      -- option keys some script looked up
  M.hooks = {}      -- registrations in order: {kind=, type=, nr=, fn=, script=, errors=}
  M.failures = {}   -- c.fail() calls: {message=, where=}
  M.hook_errors = 0 -- hook errors, repeats included
  M.loading = nil   -- the script being loaded: {path=, name=, scope=}
  M.scripts = {}    -- chunk source ("@path") → script, for c.opt inside hooks
end

M.reset()

return M
