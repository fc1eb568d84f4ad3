-- strace's flags on a view's lines: -t, -tt and -ttt put the time of day
-- (or the epoch's seconds) where the time since the start was; -T ends a
-- raw syscall line with the time the call took, <0.000123>; -y and -yy show
-- what each fd on it is, 3</etc/passwd>, as strace does; --string-limit N
-- (strace's -s N) cuts its strings after N bytes. The flags are
-- c.strace's (the command line's). The default view uses it:
--
--   local lines = rawline.new(c)         -- while the script loads
--   c.print("%s %s", lines:stamp(e.ts), lines:syscall(e))
local ffi = require "ffi"
local host = require "compendium.host"

local format = string.format
local M = {}
M.__index = M

local NS = ffi.new("uint64_t", 1000000000)
local US = ffi.new("uint64_t", 1000)

-- strace's names for the socket kinds the state tells apart.
local PROTO = {
  tcp4 = "TCP", tcp6 = "TCPv6", udp4 = "UDP", udp6 = "UDPv6", unix = "UNIX", netlink = "NETLINK",
}

-- "TCP:[?->127.0.0.1:80]": the state keeps a socket's peer, not its own
-- address, which stays "?".
local function socket_text(sock_type, remote)
  local proto = PROTO[sock_type] or "socket"
  if remote and remote ~= "" then return format("%s:[?->%s]", proto, remote) end
  return proto .. ":[?]"
end

-- e.fd_path's socket form, "socket:tcp4:127.0.0.1:80" (the peer optional).
local function fd_path_text(path)
  local sock_type, remote = path:match("^socket:([%w]+):?(.*)$")
  if sock_type then return socket_text(sock_type, remote) end
  return path
end

function M.new(c)
  local self = setmetatable({ c = c, flags = c.strace }, M)
  -- the wall clock of an event is wall_start_ns + (its ts from start_ns)
  c.on("start", function(run) self.wall_start_ns = run.wall_start_ns end)
  return self
end

-- "[+0.042s]", or with -t "12:34:56", -tt "12:34:56.123456", -ttt
-- "1700000000.123456", for an event ts seconds after the start.
function M:stamp(ts)
  local t = self.flags.timestamps
  if t == 0 or not self.wall_start_ns then return format("[+%.3fs]", ts) end
  local wall = self.wall_start_ns + ffi.new("uint64_t", math.floor(ts * 1e9 + 0.5))
  local sec, usec = tonumber(wall / NS), tonumber((wall % NS) / US)
  if t == 3 then return format("%d.%06d", sec, usec) end
  local clock = os.date("%H:%M:%S", sec)
  return t == 2 and format("%s.%06d", clock, usec) or clock
end

-- What fd is, as -y shows it; nil when nothing is known. first: the
-- syscall's fd argument, whose e.fd_path is what it was at the call.
function M:fd_text(e, fd, first)
  local c = self.c
  if first and e.fd_path then return c.escape(fd_path_text(e.fd_path)) end
  local f = c.fd(e.pid, fd)
  if not f then return nil end
  if f.kind == "socket" then return socket_text(f.sock_type, f.remote_addr) end
  return f.path and c.escape(f.path)
end

local QUOTE, BACKSLASH = 34, 92
local OPEN = { [40] = true, [91] = true, [123] = true }  -- ( [ {
local CLOSE = { [41] = true, [93] = true, [125] = true } -- ) ] }

-- The top-level arguments of "name(a, b, ...) = r" as {start, stop}
-- positions, and the position of the call's closing parenthesis.
local function arg_spans(text)
  local open = text:find("(", 1, true)
  if not open then return nil end
  local spans, depth, i, start, n = {}, 0, open + 1, open + 1, #text
  while i <= n do
    local b = text:byte(i)
    if b == QUOTE then
      i = i + 1
      while i <= n and text:byte(i) ~= QUOTE do
        if text:byte(i) == BACKSLASH then i = i + 1 end
        i = i + 1
      end
    elseif OPEN[b] then
      depth = depth + 1
    elseif CLOSE[b] then
      if depth == 0 then
        if i > start then spans[#spans + 1] = { start, i - 1 } end
        return spans, i
      end
      depth = depth - 1
    elseif b == 44 and depth == 0 then -- ,
      spans[#spans + 1] = { start, i - 1 }
      start = i + 2
    end
    i = i + 1
  end
  return nil
end

-- Where the call's closing parenthesis is in "name(a, b) = r" (nil when
-- the text is no call): strace splits an unfinished call before it.
function M.call_end(text)
  local _, close = arg_spans(text)
  return close
end

-- text with each fd argument (and a returned fd) followed by <what it is>.
-- pipe, pipe2 and socketpair return their fds in an array: [3<pipe:[1]>, 4<pipe:[1]>]
local FD_PAIR = { pipe = true, pipe2 = true, socketpair = true }

function M:annotate(e, text)
  if FD_PAIR[e.name] and e.ret == 0 then
    return (text:gsub("^([%w_]+%(.-)%[(%d+), (%d+)%]", function(head, a, b)
      local ta, tb = self:fd_text(e, tonumber(a), false), self:fd_text(e, tonumber(b), false)
      return format("%s[%s%s, %s%s]", head, a, ta and "<" .. ta .. ">" or "", b,
                    tb and "<" .. tb .. ">" or "")
    end, 1))
  end
  local kinds = host.syscall_fd_args(e.nr)
  if not kinds then return text end
  local spans, close = arg_spans(text)
  if not spans then return text end
  local out, last, first = {}, 1, true
  for i = 1, #kinds do
    local k, span = kinds:sub(i, i), spans[i]
    if k ~= "-" and span then
      local fd = tonumber(ffi.cast("int32_t", e.args[i - 1]))
      -- AT_FDCWD, -1 and whatever the line shows otherwise stay as they are
      local what = fd >= 0 and text:sub(span[1], span[2]) == tostring(fd) and
                   self:fd_text(e, fd, first and k == "d")
      if what then
        out[#out + 1] = text:sub(last, span[2])
        out[#out + 1] = "<" .. what .. ">"
        last = span[2] + 1
      end
      if k == "d" then first = false end
    end
  end
  local rest = text:sub(last)
  if host.syscall_returns_fd(e.nr) and e.ret and e.ret >= 0 then
    local want, offset = ") = " .. e.ret, close - last + 1
    local stop = offset + #want - 1
    local what = rest:sub(offset, stop) == want and not rest:sub(stop + 1, stop + 1):find("%d") and
                 self:fd_text(e, e.ret, false)
    if what then rest = rest:sub(1, stop) .. "<" .. what .. ">" .. rest:sub(stop + 1) end
  end
  out[#out + 1] = rest
  return table.concat(out)
end

-- A quoted string's text (from its opening quote at i) cut after limit
-- bytes, an escape (\n, \x7f, \177) counting as one; nil when it is no
-- longer than that. And where the string, with a "..." after it, ends.
local function cut_string(text, i, limit)
  local n, j, cut = 0, i + 1, nil
  while j <= #text and text:byte(j) ~= QUOTE do
    if n == limit and not cut then cut = j end
    if text:byte(j) == BACKSLASH then
      local esc = text:sub(j + 1, j + 1)
      if esc == "x" then
        j = j + 3
      elseif esc:find("[0-7]") then
        j = j + (text:match("^[0-7][0-7]?[0-7]?", j + 1)):len()
      else
        j = j + 1
      end
    end
    j = j + 1
    n = n + 1
  end
  local stop = j + (text:sub(j + 1, j + 3) == "..." and 3 or 0)
  if not cut then return nil, stop end
  return text:sub(i, cut - 1) .. '"...', stop
end

-- text with the strings and buffers of its arguments cut after limit
-- bytes, as strace -s cuts them (paths stay whole, as strace leaves them).
function M:cut(e, text, limit)
  local kinds = host.syscall_arg_kinds(e.nr)
  local spans = kinds and arg_spans(text)
  if not spans then return text end
  local out, last = {}, 1
  for i = 1, math.min(#kinds, #spans) do
    local k, span = kinds:sub(i, i), spans[i]
    if (k == "s" or k == "b" or k == "B") and text:byte(span[1]) == QUOTE then
      local shown, stop = cut_string(text, span[1], limit)
      if shown then
        out[#out + 1] = text:sub(last, span[1] - 1)
        out[#out + 1] = shown
        last = stop + 1
      end
    end
  end
  out[#out + 1] = text:sub(last)
  return table.concat(out)
end

-- A syscall event's line as c.format_syscall renders it, with
-- --string-limit's strings, -y's fds and -T's duration.
function M:syscall(e)
  local text = self.c.format_syscall(e)
  if self.flags.string_limit then text = self:cut(e, text, self.flags.string_limit) end
  if self.flags.fd_paths > 0 then text = self:annotate(e, text) end
  if self.flags.durations and e.dur_ns then text = format("%s <%.6f>", text, e.dur_ns / 1e9) end
  return text
end

return M
