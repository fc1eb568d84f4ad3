-- check/exec-allow: fail when the command runs a program not on a list.
--
--   compendium -s check/exec-allow -X exec.allow=make,cc,/usr/lib/gcc/** -- make
--
-- exec.allow is a comma-separated list of globs: one with a / matches the
-- file run (symlinks resolved), one without its name (`cc`, `python3*`). The command
-- itself is what you asked to run: its own start is always fine.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
rule:fail_closed_on_undecoded()
local allowed = check.globs("exec.allow", nil, false)
local command_start = check.command_start()

c.on("exec", function(e)
  if command_start(e) then return end
  local program = e.program or "?"
  -- a glob with a / matches the file run, not a symlink or ".." that
  -- leads to it from an allowed place
  if e.path == nil then
    rule:violation(e, "exec %s: the file run cannot be known", c.escape(program))
  elseif not (allowed:match(e.path) or allowed:match(program:match("[^/]*$"))) then
    local as = e.path ~= program and " (as " .. c.escape(program) .. ")" or ""
    rule:violation(e, "exec %s%s (not in exec.allow)", c.escape(e.path), as)
  end
end)
