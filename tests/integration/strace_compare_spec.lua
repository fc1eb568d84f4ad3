-- Fact by fact against strace: real programs run once under
-- `strace -f -yy -qq` and once under `compendium --json`, each in a fresh
-- copy of the same directory, must agree on the bytes read and written per
-- regular file, the peers connected to, the number of processes and the
-- exit status. The strace log is parsed here for just these facts.
local h = require "helpers"

-- ---- strace's log -------------------------------------------------------

local READS = { read = true, pread64 = true, readv = true, preadv = true, preadv2 = true }
local WRITES = { write = true, pwrite64 = true, writev = true, pwritev = true, pwritev2 = true }

-- A regular file's path from an fd's -yy annotation, or nil for pipes,
-- sockets, devices (`/dev/null<char 1:3>`) and the rest.
local function regular(annotation)
  if annotation:sub(1, 1) ~= "/" or annotation:find("<char ", 1, true) or annotation:find("<block ", 1, true) then
    return nil
  end
  return (annotation:gsub(" %(deleted%)$", ""))
end

-- The peer of a connect's address argument, as compendium writes it.
local function peer(args)
  local port, ip = args:match("sin_port=htons%((%d+)%), sin_addr=inet_addr%(\"([^\"]+)\"%)")
  if port then return ip .. ":" .. port end
  local port6 = args:match("sin6_port=htons%((%d+)%)")
  local ip6 = args:match("inet_pton%(AF_INET6, \"([^\"]+)\"")
  if port6 and ip6 then return "[" .. ip6 .. "]:" .. port6 end
  return args:match("sun_path=\"([^\"]*)\"")
end

-- {files = {path = {read =, written =}}, peers = {addr = true}, processes =}
local function strace_facts(log)
  local facts = { files = {}, peers = {}, processes = 1 }
  local function moved(path, field, n)
    if not path then return end
    local f = facts.files[path] or { read = 0, written = 0 }
    f[field] = f[field] + n
    facts.files[path] = f
  end
  local pending = {}
  local function call(text)
    local name, args = text:match("^([%w_]+)%((.*)$")
    if not name then return end
    local ret = tonumber(args:match(".*%)%s+=%s+(%-?%d+)"))
    if not ret then return end
    local err = args:match(".*%)%s+=%s+%-1 (%u+)")
    local fd1 = args:match("^%d+<(.-)>[,)]")
    if READS[name] and ret > 0 then
      moved(fd1 and regular(fd1), "read", ret)
    elseif WRITES[name] and ret > 0 then
      moved(fd1 and regular(fd1), "written", ret)
    elseif name == "sendfile" and ret > 0 then -- (out, in, ...)
      local out, inp = args:match("^%d+<(.-)>, %d+<(.-)>,")
      moved(inp and regular(inp), "read", ret)
      moved(out and regular(out), "written", ret)
    elseif (name == "copy_file_range" or name == "splice") and ret > 0 then -- (in, off, out, ...)
      local inp, out = args:match("^%d+<(.-)>, [^,]+, %d+<(.-)>,")
      moved(inp and regular(inp), "read", ret)
      moved(out and regular(out), "written", ret)
    elseif name == "connect" and (ret == 0 or err == "EINPROGRESS") then
      local addr = peer(args)
      if addr then facts.peers[addr] = true end
    elseif (name == "clone" or name == "clone3" or name == "fork" or name == "vfork") and ret > 0 and
           not args:find("CLONE_THREAD", 1, true) then
      facts.processes = facts.processes + 1
    end
  end
  for line in log:gmatch("[^\n]+") do
    local pid, text = line:match("^(%d+)%s+(.*)$")
    if pid then
      local head = text:match("^(.-)%s*<unfinished %.%.%.>$")
      if head then
        pending[pid] = head
      else
        local tail = text:match("^<%.%.%. [%w_]+ resumed>(.*)$")
        if tail then
          text, pending[pid] = (pending[pid] or "") .. tail, nil
        end
        call(text)
      end
    end
  end
  return facts
end

-- ---- compendium's JSON --------------------------------------------------

local function compendium_facts(r)
  local facts = { files = {}, peers = {}, processes = r.summary.processes }
  for _, e in ipairs(r.events) do
    if (e.type == "read" or e.type == "write") and e.target == "file" and e.filename and
       e.filename:sub(1, 1) == "/" then
      local f = facts.files[e.filename] or { read = 0, written = 0 }
      local field = e.type == "read" and "read" or "written"
      f[field] = f[field] + e.bytes
      facts.files[e.filename] = f
    end
  end
  for _, conn in ipairs(r.summary.connections) do facts.peers[conn.remote_addr] = true end
  return facts
end

-- Paths in dir become ./NAME, so that the two runs' directories compare;
-- /proc and /sys (whose contents change from run to run) and the files
-- the test harness gives each run (its standard streams) are left out.
local function comparable(facts, dir, port)
  local files = {}
  for path, f in pairs(facts.files) do
    if path:sub(1, #dir + 1) == dir .. "/" then
      files["./" .. path:sub(#dir + 2)] = f
    elseif not (path:find("^/proc/") or path:find("^/sys/") or path:find("^/tmp/compendium%-it%.")) then
      files[path] = f
    end
  end
  local peers = {}
  for addr in pairs(facts.peers) do
    peers[port and (addr:gsub(":" .. port .. "$", ":PORT")) or addr] = true
  end
  return { files = files, peers = peers, processes = facts.processes }
end

local function list_files(files)
  local names = {}
  for path in pairs(files) do names[#names + 1] = path end
  table.sort(names)
  return names
end

-- ---- the programs -------------------------------------------------------

local function write_tree(dir)
  h.run({ "mkdir", "-p", dir .. "/tree/sub" })
  h.write_file(dir .. "/tree/empty", "")
  h.write_file(dir .. "/tree/one", "1")
  h.write_file(dir .. "/tree/sub/text", string.rep("compendium\n", 500))
  local bytes = {}
  for i = 1, 100000 do bytes[i] = string.char(i * 7 % 256) end
  h.write_file(dir .. "/tree/sub/binary", table.concat(bytes))
end

local function write_lines(dir)
  local lines = {}
  for i = 1, 5000 do lines[i] = tostring(i % 777) end
  h.write_file(dir .. "/big.txt", table.concat(lines, "\n") .. "\n")
end

-- A git repository with one commit, the same in every copy.
local GIT_ENV = { HOME = "", GIT_CONFIG_NOSYSTEM = "1", GIT_AUTHOR_NAME = "a", GIT_AUTHOR_EMAIL = "a@b",
                  GIT_COMMITTER_NAME = "a", GIT_COMMITTER_EMAIL = "a@b",
                  GIT_AUTHOR_DATE = "2020-01-01T00:00:00Z", GIT_COMMITTER_DATE = "2020-01-01T00:00:00Z" }

local function git_env(dir)
  local env = {}
  for k, v in pairs(GIT_ENV) do env[k] = v end
  env.HOME = dir
  return env
end

local PROGRAMS = {
  {
    name = "tar of a tree, and back",
    setup = write_tree,
    command = { "sh", "-c", "tar cf out.tar tree && mkdir x && tar xf out.tar -C x" },
  },
  {
    name = "a shell pipeline",
    setup = write_lines,
    command = { "sh", "-c", "cat big.txt | sort | uniq -c > out.txt" },
  },
  {
    name = "gcc compiling a file",
    needs = "gcc",
    setup = function(dir) h.write_file(dir .. "/a.c", "int twice(int x) { return 2 * x; }\n") end,
    command = { "gcc", "-pipe", "-c", "a.c", "-o", "a.o" },
  },
  {
    name = "make running two rules",
    needs = "make",
    setup = function(dir)
      write_lines(dir)
      h.write_file(dir .. "/Makefile", "all: b.txt\nb.txt: a.txt\n\tcat a.txt a.txt > b.txt\n" ..
                   "a.txt: big.txt\n\tsort big.txt > a.txt\n")
    end,
    command = { "make", "-s" },
  },
  {
    name = "git status and log",
    needs = "git",
    setup = function(dir)
      write_tree(dir)
      local r = h.run({ "sh", "-c", "git init -q repo && cp -r tree repo/ && cd repo && " ..
                        -- files older than the index: git reads none of them again as
                        -- "racily clean", which would depend on the clock
                        "find tree -type f -exec touch -d @1000000000 {} + && git add . && " ..
                        "git commit -qm one && echo changed > tree/one" }, { cwd = dir, env = git_env(dir) })
      assert.are.equal(0, r.status, r.stderr)
    end,
    command = { "sh", "-c", "cd repo && git --no-optional-locks status --porcelain > ../status.txt && " ..
                "git --no-pager log --stat > ../log.txt" },
    env = git_env,
  },
  {
    name = "sqlite3 making a table",
    needs = "sqlite3",
    setup = function() end,
    command = { "sqlite3", "db", "create table t(x); insert into t values (1), (2); select count(*) from t;" },
  },
  {
    name = "a TCP conversation over loopback (tests/progs/tcp_loopback)",
    setup = function() end,
    command = { h.prog("tcp_loopback") },
    port = function(stdout) return stdout:match("PORT (%d+)") end,
  },
}

describe("compared with strace", function()
  teardown(h.cleanup)
  local have_strace = h.installed("strace")

  for _, prog in ipairs(PROGRAMS) do
    local missing = not have_strace and "strace" or (prog.needs and not h.installed(prog.needs) and prog.needs)
    if missing then
      pending(prog.name .. ": " .. missing .. " is not installed")
    else
      it(prog.name .. ": the same bytes per file, peers, processes and exit status", function()
        local sdir, cdir = h.tmpdir(), h.tmpdir()
        prog.setup(sdir)
        prog.setup(cdir)
        local function opts(dir) return { cwd = dir, env = prog.env and prog.env(dir) or { LC_ALL = "C" } } end

        local argv = { "strace", "-f", "-yy", "-qq", "-o", sdir .. "/strace.log", "--" }
        for _, a in ipairs(prog.command) do argv[#argv + 1] = a end
        local s = h.run(argv, opts(sdir))
        local c = h.trace(prog.command, opts(cdir))

        local from_strace = comparable(strace_facts(h.read_file(sdir .. "/strace.log")), sdir,
                                       prog.port and prog.port(s.stdout))
        local from_compendium = comparable(compendium_facts(c), cdir, prog.port and prog.port(c.stdout))
        -- the same list of files first: a clearer message than a table diff
        assert.are.same(list_files(from_strace.files), list_files(from_compendium.files))
        assert.are.same(from_strace.files, from_compendium.files)
        assert.are.same(from_strace.peers, from_compendium.peers)
        assert.are.equal(from_strace.processes, from_compendium.processes)
        -- strace exits as the command did, and so does compendium
        assert.are.equal(0, s.status, s.stderr)
        assert.are.equal(s.status, c.status)
        assert.are.same({ code = s.status }, c.summary.exit)
        assert.is_true(next(from_strace.files) ~= nil, "the command touched files")
      end)
    end
  end
end)
