-- The unit tests' window on the state (state_feed.h): every semantic event
-- the state emits is handed back to the test that fed it the records. And
-- hooks that inject, for the tests of the injection bookkeeping: a write to
-- fd 66 fails with ENOSPC at its entry, a pwrite64 to fd 69 returns 4 from
-- its entry, a read of fd 67 returns 3 from its exit, an fsync of fd 68 is
-- held 5 ms.
local c = require "compendium"
local ffi = require "ffi"

ffi.cdef "void unit_event_seen(void);"
local seen = ffi.C.unit_event_seen

for _, kind in ipairs { "open", "connect", "read", "write", "send", "recv", "brk", "mmap",
                        "munmap", "spawn_process", "spawn_thread", "exec", "exit", "signal",
                        "inject", "io_uring", "rename", "unlink", "mkdir", "rmdir", "link",
                        "symlink", "chmod", "chown", "truncate", "utimes" } do
  c.on(kind, function() seen() end)
end

c.on("enter:write", function(e)
  if e:arg(1) == 66 then return c.inject("ENOSPC") end
end)
c.on("enter:pwrite64", function(e)
  if e:arg(1) == 69 then return c.inject_return(4) end
end)
c.on("syscall:read", function(e)
  if e:arg(1) == 67 then return c.inject_return(3) end
end)
c.on("enter:fsync", function(e)
  if e:arg(1) == 68 then return c.delay(5) end
end)
