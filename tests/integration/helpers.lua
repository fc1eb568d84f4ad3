-- Shared by the integration specs: run compendium (or anything) with a
-- timeout, capture its exit status and output, read --json files.
--
-- Environment (set by ctest):
--   COMPENDIUM         the compendium binary under test
--   COMPENDIUM_PROGS   the directory of the programs built from tests/progs
--   COMPENDIUM_SOURCE  the repository root
local ffi = require "ffi"
local cjson = require "cjson"

ffi.cdef [[
int kill(int pid, int sig);
int usleep(unsigned int usec);
]]

local M = {}

-- Every command gets at most this long; `timeout` exits 124 when it fires.
M.TIMEOUT = 60

M.SIGINT, M.SIGKILL, M.SIGTERM = 2, 9, 15

-- ---- paths --------------------------------------------------------------

function M.bin()
  return (assert(os.getenv("COMPENDIUM"), "set COMPENDIUM to the compendium binary"))
end

function M.progs_dir()
  return (assert(os.getenv("COMPENDIUM_PROGS"), "set COMPENDIUM_PROGS to the built tests/progs"))
end

function M.prog(name)
  return M.progs_dir() .. "/" .. name
end

function M.source()
  return os.getenv("COMPENDIUM_SOURCE") or "."
end

-- ---- shell ----------------------------------------------------------------

-- 'text' for sh, whatever text holds.
function M.quote(s)
  return "'" .. (tostring(s):gsub("'", "'\\''")) .. "'"
end

-- A list of words as one quoted command line; a string is taken as a shell
-- command and run with sh -c.
local function command_line(argv)
  if type(argv) == "string" then argv = { "sh", "-c", argv } end
  local words = {}
  for i, a in ipairs(argv) do words[i] = M.quote(a) end
  return table.concat(words, " ")
end

-- Output of a shell command, trailing newline removed.
local function capture(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("*a")
  p:close()
  return (out:gsub("\n$", ""))
end

function M.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.exists(path)
  return capture("test -e " .. M.quote(path) .. " && echo yes") == "yes"
end

function M.realpath(path)
  return capture("realpath -- " .. M.quote(path))
end

function M.sleep(seconds)
  ffi.C.usleep(math.floor(seconds * 1e6))
end

-- Sends signal `sig` to `pid`; true when it was delivered.
function M.kill(pid, sig)
  return ffi.C.kill(pid, sig) == 0
end

-- ---- temporary directories -------------------------------------------------

local made = {}

-- A fresh directory under /tmp (never under /dev or /proc: those paths are
-- noise to the default view), as an absolute path without symlinks.
function M.tmpdir()
  local dir = capture("d=$(mktemp -d /tmp/compendium-it.XXXXXX) && cd \"$d\" && pwd -P")
  assert(dir:sub(1, 1) == "/", "mktemp failed")
  made[#made + 1] = dir
  return dir
end

-- Marks the running test pending with a visible "SKIP: why" on stdout: a
-- test the machine cannot run is reported, never passed in silence.
-- True when why is nil (the test can run).
function M.ready(why)
  if not why then return true end
  print("SKIP: " .. why)
  pending(why)
  return false
end

-- Why the BPF and perf companions named in flags ({"--ebpf"}, {"--faults",
-- "--ebpf"}) cannot run here, or nil: no kernel BTF, or compendium refuses
-- them or goes on without one of them.
function M.companions_missing(flags)
  if not M.exists("/sys/kernel/btf/vmlinux") then return "no kernel BTF (/sys/kernel/btf/vmlinux)" end
  local argv = { M.bin() }
  for _, f in ipairs(flags) do argv[#argv + 1] = f end
  for _, a in ipairs({ "-o", "/dev/null", "--", "true" }) do argv[#argv + 1] = a end
  local r = M.run(argv)
  if r.status ~= 0 or r.stderr:find("going on without", 1, true) then
    return table.concat(flags, " and ") .. (#flags > 1 and " are not both permitted: " or " is not permitted: ") ..
           r.stderr:gsub("\n$", "")
  end
  return nil
end

-- A fresh directory on a block device (not tmpfs: O_DIRECT and the block
-- layer need one): beside the built programs, else /var/tmp; nil when
-- neither is one. The caller removes it.
function M.block_device_dir()
  for _, base in ipairs({ M.progs_dir(), "/var/tmp" }) do
    local dir = capture("d=$(mktemp -d " .. M.quote(base .. "/compendium-bdev.XXXXXX") ..
                        ") && cd \"$d\" && pwd -P")
    if dir:sub(1, 1) == "/" then
      local fs = capture("stat -f -c %T " .. M.quote(dir))
      if fs ~= "tmpfs" and fs ~= "ramfs" then return dir end
      os.execute("rm -rf " .. M.quote(dir))
    end
  end
  return nil
end

-- Removes every directory tmpdir() made.
function M.cleanup()
  for i = #made, 1, -1 do
    os.execute("rm -rf " .. M.quote(made[i]))
    made[i] = nil
  end
end

-- ---- running ----------------------------------------------------------------

-- Runs argv (a list of words, or a shell command string) and waits for it.
--   opts.cwd     directory to run in
--   opts.env     { NAME = value } added to the environment; BASH_ENV and ENV
--                are always removed, so no shell a test runs sources the
--                caller's startup file (its reads would count as the test's)
--   opts.stdin   text fed on standard input (default: empty)
-- Returns { status = exit code (128+N when killed by signal N),
--           stdout =, stderr = }. Fails the test if the timeout fires.
function M.run(argv, opts)
  opts = opts or {}
  local dir = M.tmpdir()
  local out, err, inp = dir .. "/stdout", dir .. "/stderr", dir .. "/stdin"
  M.write_file(inp, opts.stdin or "")
  local parts = {}
  if opts.cwd then parts[#parts + 1] = "cd " .. M.quote(opts.cwd) .. " &&" end
  parts[#parts + 1] = "env -u BASH_ENV -u ENV"
  for k, v in pairs(opts.env or {}) do parts[#parts + 1] = M.quote(k .. "=" .. v) end
  parts[#parts + 1] = "timeout -k 5 " .. M.TIMEOUT
  parts[#parts + 1] = command_line(argv)
  parts[#parts + 1] = ">" .. M.quote(out) .. " 2>" .. M.quote(err) .. " <" .. M.quote(inp)
  local cmd = table.concat(parts, " ")
  local status = tonumber(capture(cmd .. "; echo $?"))
  local r = { status = status, stdout = M.read_file(out) or "", stderr = M.read_file(err) or "" }
  -- the capture files are read: the directory goes now, not at teardown
  os.execute("rm -rf " .. M.quote(dir))
  for i = #made, 1, -1 do
    if made[i] == dir then table.remove(made, i) break end
  end
  if status == 124 then
    error("timed out after " .. M.TIMEOUT .. " s: " .. cmd .. "\nstderr:\n" .. r.stderr, 2)
  end
  return r
end

-- Whether a command of that name is on the PATH.
function M.installed(name)
  return M.run({ "sh", "-c", "command -v " .. name }).status == 0
end

-- Starts argv in the background. The handle knows the command's own pid
-- (the shell that starts it execs it):
--   h.pid, h:stdout(), h:stderr(), h:done(), h:wait() → like run()'s result.
local Proc = {}
Proc.__index = Proc

function M.spawn(argv, opts)
  opts = opts or {}
  local dir = M.tmpdir()
  local p = setmetatable({
    dir = dir, out = dir .. "/stdout", err = dir .. "/stderr",
    pidfile = dir .. "/pid", rcfile = dir .. "/rc",
  }, Proc)
  local inner = "echo $$ >" .. M.quote(p.pidfile .. ".tmp") .. " && mv " ..
                M.quote(p.pidfile .. ".tmp") .. " " .. M.quote(p.pidfile) .. " && exec \"$@\""
  local words = type(argv) == "string" and { "sh", "-c", argv } or argv
  local cmd = {}
  if opts.cwd then cmd[#cmd + 1] = "cd " .. M.quote(opts.cwd) .. " &&" end
  cmd[#cmd + 1] = "env -u BASH_ENV -u ENV timeout -k 5 " .. M.TIMEOUT .. " sh -c " .. M.quote(inner) .. " sh"
  cmd[#cmd + 1] = command_line(words)
  cmd[#cmd + 1] = ">" .. M.quote(p.out) .. " 2>" .. M.quote(p.err) .. " </dev/null"
  cmd[#cmd + 1] = "; echo $? >" .. M.quote(p.rcfile .. ".tmp") .. "; mv " ..
                  M.quote(p.rcfile .. ".tmp") .. " " .. M.quote(p.rcfile)
  os.execute("( " .. table.concat(cmd, " ") .. " ) >/dev/null 2>&1 </dev/null &")
  assert(M.wait_for(function() return M.read_file(p.pidfile) end, 10), "the command did not start")
  p.pid = tonumber(M.read_file(p.pidfile))
  return p
end

function Proc:stdout() return M.read_file(self.out) or "" end
function Proc:stderr() return M.read_file(self.err) or "" end
function Proc:done() return M.read_file(self.rcfile) ~= nil end

-- Waits for the command to end (the timeout guarantees it does).
function Proc:wait()
  assert(M.wait_for(function() return self:done() end, M.TIMEOUT + 10), "the command never ended")
  local status = tonumber(M.read_file(self.rcfile))
  local r = { status = status, stdout = self:stdout(), stderr = self:stderr(), pid = self.pid }
  if status == 124 then error("timed out after " .. M.TIMEOUT .. " s\nstderr:\n" .. r.stderr, 2) end
  return r
end

-- Polls fn every 20 ms until it returns a true value (returned) or
-- `seconds` pass (nil).
function M.wait_for(fn, seconds)
  local tries = math.ceil((seconds or 10) / 0.02)
  for _ = 1, tries do
    local v = fn()
    if v then return v end
    M.sleep(0.02)
  end
  return nil
end

-- ---- compendium --------------------------------------------------------------

-- Runs compendium FLAGS --json FILE -- ARGS and reads the events back.
--   opts.flags   compendium options before the --json (e.g. { "-v" })
--   (other opts as for run())
-- The result adds json (the file's path), events (every line of the file,
-- decoded) and summary (the last line, which must be the summary).
function M.trace(args, opts)
  opts = opts or {}
  local json = M.tmpdir() .. "/events.jsonl"
  local argv = { M.bin() }
  for _, f in ipairs(opts.flags or {}) do argv[#argv + 1] = f end
  argv[#argv + 1] = "--json"
  argv[#argv + 1] = json
  argv[#argv + 1] = "--"
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local r = M.run(argv, opts)
  r.json = json
  r.events = M.read_jsonl(json)
  local last = r.events[#r.events]
  assert(last and last.type == "summary",
         "the last line of the --json file is not the summary\nstderr:\n" .. r.stderr)
  r.summary = last
  return r
end

-- Runs compendium -s check/NAME -X OPT... -- COMMAND... (opts: the -X
-- values; run_opts as for run()).
function M.check(name, opts, command, run_opts)
  local argv = { M.bin(), "-s", "check/" .. name }
  for _, o in ipairs(opts) do
    argv[#argv + 1] = "-X"
    argv[#argv + 1] = o
  end
  argv[#argv + 1] = "--"
  for _, a in ipairs(command) do argv[#argv + 1] = a end
  return M.run(argv, run_opts)
end

-- The failures a run listed on stderr, without their "  ✗ ".
function M.failure_lines(stderr)
  local failures = {}
  for _, line in ipairs(M.lines(stderr)) do
    local f = line:match("^  ✗ (.*)$")
    if f then failures[#failures + 1] = f end
  end
  return failures
end

-- Every line of a JSON-lines file, decoded with cjson; fails on a line that
-- does not parse, naming it.
function M.read_jsonl(path)
  local text = M.read_file(path)
  assert(text, "no JSON file at " .. path)
  local list, n = {}, 0
  for line in text:gmatch("([^\n]*)\n") do
    n = n + 1
    local ok, v = pcall(cjson.decode, line)
    assert(ok, "line " .. n .. " of " .. path .. " is not JSON: " .. tostring(v) .. "\n" .. line)
    list[#list + 1] = v
  end
  assert(text == "" or text:sub(-1) == "\n", path .. " does not end with a newline")
  return list
end

-- The events of one type for which every field in `match` is equal
-- (match may be nil), in file order.
function M.select(events, type, match)
  local out = {}
  for _, e in ipairs(events) do
    if e.type == type then
      local ok = true
      for k, v in pairs(match or {}) do
        if e[k] ~= v then ok = false break end
      end
      if ok then out[#out + 1] = e end
    end
  end
  return out
end

-- The one event of a type matching `match`; fails unless exactly one is.
function M.one(events, type, match)
  local list = M.select(events, type, match)
  if #list ~= 1 then
    local desc = {}
    for k, v in pairs(match or {}) do desc[#desc + 1] = k .. "=" .. tostring(v) end
    error(("expected exactly one %s event with {%s}, found %d"):format(
      type, table.concat(desc, ", "), #list), 2)
  end
  return list[1]
end

-- The values of `field` in a list of events, in order.
function M.pluck(list, field)
  local out = {}
  for i, e in ipairs(list) do out[i] = e[field] end
  return out
end

function M.sum(list, field)
  local total = 0
  for _, e in ipairs(list) do total = total + e[field] end
  return total
end

-- "0x7f00..." → number (exact: user addresses fit in 2^53).
function M.addr(hex)
  assert(type(hex) == "string" and hex:match("^0x%x+$"), "not an address: " .. tostring(hex))
  return tonumber(hex:sub(3), 16)
end

-- The lines of a text, without their newlines.
function M.lines(text)
  local out = {}
  for line in text:gmatch("([^\n]*)\n?") do out[#out + 1] = line end
  if out[#out] == "" then out[#out] = nil end
  return out
end

-- True when stderr is exactly one line starting "compendium: ".
function M.one_line_error(text)
  return text:match("^compendium: [^\n]+\n$") ~= nil
end

return M
