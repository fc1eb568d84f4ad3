-- Behaviour baselines: what a run did, in words that stay the same from one
-- run to the next, and a check that fails on anything new.
--
-- `compendium -s learn` writes a baseline script; the script calls
-- baseline.check{...} with what it learned, and running it as a check
-- (`compendium -s ./behaviour.lua -- make test`) fails on any file,
-- program, peer or failing syscall not in its lists, on more processes and
-- on more memory than it allows. `--diff` (scripts/diff.lua) names things
-- the same way.
--
-- What a run's details make incidental is generalised:
--   * paths in the directory compendium runs in start with $CWD, those in
--     the temporary directory ($TMPDIR, else /tmp) with $TMP, those in the
--     home directory with ~; a baseline learned in one checkout works in
--     another;
--   * in the temporary directory, the random part of a name (mkstemp's
--     XXXXXX, gcc's ccXXXXXX.s) and numbers (pids) become *;
--   * ports the kernel picks (the ephemeral range) become *.
local c = require "compendium"
local check = require "compendium.check"
local glob = require "compendium.glob"
local net = require "compendium.net"
local registry = require "compendium.registry"

local format = string.format

local M = {}

-- Files under these are the system's own, not the program's: reading them
-- is not listed (writing them is).
M.SYSTEM = { "/usr/**", "/lib/**", "/lib32/**", "/lib64/**", "/libx32/**", "/bin/**", "/sbin/**",
             "/etc/**", "/proc/**", "/sys/**", "/dev/**", "/run/**" }
-- Written, created or removed, these are not the program's files either:
-- /dev/null, terminals, /proc/self/... .
M.PSEUDO = { "/dev/**", "/proc/**", "/sys/**" }

-- Failures that say "not now" rather than "no": they come and go with
-- timing (a non-blocking socket, a signal, a timeout), or with where the
-- run is (ENOTTY: whether the output is a terminal, as on a laptop and
-- not in CI).
M.TRANSIENT = { EAGAIN = true, EINTR = true, EINPROGRESS = true, ETIMEDOUT = true, EALREADY = true,
                ERESTARTSYS = true, ERESTARTNOINTR = true, ERESTARTNOHAND = true,
                ERESTART_RESTARTBLOCK = true, ENOIOCTLCMD = true, ECHILD = true, ENOTTY = true }

-- ---- the places a path is generalised against ----------------------------------

local realpath, cwd = check.realpath, check.cwd

-- {var, path} longest first, so that $CWD wins over $TMP when the work
-- tree is in /tmp.
local places
function M.places()
  if places then return places end
  places = {}
  local function add(var, path)
    path = path and realpath(path)
    if path and path ~= "/" then places[#places + 1] = { var = var, path = path } end
  end
  add("$CWD", cwd())
  local tmp = os.getenv("TMPDIR")
  add("$TMP", (tmp and tmp ~= "") and tmp or "/tmp")
  add("~", os.getenv("HOME"))
  table.sort(places, function(a, b) return #a.path > #b.path end)
  return places
end

-- The working directory $CWD stands for, when it is not compendium's own
-- (--diff: the recorded command's).
function M.set_cwd(path)
  M.places()
  for i = #places, 1, -1 do
    if places[i].var == "$CWD" then table.remove(places, i) end
  end
  places[#places + 1] = { var = "$CWD", path = path }
  table.sort(places, function(a, b) return #a.path > #b.path end)
end

-- A literal path as glob text.
local function quote(s)
  return (s:gsub("[%*%?%[%]\\]", "\\%0"))
end
M.quote = quote

-- One name in the temporary directory, as a glob: random-looking runs of
-- letters and digits (six or more, mkstemp's) and numbers become *.
local function temp_name(name)
  local out, i = {}, 1
  while i <= #name do
    local s, e = name:find("%w+", i)
    if not s then
      out[#out + 1] = quote(name:sub(i))
      break
    end
    out[#out + 1] = quote(name:sub(i, s - 1))
    local run = name:sub(s, e)
    local after_sep = s > 1 and name:sub(s - 1, s - 1):find("[%.%-_]") ~= nil
    if run:find("^%d%d%d+$") then
      out[#out + 1] = "*"
    elseif #run >= 6 and (run:find("[%u%d]") or #run >= 8 or after_sep) then
      -- a word's start is kept (gcc's "cc"), the random tail is not
      local keep = run:match("^%l*"):sub(1, math.max(0, #run - 6))
      if after_sep and not run:find("[%u%d]") and #run < 8 then keep = "" end
      out[#out + 1] = quote(keep) .. "*"
    else
      out[#out + 1] = quote(run)
    end
    i = e + 1
  end
  return table.concat(out)
end

-- Names below a directory called tmp or temp are temporary too (a
-- recording does not say what $TMPDIR was).
local function temp_dir(name)
  local n = name:lower()
  return n == "tmp" or n == "temp" or n == ".tmp"
end

-- A path as a glob that the same file in another run matches:
-- "$CWD/out.txt", "$TMP/cc*.s", "/etc/hosts".
function M.path(path)
  local var, rest, temp = "", path, false
  for _, place in ipairs(M.places()) do
    local p = place.path
    if path == p or path:sub(1, #p + 1) == p .. "/" then
      var, rest, temp = place.var, path:sub(#p + 1), place.var == "$TMP"
      break
    end
  end
  local parts = {}
  for name in rest:gmatch("[^/]+") do
    parts[#parts + 1] = temp and temp_name(name) or quote(name)
    temp = temp or temp_dir(name)
  end
  if var ~= "" and #parts == 0 then return var end
  return var .. "/" .. table.concat(parts, "/")
end

-- Removing what is not there is no failure worth a baseline: whether it
-- was there depends on the run before.
local ABSENT_OK = { unlink = true, unlinkat = true, rmdir = true }

-- Whether a failing call counts: not a transient errno, not removing
-- what is not there.
function M.counts_failure(name, err)
  return err ~= nil and not M.TRANSIENT[err] and not (err == "ENOENT" and ABSENT_OK[name])
end

-- A baseline glob with its place made this machine's: "$CWD/x" → "/src/x".
function M.expand(g)
  local var, rest = g:match("^(%$%u+)(.*)$")
  if not var and (g == "~" or g:sub(1, 2) == "~/") then var, rest = "~", g:sub(2) end
  if not var then return g end
  for _, place in ipairs(M.places()) do
    if place.var == var then return quote(place.path) .. rest end
  end
  if var == "~" then return g end
  error(format("unknown place %s in %s ($CWD, $TMP and ~ are known)", var, g), 0)
end

-- ---- peers -----------------------------------------------------------------------

local ephemeral_low, ephemeral_high
local function ephemeral(port)
  if not ephemeral_low then
    ephemeral_low, ephemeral_high = 32768, 60999
    local f = io.open("/proc/sys/net/ipv4/ip_local_port_range")
    if f then
      local lo, hi = f:read("*a"):match("(%d+)%s+(%d+)")
      f:close()
      if lo then ephemeral_low, ephemeral_high = tonumber(lo), tonumber(hi) end
    end
  end
  return port >= ephemeral_low and port <= ephemeral_high
end

-- "192.0.2.1:80", "127.0.0.1:*" (a port the kernel picked), "[::1]:*";
-- nil for what is no IP peer. Second result: the peer is this machine.
function M.peer(addr)
  local ip = net.ip(addr)
  if not ip then return nil end
  local host, port = addr:match("^(.*):(%d+)$")
  if not host then return nil end
  port = tonumber(port)
  return host .. ":" .. ((port ~= 0 and ephemeral(port)) and "*" or tostring(port)), net.is_local(addr)
end

-- A pattern with * (any text) as a Lua pattern.
local function star_pattern(s)
  return "^" .. s:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", ".*") .. "$"
end
M.star_pattern = star_pattern

-- ---- watching a run ---------------------------------------------------------------

local function base_name(path)
  return path and path:match("([^/]*)$") or "?"
end

-- The program each process runs, from the exec events (every source has
-- them, strace logs too); a child runs its parent's until it execs.
local running = {}
local tracking = false
function M.track_programs()
  if tracking then return end
  tracking = true
  c.on("start", function(run)
    -- an attached process runs what it ran before
    local p = run.attached and c.proc(run.root_pid)
    if p and p.exe and p.exe ~= "" then running[run.root_pid] = base_name(p.exe) end
  end)
  c.on("exec", function(e) running[e.pid] = base_name(e.path or e.program) end)
  c.on("spawn_process", function(e) running[e.child_pid] = running[e.pid] end)
end

-- Whether an exec (or the attach) said what the process runs: before
-- its first exec the command is still compendium's own child.
function M.program_known(pid)
  return running[pid] ~= nil
end

-- The program a process runs, by its file's base name ("gcc", "cc1").
function M.program(pid)
  if running[pid] then return running[pid] end
  local p = c.proc(pid)
  local exe = p and p.exe ~= "" and p.exe or nil
  return base_name(exe or (p and p.comm) or nil)
end

local function matcher(globs)
  local tests = {}
  for _, g in ipairs(globs) do tests[#tests + 1] = assert(glob.compile(g)) end
  return function(path)
    for i = 1, #tests do if tests[i](path) then return true end end
    return false
  end
end
local system = matcher(M.SYSTEM)
local pseudo = matcher(M.PSEUDO)
M.is_system, M.is_pseudo = system, pseudo

-- Registers the hooks both learning and checking need; `seen(kind, what,
-- e)` is called for each thing the run did, with kind one of
--   "written", "created", "removed", "read"  what: the absolute path
--   "program"                                what: the file run
--   "peer", "loopback"                       what: the generalised peer
--   "failure"                                what: "prog: syscall ERRNO"
--   "processes"                              what: the count so far
--   "memory"                                 what: a process's bytes
-- Call while the script loads.
function M.watch(seen)
  M.track_programs()
  local function file(kind, path, e)
    if path and not pseudo(path) then seen(kind, path, e) end
  end
  c.on("open", function(e)
    if e.error then return end
    if e.writable then
      file("written", e.path, e)
    elseif e.path and not system(e.path) then
      seen("read", e.path, e)
    end
  end)
  local function ok(e) return not e.error end
  c.on("truncate", function(e) if ok(e) then file("written", e.path, e) end end)
  for _, kind in ipairs { "mkdir", "symlink" } do
    c.on(kind, function(e) if ok(e) then file("created", e.path, e) end end)
  end
  c.on("link", function(e) if ok(e) then file("created", e.new_path, e) end end)
  c.on("rename", function(e)
    if not ok(e) then return end
    file("created", e.new_path, e)
    if not e.exchange then file("removed", e.path, e) end
  end)
  -- removing a file that is not there asks for it to be gone all the same
  for _, kind in ipairs { "unlink", "rmdir" } do
    c.on(kind, function(e) if ok(e) or e.error == "ENOENT" then file("removed", e.path, e) end end)
  end
  c.on("exec", function(e) seen("program", e.path or e.program, e) end)
  local function peer(addr, e)
    local p, here = M.peer(addr)
    if p then seen(here and "loopback" or "peer", p, e) end
  end
  c.on("connect", function(e) if net.is_inet(e.sock_type) then peer(e.remote_addr, e) end end)
  c.on("syscall:sendto", function(e) if e.ret >= 0 and e.sockaddr then peer(e.sockaddr, e) end end)
  -- failing calls of the classes that touch files and sockets; connect's
  -- are its peer's (a failed connect is a peer the program tried)
  local hooked = {}
  for _, class in ipairs { "file", "fd", "network" } do
    for _, name in ipairs(c.syscalls_in(class)) do
      if not hooked[name] and name ~= "connect" then
        hooked[name] = true
        c.on("syscall:" .. name, function(e)
          if e.ret >= 0 then return end
          local err = c.errname(e.ret)
          -- the loader's and the C library's probing of the system's
          -- files (ld.so.preload, library and PATH searches) is theirs
          local path = e.path
          if path and path:sub(1, 1) == "/" and system(path) then return end
          if M.counts_failure(name, err) then
            seen("failure", M.program(e.pid) .. ": " .. name .. " " .. err, e)
          end
        end)
      end
    end
  end
  local processes = 1
  c.on("spawn_process", function(e)
    processes = processes + 1
    seen("processes", processes, e)
  end)
  local function memory(e)
    local p = c.proc(e.pid)
    if p then seen("memory", p.heap_bytes + p.anon_bytes, e) end
  end
  c.on("brk", memory)
  c.on("mmap", memory)
  c.on("start", function() seen("processes", 1, nil) end)
end

-- ---- the check a baseline script runs -----------------------------------------------

-- A list entry: a glob text, or {glob, run = N} (the run that added it).
local function entry_text(v)
  return type(v) == "table" and v[1] or v
end

local function glob_set(list, what)
  local tests = {}
  for _, v in ipairs(list or {}) do
    local g = entry_text(v)
    local ok, full = pcall(M.expand, g)
    if not ok then c.error(what .. ": " .. full) end
    local test, err = glob.compile(full)
    if not test then c.error(what .. ": " .. err) end
    tests[#tests + 1] = test
  end
  return function(path)
    for i = 1, #tests do if tests[i](path) then return true end end
    return false
  end
end

local function star_set(list)
  local patterns = {}
  for _, v in ipairs(list or {}) do patterns[#patterns + 1] = star_pattern(entry_text(v)) end
  return function(s)
    for i = 1, #patterns do if s:find(patterns[i]) then return true end end
    return false
  end
end

local WORDS = { written = "file written", created = "file created", removed = "file removed",
                read = "file read", program = "program run", peer = "peer",
                loopback = "loopback peer", failure = "failing call" }

-- The baseline script's one call, while it loads: fails the run (125) on
-- what the baseline does not list, naming it. `b` is what -s learn wrote:
-- written, created, removed, read, programs, peers, loopback, failures
-- (lists), processes (at most), memory (bytes at most, per process).
function M.check(b)
  local where = registry.where(2)
  local rule = check.new()
  local name = registry.loading and registry.loading.label or "baseline"
  local allowed = {
    written = glob_set(b.written, name), created = glob_set(b.created, name),
    removed = glob_set(b.removed, name), read = glob_set(b.read, name),
    program = glob_set(b.programs, name), peer = star_set(b.peers),
    loopback = star_set(b.loopback), failure = star_set(b.failures),
  }
  -- a program not in the baseline is named as such; its failing calls
  -- would only repeat it
  local known_programs = {}
  for _, v in ipairs(b.programs or {}) do
    local last = entry_text(v):match("([^/]*)$")
    known_programs[#known_programs + 1] = star_pattern((last:gsub("\\(.)", "%1")))
  end
  local function known(program)
    for _, p in ipairs(known_programs) do if program:find(p) then return true end end
    return false
  end
  local mem_reported = {}
  M.watch(function(kind, what, e)
    if kind == "failure" and not known(what:match("^(.-): ")) then return end
    if kind == "processes" then
      if b.processes and what > b.processes then
        rule:add(e, format("more than %d processes", b.processes), where)
      end
    elseif kind == "memory" then
      if b.memory and what > b.memory and not mem_reported[e.pid] then
        mem_reported[e.pid] = true
        rule:add(e, format("a process used %s, more than %s", c.bytes(what), c.bytes(b.memory)), where)
      end
    elseif kind == "removed" and allowed.written(what) then
      -- replacing a file it may write (as does, where its output exists)
      -- destroys no more than writing it would
    elseif not allowed[kind](what) then
      rule:add(e, format("new %s: %s", WORDS[kind], c.escape(what)), where)
    end
  end)
  c.on("exec", function(e) mem_reported[e.pid] = nil end)
end

return M
