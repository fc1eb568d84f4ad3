-- What check scripts share: declaring a check, reporting each distinct
-- violation once (with a count), and reading and validating options.
--
--   local check = require("compendium.check").new()  -- this script is a check
--   c.on("connect", function(e)
--     if bad(e) then check:violation(e, "connected to %s", c.escape(e.remote_addr)) end
--   end)
--
-- A check is a JUnit testcase (--junit) and counts in the verdict line.
-- The first violation with a given message is listed at the end with the
-- pid, program and time of `e` and the script line that reported it;
-- repeats only add to its count.
local ffi = require "ffi"
local c = require "compendium"
local event = require "compendium.event"
local glob = require "compendium.glob"
local host = require "compendium.host"
local registry = require "compendium.registry"
local describe = require "compendium.describe"

local format = string.format

local M = {}

local Check = {}
Check.__index = Check

-- Declares the loading script a check. Call it while the script loads.
function M.new()
  local script = registry.loading
  if not script then error("check.new: call it while the script loads", 2) end
  script.check = true
  return setmetatable({ script = script, seen = {} }, Check)
end

-- Reports a violation. e: the event it happened at (pid and time), or nil
-- for one found at the end of the run; the message says what and where
-- (string.format when arguments follow). Returns true the first time.
function Check:violation(e, fmt, ...)
  local message = select("#", ...) > 0 and format(fmt, ...) or fmt
  return self:add(e, message, registry.where(2))
end

-- One violation with its message, reported from `where` ("file:line").
function Check:add(e, message, where)
  local known = self.seen[message]
  if known then
    known.count = known.count + 1
    return false
  end
  local entry = { message = message, rule = self.script.label, script = self.script,
                  where = where }
  if e then
    entry.pid, entry.ts = e.pid, e.ts
    local p = (e.tid or e.pid) and c.proc(e.tid or e.pid)
    entry.program = p and p.comm
  end
  self.seen[message] = registry.add_failure(entry)
  return true
end

-- A function(e) for exec events, true for the one exec that starts the
-- traced command itself (what you asked to run, not something it runs).
-- Call while the script loads: it hooks "start".
function M.command_start()
  local root_pid, started
  c.on("start", function(run)
    root_pid = run.root_pid
    started = run.attached -- attached: the program was running already
  end)
  return function(e)
    if e.pid ~= root_pid or started then return false end
    started = true
    return true
  end
end

-- ---- options ------------------------------------------------------------------

local function opt_error(key, value, why)
  c.error(format("option %s=%s: %s", key, value, why))
end

-- The directory compendium runs in: where the traced command starts, and
-- what relative globs in options are relative to. Both this and realpath
-- are about this machine's tree as the user's options name it, never about
-- the traced tasks (their paths come resolved in the record).
if not pcall(function() return ffi.C.realpath end) then -- once per Lua state
  ffi.cdef [[
  char *getcwd(char *buf, size_t size);
  char *realpath(const char *path, char *resolved);
  ]]
end
local path_buf = ffi.new("char[4096]")

function M.cwd()
  if ffi.C.getcwd(path_buf, 4096) == nil then return "/" end
  return ffi.string(path_buf)
end

-- The real path of a path on this machine (symlinks resolved), or nil when
-- it does not exist: checks match files by their real path, so the
-- places their options name are taken by theirs too.
function M.realpath(path)
  if ffi.C.realpath(path, path_buf) == nil then return nil end
  return ffi.string(path_buf)
end

-- The globs of option `key` (comma-separated), or of `default` when it is
-- not given; without a default the option is required. Relative globs
-- start at the current directory, or match as they are with base = false.
function M.globs(key, default, base)
  local value = c.opt(key, default)
  if value == nil then
    c.error(format("%s needs -X %s=GLOB[,GLOB...]", registry.calling_script().label, key))
  end
  if base == nil then base = M.cwd() end
  local set, err = glob.list(value, { base = base or nil, resolve = M.realpath })
  if not set then opt_error(key, value, err) end
  return set
end

local UNITS = { [""] = 1, b = 1, k = 1024, kb = 1024, kib = 1024, m = 1024 ^ 2, mb = 1024 ^ 2,
                mib = 1024 ^ 2, g = 1024 ^ 3, gb = 1024 ^ 3, gib = 1024 ^ 3, t = 1024 ^ 4,
                tb = 1024 ^ 4, tib = 1024 ^ 4 }

-- "512MB", "1G", "100KB", "4096" → bytes (1024-based, as c.bytes shows
-- them). Returns nil for anything else.
function M.parse_size(text)
  local number, unit = tostring(text):match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
  local scale = unit and UNITS[unit:lower()]
  if not scale then return nil end
  return math.floor(tonumber(number) * scale)
end

-- Option `key` as a size in bytes; `default` (a size text or nil) when not given.
function M.size(key, default)
  local value = c.opt(key, default)
  if value == nil then return nil end
  local bytes = M.parse_size(value)
  if not bytes then opt_error(key, value, "expected a size like 512MB, 1G or 100KB") end
  return bytes
end

-- Option `key` as a whole number >= min (default 0).
function M.count(key, default, min)
  local value = c.opt(key)
  if value == nil then return default end
  local n = tonumber(value)
  if not n or n % 1 ~= 0 or n < (min or 0) then
    opt_error(key, value, "expected a whole number >= " .. (min or 0))
  end
  return n
end

-- Makes the check fail closed on io_uring: the kernel takes what a program
-- submits to a ring from memory it shares with the program, so the files it
-- opens and writes (or the peers it reaches) that way are not seen, and the
-- check cannot vouch for them. Each ring is a violation ("file" or
-- "network" says what is not seen) unless the run sets -X KEY=allow.
-- Call while the script loads; the failure names the line that called it.
function Check:uring(key, what)
  local value = c.opt(key, "deny")
  if value ~= "allow" and value ~= "deny" then opt_error(key, value, "expected allow or deny") end
  if value == "allow" then return end
  local where = registry.where(2)
  c.on("io_uring", function(e)
    self:add(e, format("io_uring %s: %s I/O through it cannot be seen (-X %s=allow accepts it)",
                       e.inherited and "in use, set up before tracing" or "set up", what, key),
             where)
  end)
end

-- ---- paths ----------------------------------------------------------------------

local AT_FDCWD = -100

-- "/a/./b/../c" → "/a/c", without asking the file system.
local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return "/" .. table.concat(parts, "/")
end

-- A dirfd argument: an int in a 64-bit register, only the low half counts.
local function low_int(n)
  if not n then return nil end
  n = n % 2 ^ 32
  if n >= 2 ^ 31 then n = n - 2 ^ 32 end
  return n
end

-- "a/b/c/" → "a/b", "c"; "c" → ".", "c"; "/c" → "/", "c"; "/" → "/", nil
local function split_last(path)
  local trimmed = path:gsub("/+$", "")
  if trimmed == "" then return path, nil end
  local dir, name = trimmed:match("^(.*)/([^/]*)$")
  if not dir then return ".", trimmed end
  return dir == "" and "/" or dir, name
end

local WHICH = { path = 0, path2 = 1 }

-- The file a path argument (field "path" or "path2") of a syscall event
-- names, as the source resolved it when the call returned: the symlinks on
-- its way resolved the way the kernel resolves them, through the thread's
-- own root, working directory or the directory fd before it. The last
-- component is kept as it is (unlink, rename, mkdir, symlink act on the
-- name itself) unless `follow` (truncate follows a symlink). The syscall
-- must have been declared with c.want_resolved while the script loaded.
-- Returns nil and why when it cannot be resolved: the argument was
-- unreadable, a directory on the way is gone, the kernel cannot name it
-- within PATH_MAX, or the record has no resolved paths (not declared, or a
-- source that could not resolve them).
function M.resolved(e, field, follow)
  local which = WHICH[field]
  if not which then error("check.resolved: the field is \"path\" or \"path2\", not " .. tostring(field), 2) end
  local path = e[field]
  if path == nil then return nil, "the path argument could not be read" end
  local r = host.resolved(event.raw(e), which)
  if not r then
    return nil, format("%s was not resolved when the call returned (c.want_resolved(\"%s\"))",
                       c.escape(path), tostring(e.name))
  end
  local name = not follow and select(2, split_last(path)) or nil
  if name == "." or name == ".." then name = nil end
  local real, err = r.full, r.full_err
  if name then real, err = r.dir, r.dir_err end
  if real == nil then
    return nil, format("%s cannot be resolved (%s)", c.escape(path), c.errname(err) or "?")
  end
  if name then real = (real == "/" and "" or real) .. "/" .. name end
  return real
end

-- The absolute form of a path argument of a syscall event: relative to the
-- directory fd `dirfd` (AT_FDCWD or nil: the thread's working directory, as
-- the engine's state has it). It is lexical (symlinks are not followed).
-- Returns nil and why when the path cannot be made absolute: the argument
-- could not be read (path nil), the directory has no name the kernel can
-- give within PATH_MAX, or dirfd is not a known directory. Never a guess.
function M.absolute(e, path, dirfd)
  if path == nil then return nil, "the path argument could not be read" end
  if path:sub(1, 1) == "/" then return normalize(path) end
  dirfd = low_int(dirfd)
  local base, what
  if dirfd and dirfd ~= AT_FDCWD then
    local fd = c.fd(e.pid, dirfd)
    base, what = fd and fd.path, "directory fd " .. dirfd
  else
    local proc = c.proc(e.tid)
    base, what = proc and proc.cwd, "working directory"
  end
  if not base or base:sub(1, 1) ~= "/" then
    return nil, format("relative to a %s with no name within PATH_MAX", what)
  end
  return normalize(base .. "/" .. path)
end

-- Syscalls whose first path argument is relative to the dirfd before it.
local DIRFD_FIRST = {}
for _, name in ipairs { "openat", "openat2", "mkdirat", "mknodat", "fchownat", "futimesat",
                        "newfstatat", "unlinkat", "renameat", "renameat2", "linkat", "readlinkat",
                        "fchmodat", "faccessat", "faccessat2", "utimensat", "execveat", "statx" } do
  DIRFD_FIRST[name] = true
end

-- The absolute form of a syscall event's first path argument, or nil (and
-- why, as M.absolute).
function M.path(e)
  local path = e.path
  if path ~= nil and path:sub(1, 1) == "/" then return path end
  return M.absolute(e, path, DIRFD_FIRST[e.name] and e:arg(1) or nil)
end

-- ---- syscalls of another ABI ---------------------------------------------------

-- Fails the check when the program made syscalls through another ABI
-- (int $0x80, x32) that compendium could not decode: any of them may have
-- done what the check looks for, so a check that gates CI fails closed.
-- -X abi.undecoded=allow accepts them. Call while the script loads.
function Check:fail_closed_on_undecoded()
  local allow = c.opt("abi.undecoded", "fail")
  if allow ~= "allow" and allow ~= "fail" then
    opt_error("abi.undecoded", allow, "expected allow or fail")
  end
  if allow == "allow" then return end
  local where = registry.where(2) -- the failure points at the check, not at this file
  c.on("end", function(run)
    local n = run.undecoded_syscalls or 0
    if n == 0 then return end
    local message = format("%d 32-bit syscall%s that compendium could not decode (%s); " ..
                           "-X abi.undecoded=allow accepts them", n, n == 1 and "" or "s",
                           describe.undecoded(run.undecoded_by_name))
    if self:violation(nil, message) then self.seen[message].where = where end
  end)
end

-- An open event's file by the names a rule may know it by: `real`, the file
-- the kernel opened (nil when the kernel cannot name it), and `asked`, the
-- path argument made absolute (lexically, so a symlink on the way makes
-- them differ; nil when it cannot be). `unknown` says why real is nil.
function M.open_names(e)
  local asked = e.requested
  if asked ~= nil then
    local name = host.syscall_name(e.nr)
    asked = M.absolute(e, asked, DIRFD_FIRST[name] and e:arg(1) or nil)
  end
  local unknown
  if e.path == nil then
    unknown = format("the kernel cannot name the file (%s); asked for %s",
                     e.path_error or "?", e.requested and c.escape(e.requested) or
                     "an unreadable path (" .. (e.requested_error or "?") .. ")")
  end
  return { real = e.path, asked = asked, unknown = unknown }
end

return M
