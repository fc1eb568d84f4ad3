-- For check.resolved: once a mkdir or mkdirat of DIR/ok/lnk/sub returned,
-- and before the hooks of later scripts run, points the symlink DIR/ok/lnk
-- (-> ../out) at DIR/ok/real, by renaming DIR/ok/lnk2 (-> real) over it. A
-- check that read the tree in its hook would take the new link.
--   -X dir=DIR
local c = require "compendium"

local dir = assert(c.opt("dir"), "-X dir=DIR")
local target = dir .. "/ok/lnk/sub"

local function relink(e)
  if e.ret == 0 and e.path == target then assert(os.rename(dir .. "/ok/lnk2", dir .. "/ok/lnk")) end
end
c.on("syscall:mkdir", relink)
c.on("syscall:mkdirat", relink)
