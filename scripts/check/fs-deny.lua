-- check/fs-deny: fail when the program opens files it has no business
-- with, such as keys and credentials.
--
--   compendium -s check/fs-deny -X fs.deny=~/.ssh/**,/etc/shadow -- ./app
--
-- fs.deny is a comma-separated list of globs (`**` crosses directories,
-- `~/` is the home directory); without it, the usual places of secrets.
-- Files opened through an io_uring are not seen, so a ring fails the check
-- unless -X fs.uring=allow.
local c = require "compendium"
local check = require "compendium.check"
local rule = check.new()
rule:fail_closed_on_undecoded()
local denied = check.globs("fs.deny", "~/.ssh/**,~/.gnupg/**,~/.aws/**,~/.netrc,~/.docker/config.json")
rule:uring("fs.uring", "file")

-- Every open that succeeded, for reading or writing: by the file the kernel
-- opened, and by the name it was asked for (a symlink into a denied place,
-- or a denied name that links elsewhere). A file the kernel cannot name
-- might be any file: it fails the check.
c.on("open", function(e)
  if e.error then return end -- a failed open opened nothing
  local names = check.open_names(e)
  if names.unknown then
    rule:violation(e, "open of a file that cannot be checked: %s", names.unknown)
  end
  -- the name asked for first: when both match, the message shows both
  for _, path in ipairs({ names.asked or false, names.real or false }) do
    local glob = path and denied:match(path)
    if glob then
      local via = path == names.asked and names.real and names.real ~= path
      rule:violation(e, "open %s%s (fs.deny %s)", c.escape(path),
                     via and " (the file " .. c.escape(names.real) .. ")" or "", c.escape(glob))
      return
    end
  end
end)
