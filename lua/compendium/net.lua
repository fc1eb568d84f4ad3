-- Socket addresses as the engine writes them, read in one place:
-- "127.0.0.1:53", "[::1]:8080", "[::ffff:10.0.0.5]:443", "/run/x.sock",
-- "@abstract", "netlink:pid=0,groups=0". The noise policy, the checks and
-- the summary ask these questions rather than matching strings themselves.
local M = {}

-- The IP of an address without its port and brackets, an IPv4 address
-- in IPv6 clothes (::ffff:a.b.c.d) as the IPv4 one; nil for what is no IP
-- address (a unix socket path, netlink).
function M.ip(addr)
  if addr == nil then return nil end
  local ip = addr:match("^%[([%x:.]+)%]") or addr:match("^(%d+%.%d+%.%d+%.%d+):%d+$") or
             addr:match("^(%d+%.%d+%.%d+%.%d+)$") or addr:match("^([%x]*:[%x:]*:[%x:.]*)$")
  if ip == nil then return nil end
  return ip:match("^::ffff:(%d+%.%d+%.%d+%.%d+)$") or ip
end

-- This machine talking to itself: 127.0.0.0/8 and ::1.
function M.is_loopback(addr)
  local ip = M.ip(addr)
  return ip ~= nil and (ip:find("^127%.") ~= nil or ip == "::1")
end

-- Loopback, or the unspecified address (0.0.0.0, ::), which a connect
-- takes for this machine too.
function M.is_local(addr)
  local ip = M.ip(addr)
  return ip ~= nil and (M.is_loopback(addr) or ip == "0.0.0.0" or ip == "::")
end

-- An IP peer that is another machine.
function M.is_remote(addr)
  return M.ip(addr) ~= nil and not M.is_local(addr)
end

-- tcp4, udp6, raw4 ...: the sockets whose bytes go over IP.
function M.is_inet(sock_type)
  return sock_type ~= nil and (sock_type:find("^tcp") or sock_type:find("^udp") or sock_type:find("^raw")) ~= nil
end

return M
