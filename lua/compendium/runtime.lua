-- The engine's side of the Lua world: configure, load scripts, check
-- options, then start / dispatch (once per event) / finish.
local host = require "compendium.host"
local registry = require "compendium.registry"
local event = require "compendium.event"
local c = require "compendium"

local pcall, setfenv, setmetatable, tostring, format = pcall, setfenv, setmetatable, tostring, string.format

local M = {}

local SYSCALL, ENTER = event.type_ids.syscall, event.type_ids.enter

-- The event hooks see, a view onto the engine's struct (see event.lua).
local ev

-- Dispatch lists: {n=, fns={...}, hooks={...}} in registration order.
local by_type      -- semantic type id → list
local exit_lists   -- syscall nr → list ("syscall" + "syscall:NAME"), built on first use
local enter_lists  -- syscall nr → list ("enter" + "enter:NAME")
local EMPTY = { n = 0, fns = {}, hooks = {} }

local function new_list() return { n = 0, fns = {}, hooks = {} } end

local function push(list, hook)
  list.n = list.n + 1
  list.fns[list.n] = hook.fn
  list.hooks[list.n] = hook
end

-- Rebuilt after each script loads; the per-syscall lists fill lazily.
local function rebuild()
  by_type, exit_lists, enter_lists = {}, {}, {}
  for _, hook in ipairs(registry.hooks) do
    if type(hook.type) == "number" and hook.type ~= SYSCALL and hook.type ~= ENTER then
      by_type[hook.type] = by_type[hook.type] or new_list()
      push(by_type[hook.type], hook)
    end
  end
end

local function syscall_list(cache, type, nr)
  local list = new_list()
  for _, hook in ipairs(registry.hooks) do
    if hook.type == type and (hook.nr == -1 or hook.nr == nr) then push(list, hook) end
  end
  if list.n == 0 then list = EMPTY end
  cache[nr] = list
  return list
end

-- ---- hook errors ----------------------------------------------------------------

local function one_line(msg)
  return (tostring(msg):gsub("%s*\n%s*", " "))
end

local function error_text(err)
  if registry.is_usage_error(err) then return one_line(err.message) end
  return one_line(err)
end

-- First time: one line. Repeats are counted and summed up at finish.
local function hook_failed(hook, err, e)
  hook.errors = hook.errors + 1
  registry.hook_errors = registry.hook_errors + 1
  host.fail()
  if hook.errors > 1 then return end
  hook.message = error_text(err)
  local context
  if e then
    context = format("in '%s' hook, pid %d, +%.3fs", hook.kind, e.pid, e.ts)
  else
    context = format("in '%s' hook", hook.kind)
  end
  host.print(format("compendium: error: %s (%s)\n", hook.message, context))
end

-- Calls fns[i..n](arg); `current` tells which one raised when pcall fails.
-- One pcall per event rather than one per hook.
local current = 0
local function call_from(fns, i, n, arg)
  while i <= n do
    current = i
    fns[i](arg)
    i = i + 1
  end
end

local function run_list(list, arg, e)
  local fns, n = list.fns, list.n
  local ok, err = pcall(call_from, fns, 1, n, arg)
  while not ok do
    local i = current
    hook_failed(list.hooks[i], err, e)
    ok, err = pcall(call_from, fns, i + 1, n, arg)
  end
end

-- ---- the engine calls these -------------------------------------------------------

-- cfg: {options = {{key=, value=}, ...}, verbose=, quiet=, command=}
function M.configure(cfg)
  registry.reset(cfg)
  c.verbose = registry.verbose
  c.quiet = registry.quiet
  ev = event.view(host.event())
  rebuild()
end

local function scope_name(path)
  return (path:match("([^/]+)$") or path):gsub("%.lua$", "")
end

-- Loads one script into its own environment (globals stay private to it).
-- Returns true, or false and one line: "file:line: message", or the
-- message given to c.error().
function M.load(path, name)
  local chunk, err = loadfile(path)
  if not chunk then return false, one_line(err) end
  local script = { path = path, name = name or path, scope = scope_name(path) }
  registry.scripts["@" .. path] = script
  setfenv(chunk, setmetatable({}, { __index = _G }))
  registry.loading = script
  local ok, result = pcall(chunk)
  registry.loading = nil
  rebuild()
  if not ok then return false, error_text(result) end
  return true
end

-- After every script loaded: nil, or a message about the first -X no
-- script looked up (most likely a typo).
function M.check_options()
  for _, o in ipairs(registry.options) do
    if not registry.known[o.key] then
      return format("unknown option -X %s=%s: no script reads it", o.key, o.value)
    end
  end
  return nil
end

local function run_object()
  local run = host.run()
  run.failures = registry.failures
  return run
end

local function run_phase(kind)
  local hooks = {}
  for _, hook in ipairs(registry.hooks) do
    if hook.type == kind then hooks[#hooks + 1] = hook end
  end
  if #hooks == 0 then return end
  local run = run_object()
  for _, hook in ipairs(hooks) do
    local ok, err = pcall(hook.fn, run)
    if not ok then hook_failed(hook, err, nil) end
  end
end

function M.start()
  event.reset_clock()
  run_phase("start")
end

-- Hot path: one call per event. No tables or closures are made here.
function M.dispatch(type)
  local list
  if type == SYSCALL then
    local nr = ev._nr
    list = exit_lists[nr] or syscall_list(exit_lists, SYSCALL, nr)
  elseif type == ENTER then
    local nr = ev._nr
    list = enter_lists[nr] or syscall_list(enter_lists, ENTER, nr)
  else
    list = by_type[type]
  end
  if list == nil or list.n == 0 then return end
  run_list(list, ev, ev)
end

-- Runs the end hooks, reports repeated hook errors and the failures.
-- Returns how many failures there were (c.fail calls + hook errors).
function M.finish()
  run_phase("end")
  for _, hook in ipairs(registry.hooks) do
    if hook.errors > 1 then
      local more = hook.errors - 1
      host.print(format("compendium: error: %s (in '%s' hook) happened %d more time%s\n",
                        hook.message, hook.kind, more, more == 1 and "" or "s"))
    end
  end
  local failures = registry.failures
  if #failures > 0 then
    host.print(format("compendium: %d failure%s:\n", #failures, #failures == 1 and "" or "s"))
    for _, f in ipairs(failures) do
      host.print(format("  ✗ %s (%s)\n", one_line(f.message), f.where))
    end
  end
  return #failures + registry.hook_errors
end

return M
