-- check/max-processes: fail when the command starts more processes than
-- allowed, counting itself.
--
--   compendium -s check/max-processes -X processes.max=20 -- make -j4
--
-- Threads do not count; every fork, vfork or clone of a new process does,
-- whether or not it has exited since.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
local limit = check.count("processes.max", nil, 1)
if not limit then c.error("check/max-processes needs -X processes.max=N") end

local processes = 1 -- the command itself

c.on("spawn_process", function(e)
  processes = processes + 1
  if processes > limit then
    rule:violation(e, "more than %d processes (processes.max)", limit)
  end
end)
