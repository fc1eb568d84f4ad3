-- The engine's side of the Lua world: configure, load scripts, check
-- options, then start / dispatch (once per event) / finish.
local host = require "compendium.host"
local registry = require "compendium.registry"
local event = require "compendium.event"
local describe = require "compendium.describe"
local terminal_safe = require("compendium.text").terminal_safe
local c = require "compendium"

local pcall, setfenv, setmetatable, getmetatable, tostring, format, type =
  pcall, setfenv, setmetatable, getmetatable, tostring, string.format, type

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

-- Rebuilt after each script loads (and when a hook is disabled); the
-- per-syscall lists fill lazily.
local function rebuild()
  by_type, exit_lists, enter_lists = {}, {}, {}
  for _, hook in ipairs(registry.hooks) do
    if type(hook.type) == "number" and hook.type ~= SYSCALL and hook.type ~= ENTER and
       not hook.disabled then
      by_type[hook.type] = by_type[hook.type] or new_list()
      push(by_type[hook.type], hook)
    end
  end
end

local function syscall_list(cache, type, nr)
  local list = new_list()
  for _, hook in ipairs(registry.hooks) do
    if hook.type == type and (hook.nr == -1 or hook.nr == nr) and not hook.disabled then
      push(list, hook)
    end
  end
  if list.n == 0 then list = EMPTY end
  cache[nr] = list
  return list
end

-- ---- hook errors ----------------------------------------------------------------

local function one_line(msg)
  return (tostring(msg):gsub("%s*\n%s*", " "))
end

-- What the engine raised in an interrupted hook: {interrupted = why,
-- source =, line =} (engine/script_host.c).
local function is_interrupt(err)
  return type(err) == "table" and type(err.interrupted) == "string"
end

local hook_timeout_text -- the -X hook_timeout value, for the message

local INTERRUPTED = {
  sigint = "hook interrupted by a second SIGINT (Ctrl-C)",
  sigterm = "hook interrupted by SIGTERM",
  sighup = "hook interrupted: the terminal hung up",
  memory = "not enough memory",
}

-- LuaJIT's out-of-memory error has no position (and calls no handler).
local NO_MEMORY = "not enough memory"

-- The error as one line. An error without a position gets the hook's
-- own: where the hook function starts.
local function error_text(err, hook)
  if registry.is_usage_error(err) then return one_line(err.message) end
  if is_interrupt(err) then
    local why = INTERRUPTED[err.interrupted] or
                ("hook ran longer than hook_timeout=" .. tostring(hook_timeout_text))
    return registry.location(err.source, err.line) .. ": " .. why
  end
  if registry.is_needs_stop(err) then
    if not hook then return err.message end
    local info = debug.getinfo(hook.fn, "S")
    return registry.location(info.source, info.linedefined) .. ": " .. err.message ..
           " (in the hook that starts there)"
  end
  if err == NO_MEMORY and hook then
    local info = debug.getinfo(hook.fn, "S")
    return registry.location(info.source, info.linedefined) ..
           ": not enough memory (in the hook that starts there)"
  end
  return one_line(err)
end

-- First time: one line. Repeats are counted and summed up at finish. An
-- interrupted hook is not called again: it would most likely run on again.
local function hook_failed(hook, err, e)
  host.hook_next()
  -- what a hook that ran out of memory allocated is garbage now, and LuaJIT
  -- collects none when an allocation fails: make room for what comes next
  if err == NO_MEMORY or (is_interrupt(err) and err.interrupted == "memory") then
    collectgarbage()
  end
  if is_interrupt(err) then
    hook.disabled = true
    rebuild()
  end
  hook.errors = hook.errors + 1
  registry.hook_errors = registry.hook_errors + 1
  host.fail()
  if hook.errors > 1 then return end
  hook.message = error_text(err, hook)
  local context
  if e then
    context = format("in '%s' hook, pid %d, +%.3fs", hook.kind, e.pid, e.ts)
  else
    context = format("in '%s' hook", hook.kind)
  end
  host.print(format("compendium: error: %s (%s)\n", hook.message, context))
end

-- ---- injection -------------------------------------------------------------------

local Injection = registry.Injection
local raw_event = false -- the event being dispatched is an enter or syscall event

-- A hook returned c.inject(...), c.inject_return(...) or c.delay(...).
local function pass_on(r)
  if not raw_event then
    error("c.inject, c.inject_return and c.delay only work returned from an enter:NAME or " ..
          "syscall:NAME hook", 0)
  end
  host.inject(r.action, r.value, r.delay_ns)
end

-- After hook i of `list` ran: ok and what it returned, or false and the
-- error it raised.
local function hook_done(list, i, ok, r, e)
  if not ok then
    hook_failed(list.hooks[i], r, e)
  elseif r ~= nil and getmetatable(r) == Injection then
    local passed, err = pcall(pass_on, r)
    if not passed then hook_failed(list.hooks[i], err, e) end
  end
end

-- ---- the engine calls these -------------------------------------------------------

local junit_out -- the --junit file, opened before tracing starts

-- -X hook_timeout=DURATION, read by the runtime itself.
local function configure_hook_timeout()
  local value
  for _, o in ipairs(registry.options) do
    if o.key == "hook_timeout" then value = o.value end -- the last -X wins
  end
  registry.known.hook_timeout = true
  hook_timeout_text = value
  if value == nil then return end
  local ns = c.parse_duration(value)
  if not ns or ns <= 0 then
    error("option hook_timeout=" .. value .. ": expected a duration (2s, 500ms)", 0)
  end
  if not host.hook_timeout(ns) then error("hook_timeout: cannot create a timer", 0) end
end

-- cfg: {options = {{key=, value=}, ...}, verbose=, quiet=, recording=, command=, junit=}
function M.configure(cfg)
  registry.reset(cfg)
  registry.source = host.source()
  c.verbose = registry.verbose
  c.quiet = registry.quiet
  c.strace = registry.strace
  c.source = registry.source
  ev = event.view(host.event())
  rebuild()
  configure_hook_timeout()
  junit_out = nil
  if registry.junit then
    local ok, f = pcall(c.open_output, registry.junit)
    if not ok then error(error_text(f), 0) end
    junit_out = f
  end
end

-- ---- what scripts may not do -------------------------------------------------------

-- Ending or forking compendium from a hook would hide the command's own
-- status and leave tracees behind: these are errors at the caller's line.
local FORBIDDEN = { { "os", "exit" }, { "os", "execute" }, { "io", "popen" } }

-- Called by the engine once, on its own Lua state (busted, which runs the
-- specs, needs os.exit): replaces the forbidden calls. env: the globals to
-- change (_G by default).
function M.protect(env)
  env = env or _G
  for _, f in ipairs(FORBIDDEN) do
    local name = f[1] .. "." .. f[2]
    env[f[1]][f[2]] = function()
      error(name .. " is not available to scripts (compendium ends when the traced command does)", 2)
    end
  end
end

local function scope_name(path)
  return (path:match("([^/]+)$") or path):gsub("%.lua$", "")
end

-- Loads one script into its own environment (globals stay private to it).
-- Returns true, or false and one line: "file:line: message", or the
-- message given to c.error().
-- The keys a script's text reads with c.opt("KEY") (or opt("KEY") through
-- a local): a hook may read them later (c.opt in a hook reads -X when it
-- runs), so they are not taken for misspelt keys when the scripts have
-- loaded.
local function opt_keys(source)
  local set = {}
  for _, key in source:gmatch("opt%s*%(%s*([\"'])(.-)%1") do set[key] = true end
  return set
end

local function load_script(path, name, text)
  if not text then
    local f = io.open(path, "rb")
    text = f and f:read("*a")
    if f then f:close() end
  end
  local chunk, err
  if text then chunk, err = loadstring(text, "@" .. path) else chunk, err = loadfile(path) end
  if not chunk then return false, one_line(err) end
  local script = { path = path, name = name or path, scope = scope_name(path),
                   opt_keys = opt_keys(text or "") }
  -- bundled scripts are given by name ("check/no-network"), files by path
  script.bundled = name ~= nil and name ~= path
  script.label = script.bundled and script.name or script.scope
  registry.scripts["@" .. path] = script
  registry.order[#registry.order + 1] = script
  setfenv(chunk, setmetatable({}, { __index = _G }))
  registry.loading = script
  local ok, result = pcall(chunk)
  registry.loading = nil
  rebuild()
  if result == NO_MEMORY then return false, path .. ": " .. NO_MEMORY end
  if not ok then return false, error_text(result) end
  return true
end

-- The engine prints the message as it is: made safe here, as host.print
-- makes everything else (a message may hold an option's value or a path).
function M.load(path, name, text)
  -- a bundled script runs once however often it is named: `-s otel` with
  -- --otel (which loads it too, and sets its option) is one trace, not two
  if name ~= nil and name ~= path then
    for _, script in ipairs(registry.order) do
      if script.bundled and script.name == name then return true end
    end
  end
  local ok, err = load_script(path, name, text)
  if ok then return true end
  return false, terminal_safe(err)
end

-- True when a script may read option `key` in a hook: its text has
-- c.opt("fs.allow"), or c.opt("limit") for -X limit or -X SCRIPT.limit.
local function named_by_a_script(key)
  for _, script in ipairs(registry.order) do
    local keys = script.opt_keys
    if keys[key] then return true end
    -- c.opt("limit") in script `mine` reads -X mine.limit; a dotted key only itself
    local head, rest = script.scope .. ".", nil
    if key:sub(1, #head) == head then rest = key:sub(#head + 1) end
    if rest and not rest:find(".", 1, true) and keys[rest] then return true end
  end
  return false
end

-- After every script loaded: nil, or a message about the first -X no
-- script read while loading and none has a c.opt for in a hook (most
-- likely a typo).
-- True when every loaded script said c.accept_io_runs(): the source may
-- then merge a task's like reads or writes into one event with `calls`.
function M.io_runs()
  if #registry.order == 0 then return false end
  for _, script in ipairs(registry.order) do
    if not script.io_runs then return false end
  end
  return true
end

function M.check_options()
  for _, o in ipairs(registry.options) do
    if not registry.known[o.key] and not named_by_a_script(o.key) then
      return terminal_safe(format("unknown option -X %s=%s: no script reads it (c.opt(\"%s\") reads " ..
                                  "it while a script loads, or in a hook where the script writes it so)",
                                  o.key, o.value, o.key))
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
    host.hook_next()
    local ok, err = pcall(hook.fn, run)
    if not ok then hook_failed(hook, err, nil) end
  end
end

function M.start()
  event.reset_clock()
  run_phase("start")
end

-- The hooks of an event: fns, n, the list (for M.hook_done) and their
-- argument; nil when none. The engine calls each hook itself (see
-- M.hook_done): a hook entered straight from C ends its compiled traces at
-- its own return, where LuaJIT stops recording cleanly. Below a Lua frame
-- (a loop over the hooks here, or pcall) those traces would have to return
-- below where they started, which LuaJIT cannot compile: they abort, and
-- the hooks stay in the interpreter. No tables or closures are made here.
function M.hooks(type)
  local list
  if type == SYSCALL then
    local nr = ev._nr
    list = exit_lists[nr] or syscall_list(exit_lists, SYSCALL, nr)
    raw_event = true
  elseif type == ENTER then
    local nr = ev._nr
    list = enter_lists[nr] or syscall_list(enter_lists, ENTER, nr)
    raw_event = true
  else
    list = by_type[type]
    raw_event = false
  end
  if list == nil or list.n == 0 then return nil, 0 end
  return list.fns, list.n, list, ev
end

-- The engine calls this after hook i of M.hooks' list when it raised
-- (ok false, r the error) or returned something (r).
function M.hook_done(list, i, ok, r)
  hook_done(list, i, ok, r, ev)
end

-- One event, hooks called from Lua: what the engine does, for hosts that
-- are Lua (the specs' fake host, the benches).
function M.dispatch(type)
  local fns, n, list, arg = M.hooks(type)
  for i = 1, n do
    local ok, r = pcall(fns[i], arg)
    if not ok or r ~= nil then hook_done(list, i, ok, r, arg) end
  end
end

-- ---- the verdict ---------------------------------------------------------------

-- One failure, on one line: what, who, when, how often, and the script line.
local function failure_text(f)
  local text = one_line(f.message)
  if f.rule then text = f.rule .. ": " .. text end
  if f.program then
    text = text .. format(" by %s (pid %d)", c.escape(f.program), f.pid)
  elseif f.pid then
    text = text .. format(" by pid %d", f.pid)
  end
  if f.ts then text = text .. format(" at +%.3fs", f.ts) end
  if f.count > 1 then text = text .. format(", %d times", f.count) end
  return text .. " (" .. f.where .. ")"
end

-- The checks of this run, in load order: scripts that declared themselves
-- checks (compendium.check) and any script that failed. Each is
-- {name=, failures={text...}, errors={text...}}.
local function checks()
  local list, by_script = {}, {}
  local function case(script)
    local key = script or "?"
    if not by_script[key] then
      by_script[key] = { name = script and script.label or "compendium", failures = {}, errors = {} }
      list[#list + 1] = by_script[key]
    end
    return by_script[key]
  end
  for _, script in ipairs(registry.order) do
    if script.check then case(script) end
  end
  for _, f in ipairs(registry.failures) do
    local fails = case(f.script).failures
    fails[#fails + 1] = failure_text(f)
  end
  for _, hook in ipairs(registry.hooks) do
    if hook.errors > 0 then
      local errs = case(hook.script).errors
      errs[#errs + 1] = format("%s (in '%s' hook, %d time%s)", hook.message, hook.kind,
                               hook.errors, hook.errors == 1 and "" or "s")
    end
  end
  return list
end

-- "the command exited 0", "... was killed by SIGSEGV", ...
local command_status = describe.status

-- "; the I/O through 1 io_uring was not seen", or "": no check saw it.
local function unseen(run)
  local text = describe.unseen(run)
  return text and ("; " .. text .. " was not seen") or ""
end

-- "compendium: 1 of 2 checks failed (check/fs-allow); the command exited 0"
local function verdict(list, run)
  local failed, names = {}, {}
  for i, case in ipairs(list) do
    names[i] = case.name
    if #case.failures + #case.errors > 0 then failed[#failed + 1] = case.name end
  end
  local n = #list
  local checks_word = n == 1 and "check" or "checks"
  if #failed == 0 then
    return format("compendium: %d %s passed (%s); %s%s", n, checks_word, table.concat(names, ", "),
                  command_status(run), unseen(run))
  end
  return format("compendium: %d of %d %s failed (%s); %s%s", #failed, n, checks_word,
                table.concat(failed, ", "), command_status(run), unseen(run))
end

-- Runs the end hooks, reports repeated hook errors and the failures, and
-- says the verdict when there are checks (under -q without checks, how the
-- command ended). Returns how many failures there
-- were (c.fail calls and check violations + hook errors).
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
      host.print("  ✗ " .. failure_text(f) .. "\n")
    end
  end
  -- Before the JUnit file is written, so that it can say what was lost.
  require("compendium.outfile").close_all(junit_out)
  local list = checks()
  if #list == 0 and registry.quiet and not registry.recording then
    -- -q with nothing to check: how the command ended is all there is to say
    -- (-q --record only records: the recording is what the user asked for)
    local run = run_object()
    host.print(format("compendium: no checks; %s%s\n", command_status(run), unseen(run)))
  end
  if #list > 0 or junit_out then
    local run = run_object()
    if #list > 0 then host.print(verdict(list, run) .. "\n") end
    if junit_out then
      local cases, lost = list, host.output_lost()
      if lost ~= "" then
        cases = { unpack(list) }
        cases[#cases + 1] = { name = "output", failures = { "the output is incomplete: " .. lost }, errors = {} }
      end
      junit_out:write(require("compendium.junit").render(cases, run, command_status(run)))
      junit_out:close()
      junit_out = nil
    end
  end
  return #failures + registry.hook_errors
end

return M
