-- A stand-in for the engine, for the busted specs.
--
--   local fake = require "fake_host"
--   local h, rt = fake.setup{ verbose = true, options = {{key = "limit", value = "3"}} }
--   assert(rt.load(h:script_file("mine", "local c = require 'compendium' ...")))
--   rt.start()
--   h:emit("open", { pid = 10, ts = 0.5, path = "/etc/hosts", fd = 3 })
--   rt.finish()
--   h:lines()  --> every line printed
--
-- The event is a real cmp_event (ffi.new) whose strings point at Lua
-- strings this helper keeps alive until the next event.
local ffi = require "ffi"

local M = {}

local function source_dir()
  return os.getenv("COMPENDIUM_SOURCE") or "."
end
M.source_dir = source_dir

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end
M.read_file = read_file

-- The FFI declarations, exactly as the engine embeds them.
local CDEF = assert(read_file(source_dir() .. "/engine/event.h"):match("/%* BEGIN FFI %*/(.-)/%* END FFI %*/"),
                    "engine/event.h has no FFI markers")
M.cdef = CDEF
package.preload["compendium.cdef"] = function() return CDEF end
if not pcall(ffi.typeof, "cmp_event") then ffi.cdef(CDEF) end

M.START_NS = 5000000000000 -- the fake engine's CLOCK_MONOTONIC start
M.WALL_START_NS = 1764581234567890123ULL -- its CLOCK_REALTIME then: past 2^53

M.syscalls = {
  [0] = "read", [1] = "write", [2] = "open", [3] = "close", [9] = "mmap",
  [42] = "connect", [44] = "sendto", [59] = "execve", [231] = "exit_group", [257] = "openat",
  [74] = "fsync", [82] = "rename", [87] = "unlink", [263] = "unlinkat", [264] = "renameat",
  -- what check/fs-allow hooks
  [76] = "truncate", [83] = "mkdir", [84] = "rmdir", [86] = "link", [88] = "symlink",
  [133] = "mknod", [258] = "mkdirat", [259] = "mknodat", [265] = "linkat", [266] = "symlinkat",
  [316] = "renameat2", [90] = "chmod", [92] = "chown", [94] = "lchown", [260] = "fchownat",
  [268] = "fchmodat", [452] = "fchmodat2", [91] = "fchmod", [93] = "fchown",
  [188] = "setxattr", [189] = "lsetxattr", [190] = "fsetxattr", [197] = "removexattr",
  [198] = "lremovexattr", [199] = "fremovexattr",
}
-- the classes of a few syscalls, as the engine's table gives them
M.classes = { [0] = { "fd" }, [42] = { "network" }, [257] = { "fd", "file" }, [87] = { "file" } }

M.errnos = { [1] = "EPERM", [2] = "ENOENT", [4] = "EINTR", [5] = "EIO", [13] = "EACCES", [28] = "ENOSPC", [111] = "ECONNREFUSED", [115] = "EINPROGRESS" }
M.signals = { [2] = "SIGINT", [9] = "SIGKILL", [11] = "SIGSEGV", [15] = "SIGTERM", [17] = "SIGCHLD" }

local function invert(t)
  local r = {}
  for k, v in pairs(t) do r[v] = k end
  return r
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return t
end
M.deep_copy = deep_copy

local STRING_FIELDS = { "path", "path2", "fd_path", "sockaddr", "filename", "requested",
                        "path_error", "arg_error", "sock_type", "remote_addr", "prot", "map_type",
                        "program", "region", "op", "error", "new_path", "link_target" }
local NUMBER_FIELDS = { "addr", "end_addr", "size", "bytes", "growth_bytes", "delay_ns", "latency_ns",
                        "count", "calls", "child", "code", "signal", "entries", "mode", "uid", "gid" }
local TARGETS = { file = 0, pipe = 1, other = 2 }

-- Every module of lua/ that holds state: forgotten so that each setup
-- starts from scratch with the fake host.
local MODULES = { "compendium", "compendium.host", "compendium.runtime", "compendium.event",
                  "compendium.registry", "compendium.json", "compendium.summary",
                  "compendium.noise", "compendium.text", "compendium.check", "compendium.glob",
                  "compendium.junit", "compendium.outfile" }

function M.default_run()
  return {
    command = "prog --flag", source = { name = "ptrace", live = true, can_stop = true },
    root_pid = 100, attached = false, detached = false,
    start_ns = ffi.new("uint64_t", M.START_NS), wall_start_ns = M.WALL_START_NS,
    interrupted = false, duration = 0.5, exit = { code = 0 }, processes = 1, threads = 0,
    syscalls = 10, dropped = 0, page_size = 4096, faults_traced = false, ebpf_traced = false,
    dropped_faults = 0, dropped_ebpf = 0, undecoded_syscalls = 0, undecoded_by_name = {},
    io_urings = 0,
    memory = { heap_bytes = 0, mmap_bytes = 0, mmap_regions = 0 },
    io = { file_read_bytes = 0, file_written_bytes = 0 },
    net = { bytes_sent = 0, bytes_received = 0 },
  }
end

local Host = {}
Host.__index = Host

-- A fake host module (what package.loaded["compendium.host"] holds).
function M.new_host()
  local h = setmetatable({
    out = {},             -- every string printed
    failures = 0,         -- host.fail() calls
    lost = {},            -- output_failed() calls: {name=, reason=} in order
    wanted_events = {},   -- type id → true
    wanted_syscalls = {}, -- {nr=, at_entry=} in order
    injected = {},        -- inject() calls: {action=, value=, delay_ns=} in order
    procs = {},           -- tid → table returned by proc()
    fds = {},             -- "pid:fd" → table returned by fd()
    wanted_format = {},   -- want_format() calls: nr in order (-1: every syscall)
    wanted_resolved = {}, -- want_resolved() calls: nr in order
    resolved_paths = {},  -- which (0, 1) → table returned by resolved(), for any event
    run_info = M.default_run(),
    keep = {},            -- strings the current event points at
    ev = ffi.new("cmp_event"),
  }, Host)
  h.ptr = ffi.cast("const cmp_event *", h.ev)
  local names = invert(M.syscalls)

  -- the host API, as lua/compendium/host.lua exposes it
  function h.event() return h.ptr end
  function h.print(s) h.out[#h.out + 1] = s end
  function h.fail() h.failures = h.failures + 1 end
  function h.output_failed(name, reason) h.lost[#h.lost + 1] = { name = name, reason = reason } end
  function h.output_lost()
    local list = {}
    for i, l in ipairs(h.lost) do list[i] = l.name .. " (" .. l.reason .. ")" end
    return table.concat(list, ", ")
  end
  function h.proc(tid) return deep_copy(h.procs[tid]) end
  function h.fd(pid, fd) return deep_copy(h.fds[pid .. ":" .. fd]) end
  function h.run() return deep_copy(h.run_info) end
  function h.source() return deep_copy(h.run_info.source) end
  function h.want_event(type) h.wanted_events[type] = true end
  function h.want_syscall(nr, at_entry)
    h.wanted_syscalls[#h.wanted_syscalls + 1] = { nr = nr, at_entry = at_entry and true or false }
  end
  function h.want_format(nr) h.wanted_format[#h.wanted_format + 1] = nr end
  function h.want_resolved(nr) h.wanted_resolved[#h.wanted_resolved + 1] = nr end
  -- what the current event's record has resolved: h.resolved_paths[0|1]
  function h.resolved(ev, which)
    assert(ffi.istype("const cmp_event *", ev), "resolved takes a cmp_event pointer")
    return deep_copy(h.resolved_paths[which])
  end
  function h.sched_threshold(ns) h.sched_threshold_ns = math.min(h.sched_threshold_ns or ns, ns) end
  function h.inject(action, value, delay_ns)
    h.injected[#h.injected + 1] = { action = action, value = value, delay_ns = delay_ns }
  end
  function h.hook_timeout(ns) h.hook_timeout_ns = ns return true end
  function h.hook_next() h.hooks_begun = (h.hooks_begun or 0) + 1 end
  function h.start_ns() return ffi.new("uint64_t", M.START_NS) end
  function h.syscall_name(nr) return M.syscalls[nr] end
  function h.syscall_returns(nr) return M.syscalls[nr] ~= "exit" and M.syscalls[nr] ~= "exit_group" end
  function h.syscall_number(name) return names[name] end
  function h.syscall_classes(nr) return deep_copy(M.classes[nr] or {}) end
  function h.syscall_class_names() return { "fd", "file", "network", "ipc" } end
  function h.syscalls_in(class)
    if not invert(h.syscall_class_names())[class] then return nil end
    local nrs = {}
    for nr, list in pairs(M.classes) do
      for _, cl in ipairs(list) do if cl == class then nrs[#nrs + 1] = nr end end
    end
    table.sort(nrs)
    for i, nr in ipairs(nrs) do nrs[i] = M.syscalls[nr] end
    return nrs
  end
  function h.errno_name(n) return M.errnos[n] end
  function h.errno_number(name) return invert(M.errnos)[name] end
  function h.signal_name(n)
    if n == 0 then return nil end
    return M.signals[n] or ("SIG" .. n)
  end
  function h.format_syscall(ev)
    assert(ffi.istype("const cmp_event *", ev), "format_syscall takes a cmp_event pointer")
    return string.format("%s(%d) = %d", M.syscalls[ev.nr] or "?", tonumber(ffi.cast("int64_t", ev.args[0])),
                         tonumber(ev.ret))
  end
  return h
end

-- Everything printed, split into lines.
function Host:lines()
  local all = table.concat(self.out)
  local lines = {}
  for line in all:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

function Host:clear()
  self.out = {}
end

-- Fills the event struct: type name plus fields named as in cmp_event
-- (strings as Lua strings, argv as a list, target as "file"/"pipe"/"other",
-- booleans for writable/is_thread/core_dumped/sqpoll/inherited, abi "i386" or nil,
-- ts in seconds, dur_ns for an event made at a syscall's return).
function Host:set(type_name, f)
  f = f or {}
  local ev = self.ev
  ffi.fill(ev, ffi.sizeof("cmp_event"))
  self.keep = {}
  ev.type = tonumber(ffi.cast("enum cmp_event_type", "CMP_EV_" .. type_name:upper()))
  ev.pid = f.pid or 100
  ev.tid = f.tid or ev.pid
  ev.nr = f.nr or -1
  ev.fd = f.fd or -1
  ev.ts_ns = ffi.new("uint64_t", M.START_NS) + math.floor((f.ts or 0) * 1e9 + 0.5)
  if f.dur_ns then ev.entry_ns = ev.ts_ns - f.dur_ns end
  ev.ret = f.ret or 0
  for i, v in ipairs(f.args or {}) do ev.args[i - 1] = ffi.cast("int64_t", v) end
  for _, name in ipairs(STRING_FIELDS) do
    local s = f[name]
    if s ~= nil then
      self.keep[#self.keep + 1] = s
      ev[name].ptr = s
      ev[name].len = #s
    end
  end
  if f.argv then
    local s = #f.argv > 0 and table.concat(f.argv, "\0") .. "\0" or ""
    self.keep[#self.keep + 1] = s
    ev.argv.ptr = s
    ev.argv.len = #s
  end
  for _, name in ipairs(NUMBER_FIELDS) do
    if f[name] ~= nil then ev[name] = f[name] end
  end
  ev.writable = f.writable and 1 or 0
  ev.is_thread = f.is_thread and 1 or 0
  ev.core_dumped = f.core_dumped and 1 or 0
  ev.abi = f.abi == "i386" and 1 or 0
  ev.sqpoll = f.sqpoll and 1 or 0
  ev.inherited = f.inherited and 1 or 0
  ev.exchange = f.exchange and 1 or 0
  ev.unseen = f.completion_unseen and 1 or 0
  ev.target = TARGETS[f.target or "file"]
  return ev.type
end

-- Sets the event and dispatches it to the scripts' hooks.
function Host:emit(type_name, f)
  local type = self:set(type_name, f)
  require("compendium.runtime").dispatch(type)
end

-- A directory for this spec's files.
local tmp_root
function M.tmpdir()
  if not tmp_root then
    tmp_root = os.tmpname()
    os.remove(tmp_root)
    local rc = os.execute("mkdir -p '" .. tmp_root .. "'")
    assert(rc == 0 or rc == true, "cannot create " .. tmp_root)
  end
  return tmp_root
end

-- A path in tmpdir() no earlier call returned: "PREFIX3.EXT".
local fresh_paths = 0
function M.fresh_path(prefix, ext)
  fresh_paths = fresh_paths + 1
  return M.tmpdir() .. "/" .. prefix .. fresh_paths .. "." .. ext
end

-- Removes the directory tmpdir() made (call it from a spec's teardown).
function M.cleanup()
  if tmp_root then
    os.execute("rm -rf '" .. tmp_root .. "'")
    tmp_root = nil
  end
end

-- Writes a script file NAME.lua with the given source; returns its path.
function M.script_file(name, source)
  local path = M.tmpdir() .. "/" .. name .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(source)
  f:close()
  return path
end

-- Loads `source` as script NAME.lua into the runtime rt; returns ok, err
-- and the file's path.
function M.load_script(rt, name, source)
  local path = M.script_file(name, source)
  local ok, err = rt.load(path, path)
  return ok, err, path
end

-- The path of a bundled script.
function M.bundled(name)
  return source_dir() .. "/scripts/" .. name .. ".lua"
end

-- Installs a fresh fake host, reloads lua/ against it, configures the
-- runtime. Returns the fake host and the runtime.
function M.setup(config)
  for _, name in ipairs(MODULES) do package.loaded[name] = nil end
  local h = M.new_host()
  config = config or {}
  -- config.source: what the fake source can do ({name=, live=, can_stop=})
  if config.source then h.run_info.source = deep_copy(config.source) end
  package.loaded["compendium.host"] = h
  local rt = require "compendium.runtime"
  rt.configure({
    options = config.options or {},
    junit = config.junit,
    verbose = config.verbose or false,
    quiet = config.quiet or false,
    command = config.command or "prog --flag",
  })
  return h, rt
end

return M
