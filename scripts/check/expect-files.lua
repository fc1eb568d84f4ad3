-- check/expect-files: fail when the command did not write the files it
-- should have.
--
--   compendium -s check/expect-files -X files.expect=build/app,dist/*.tar.gz -- make dist
--
-- files.expect is a comma-separated list of globs (relative ones start in
-- the current directory); each must match at least one file opened for
-- writing, or renamed into place, during the run.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
local expected = check.globs("files.expect") -- a list of {glob=, test=}

local written = {} -- glob → true once a file matching it was written

-- A file may match several globs: each one it matches is satisfied.
local function wrote(path)
  if path == nil then return end
  for _, item in ipairs(expected) do
    if not written[item.glob] and item.test(path) then written[item.glob] = true end
  end
end

c.on("open", function(e)
  if e.writable and not e.error then wrote(e.path) end -- a failed open wrote nothing
end)

-- `mv tmp final` and atomic writes (write a temporary file, rename it)
for _, name in ipairs { "rename", "renameat", "renameat2" } do
  local dirfd = name ~= "rename" and 3 or nil
  c.on("syscall:" .. name, function(e)
    if e.ret == 0 then wrote(check.absolute(e, e.path2, dirfd and e:arg(dirfd))) end
  end)
end

c.on("end", function()
  for _, item in ipairs(expected) do
    if not written[item.glob] then
      rule:violation(nil, "nothing written matches %s (files.expect)", c.escape(item.glob))
    end
  end
end)
