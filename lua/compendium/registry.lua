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
  -- strace's flags: trace (the names -e selected; nil without -e),
  -- timestamps (-t 1, -tt 2, -ttt 3), durations (-T), fd_paths (-y 1, -yy 2),
  -- string_limit (--string-limit N, nil without)
  M.strace = config.strace or { timestamps = 0, durations = false, fd_paths = 0 }
  M.recording = config.recording and true or false -- --record: the records are kept in a file
  M.command = config.command or ""
  M.known = {}      -- option keys some script looked up
  M.hooks = {}      -- registrations in order: {kind=, type=, nr=, fn=, script=, errors=, disabled=}
  M.failures = {}   -- c.fail() calls and check violations: {message=, where=, script=, count=, ...}
  M.hook_errors = 0 -- hook errors, repeats included
  M.loading = nil   -- the script being loaded: {path=, name=, scope=, label=, check=}
  M.scripts = {}    -- chunk source ("@path") → script, for c.opt inside hooks
  M.order = {}      -- the scripts, in load order
  M.junit = config.junit -- --junit FILE, or nil
  M.source = nil    -- {name=, live=, can_stop=}: what the run's source can do
end

-- "path:line" for a chunk name ("@/path/x.lua") and a line. A bundled
-- script is named as -s names it: "check/no-network.lua:12".
function M.location(source, line)
  local script = M.scripts[source]
  local file
  if script and script.bundled then
    file = script.name .. ".lua"
  elseif source:sub(1, 1) == "@" then
    file = source:sub(2)
  else
    file = "[string]"
  end
  return file .. ":" .. (line or 0)
end

-- "path:line" of the function `level` levels above the caller of where().
function M.where(level)
  local info = debug.getinfo(level + 1, "Sl")
  if not info then return "?" end
  return M.location(info.source, info.currentline)
end

-- The script calling into the API: the one loading, or the one whose hook
-- runs (found on the call stack).
function M.calling_script()
  if M.loading then return M.loading end
  for level = 3, 30 do
    local info = debug.getinfo(level, "S")
    if not info then break end
    local script = M.scripts[info.source]
    if script then return script end
  end
  return nil
end

-- Marks the run as failed with one more entry (the engine counts it).
function M.add_failure(entry)
  entry.count = entry.count or 1
  M.failures[#M.failures + 1] = entry
  require("compendium.host").fail()
  return entry
end

-- What a hook returns to change its syscall: c.inject, c.inject_return
-- and c.delay make tables with this metatable; the runtime passes them on.
M.Injection = {}

-- Raised by need_stop when no script line is on the stack: `return
-- c.inject(...)` is a tail call, which leaves no frame of the hook. The
-- runtime then names the hook.
M.NeedsStop = {}
M.NeedsStop.__tostring = function(e) return e.message end

function M.is_needs_stop(v)
  return getmetatable(v) == M.NeedsStop
end

-- When the source cannot stop a task, an enter: hook, an injection or a
-- delay would do nothing: an error at the line of the script that asked,
-- searched from `level` levels above the caller (as error() counts).
function M.need_stop(what, level)
  local source = M.source
  if not source or source.can_stop then return end
  local message = what .. " needs a source that stops the traced task, and this run's source (" ..
                  source.name .. ") cannot"
  if source.name == "bpf" then message = message .. "; drop --bpf to trace with ptrace, which can" end
  for l = level + 1, level + 20 do
    local info = debug.getinfo(l, "Sl")
    if not info then break end
    if M.scripts[info.source] then error(M.location(info.source, info.currentline) .. ": " .. message, 0) end
  end
  error(setmetatable({ message = message }, M.NeedsStop), 0)
end

M.reset()

return M
