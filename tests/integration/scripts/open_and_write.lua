-- Hooks `open` and `write`: every write must stop the program.
local c = require "compendium"

local writes = 0
c.on("write", function() writes = writes + 1 end)
c.on("end", function(run)
  c.print("writes=%d syscalls=%d io=%s", writes, run.syscalls, tostring(run.io ~= nil))
end)
