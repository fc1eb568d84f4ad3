-- check/fs-allow: fail when the program changes files outside the places
-- it may: opening for writing, creating, renaming, linking, removing,
-- truncating, changing the mode, the owner or an extended attribute.
--
--   compendium -s check/fs-allow -X fs.allow=$PWD/**,/tmp/** -- make test
--
-- fs.allow is a comma-separated list of globs (`**` crosses directories,
-- relative globs start in the current directory). Only what succeeded
-- counts: a write the system refused changed nothing. Files written through
-- an io_uring are not seen, so a ring fails the check unless
-- -X fs.uring=allow.
local c = require "compendium"
local check = require "compendium.check"
local glob = require "compendium.glob"
local rule = check.new()
rule:fail_closed_on_undecoded()
local allowed = check.globs("fs.allow")
rule:uring("fs.uring", "file")

-- Devices that are not files: writing to them changes nothing on disk.
local devices = assert(glob.list("/dev/null,/dev/zero,/dev/full,/dev/tty,/dev/pts/*"))

-- path nil: it could not be known (why says why); that might be anywhere,
-- so it fails the check.
local function changed(e, what, path, why)
  if path == nil then
    rule:violation(e, "%s of a path that cannot be checked: %s", what, why or "?")
  elseif not allowed:match(path) and not devices:match(path) then
    rule:violation(e, "%s %s (outside fs.allow)", what, c.escape(path))
  end
end

-- By the file the kernel opened: a symlink in an allowed place may lead
-- anywhere.
c.on("open", function(e)
  if not e.writable or e.error then return end -- a failed open changed nothing
  -- the kernel names a file in the tree by its absolute path; a pipe, a
  -- socket or a memfd reached through /dev/stderr or /proc/PID/fd is
  -- "pipe:[N]" and the like, and writing it changes no file
  if e.path and e.path:sub(1, 1) ~= "/" then return end
  local names = check.open_names(e)
  changed(e, "write", names.real, names.unknown)
end)

-- Each syscall that changes the tree: what it does, then which of its
-- paths it changes (and true when the call follows a symlink in the last
-- component). Paths count as the tree resolved them when the call returned
-- (the engine resolves them then, from the directory fd argument or the
-- working directory): a symlinked directory in an allowed place may lead
-- anywhere.
local CHANGES = {
  mkdir = { "mkdir", { "path" } },
  mkdirat = { "mkdir", { "path" } },
  mknod = { "mknod", { "path" } },
  mknodat = { "mknod", { "path" } },
  rmdir = { "rmdir", { "path" } },
  unlink = { "unlink", { "path" } },
  unlinkat = { "unlink", { "path" } },
  rename = { "rename", { "path" }, { "path2" } },
  renameat = { "rename", { "path" }, { "path2" } },
  renameat2 = { "rename", { "path" }, { "path2" } },
  link = { "link", { "path2" } },
  linkat = { "link", { "path2" } },
  symlink = { "symlink", { "path2" } },
  symlinkat = { "symlink", { "path2" } },
  truncate = { "truncate", { "path", true } },
  -- what a file may do (a setuid bit) and who owns it change it too
  chmod = { "chmod", { "path", true } },
  fchmodat = { "chmod", { "path", true } },
  fchmodat2 = { "chmod", { "path", "flags:4" } },
  chown = { "chown", { "path", true } },
  lchown = { "chown", { "path" } },
  fchownat = { "chown", { "path", "flags:5" } },
  -- extended attributes hold file capabilities and security labels
  setxattr = { "setxattr", { "path", true } },
  lsetxattr = { "setxattr", { "path" } },
  removexattr = { "removexattr", { "path", true } },
  lremovexattr = { "removexattr", { "path" } },
}

-- follow: true, nil, or "flags:N": follows unless argument N (1-based)
-- has AT_SYMLINK_NOFOLLOW
local AT_SYMLINK_NOFOLLOW = 0x100
local function follows(e, follow)
  if type(follow) ~= "string" then return follow end
  local flags = tonumber(e:arg(tonumber(follow:match("%d+")))) or 0
  return math.floor(flags / AT_SYMLINK_NOFOLLOW) % 2 == 0
end

-- By fd: the file the fd was opened on (a read-only fd is enough). A pipe
-- or a socket has no mode of record on disk.
for name, what in pairs { fchmod = "chmod", fchown = "chown", fsetxattr = "setxattr",
                          fremovexattr = "removexattr" } do
  c.on("syscall:" .. name, function(e)
    if e.ret < 0 then return end
    local path = e.fd_path
    if path == nil then
      changed(e, what, nil, "the file of fd " .. e:arg(1) .. " is not known")
    elseif path:sub(1, 1) == "/" then
      changed(e, what, path)
    end
  end)
end

for name, change in pairs(CHANGES) do
  c.want_resolved(name)
  c.on("syscall:" .. name, function(e)
    if e.ret < 0 then return end
    for i = 2, #change do
      local field, follow = change[i][1], change[i][2]
      local path, why = check.resolved(e, field, follows(e, follow))
      changed(e, change[1], path, why)
    end
  end)
end
