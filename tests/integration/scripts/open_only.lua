-- Hooks only `open`: reads and writes need not stop the program.
local c = require "compendium"

local opens = 0
c.on("open", function() opens = opens + 1 end)
c.on("end", function(run)
  c.print("opens=%d syscalls=%d io=%s", opens, run.syscalls, tostring(run.io ~= nil))
end)
