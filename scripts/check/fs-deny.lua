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
local denied = check.globs("fs.deny", "~/.ssh/**,~/.gnupg/**,~/.aws/**,~/.netrc,~/.docker/config.json")
rule:uring("fs.uring", "file")

-- Every open that succeeded, for reading or writing.
c.on("open", function(e)
  local glob = denied:match(e.path)
  if glob then rule:violation(e, "open %s (fs.deny %s)", c.escape(e.path), c.escape(glob)) end
end)
