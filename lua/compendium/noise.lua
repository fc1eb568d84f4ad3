-- The default noise policy: what the bundled views hide unless -v is given.
-- Every program touches these (the dynamic linker, shared libraries, /proc,
-- the C library's resolver and daemons), so showing them buries what the program itself
-- did. Copy this module to change the policy.
local net = require "compendium.net"

local M = {}

-- Directories whose every file is noise.
local SYSTEM_DIRS = { "/proc", "/sys", "/dev" }

-- Locale data the C library loads at start-up for every program (opens are
-- named by the file opened: /usr/share/locale/locale.alias is often a link
-- to /etc/locale.alias).
local LOCALE_DIRS = { "/usr/lib/locale", "/usr/share/locale", "/etc/locale.alias" }

-- Where shared libraries live.
local LIB_DIRS = { "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/", "/nix/store/" }

local function under(p, dir)
  return p == dir or p:sub(1, #dir + 1) == dir .. "/"
end

local function is_shared_library(p)
  local base = p:match("[^/]*$")
  if not (base:find("%.so$") or base:find("%.so%.")) then return false end
  for _, dir in ipairs(LIB_DIRS) do
    if p:sub(1, #dir) == dir then return true end
  end
  return false
end

local function check_path(p)
  for _, dir in ipairs(SYSTEM_DIRS) do
    if under(p, dir) then return true end
  end
  for _, dir in ipairs(LOCALE_DIRS) do
    if under(p, dir) then return true end
  end
  -- the dynamic linker and its cache (/etc/ld.so.cache, /etc/ld.so.preload)
  if p:find("/ld.so", 1, true) or p:find("ld-linux", 1, true) then return true end
  if p:find("/gconv/gconv-modules", 1, true) then return true end
  return is_shared_library(p)
end

-- A trace reads the same few paths over and over (every read of a file
-- asks again): remember the answers.
local cache, cached = {}, 0

-- True for a path the default view hides.
function M.path(p)
  if p == nil then return false end
  local hit = cache[p]
  if hit ~= nil then return hit end
  hit = check_path(p)
  if cached >= 4096 then cache, cached = {}, 0 end
  cache[p] = hit
  cached = cached + 1
  return hit
end

-- The C library's own daemons, asked on every name lookup: the local
-- resolver stub (systemd-resolved on 127.0.0.53, DNS's port) and nscd.
local LIBC_PEERS = {
  ["127.0.0.53:53"] = true, ["127.0.0.54:53"] = true,
  ["/var/run/nscd/socket"] = true, ["/run/nscd/socket"] = true,
}

-- True for a peer the default view hides: the C library's daemons above
-- and netlink. Other loopback peers (a local server, a database) are what
-- a test talks to: they are shown, marked (loopback).
function M.peer(addr)
  if addr == nil then return false end
  return LIBC_PEERS[addr] == true or addr:find("^netlink") ~= nil
end

-- The dynamic loader's (and dlopen's) library search: a failed open of a
-- shared library's name, wherever it looked, or of the hardware-capability
-- directories it tries first.
local function library_probe(p)
  local base = p:match("[^/]*$")
  return base:find("%.so$") ~= nil or base:find("%.so%.") ~= nil or
         p:find("/glibc-hwcaps/", 1, true) ~= nil or p:find("/tls/", 1, true) ~= nil
end

-- --faults: faults in the heap, anonymous memory and stacks are memory the
-- program really uses; faults in mapped files (code, data) are noise.
local GROWTH = { heap = true, anon = true, stack = true }

local TREE = { unlink = true, mkdir = true, rmdir = true, symlink = true, chmod = true,
               chown = true, truncate = true, utimes = true }

-- True for an event the default view hides: the path, file or peer it is
-- about is noise, or it is a fault outside the program's own memory. A
-- change to the file tree is noise where an open of its path would be.
function M.event(e)
  local t = e.type
  if t == "open" then
    local p = e.path or e.requested
    if e.error and p and library_probe(p) then return true end
    return M.path(p)
  elseif t == "read" or t == "write" or t == "mmap" or t == "munmap" then
    return M.path(e.filename)
  elseif t == "connect" or t == "send" or t == "recv" then
    return e.sock_type == "netlink" or M.peer(e.remote_addr)
  elseif t == "rename" or t == "link" then
    return M.path(e.path) and M.path(e.new_path)
  elseif TREE[t] then
    return M.path(e.path)
  elseif t == "fault" then
    return not GROWTH[e.region]
  end
  return false
end

return M
