-- check/no-exec: fail when the command runs any other program.
--
--   compendium -s check/no-exec -- ./app
--
-- The command itself is what you asked to run: its own start is fine.
-- Everything it execs afterwards (a shell, a helper, itself again) breaks
-- the rule. To allow some programs, see check/exec-allow.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
local command_start = check.command_start()

c.on("exec", function(e)
  if not command_start(e) then rule:violation(e, "exec %s", c.escape(e.program)) end
end)
