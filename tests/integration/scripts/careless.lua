-- A script that forgets c.escape: the raw bytes of a tracee's file names go
-- into its c.fail messages, an error it raises and its c.print lines; one
-- more line prints a name escaped by the script itself.
local c = require "compendium"

local dir = c.opt("dir")
local raised = false
c.on("open", function(e)
  if not e.path or e.path:sub(1, #dir + 1) ~= dir .. "/" then return end
  c.fail("opened " .. e.path)
  c.print("print " .. e.path)
  c.print("escaped %s", c.escape(e.path))
  if not raised then
    raised = true
    error("cannot handle " .. e.path)
  end
end)
