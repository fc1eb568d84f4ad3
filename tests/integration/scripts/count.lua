-- Counts successful openat calls on one path (after they return) and
-- writes to one file (before they run), and prints both at the end.
--   -X path=FILE     the path to count opens of (default /etc/hostname)
--   -X sink=FILE     the file to count writes to (default /dev/null)
local c = require "compendium"

local path = c.opt("path", "/etc/hostname")
local sink = c.opt("sink", "/dev/null")
local opens, writes, write_bytes = 0, 0, 0

c.on("syscall:openat", function(e)
  if e.ret >= 0 and e.path == path then opens = opens + 1 end
end)

c.on("enter:write", function(e)
  if e.fd_path == sink then
    writes = writes + 1
    write_bytes = write_bytes + e:arg(3)
  end
end)

c.on("end", function()
  c.print("count: openat %s = %d", path, opens)
  c.print("count: write %s = %d (%d bytes)", sink, writes, write_bytes)
end)
