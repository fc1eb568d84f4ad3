-- The API scripts use: `local c = require "compendium"`.
--
--   c.on(name, fn)        register a hook (only while scripts load): an
--                         event kind, "syscall" / "syscall:NAME" (after the
--                         syscall returned), "enter" / "enter:NAME" (before
--                         it runs), "start" or "end"
--   c.print(fmt, ...)     a line on the trace output
--   c.opt(key, default)   read -X key=value (or -X SCRIPT.key=value;
--                         a dotted key like "fs.allow" is read exactly),
--                         while loading or in a hook
--   c.options(prefix)     every -X PREFIX.KEY=VALUE, as {KEY = VALUE}
--   c.fail(msg)           mark the run as failed, keep tracing
--   c.error(msg)          refuse to start (bad option, unwritable output)
--   c.inject(err), c.inject_return(v), c.delay(ms)
--                         returned by an enter:/syscall: hook, change the syscall
--   c.errno(name)         28 for "ENOSPC"
--   c.proc(pid), c.fd(pid, fd), c.errname(n), c.signame(n)
--   c.syscall_classes(name), c.syscalls_in(class)   strace's %file, %network, ...
--   c.bytes(n), c.escape(s), c.hex(n), c.format_syscall(e), c.json(v)
--   c.want_format([name]) while loading: c.format_syscall will render that
--                         syscall (every one without a name), so the source
--                         captures the strings, buffers and addresses its
--                         arguments point to; undeclared, they show as pointers
--   c.want_resolved([name]) while loading: that syscall's paths are resolved
--                         at its exit, for check.resolved
--   c.open_output(path, mode)
--   c.http_post(url, body, opts), c.wait(ms), c.realtime_ns(),
--   c.output_failed(what, reason)   for exporters
--   c.verbose, c.quiet, c.event_kinds, c.strace (strace's -e trace=, -t, -T, -y)
--   c.source              {name, live, can_stop}: what the run's source can do
--
-- Hooks get the event being dispatched (see compendium/event.lua for its
-- fields). It is only valid while the hook runs: keep `e:table()`, a plain
-- copy, not `e`.
local ffi = require "ffi"
local host = require "compendium.host"
local registry = require "compendium.registry"
local event = require "compendium.event"
local text = require "compendium.text"

local c = {}

-- The semantic event kinds, in the engine's order.
c.event_kinds = {}
for i, kind in ipairs(event.kinds) do c.event_kinds[i] = kind end

local is_kind = {}
for _, kind in ipairs(event.kinds) do is_kind[kind] = true end

local where, calling_script = registry.where, registry.calling_script

-- ---- hooks -----------------------------------------------------------------

local function describe_names()
  return "an event kind (" .. table.concat(event.kinds, ", ") ..
         "), syscall, syscall:NAME, enter:NAME, start or end"
end

-- Registers fn for `name`:
--   an event kind ("open", "connect", ...)   the semantic event
--   "syscall" / "syscall:NAME"               a syscall, after it returned
--   "enter" / "enter:NAME"                   a syscall, before it runs
--   "start" / "end"                          once, with the run object
-- Each registration tells the engine what to trace: what nobody hooks
-- costs nothing.
function c.on(name, fn)
  if not registry.loading then
    error("c.on: hooks can only be registered while scripts load", 2)
  end
  if type(name) ~= "string" then
    error("c.on: the event name must be a string, got " .. type(name), 2)
  end
  if type(fn) ~= "function" then
    error("c.on(\"" .. name .. "\"): the hook must be a function, got " .. type(fn), 2)
  end
  local hook = { kind = name, fn = fn, script = registry.loading, errors = 0 }
  if is_kind[name] then
    hook.type = event.type_ids[name]
    host.want_event(hook.type)
  elseif name == "start" or name == "end" then
    hook.type = name
  else
    local phase, sys = name:match("^(%a+):(.+)$")
    if not phase then phase = name end
    if phase ~= "syscall" and phase ~= "enter" then
      error("c.on: unknown event '" .. name .. "'; use " .. describe_names(), 2)
    end
    local nr = -1
    if sys then
      nr = host.syscall_number(sys)
      if not nr then error("c.on: unknown syscall '" .. sys .. "' in \"" .. name .. "\"", 2) end
    end
    if phase == "enter" then registry.need_stop("c.on(\"" .. name .. "\")", 2) end
    hook.type = event.type_ids[phase]
    hook.nr = nr
    host.want_syscall(nr, phase == "enter")
  end
  registry.hooks[#registry.hooks + 1] = hook
end

-- ---- output and verdicts --------------------------------------------------

-- c.print("open %s", path) — string.format when arguments follow; the
-- newline is added.
function c.print(fmt, ...)
  local s
  if select("#", ...) > 0 then s = string.format(fmt, ...) else s = tostring(fmt) end
  host.print(s .. "\n")
end

-- Marks the run as failed (compendium exits non-zero) and keeps tracing;
-- the message is listed with this call's file:line at the end.
function c.fail(msg)
  registry.add_failure { message = tostring(msg), where = where(2), script = calling_script() }
end

-- Refuses to start: for bad options or outputs that cannot be written.
-- The message is printed as is, on one line.
function c.error(msg)
  error(registry.usage_error(tostring(msg)), 0)
end

-- ---- options ----------------------------------------------------------------

local TRUE = { ["1"] = true, ["true"] = true, yes = true, on = true }
local FALSE = { ["0"] = true, ["false"] = true, no = true, off = true }

local function option_value(key)
  local value
  for _, o in ipairs(registry.options) do
    if o.key == key then value = o.value end -- the last -X wins
  end
  return value
end

-- c.opt("limit", 5) reads -X SCRIPT.limit=... (SCRIPT: this script's name,
-- e.g. "jsonl" or "mycheck" for mycheck.lua), else -X limit=... . A key
-- with a dot names its option exactly: c.opt("fs.allow") reads -X
-- fs.allow=... only, so scripts can share a namespace (check/fs-allow and
-- a copy of it both read fs.allow). The default's type converts the value:
-- numbers, booleans (1/0, true/false, yes/no, on/off), strings. Missing:
-- the default.
function c.opt(key, default)
  local script = not key:find(".", 1, true) and calling_script()
  local scoped = script and (script.scope .. "." .. key)
  local value, given
  if scoped then
    registry.known[scoped] = true
    value = option_value(scoped)
    given = scoped
  end
  registry.known[key] = true
  if value == nil then
    value = option_value(key)
    given = key
  end
  if value == nil then return default end
  local kind = type(default)
  if kind == "number" then
    local n = tonumber(value)
    if n == nil then c.error("option " .. given .. "=" .. value .. ": expected a number") end
    return n
  elseif kind == "boolean" then
    local v = value:lower()
    if TRUE[v] then return true end
    if FALSE[v] then return false end
    c.error("option " .. given .. "=" .. value .. ": expected true or false (yes/no, on/off, 1/0)")
  end
  return value
end

-- c.options("inject") → { write = "ENOSPC", every = "3" } for -X
-- inject.write=ENOSPC -X inject.every=3: every option under a prefix, as
-- strings (the last -X of a key wins), all of them counted as read.
function c.options(prefix)
  local found, head = {}, prefix .. "."
  for _, o in ipairs(registry.options) do
    if o.key:sub(1, #head) == head and #o.key > #head then
      registry.known[o.key] = true
      found[o.key:sub(#head + 1)] = o.value
    end
  end
  return found
end

-- ---- fault injection ------------------------------------------------------------

local INJECT_RETURN = tonumber(ffi.cast("enum cmp_inject_action", "CMP_INJECT_RETURN"))
local INJECT_DELAY = tonumber(ffi.cast("enum cmp_inject_action", "CMP_INJECT_DELAY"))
local MAX_ERRNO = 4095

-- Requests are made once per value and reused: hooks return them on every
-- call, and the hot path must not allocate.
local failing = {}                                 -- errno → request
local returning = setmetatable({}, { __mode = "v" }) -- value → request
local delaying = setmetatable({}, { __mode = "v" })  -- ms → request

-- Only the first request of each kind and value is made here, so this is
-- where a source that cannot stop refuses them; the error is at the line
-- of the script that called c.inject, c.inject_return or c.delay.
local function request(action, value, delay_ns, api)
  registry.need_stop(api, 3)
  return setmetatable({ action = action, value = value, delay_ns = delay_ns }, registry.Injection)
end

-- c.errno("ENOSPC"), c.errno(28), c.errno(-28) → 28; nil and why for a
-- name the engine does not know or a number that is no errno.
function c.errno(err)
  local n = err
  if type(err) == "string" then
    n = tonumber(err) or host.errno_number(err)
    if not n then return nil, "unknown errno name '" .. err .. "'" end
  elseif type(err) ~= "number" then
    return nil, "expected an errno name or number, got " .. type(err)
  end
  if n < 0 then n = -n end
  if n < 1 or n > MAX_ERRNO or n % 1 ~= 0 then
    return nil, tostring(err) .. " is not an errno (1.." .. MAX_ERRNO .. ")"
  end
  return n
end

-- `return c.inject("ENOSPC")` (or -28) from an enter:NAME hook: the syscall
-- fails with that errno without running. From a syscall:NAME hook (after
-- it ran): it returns that error instead of its result.
function c.inject(err)
  local n, why = c.errno(err)
  if not n then error("c.inject: " .. why, 2) end
  local r = failing[n]
  if not r then
    r = request(INJECT_RETURN, -n, 0, "c.inject")
    failing[n] = r
  end
  return r
end

-- `return c.inject_return(0)`: like c.inject, but the syscall returns value.
function c.inject_return(value)
  if type(value) ~= "number" or value % 1 ~= 0 then
    error("c.inject_return: expected a whole number, got " .. tostring(value), 2)
  end
  local r = returning[value]
  if not r then
    r = request(INJECT_RETURN, value, 0, "c.inject_return")
    returning[value] = r
  end
  return r
end

-- `return c.delay(200)`: hold the thread 200 ms before the syscall runs
-- (enter hook) or before it returns (exit hook). Other threads run on.
-- c.delay(200, c.inject("EIO")): hold it, then fail it.
function c.delay(ms, then_request)
  if type(ms) ~= "number" or ms < 0 then
    error("c.delay: expected milliseconds (a number >= 0), got " .. tostring(ms), 2)
  end
  local cache = delaying
  if then_request ~= nil then
    if getmetatable(then_request) ~= registry.Injection or then_request.action ~= INJECT_RETURN then
      error("c.delay: the second argument must be c.inject(...) or c.inject_return(...)", 2)
    end
    then_request.delayed = then_request.delayed or setmetatable({}, { __mode = "v" })
    cache = then_request.delayed
  end
  local r = cache[ms]
  if not r then
    local ns = math.floor(ms * 1e6 + 0.5)
    if then_request then
      r = request(INJECT_DELAY + INJECT_RETURN, then_request.value, ns, "c.delay")
    else
      r = request(INJECT_DELAY, 0, ns, "c.delay")
    end
    cache[ms] = r
  end
  return r
end

-- ---- state queries ------------------------------------------------------------

-- {pid, tid, ppid, is_thread, alive, exit_code, exit_signal, start_ns,
--  end_ns, comm, exe, argv} or nil for a task the engine does not know.
function c.proc(pid)
  return host.proc(pid)
end

-- {fd, kind ("file", "socket", "pipe", ...), cloexec, writable, path,
--  sock_type, remote_addr} or nil. An fd the engine's state has not met
-- (inherited, never used yet) is asked of a live source; a source that
-- cannot ask (a recording) gives nil.
function c.fd(pid, fd)
  return host.fd(pid, fd)
end

-- "ENOENT" for -2 (a syscall's return value) or 2; nil for 0.
function c.errname(n)
  n = tonumber(n)
  if not n or n == 0 then return nil end
  if n < 0 then n = -n end
  return host.errno_name(n)
end

function c.signame(n)
  return host.signal_name(n)
end

-- c.syscall_classes("openat") → {"fd", "file"}; nil and why for a syscall
-- the engine does not know.
function c.syscall_classes(name)
  local nr = type(name) == "string" and host.syscall_number(name)
  if not nr then return nil, "unknown syscall '" .. tostring(name) .. "'" end
  return host.syscall_classes(nr)
end

-- c.syscalls_in("network") → {"socket", "connect", ...}, every syscall of
-- that class (as strace's -e trace=%network), in number order; nil and why
-- for a class that does not exist.
function c.syscalls_in(class)
  local list = type(class) == "string" and host.syscalls_in(class)
  if not list then
    local names = host.syscall_class_names()
    return nil, "unknown syscall class '" .. tostring(class) .. "'; use "
      .. table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
  end
  return list
end

-- ---- formatting ---------------------------------------------------------------

c.bytes = text.bytes
c.escape = text.escape
c.hex = text.hex
c.duration = text.duration
c.parse_duration = text.parse_duration

-- Asks the engine (--ebpf) for sched_delay events of at least ns
-- nanoseconds; the smallest value any script asks for wins, 10 µs when
-- none asks. Only while the script loads: the BPF programs are set up
-- before tracing starts.
function c.sched_threshold(ns)
  local n = tonumber(ns)
  if not n or n < 0 then error("c.sched_threshold: needs nanoseconds, got " .. tostring(ns), 2) end
  host.sched_threshold(n)
end

-- The strace-like text of a syscall or enter event, from its record: the
-- strings, buffers and socket addresses its arguments point to are there
-- only for syscalls a script declared with c.want_format (else they show as
-- pointers).
function c.format_syscall(e)
  return host.format_syscall(event.raw(e))
end

-- The syscall number of a c.want_* call (-1 for every syscall without a
-- name), made only while scripts load.
local function want_nr(api, name)
  if not registry.loading then error(api .. ": only while scripts load", 3) end
  if name == nil then return -1 end
  local nr = type(name) == "string" and host.syscall_number(name)
  if not nr then error(api .. ": unknown syscall '" .. tostring(name) .. "'", 3) end
  return nr
end

-- c.want_format("write"), c.want_format() for every syscall: this script
-- calls c.format_syscall on those syscalls' events, so the source captures
-- the memory their arguments point to whenever they stop. It makes nothing
-- stop; what no script declares is not read (and a recording does not hold it).
function c.want_format(name)
  host.want_format(want_nr("c.want_format", name))
end

-- c.want_resolved("mkdir"): this script asks for those syscalls' paths as
-- the kernel resolved them when they returned (compendium.check's
-- check.resolved), so the source resolves them at their exit.
function c.want_resolved(name)
  host.want_resolved(want_nr("c.want_resolved", name))
end

-- c.accept_io_runs(): this script takes a read, write, send or recv event
-- for a run of like calls (one task, one fd, one kind, back to back) as
-- well as for one call: e.calls says how many, e.bytes is their sum. Only
-- when every loaded script says so may the source merge them (--bpf does,
-- in the kernel, so that a flood of small reads costs a record per run);
-- the totals stay exact either way. Made only while scripts load.
function c.accept_io_runs()
  if not registry.loading then error("c.accept_io_runs: only while scripts load", 2) end
  registry.loading.io_runs = true
end

-- One JSON document (one line) for a Lua value; always valid JSON.
function c.json(value)
  return require("compendium.json").encode(value)
end

-- A file to write (compendium/outfile.lua: a failed write is reported and
-- makes the exit status 125), or c.error("cannot write PATH: reason") so
-- that a bad path stops compendium before anything is traced.
function c.open_output(path, mode)
  local f, err = require("compendium.outfile").open(path, mode or "w")
  if not f then
    local reason = tostring(err)
    if reason:sub(1, #path + 2) == path .. ": " then reason = reason:sub(#path + 3) end
    c.error("cannot write " .. path .. ": " .. reason)
  end
  return f
end

-- c.verbose (-v) and c.quiet (-q) are set by the runtime before scripts load.
-- POSTs body to url (http:// or https://, libcurl) and returns {status,
-- retry_after, error}: status is the answer's HTTP status, 0 when none came
-- (error says why); retry_after the answer's Retry-After in seconds, nil
-- without one; error otherwise the start of the answer's body. opts:
-- headers ({["Content-Type"] = "..."} or a list of "Name: value"),
-- timeout_ms (default 10000). It waits for the answer: call it in an
-- `end` hook, not where a traced task is stopped.
function c.http_post(url, body, opts)
  opts = opts or {}
  if type(url) ~= "string" or not (url:find("^https?://.")) then
    error("c.http_post: needs an http:// or https:// URL, got " .. tostring(url), 2)
  end
  if type(body) ~= "string" then error("c.http_post: the body must be a string", 2) end
  local lines = {}
  for k, v in pairs(opts.headers or {}) do
    local line = type(k) == "number" and tostring(v) or (k .. ": " .. tostring(v))
    if line:find("[\r\n%z]") then error("c.http_post: a header holds a line break: " .. text.escape(line), 2) end
    lines[#lines + 1] = line
  end
  table.sort(lines)
  local timeout = tonumber(opts.timeout_ms) or 10000
  local status, after, err = host.http_post(url, body, table.concat(lines, "\n"), math.max(1, timeout))
  return { status = status, retry_after = after, error = err }
end

-- Waits ms milliseconds (a second Ctrl-C or a hook timeout still interrupts
-- the hook), e.g. between an exporter's retries in an `end` hook.
function c.wait(ms)
  local n = tonumber(ms)
  if not n or n < 0 then error("c.wait: needs milliseconds, got " .. tostring(ms), 2) end
  host.wait_ms(math.floor(n))
end

-- An output of the script's own (an export, a file written another way)
-- is lost or incomplete: said once as "compendium: writing WHAT: REASON",
-- and the exit status is 125, as for a file that could not be written.
function c.output_failed(what, reason)
  host.output_failed(tostring(what), tostring(reason))
end

-- CLOCK_REALTIME now, as uint64_t nanoseconds since the epoch.
function c.realtime_ns()
  return host.realtime_ns()
end

c.verbose = false
c.quiet = false
-- strace's flags (-e trace=, -t, -T, -y), as the runtime sets them
c.strace = { timestamps = 0, durations = false, fd_paths = 0 }

return c
