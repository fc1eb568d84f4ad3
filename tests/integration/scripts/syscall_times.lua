-- Writes every returned syscall of the names in -X times.names=a,b (default
-- nanosleep) to -X times.out=FILE as the JSON of e:table(), and at the end a
-- line {"type":"run", start_ns, wall_start_ns} with the run's clock anchor.
local c = require "compendium"

local out = c.open_output(c.opt("times.out", "syscall_times.jsonl"))

for name in c.opt("times.names", "nanosleep"):gmatch("[^,]+") do
  c.on("syscall:" .. name, function(e) out:write(c.json(e:table()), "\n") end)
end

c.on("end", function(run)
  out:write(c.json({ type = "run", start_ns = run.start_ns, wall_start_ns = run.wall_start_ns }), "\n")
  out:close()
end)
