-- The one module that talks to the engine (through the LuaJIT FFI). The rest
-- of lua/ reaches the engine only through these functions, so tests can
-- replace this module with a fake (package.loaded["compendium.host"]).
local bit = require "bit"
local ffi = require "ffi"
local text = require "compendium.text"

-- The declarations come from engine/event.h, embedded by the build. Define
-- them once per Lua state, even if this module is loaded again.
if not pcall(ffi.typeof, "cmp_event") then
  ffi.cdef(require "compendium.cdef")
end

local C = ffi.C
local tonumber = tonumber

local M = {}

-- cmp_str → Lua string, nil when the engine passed no string.
local function str(s)
  if s.ptr == nil then return nil end
  return ffi.string(s.ptr, s.len)
end

-- cmp_str → Lua string; nil for no string and for an empty one.
local function nonempty(s)
  if s.ptr == nil or s.len == 0 then return nil end
  return ffi.string(s.ptr, s.len)
end


local function signal_name(n)
  if n == 0 then return nil end
  local p = C.cmp_signal_name(n)
  return p ~= nil and ffi.string(p) or ("SIG" .. n)
end

local FD_KINDS = {
  [0] = "unknown", "file", "dir", "socket", "pipe", "eventfd", "timerfd",
  "signalfd", "epoll", "memfd", "inotify", "pidfd", "other", "io_uring", "device",
}

-- ---- conversions from the engine's structs (exported for the specs) ------

function M.proc_table(p, signame)
  signame = signame or signal_name
  return {
    pid = p.pid,
    tid = p.tid,
    ppid = p.ppid,
    is_thread = p.is_thread ~= 0,
    alive = p.alive ~= 0,
    exit_code = (p.alive == 0 and p.exit_signal == 0) and p.exit_code or nil,
    exit_signal = signame(p.exit_signal),
    start_ns = tonumber(p.start_ns),
    end_ns = tonumber(p.end_ns),
    comm = str(p.comm),
    exe = str(p.exe),
    argv = text.split_nul(str(p.argv)),
    cwd = str(p.cwd),                        -- "" when it has no name within PATH_MAX
    heap_bytes = tonumber(p.heap_bytes),     -- its address space now
    mapped_bytes = tonumber(p.mapped_bytes), -- every mapping
    anon_bytes = tonumber(p.anon_bytes),     -- of those, anonymous ones with access: memory used
  }
end

function M.fd_table(d)
  return {
    fd = d.fd,
    kind = FD_KINDS[d.kind] or "unknown",
    cloexec = d.cloexec ~= 0,
    writable = d.writable ~= 0,
    path = nonempty(d.path),
    sock_type = nonempty(d.sock_type),
    remote_addr = nonempty(d.remote_addr),
  }
end

-- "signal=2 socketcall:recvmmsg=1" → { signal = 2, ["socketcall:recvmmsg"] = 1 }
function M.undecoded_names(text)
  local names = {}
  for name, n in (text or ""):gmatch("(%S+)=(%d+)") do names[name] = tonumber(n) end
  return names
end

-- {name = "ptrace", live = true, can_stop = true}: where the records come from.
function M.source_table(s)
  return { name = str(s.name) or "?", live = s.live ~= 0, can_stop = s.can_stop ~= 0 }
end

-- "ID\tWHY\n..." (cmp_run_info.unknown) as {{id = ID, why = WHY}, ...}, in
-- the source's order: what a source (an strace log) could not tell.
function M.unknown_list(text)
  local list = {}
  for id, why in (text or ""):gmatch("([^\t\n]+)\t([^\n]*)\n") do
    list[#list + 1] = { id = id, why = why }
  end
  return list
end

-- The run object hooks get (start and end), minus `failures`, which the
-- runtime adds.
function M.run_table(r, signame)
  signame = signame or signal_name
  local exit = {}
  if r.exit_signal ~= 0 then
    exit.signal = signame(r.exit_signal)
    if r.core_dumped ~= 0 then exit.core_dumped = true end
  elseif r.exit_code >= 0 then
    exit.code = r.exit_code
  end
  local run = {
    command = str(r.command) or "",
    source = M.source_table(r.source),
    root_pid = r.root_pid,
    attached = r.attached ~= 0,
    detached = r.detached ~= 0,
    interrupted = r.interrupted ~= 0,
    duration = r.end_ns > r.start_ns and tonumber(r.end_ns - r.start_ns) / 1e9 or 0,
    -- the clock anchor, as uint64_t cdata (exact): the wall-clock time of an
    -- event is wall_start_ns + (e.ts_ns - start_ns)
    start_ns = r.start_ns,
    wall_start_ns = r.wall_start_ns,
    exit = exit,
    processes = tonumber(r.processes),
    threads = tonumber(r.threads),
    syscalls = tonumber(r.syscalls),
    dropped = tonumber(r.dropped),
    page_size = tonumber(r.page_size),
    faults_traced = r.faults_traced ~= 0,
    ebpf_traced = r.ebpf_traced ~= 0,
    dropped_faults = tonumber(r.faults_dropped),
    dropped_ebpf = tonumber(r.ebpf_dropped),
    undecoded_syscalls = tonumber(r.undecoded),
    undecoded_by_name = M.undecoded_names(str(r.undecoded_names)),
    io_urings = tonumber(r.io_urings), -- io_uring instances: the I/O through them is not seen
    unknown = M.unknown_list(str(r.unknown)), -- what the source could not know
    memory = {
      heap_bytes = tonumber(r.heap_bytes),
      mmap_bytes = tonumber(r.mmap_bytes),
      mmap_regions = tonumber(r.mmap_regions),
      anon_bytes = tonumber(r.anon_bytes),         -- mmap_bytes split: anonymous, with access
      file_bytes = tonumber(r.file_map_bytes),     -- file mappings (code, data)
      reserved_bytes = tonumber(r.reserved_bytes), -- no access (PROT_NONE)
    },
  }
  -- --pid: what the process had when attached (the totals above count it)
  if run.attached then
    run.memory.at_attach = {
      heap_bytes = tonumber(r.attach_heap_bytes),
      mmap_bytes = tonumber(r.attach_mmap_bytes),
      mmap_regions = tonumber(r.attach_mmap_regions),
      anon_bytes = tonumber(r.attach_anon_bytes),
      file_bytes = tonumber(r.attach_file_map_bytes),
      reserved_bytes = tonumber(r.attach_reserved_bytes),
    }

  end
  -- Without read/write tracing the engine's I/O totals would read 0: say
  -- "unknown" (nil) rather than lie.
  if r.io_traced ~= 0 then
    run.io = {
      file_read_bytes = tonumber(r.file_read_bytes),
      file_written_bytes = tonumber(r.file_written_bytes),
    }
    run.net = {
      bytes_sent = tonumber(r.net_sent_bytes),
      bytes_received = tonumber(r.net_recv_bytes),
    }
  end
  return run
end

-- ---- engine services ------------------------------------------------------

local event -- fetched once: the engine reuses one struct for every event

function M.event()
  if event == nil then event = C.cmp_host_event() end
  return event
end

function M.print(s)
  s = text.terminal_safe(s)
  C.cmp_host_print(s, #s)
end

function M.fail()
  C.cmp_host_fail()
end

-- Writing the file `name` failed (see compendium/outfile.lua).
function M.output_failed(name, reason)
  C.cmp_host_output_failed(name, reason)
end

-- "FILE (REASON), ..." for every output that failed so far, or "".
function M.output_lost()
  return ffi.string(C.cmp_host_output_lost())
end

local proc_info = ffi.new("cmp_proc_info")
local fd_info = ffi.new("cmp_fd_info")
local run_info = ffi.new("cmp_run_info")
local source_info = ffi.new("cmp_source_info")

function M.proc(tid)
  if C.cmp_host_proc(tid, proc_info) == 0 then return nil end
  return M.proc_table(proc_info)
end

function M.fd(pid, fd)
  if C.cmp_host_fd(pid, fd, fd_info) == 0 then return nil end
  return M.fd_table(fd_info)
end

function M.run()
  C.cmp_host_run(run_info)
  return M.run_table(run_info)
end

function M.source()
  C.cmp_host_source(source_info)
  return M.source_table(source_info)
end

function M.want_event(type)
  C.cmp_host_want_event(type)
end

-- nr -1: every syscall
function M.want_syscall(nr, at_entry)
  C.cmp_host_want_syscall(nr, at_entry and 1 or 0)
end

-- Syscall nr's events will be formatted, or its paths resolved: the source
-- captures what that needs (nr -1: every syscall).
function M.want_format(nr)
  C.cmp_host_want_format(nr)
end

function M.want_resolved(nr)
  C.cmp_host_want_resolved(nr)
end

local resolved_info = ffi.new("cmp_resolved_path")

-- Path argument `which` (0: path, 1: path2) of event ev as its record has
-- it resolved: {dir =, full =, dir_err =, full_err =} (a string nil where
-- its errno says why it could not be resolved), or nil when the record has
-- no resolved paths.
function M.resolved(ev, which)
  if C.cmp_host_resolved(ev, which, resolved_info) == 0 then return nil end
  local r = resolved_info
  return { dir = str(r.dir), full = str(r.full), dir_err = r.dir_err, full_err = r.full_err }
end

-- sched_delay events shorter than ns are not reported (smallest request wins)
function M.sched_threshold(ns)
  C.cmp_host_sched_threshold(ns)
end

-- What a hook returned to change its syscall (enum cmp_inject_action bits).
function M.inject(action, value, delay_ns)
  C.cmp_host_inject(action, value, delay_ns)
end

-- -X hook_timeout: a hook running longer than ns is interrupted; false
-- when the engine could not make its timer.
function M.hook_timeout(ns)
  return C.cmp_host_hook_timeout(ns) ~= 0
end

-- The runtime goes on to the next hook, holding the interrupt error if a
-- hook was interrupted: the engine stops raising it, the timeout restarts.
function M.hook_next()
  C.cmp_host_hook_next()
end

local http_result = ffi.new("cmp_http_result")

-- POSTs body to url with headers ("Name: value" lines); the answer's
-- status (0 when none came), its Retry-After in seconds (nil without one)
-- and an error text (why none came, or the start of the answer's body).
function M.http_post(url, body, headers, timeout_ms)
  local status = C.cmp_http_post(url, body, #body, headers, timeout_ms, http_result)
  local after = http_result.retry_after_s
  return status, after >= 0 and after or nil, ffi.string(http_result.error)
end

-- Waits ms milliseconds (less when a signal interrupts).
function M.wait_ms(ms)
  C.cmp_http_wait_ms(ms)
end

-- CLOCK_REALTIME now, ns since the epoch (a uint64_t cdata)
function M.realtime_ns()
  return C.cmp_http_realtime_ns()
end

-- CLOCK_MONOTONIC ns when tracing began (a uint64_t cdata)
function M.start_ns()
  return C.cmp_host_start_ns()
end

-- A C string from the engine's tables as a Lua string, nil for NULL.
local function c_string(p)
  return p ~= nil and ffi.string(p) or nil
end

function M.syscall_name(nr)
  return c_string(C.cmp_syscall_name(nr))
end

function M.syscall_number(name)
  local nr = C.cmp_syscall_number(name)
  return nr >= 0 and nr or nil
end

-- false for exit and exit_group, which never return
function M.syscall_returns(nr) return C.cmp_syscall_returns(nr) ~= 0 end

-- {"fd", "file"}: the classes of syscall nr, in the engine's order
function M.syscall_classes(nr)
  local bits, list = C.cmp_syscall_classes(nr), {}
  for i = 0, 31 do
    local b = bit.lshift(1, i)
    if bit.band(bits, b) ~= 0 then
      local p = C.cmp_syscall_class_name(b)
      if p ~= nil then list[#list + 1] = ffi.string(p) end
    end
  end
  return list
end

-- The class names, in the engine's order.
function M.syscall_class_names()
  local list = {}
  for i = 0, 31 do
    local p = C.cmp_syscall_class_name(bit.lshift(1, i))
    if p ~= nil then list[#list + 1] = ffi.string(p) end
  end
  return list
end

-- Every syscall of a class, by name in number order; nil for no such class.
function M.syscalls_in(class)
  local want
  for i = 0, 31 do
    local p = C.cmp_syscall_class_name(bit.lshift(1, i))
    if p ~= nil and ffi.string(p) == class then want = bit.lshift(1, i) end
  end
  if not want then return nil end
  local list = {}
  for nr = 0, C.cmp_syscall_table_size() - 1 do
    if bit.band(C.cmp_syscall_classes(nr), want) ~= 0 then
      list[#list + 1] = M.syscall_name(nr)
    end
  end
  return list
end

-- "d--D": which arguments of syscall nr are fds (d) and dirfds (D), by
-- position; nil when the table does not say. And whether it returns an fd.
function M.syscall_fd_args(nr)
  return c_string(C.cmp_syscall_fd_args(nr))
end

-- The table's argument kinds of nr ("dBu"), nil when it has none.
function M.syscall_arg_kinds(nr)
  return c_string(C.cmp_syscall_arg_kinds(nr))
end

function M.syscall_returns_fd(nr)
  return C.cmp_syscall_returns_fd(nr) ~= 0
end

function M.errno_name(n)
  return c_string(C.cmp_errno_name(n))
end

function M.errno_number(name)
  local n = C.cmp_errno_number(name)
  return n > 0 and n or nil
end

-- "SIGSEGV"; nil for 0; "SIG40" for a number the engine has no name for
M.signal_name = signal_name

local FORMAT_CAP = 4096
local format_buf = ffi.new("char[?]", FORMAT_CAP)

-- The strace-like line for a syscall event, e.g. `openat(AT_FDCWD, "/x", O_RDONLY) = 3`.
function M.format_syscall(ev)
  local n = tonumber(C.cmp_format_syscall(ev, format_buf, FORMAT_CAP))
  if n > FORMAT_CAP - 1 then n = FORMAT_CAP - 1 end
  return ffi.string(format_buf, n)
end

return M
