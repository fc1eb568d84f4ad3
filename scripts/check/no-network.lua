-- check/no-network: fail when the program tries to reach another machine.
--
--   compendium -s check/no-network -- make test
--
-- A connect or a sendto to an IPv4/IPv6 peer that is not this machine
-- (loopback, 0.0.0.0, ::) breaks the rule, even when it failed: the
-- program tried. Unix sockets and netlink stay on the machine. Connections
-- and sends through an io_uring are not seen, so a ring fails the check
-- unless -X net.uring=allow.
local c = require "compendium"
local check = require("compendium.check").new()
check:fail_closed_on_undecoded()
check:uring("net.uring", "network")

-- "192.0.2.1:80", "[2001:db8::1]:443": an IP peer that is not this machine
local remote = require("compendium.net").is_remote

c.on("connect", function(e)
  if remote(e.remote_addr) then check:violation(e, "connect to %s", c.escape(e.remote_addr)) end
end)

-- UDP needs no connect: a datagram names its peer itself
c.on("syscall:sendto", function(e)
  if remote(e.sockaddr) then check:violation(e, "sendto %s", c.escape(e.sockaddr)) end
end)
