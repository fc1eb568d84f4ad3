-- What a hook receives: a view of the engine's one cmp_event struct, with
-- the field names of the JSON schema. Reading a field runs a small getter;
-- nothing is allocated unless a string field (or argv, or e:table()) is read.
--
-- The event is only valid while its hook runs: the engine overwrites the
-- struct for the next one. Copy what you keep: `saved[#saved+1] = e:table()`.
--
-- Why a second struct type: on a cdata, real struct fields win over
-- __index, so cmp_event's own fields (ret is an int64 cdata, path a cmp_str)
-- would hide the getters. cmp_event_view has the same layout with every
-- field renamed to _name (64-bit ones split in halves, see below); the hooks
-- see a cmp_event_view pointer onto the engine's struct.
local ffi = require "ffi"
local host = require "compendium.host"
local text = require "compendium.text"

local tonumber, floor = tonumber, math.floor
local ffi_string, ffi_cast = ffi.string, ffi.cast

local M = {}

-- Event type names, by enum value; the semantic kinds in enum order.
M.kinds = {
  "open", "connect", "read", "write", "send", "recv", "brk", "mmap", "munmap",
  "spawn_process", "spawn_thread", "exec", "exit", "signal", "fault",
  "sched_delay", "block_io", "inject", "io_uring",
  "rename", "unlink", "mkdir", "rmdir", "link", "symlink", "chmod", "chown", "truncate", "utimes",
}
local type_names = { [0] = "none" }
M.type_ids = {}
for _, name in ipairs({ "enter", "syscall", unpack(M.kinds) }) do
  local id = tonumber(ffi_cast("enum cmp_event_type", "CMP_EV_" .. name:upper()))
  type_names[id] = name
  M.type_ids[name] = id
end
M.type_names = type_names
local ENTER, SYSCALL = M.type_ids.enter, M.type_ids.syscall
local READ, WRITE = M.type_ids.read, M.type_ids.write
local EXIT = M.type_ids.exit
local INJECT = M.type_ids.inject
local SPAWN_PROCESS, SPAWN_THREAD = M.type_ids.spawn_process, M.type_ids.spawn_thread

local TARGETS = { [0] = "file", "pipe", "other" }
-- enum cmp_abi; the native x86-64 ABI is no name at all
local ABIS = { [0] = nil, "i386" }

-- ---- the view type, defined and given its metatype once per Lua state ----

-- One field of cmp_event, as the view declares it: `int32_t pid;` becomes
-- `int32_t _pid;`. A 64-bit field becomes its two 32-bit halves
-- (`_bytes_lo`, `_bytes_hi`): the interpreter boxes every 64-bit value it
-- reads in a new cdata, while 32-bit fields read as plain numbers. Arrays of
-- 64-bit values get halves per element (`_args1_lo`, `_args1_hi`, ...).
-- Signed fields, and syscall arguments, get a signed high half. The low
-- half is 8-aligned, where the C field is, whatever 32-bit fields come before.
local LO = "uint32_t __attribute__((aligned(8)))"
local function view_declaration(ctype, name, count)
  if ctype ~= "uint64_t" and ctype ~= "int64_t" then
    return string.format("%s _%s%s;", ctype, name, count and ("[" .. count .. "]") or "")
  end
  if count then
    local halves = {}
    for i = 1, tonumber(count) do
      halves[i] = string.format("%s _%s%d_lo; int32_t _%s%d_hi;", LO, name, i, name, i)
    end
    return table.concat(halves, " ")
  end
  local high = ctype == "int64_t" and "int32_t" or "uint32_t"
  return string.format("%s _%s_lo; %s _%s_hi;", LO, name, high, name)
end

-- Declares cmp_event_view from the cmp_event declaration in the cdef text,
-- and checks that every field sits where the engine puts it.
local function define_view(cdef)
  local body = cdef:match("typedef%s+struct%s+cmp_event%s*(%b{})%s*cmp_event%s*;")
  assert(body, "compendium.cdef has no cmp_event struct")
  body = body:sub(2, -2):gsub("/%*.-%*/", ""):gsub("//[^\n]*", "")
  local decls, views = {}, {}
  for decl in body:gmatch("[^;]+") do
    if decl:find("%S") then
      local ctype, name, count = decl:match("^%s*([%a_][%w_ ]-)%s+([%a_][%w_]*)%s*%[%s*(%d+)%s*%]%s*$")
      if not ctype then
        ctype, name = decl:match("^%s*([%a_][%w_ ]-)%s+([%a_][%w_]*)%s*$")
      end
      if not ctype then -- a pointer: `const struct syscall_payloads *payloads`
        ctype, name = decl:match("^%s*([%a_][%w_ ]-%s*%*)%s*([%a_][%w_]*)%s*$")
      end
      assert(ctype, "cmp_event: cannot read the declaration '" .. decl .. "'")
      decls[#decls + 1] = { ctype = ctype, name = name, count = count }
      views[#views + 1] = view_declaration(ctype, name, count)
    end
  end
  ffi.cdef("typedef struct cmp_event_view { " .. table.concat(views, " ") .. " } cmp_event_view;")
  for _, d in ipairs(decls) do
    local wide = d.ctype == "uint64_t" or d.ctype == "int64_t"
    local first = "_" .. d.name .. (wide and ((d.count and "1" or "") .. "_lo") or "")
    assert(ffi.offsetof("cmp_event", d.name) == ffi.offsetof("cmp_event_view", first),
           "cmp_event_view: " .. d.name .. " is not where cmp_event has it")
  end
  return decls
end

-- The getter tables live in the registry so that loading this module again
-- (the specs do) refills the tables the metatype already points at.
local reg = debug.getregistry()
local shared = reg["compendium.event"]
if not shared then
  shared = { getters = {}, methods = {} }
  reg["compendium.event"] = shared
  shared.fields = define_view(require "compendium.cdef")
  local getters, methods = shared.getters, shared.methods
  ffi.metatype("cmp_event_view", {
    __index = function(e, k)
      local g = getters[k]
      if g ~= nil then return g(e) end
      return methods[k]
    end,
  })
end
local getters, methods = shared.getters, shared.methods
for k in pairs(getters) do getters[k] = nil end
for k in pairs(methods) do methods[k] = nil end

local TWO32 = 4294967296

-- ---- time ---------------------------------------------------------------

-- The engine's start time, in 32-bit halves like the event's ts_ns.
local start_hi, start_lo = 0, 0

-- Reads the engine's start time again (the runtime calls this when tracing
-- starts).
function M.reset_clock()
  local ns = ffi_cast("uint64_t", host.start_ns())
  start_hi, start_lo = tonumber(ns / TWO32), tonumber(ns % TWO32)
end
M.reset_clock()

-- ---- names the engine knows, cached: asked for on every event ----------

-- A name lookup that asks the engine once per number.
local function cached_names(lookup, unknown_prefix)
  local names = {}
  return function(n)
    local name = names[n]
    if name == nil then
      name = lookup(n) or (unknown_prefix .. n)
      names[n] = name
    end
    return name
  end
end

local syscall_name = cached_names(function(n) return host.syscall_name(n) end, "syscall_")
local cached_signal_name = cached_names(function(n) return host.signal_name(n) end, "SIG")
local function signal_name(n)
  if n == 0 then return nil end
  return cached_signal_name(n)
end

-- ---- getters --------------------------------------------------------------

local function is_raw(e)
  local t = e._type
  return t == SYSCALL or t == ENTER
end

-- 64-bit fields as Lua numbers (exact up to 2^53), from their halves
local function wide(f)
  local hi, lo = "_" .. f .. "_hi", "_" .. f .. "_lo"
  return function(e) return e[hi] * TWO32 + e[lo] end
end

-- Every field of cmp_event is readable under its own name, with a getter
-- made from its C type: a field added to the struct is never a silent nil.
-- cmp_str: a string, nil when the engine set none; 64-bit: a number;
-- 32-bit: a number. The getters below replace these where a field reads
-- better otherwise (flags as booleans, ids as names), and M.read_as lists
-- the fields scripts read under another name.
M.fields = shared.fields -- {ctype=, name=, count=} in struct order
for _, d in ipairs(M.fields) do
  local raw = "_" .. d.name
  if d.count then -- arrays (args) have a getter of their own
  elseif d.ctype == "cmp_str" then
    getters[d.name] = function(e)
      local s = e[raw]
      if s.ptr == nil then return nil end
      return ffi_string(s.ptr, s.len)
    end
  elseif d.ctype == "uint64_t" or d.ctype == "int64_t" then
    getters[d.name] = wide(d.name)
  else
    getters[d.name] = function(e) return e[raw] end
  end
end

-- struct field → the name scripts (and the JSON schema) read it by
M.read_as = {
  arg_error = "requested_error", -- open: why the path argument could not be read
  child = "child_pid",           -- spawn_process (spawn_thread: child_tid)
  entry_ns = "dur_ns",           -- the syscall's entry, as the time it took
  unseen = "completion_unseen",  -- block_io: its completion was not seen
}
for field, name in pairs(M.read_as) do
  getters[name], getters[field] = getters[field], nil
end

function getters.type(e) return type_names[e._type] end

-- read/write/send/recv: the calls the event stands for, 1 unless a source
-- merged a run of them (c.accept_io_runs); nil for the other kinds, whose
-- runs scripts count themselves
local all_calls = getters.calls
function getters.calls(e)
  local n = all_calls(e)
  if n == 0 then return nil end
  return n
end
-- the raw uint64_t[6], 0-based; e:arg(i) gives numbers
function getters.args(e) return ffi_cast("const cmp_event *", e).args end

function getters.ts(e)
  local ns = (e._ts_ns_hi - start_hi) * TWO32 + (e._ts_ns_lo - start_lo)
  if ns < 0 then return 0 end
  return ns / 1e9
end

-- CLOCK_MONOTONIC ns, as a uint64_t cdata: exact, where a Lua number is
-- exact only up to 2^53 (104 days of uptime). Allocates, unlike ts.
function getters.ts_ns(e) return ffi_cast("const cmp_event *", e).ts_ns end

-- Events made when a syscall returned: ns from its entry stop to its exit
-- stop; nil for other events and when the entry was not seen.
function getters.dur_ns(e)
  local hi, lo = e._entry_ns_hi, e._entry_ns_lo
  if hi == 0 and lo == 0 then return nil end
  return (e._ts_ns_hi - hi) * TWO32 + (e._ts_ns_lo - lo)
end

-- syscall, enter and inject events: the syscall's name
function getters.name(e)
  if is_raw(e) or e._type == INJECT then return syscall_name(e._nr) end
  return nil
end

-- syscall events: false for a call that never returns (exit, exit_group),
-- whose event is made at its entry
local returns = {}
function getters.returned(e)
  if not is_raw(e) then return nil end
  local r = returns[e._nr]
  if r == nil then
    r = host.syscall_returns(e._nr)
    returns[e._nr] = r
  end
  return r
end

function getters.writable(e) return e._writable ~= 0 end
-- "i386" for what a syscall made through int $0x80 caused, nil otherwise
function getters.abi(e) return ABIS[e._abi] end
function getters.sqpoll(e) return e._sqpoll ~= 0 end
function getters.inherited(e) return e._inherited ~= 0 end
function getters.is_thread(e) return e._is_thread ~= 0 end
function getters.core_dumped(e) return e._core_dumped ~= 0 end
function getters.exchange(e) return e._exchange ~= 0 end
function getters.completion_unseen(e) return e._unseen ~= 0 end
-- block_io: nil when the completion was not seen (no latency is guessed)
local block_latency = getters.latency_ns
function getters.latency_ns(e)
  if e._unseen ~= 0 then return nil end
  return block_latency(e)
end

function getters.target(e)
  local t = e._type
  if t == READ or t == WRITE then return TARGETS[e._target] or "other" end
  return nil
end

function getters.child_pid(e)
  if e._type == SPAWN_PROCESS then return e._child end
  return nil
end

function getters.child_tid(e)
  if e._type == SPAWN_THREAD then return e._child end
  return nil
end

function getters.code(e)
  if e._type == EXIT and e._signal == 0 then return e._code end
  return nil
end

function getters.signal(e) return signal_name(e._signal) end

-- exec: {"ls", "-l"} (built on each access)
function getters.argv(e)
  local s = e._argv
  if s.ptr == nil then return nil end
  return text.split_nul(ffi_string(s.ptr, s.len))
end

-- ---- methods --------------------------------------------------------------

local ARG_HI, ARG_LO = {}, {}
for i = 1, 6 do ARG_HI[i], ARG_LO[i] = "_args" .. i .. "_hi", "_args" .. i .. "_lo" end

-- e:arg(1) .. e:arg(6): a syscall argument as a signed number
function methods.arg(e, i)
  local hi = ARG_HI[i]
  if not hi then error("arg: index " .. tostring(i) .. " is not 1..6", 2) end
  return e[hi] * TWO32 + e[ARG_LO[i]]
end

-- "0x7f8a12345000" from a 64-bit field's halves
local function address(e, f)
  local hi, lo = e["_" .. f .. "_hi"], e["_" .. f .. "_lo"]
  if hi == 0 then return string.format("0x%x", lo) end
  return string.format("0x%x%08x", hi, lo)
end

local function micro(ts)
  return floor(ts * 1e6 + 0.5) / 1e6
end

-- Per type: the JSON schema fields beyond ts, ts_ns, dur_ns, pid, tid, type.
local tables = {}

-- path: the file the kernel opened (nil, with path_error, when it cannot be
-- named); requested: the argument as the program passed it (nil, with
-- requested_error, when its memory could not be read)
-- A failed open has `error` (ENOENT) and no fd; its path is the argument
-- made absolute, as the kernel would have looked it up.
function tables.open(e, t)
  t.path, t.writable = e.path, e.writable
  t.requested, t.path_error, t.requested_error = e.requested, e.path_error, e.requested_error
  t.error = e.error
  if not t.error then t.fd = e.fd end
end

-- Changes to the file tree: path (the file changed, absolute; nil when it
-- cannot be named), requested (the path argument as passed; nil for an
-- f-variant, which names its fd), error (when it failed), and per kind:
local function tree(extra)
  return function(e, t)
    t.path, t.requested, t.error = e.path, e.requested, e.error
    if extra then extra(e, t) end
  end
end
local function mode(e, t) t.mode = e.mode end
tables.link = tree(function(e, t) t.new_path = e.new_path end)
tables.rename = tree(function(e, t)
  t.new_path = e.new_path
  if e.exchange then t.exchange = true end -- RENAME_EXCHANGE: the two swapped
end)
tables.symlink = tree(function(e, t) t.link_target = e.link_target end)
tables.unlink, tables.rmdir, tables.utimes = tree(), tree(), tree()
tables.mkdir, tables.chmod = tree(mode), tree(mode)
tables.chown = tree(function(e, t)
  -- -1: left as it was
  if e.uid ~= -1 then t.uid = e.uid end
  if e.gid ~= -1 then t.gid = e.gid end
end)
tables.truncate = tree(function(e, t) t.size = e.size end)

function tables.connect(e, t)
  t.sock_type, t.remote_addr, t.fd, t.error = e.sock_type, e.remote_addr, e.fd, e.error
end

function tables.read(e, t)
  t.bytes, t.filename, t.target, t.fd = e.bytes, e.filename, e.target, e.fd
end
tables.write = tables.read

function tables.send(e, t)
  t.bytes, t.remote_addr, t.sock_type, t.fd = e.bytes, e.remote_addr, e.sock_type, e.fd
end
tables.recv = tables.send

function tables.brk(e, t)
  t.growth_bytes = e.growth_bytes
end

function tables.mmap(e, t)
  t.addr, t.end_addr = address(e, "addr"), address(e, "end_addr")
  t.size, t.prot, t.map_type = e.size, e.prot, e.map_type
  if t.map_type == "file" then t.filename = e.filename end
end

function tables.munmap(e, t)
  t.addr, t.size = address(e, "addr"), e.size
  t.filename = e.filename -- file-backed mappings only
end

function tables.spawn_process(e, t) t.child_pid = e.child_pid end
function tables.spawn_thread(e, t) t.child_tid = e.child_tid end

-- program: the path as the program asked for it, made absolute; path: the
-- file the kernel executed (nil when it cannot be known)
function tables.exec(e, t)
  t.program, t.path = e.program, e.path
  t.argv = setmetatable(e.argv or {}, M.array_mt)
end

function tables.exit(e, t)
  t.code, t.signal, t.is_thread = e.code, e.signal, e.is_thread
  if e.core_dumped then t.core_dumped = true end
end

function tables.signal(e, t) t.signal = e.signal end

function tables.fault(e, t)
  t.addr, t.region, t.prot, t.count = address(e, "addr"), e.region, e.prot, e.count
  if t.region == "file" then t.filename = e.filename end
end

function tables.sched_delay(e, t) t.delay_ns = e.delay_ns end

function tables.block_io(e, t)
  t.latency_ns, t.bytes, t.op = e.latency_ns, e.bytes, e.op
  if e.completion_unseen then t.completion_unseen = true end
end

-- op: "error" (ret is -errno, error its name), "return" (ret is the value
-- the syscall returns) or "delay" (delay_ns); path/fd_path: what it was about
function tables.inject(e, t)
  t.name, t.op, t.ret, t.error = e.name, e.op, e.ret, e.error
  if e.op == "delay" then t.delay_ns = e.delay_ns end
  t.path, t.fd_path, t.sockaddr = e.path, e.fd_path, e.sockaddr
end

-- a ring whose submissions are not seen: fd, entries (nil when unknown),
-- sqpoll, inherited (its setup was not traced)
function tables.io_uring(e, t)
  t.fd, t.sqpoll, t.inherited = e.fd, e.sqpoll, e.inherited
  if e.entries > 0 then t.entries = e.entries end
end

local function raw_table(e, t)
  t.name, t.nr = e.name, e.nr
  local args = setmetatable({}, M.array_mt)
  for i = 1, 6 do args[i] = methods.arg(e, i) end
  t.args = args
  if e._type == SYSCALL then t.ret = e.ret end
  t.path, t.path2, t.fd_path, t.sockaddr = e.path, e.path2, e.fd_path, e.sockaddr
end
tables.syscall, tables.enter = raw_table, raw_table

-- Marks tables that are JSON arrays even when empty (see compendium.json).
M.array_mt = { __jsontype = "array" }

-- A plain Lua table with exactly the event's JSON schema fields, safe to
-- keep after the hook returns.
function methods.table(e)
  local kind = type_names[e._type]
  local t = { ts = micro(e.ts), ts_ns = e.ts_ns, dur_ns = e.dur_ns, pid = e._pid, tid = e._tid,
              type = kind }
  local fill = tables[kind]
  if fill then fill(e, t) end
  t.abi = ABIS[e._abi]
  return t
end

-- ---- the current event ------------------------------------------------------

-- The view of the engine's event struct (one pointer, made once).
function M.view(ptr)
  return ffi_cast("const cmp_event_view *", ptr)
end

-- The engine's own pointer type, for engine calls that take a cmp_event.
function M.raw(e)
  return ffi_cast("const cmp_event *", e)
end

return M
