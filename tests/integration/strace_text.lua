-- Reading strace's lines for comparisons: what differs from run to run
-- (pointers, pids, times, random bytes, inodes, ports) normalised, and the
-- syscall lines of a log with their unfinished/resumed halves joined.
local M = {}

-- A syscall line with what differs between two runs of one program replaced;
-- pids: the set of the run's pids (as strings), which become PID.
function M.normalise(text, pids)
  text = text:gsub("%)%s+= ", ") = ")
  text = text:gsub("0x%x+", "0xP")
  text = text:gsub("tv_sec=%d+", "tv_sec=N"):gsub("tv_nsec=%d+", "tv_nsec=N")
  text = text:gsub('^getrandom%(".-", ', 'getrandom("R", ')
  text = text:gsub("^sysinfo%(%b{}%)", "sysinfo({...})")
  text = text:gsub("^getppid%(%) = %d+", "getppid() = PID") -- strace's own pid, or the harness's
  text = text:gsub("htons%(%d+%)", "htons(PORT)"):gsub("PORT %d+", "PORT N") -- ephemeral ports
  text = text:gsub("pipe:%[%d+%]", "pipe:[N]"):gsub("socket:%[%d+%]", "socket:[N]")
  return (text:gsub("%f[%w]%d+%f[^%w]", function(n) return pids[n] and "PID" or n end))
end

-- A log's syscall lines (without their -ttt times and -T durations),
-- unfinished/resumed pairs joined, and its pids. opts.signals: keep the
-- "--- SIG… ---" and "+++ … +++" lines too.
function M.lines(log, opts)
  opts = opts or {}
  local pids, lines, pending = {}, {}, {}
  for line in log:gmatch("[^\n]+") do
    local pid, text = line:match("^(%d+)%s+(.*)$")
    if pid then
      pids[pid] = true
      text = text:gsub("^%d+%.%d+ ", ""):gsub(" <%d+%.%d+>$", "")
      local head = text:match("^(.-) <unfinished %.%.%.>$")
      if head then
        pending[pid] = head
      else
        local tail = text:match("^<%.%.%. [%w_]+ resumed>(.*)$")
        if tail then text, pending[pid] = (pending[pid] or "") .. tail, nil end
        if opts.signals or (not text:find("^%-%-%- ") and not text:find("^%+%+%+ ")) then
          lines[#lines + 1] = text
        end
      end
    end
  end
  return lines, pids
end

-- The share of the reference's lines (strace's) that the other lines hold
-- too, normalised, as a multiset (the order of lines of different
-- processes differs from run to run); the reference's lines missing and
-- the other's extra ones.
function M.share(ref, ref_pids, other, other_pids)
  local have = {}
  for _, l in ipairs(other) do
    local n = M.normalise(l, other_pids)
    have[n] = (have[n] or 0) + 1
  end
  local same, missing = 0, {}
  for _, l in ipairs(ref) do
    local n = M.normalise(l, ref_pids)
    if (have[n] or 0) > 0 then
      have[n], same = have[n] - 1, same + 1
    else
      missing[#missing + 1] = n
    end
  end
  local extra = {}
  for n, k in pairs(have) do
    if k > 0 then extra[#extra + 1] = n end
  end
  table.sort(extra)
  return #ref > 0 and same / #ref or 0, #ref, missing, extra
end

return M
