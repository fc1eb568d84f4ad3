-- For tests/progs/path_swap: holds the open of DIR/decoy at its entry until
-- the program's second thread has rewritten the path buffer (it makes
-- DIR/rewritten then), at most 20 s.
--   -X dir=DIR
local c = require "compendium"
local ffi = require "ffi"
pcall(ffi.cdef, "int access(const char *path, int mode);")
pcall(ffi.cdef, "int usleep(unsigned int usec);")

local dir = assert(c.opt("dir"), "-X dir=DIR")

c.on("enter:openat", function(e)
  if e.path ~= dir .. "/decoy" then return end
  assert(io.open(dir .. "/entered", "w")):close()
  for _ = 1, 20000 do
    if ffi.C.access(dir .. "/rewritten", 0) == 0 then return end
    ffi.C.usleep(1000)
  end
end)
