-- An strace log's named arguments (R_OK, SEEK_CUR, TCGETS, RLIMIT_STACK,
-- O_RDONLY|O_CLOEXEC, ...) read back as the values they name: `--replay
-- LOG -v` prints them again as strace did, because the log's reader and the
-- raw-line formatter use the same tables.
local h = require "helpers"

-- The calls whose scalar arguments both strace and compendium name.
local CALLS = {
  access = true, faccessat2 = true, lseek = true, ioctl = true, prlimit64 = true,
  arch_prctl = true, openat = true, mmap = true, mprotect = true, fcntl = true,
  rt_sigprocmask = true, wait4 = true, newfstatat = true, getrandom = true,
}

-- The top-level arguments of a call's text.
local function split_args(text)
  local args, depth, start, i, n = {}, 0, 1, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' then
      i = i + 1
      while i <= n and text:sub(i, i) ~= '"' do
        if text:sub(i, i) == "\\" then i = i + 1 end
        i = i + 1
      end
    elseif c == "(" or c == "[" or c == "{" then
      depth = depth + 1
    elseif c == ")" or c == "]" or c == "}" then
      depth = depth - 1
    elseif c == "," and depth == 0 then
      args[#args + 1] = text:sub(start, i - 1):gsub("^%s+", "")
      start = i + 1
    end
    i = i + 1
  end
  args[#args + 1] = text:sub(start):gsub("^%s+", "")
  return args
end

-- "call#N=NAMES" for each argument that is names alone, counted.
local function named_args(text, line_pattern)
  local found, total = {}, 0
  for line in text:gmatch("[^\n]+") do
    local call, args = line:match(line_pattern)
    if call and CALLS[call] then
      for i, a in ipairs(split_args(args)) do
        a = a:gsub("<[^>]*>$", "") -- -y's fd annotation
        if a:find("^[A-Z_][A-Z0-9_|]*$") then
          local key = call .. "#" .. i .. "=" .. a
          found[key] = (found[key] or 0) + 1
          total = total + 1
        end
      end
    end
  end
  return found, total
end

describe("--replay of an strace log, -v", function()
  teardown(h.cleanup)
  if not h.installed("strace") then
    pending("strace is not installed")
    return
  end

  local workloads = {
    { "ls -la /etc", function() return { "ls", "-la", "/etc" } end },
    { "tests/progs/fileio", function(dir) return { h.prog("fileio"), dir } end },
    { "a shell pipeline", function() return { "sh", "-c", "seq 100 | sort -r | head -3" } end },
  }
  for _, w in ipairs(workloads) do
    it(w[1] .. ": prints every named argument of the log as the log names it", function()
      local dir = h.tmpdir()
      local log = dir .. "/app.strace"
      local argv = { "strace", "-f", "-qq", "-y", "-o", log, "--" }
      for _, a in ipairs(w[2](dir)) do argv[#argv + 1] = a end
      local s = h.run(argv, { cwd = dir, env = { LC_ALL = "C", HOME = "/nonexistent" } })
      assert.are.equal(0, s.status, s.stderr)
      local r = h.run({ h.bin(), "--replay", log, "-v", "-o", dir .. "/lines.txt" })
      assert.are.equal(0, r.status, r.stderr)
      local want, total = named_args(h.read_file(log), "^%d*%s*([%w_]+)%((.*)%)%s+= ")
      local got = named_args(h.read_file(dir .. "/lines.txt"), "^%[%+[%d.]+s%] %[%d+%] ([%w_]+)%((.*)%) = ")
      -- not vacuous: the dynamic loader alone names a dozen arguments
      assert.is_true(total >= 10, "only " .. total .. " named arguments in the log")
      local wrong = {}
      for key, n in pairs(want) do
        if (got[key] or 0) < n then
          wrong[#wrong + 1] = ("%s: %d in the log, %d replayed"):format(key, n, got[key] or 0)
        end
      end
      table.sort(wrong)
      assert.are.same({}, wrong)
    end)
  end
end)
