-- The bundled checks: for each, a program that obeys the rule (exit 0) and
-- one that breaks it (exit 125, the message names what and who); then
-- exit statuses, -q, --junit and bad input.
local h = require "helpers"

local ACTIONS = "check_actions"

-- compendium -s check/NAME [-X opt ...] -- check_actions ACTIONS...
local function check(name, opts, actions, run_opts)
  local command = {}
  for _, a in ipairs(actions.prefix or {}) do command[#command + 1] = a end
  command[#command + 1] = h.prog(ACTIONS)
  for _, a in ipairs(actions) do command[#command + 1] = a end
  return h.check(name, opts, command, run_opts)
end

local function passes(r, name)
  assert.are.equal(0, r.status, r.stderr)
  assert.are.equal("compendium: 1 check passed (check/" .. name .. "); the command exited 0\n", r.stderr)
end

-- The failure lines (without "  ✗ ") and the verdict, after checking the status.
local function fails(r, name)
  assert.are.equal(125, r.status, r.stdout .. r.stderr)
  local lines = h.lines(r.stderr)
  assert.are.equal("compendium: 1 of 1 check failed (check/" .. name .. "); the command exited 0",
                   lines[#lines], r.stderr)
  return h.failure_lines(r.stderr)
end

-- "what by check_actions (pid N) at +T.TTTs (check/NAME.lua:L)", with the
-- number of times when given: asserts the shape, returns the pid.
local function literal(s)
  return (s:gsub("%p", "%%%0"))
end

local function assert_failure(line, name, what, times)
  local pattern = "^check/" .. literal(name) .. ": " .. literal(what) ..
                  " by (%S+) %(pid (%d+)%) at %+%d+%.%d%d%ds" .. (times and (", " .. times .. " times") or "") ..
                  " %(check/" .. literal(name) .. "%.lua:%d+%)$"
  local program, pid = line:match(pattern)
  assert.truthy(program, "expected " .. what .. " in: " .. tostring(line))
  return program, tonumber(pid)
end

local function unshare_works()
  return h.run({ "unshare", "-n", "true" }).status == 0
end

describe("check/no-network", function()
  teardown(h.cleanup)

  it("passes a program that talks to this machine only", function()
    passes(check("no-network", {}, { "connect:127.0.0.1:9", "sendto:127.0.0.1:9" }), "no-network")
  end)

  it("fails a program that tries another machine, inside a network namespace nothing leaves", function()
    if not unshare_works() then
      pending("unshare -n is not permitted here")
      return
    end
    local r = check("no-network", {}, { prefix = { "unshare", "-n" }, "connect:192.0.2.1:80",
                                        "connect:192.0.2.1:80", "sendto:192.0.2.7:53" })
    assert.are.equal("connect 192.0.2.1:80: ENETUNREACH\nconnect 192.0.2.1:80: ENETUNREACH\n" ..
                     "sendto 192.0.2.7:53: ENETUNREACH\n", r.stdout)
    local failures = fails(r, "no-network")
    assert.are.equal(2, #failures, r.stderr)
    local program = assert_failure(failures[1], "no-network", "connect to 192.0.2.1:80", 2)
    assert.are.equal(ACTIONS, program)
    assert_failure(failures[2], "no-network", "sendto 192.0.2.7:53")
  end)
end)

describe("check/fs-allow", function()
  teardown(h.cleanup)

  it("passes writes, renames and removals inside the allowed globs (relative ones start in the cwd)", function()
    local dir = h.tmpdir()
    local r = check("fs-allow", { "fs.allow=work/**," .. dir .. "/*.txt" },
                    { "mkdir:work", "write:work/a", "rename:work/a:work/b", "write:" .. dir .. "/c.txt",
                      "unlink:work/b", "write:/dev/null", "read:/etc/hostname" },
                    { cwd = dir })
    passes(r, "fs-allow")
  end)

  it("passes an open for writing outside the globs that failed: it changed nothing", function()
    local dir = h.tmpdir()
    passes(check("fs-allow", { "fs.allow=" .. dir .. "/**" }, { "write:/nonexistent-dir/x" }), "fs-allow")
  end)

  it("fails what changes files elsewhere, naming each path once with a count", function()
    local dir = h.tmpdir()
    local r = check("fs-allow", { "fs.allow=" .. dir .. "/ok/**" },
                    { "mkdir:ok", "mkdir:out", "write:out/f", "write:out/f", "write:ok/g",
                      "rename:ok/g:out/g", "unlink:out/f" },
                    { cwd = dir })
    local failures = fails(r, "fs-allow")
    assert.are.equal(4, #failures, r.stderr)
    assert_failure(failures[1], "fs-allow", "mkdir " .. dir .. "/out (outside fs.allow)")
    assert_failure(failures[2], "fs-allow", "write " .. dir .. "/out/f (outside fs.allow)", 2)
    assert_failure(failures[3], "fs-allow", "rename " .. dir .. "/out/g (outside fs.allow)")
    assert_failure(failures[4], "fs-allow", "unlink " .. dir .. "/out/f (outside fs.allow)")
  end)

  it("passes a write through /dev/stdout to a pipe; one to a file outside still fails", function()
    local dir = h.realpath(h.tmpdir())
    local opts = { "fs.allow=" .. dir .. "/ok/**" }
    passes(h.check("fs-allow", opts, { "sh", "-c", "(echo x >/dev/stdout; echo y >/proc/self/fd/1) | cat" }),
           "fs-allow")
    local r = h.check("fs-allow", opts, { "sh", "-c", 'exec >"$1"; echo x >/dev/stdout', "sh",
                                          dir .. "/out" })
    local failures = fails(r, "fs-allow")
    assert.are.equal(1, #failures, r.stderr)
    assert_failure(failures[1], "fs-allow", "write " .. dir .. "/out (outside fs.allow)", 2)
  end)

  it("fails a change of mode or owner outside, through a symlink too, not of a symlink itself", function()
    local dir = h.realpath(h.tmpdir())
    assert.are.equal(0, h.run(("mkdir %s/ok %s/out && touch %s/out/f %s/ok/g && ln -s ../out/f %s/ok/l")
                              :format(dir, dir, dir, dir, dir)).status)
    local r = h.check("fs-allow", { "fs.allow=" .. dir .. "/ok/**" },
                      { "sh", "-c", 'chmod 600 "$1/out/f" && chown 0 "$1/ok/l" && chown -h 0 "$1/ok/l" && ' ..
                                    'chmod 644 "$1/ok/g" && chgrp 0 "$1/ok/g"', "sh", dir })
    local failures = fails(r, "fs-allow")
    assert.are.equal(2, #failures, r.stderr)
    assert_failure(failures[1], "fs-allow", "chmod " .. dir .. "/out/f (outside fs.allow)")
    assert_failure(failures[2], "fs-allow", "chown " .. dir .. "/out/f (outside fs.allow)")
    -- through an fd opened read-only, too
    failures = fails(check("fs-allow", { "fs.allow=" .. dir .. "/ok/**" },
                           { "fchmod:" .. dir .. "/ok/g", "fchmod:" .. dir .. "/out/f" }), "fs-allow")
    assert.are.equal(2, #failures)
    assert_failure(failures[1], "fs-allow", "chmod " .. dir .. "/out/f (outside fs.allow)")
    assert_failure(failures[2], "fs-allow", "chown " .. dir .. "/out/f (outside fs.allow)")
  end)

  it("fails setting or removing an extended attribute outside (file capabilities live there)", function()
    local dir = h.realpath(h.tmpdir())
    assert.are.equal(0, h.run(("mkdir %s/ok %s/out && touch %s/out/f %s/ok/g"):format(dir, dir, dir, dir))
                        .status)
    local r = check("fs-allow", { "fs.allow=" .. dir .. "/ok/**" },
                    { "xattr:" .. dir .. "/ok/g", "xattr:" .. dir .. "/out/f" })
    assert.are.equal(("xattr %s/ok/g: ok\nxattr %s/out/f: ok\n"):format(dir, dir), r.stdout)
    local failures = fails(r, "fs-allow")
    assert.are.equal(2, #failures, r.stderr)
    -- by path, then through a read-only fd
    assert_failure(failures[1], "fs-allow", "setxattr " .. dir .. "/out/f (outside fs.allow)", 2)
    assert_failure(failures[2], "fs-allow", "removexattr " .. dir .. "/out/f (outside fs.allow)")
  end)

  it("refuses a malformed glob before anything runs", function()
    local dir = h.tmpdir()
    local r = check("fs-allow", { "fs.allow=" .. dir .. "/[ok" }, { "write:" .. dir .. "/x" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: option fs.allow=" .. dir .. "/[ok: unclosed [ in glob '" .. dir .. "/[ok'\n",
                     r.stderr)
    assert.is_false(h.exists(dir .. "/x"))
  end)

  it("refuses to run without fs.allow, and an option with a typo", function()
    local r = check("fs-allow", {}, { "exit:0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: check/fs-allow needs -X fs.allow=GLOB[,GLOB...]\n", r.stderr)
    r = check("fs-allow", { "fs.allow=/tmp/**", "fs.alow=/x" }, { "exit:0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: unknown option -X fs.alow=/x: no script reads it (" ..
                     "c.opt(\"fs.alow\") reads it while a script loads, or in a hook " ..
                     "where the script writes it so)\n", r.stderr)
  end)
end)

describe("check/fs-deny", function()
  teardown(h.cleanup)

  it("fails reading secrets under ~ by default, and passes other reads", function()
    local home = h.tmpdir()
    h.run({ "mkdir", "-p", home .. "/.ssh" })
    h.write_file(home .. "/.ssh/id_ed25519", "secret\n")
    local env = { env = { HOME = home } }
    passes(check("fs-deny", {}, { "read:/etc/hostname" }, env), "fs-deny")
    local failures = fails(check("fs-deny", {}, { "read:" .. home .. "/.ssh/id_ed25519" }, env), "fs-deny")
    assert.are.equal(1, #failures)
    assert_failure(failures[1], "fs-deny", "open " .. home .. "/.ssh/id_ed25519 (fs.deny ~/.ssh/**)")
  end)

  it("passes a denied file that could not be opened: nothing was read", function()
    passes(check("fs-deny", { "fs.deny=/nonexistent-dir/**" }, { "read:/nonexistent-dir/x" }), "fs-deny")
  end)

  it("takes its own globs", function()
    local dir = h.tmpdir()
    h.write_file(dir .. "/secret.key", "k\n")
    h.write_file(dir .. "/public.txt", "p\n")
    local deny = "fs.deny=" .. dir .. "/*.key"
    passes(check("fs-deny", { deny }, { "read:" .. dir .. "/public.txt" }), "fs-deny")
    local failures = fails(check("fs-deny", { deny }, { "read:" .. dir .. "/secret.key" }), "fs-deny")
    assert_failure(failures[1], "fs-deny", "open " .. dir .. "/secret.key (fs.deny " .. dir .. "/*.key)")
  end)
end)

describe("check/no-exec and check/exec-allow", function()
  teardown(h.cleanup)

  it("no-exec passes the command itself and fails any other program", function()
    passes(check("no-exec", {}, { "write:/dev/null" }), "no-exec")
    local r = check("no-exec", {}, { "exec:/bin/true" })
    assert.are.equal("exec /bin/true: exit 0\n", r.stdout)
    local failures = fails(r, "no-exec")
    assert.are.equal(1, #failures)
    local program = assert_failure(failures[1], "no-exec", "exec /bin/true")
    assert.are.equal("true", program)
  end)

  it("exec-allow passes listed programs, by name or path, and names the others", function()
    passes(check("exec-allow", { "exec.allow=true,/usr/bin/f*" }, { "exec:/bin/true", "exec:/usr/bin/false" }),
           "exec-allow")
    local failures = fails(check("exec-allow", { "exec.allow=true" }, { "exec:/bin/true", "exec:/bin/false" }),
                           "exec-allow")
    assert.are.equal(1, #failures)
    -- named by the file run: /bin may be a link to /usr/bin
    local real = h.realpath("/bin/false")
    local as = real ~= "/bin/false" and " (as /bin/false)" or ""
    assert_failure(failures[1], "exec-allow", "exec " .. real .. as .. " (not in exec.allow)")
  end)

  it("exec-allow matches the file run, not a symlink or '..' in an allowed place", function()
    local dir = h.realpath(h.tmpdir())
    local true_bin = h.realpath("/bin/true")
    assert.are.equal(0, h.run(("mkdir %s/allowed %s/outside %s/real && cp %s %s/outside/evil && " ..
                               "cp %s %s/real/ok && ln -s ../outside/evil %s/allowed/lnk && " ..
                               "ln -s ../real %s/allowed/dir && printf '#!/bin/sh\n' >%s/outside/s.sh && " ..
                               "chmod +x %s/outside/s.sh && ln -s ../outside/s.sh %s/allowed/s.sh")
                              :format(dir, dir, dir, true_bin, dir, true_bin, dir, dir, dir, dir, dir, dir))
                      .status)
    local allow = ("exec.allow=%s/allowed/**,%s/real/ok,sh,dash"):format(dir, dir)
    -- a program found through an allowed symlinked directory is its file: allowed
    passes(check("exec-allow", { allow }, { "exec:" .. dir .. "/allowed/dir/ok" }), "exec-allow")
    local r = check("exec-allow", { allow }, { "exec:" .. dir .. "/allowed/lnk",
                                                "exec:" .. dir .. "/allowed/../outside/evil",
                                                "exec:" .. dir .. "/allowed/s.sh" })
    local failures = fails(r, "exec-allow")
    assert.are.equal(3, #failures, r.stderr)
    assert_failure(failures[1], "exec-allow", ("exec %s/outside/evil (as %s/allowed/lnk) " ..
                                               "(not in exec.allow)"):format(dir, dir))
    assert_failure(failures[2], "exec-allow", ("exec %s/outside/evil (not in exec.allow)"):format(dir))
    assert_failure(failures[3], "exec-allow", ("exec %s/outside/s.sh (as %s/allowed/s.sh) " ..
                                               "(not in exec.allow)"):format(dir, dir))
  end)

  it("exec-allow takes the places it names by their real paths too (/bin/sh is dash)", function()
    local dir = h.realpath(h.tmpdir())
    local true_bin = h.realpath("/bin/true")
    assert.are.equal(0, h.run(("mkdir %s/real %s/links && cp %s %s/real/ok && cp %s %s/real/other && " ..
                               "ln -s ../real %s/links/dir && ln -s ../real/ok %s/links/ok")
                              :format(dir, dir, true_bin, dir, true_bin, dir, dir, dir)).status)
    -- a literal path that is a symlink, and a glob below a symlinked directory
    local allow = ("exec.allow=%s/links/ok,%s/links/dir/oth*,sh,dash"):format(dir, dir)
    passes(check("exec-allow", { allow }, { "exec:" .. dir .. "/links/ok",
                                            "exec:" .. dir .. "/real/other" }), "exec-allow")
    -- what the names do not lead to is still outside
    local r = check("exec-allow", { ("exec.allow=%s/links/ok,sh,dash"):format(dir) },
                    { "exec:" .. dir .. "/real/other" })
    local failures = fails(r, "exec-allow")
    assert.are.equal(1, #failures, r.stderr)
    assert_failure(failures[1], "exec-allow", ("exec %s/real/other (not in exec.allow)"):format(dir))
  end)
end)

describe("check/max-memory", function()
  teardown(h.cleanup)

  it("passes a process under the limit and fails one over it", function()
    passes(check("max-memory", { "memory.max=64MB" }, { "alloc:1048576" }), "max-memory")
    local r = check("max-memory", { "memory.max=64MB" }, { "alloc:104857600" })
    assert.are.equal("alloc 104857600: ok\n", r.stdout)
    local failures = fails(r, "max-memory")
    assert.are.equal(1, #failures)
    local program = assert_failure(failures[1], "max-memory", "heap+anon went over memory.max (64.0 MB)")
    assert.are.equal(ACTIONS, program)
  end)

  it("refuses a size it cannot read", function()
    local r = check("max-memory", { "memory.max=lots" }, { "exit:0" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: option memory.max=lots: expected a size like 512MB, 1G or 100KB\n", r.stderr)
  end)
end)

describe("check/max-processes", function()
  teardown(h.cleanup)

  it("counts the command and every process it starts", function()
    passes(check("max-processes", { "processes.max=3" }, { "fork:2" }), "max-processes")
    local failures = fails(check("max-processes", { "processes.max=3" }, { "fork:5" }), "max-processes")
    assert.are.equal(1, #failures)
    assert_failure(failures[1], "max-processes", "more than 3 processes (processes.max)", 3)
  end)
end)

describe("check/expect-files", function()
  teardown(h.cleanup)

  it("passes when each glob matched a file written or renamed into place", function()
    local dir = h.tmpdir()
    passes(check("expect-files", { "files.expect=out/*.txt,final.bin" },
                 { "mkdir:out", "write:out/a.txt", "write:tmp.bin", "rename:tmp.bin:final.bin" }, { cwd = dir }),
           "expect-files")
  end)

  it("fails when the only open of the expected file failed", function()
    local failures = fails(check("expect-files", { "files.expect=/nonexistent-dir/x" },
                                 { "write:/nonexistent-dir/x" }), "expect-files")
    assert.are.equal(1, #failures)
  end)

  it("makes a relative rename absolute in the directory a chdir through a symlink reached", function()
    local dir = h.tmpdir()
    assert.are.equal(0, h.run({ "mkdir", dir .. "/real" }).status)
    assert.are.equal(0, h.run({ "ln", "-s", "real", dir .. "/link" }).status)
    local real = h.run({ "realpath", dir .. "/real" }).stdout:gsub("\n$", "")
    passes(check("expect-files", { "files.expect=" .. real .. "/final.bin" },
                 { "cd:link", "write:tmp.bin", "rename:tmp.bin:final.bin" }, { cwd = dir }),
           "expect-files")
    -- and in the directory the process started in, before any chdir
    local r = check("expect-files", { "files.expect=" .. real .. "/final.bin" },
                    { "write:tmp.bin", "rename:tmp.bin:final.bin" }, { cwd = dir })
    assert.are.equal(125, r.status, r.stderr)
  end)

  it("fails naming each glob nothing matched", function()
    local dir = h.tmpdir()
    local r = check("expect-files", { "files.expect=out/*.txt,final.bin" }, { "write:other.txt" }, { cwd = dir })
    local failures = fails(r, "expect-files")
    assert.are.same({
      "check/expect-files: nothing written matches out/*.txt (files.expect) (check/expect-files.lua:39)",
      "check/expect-files: nothing written matches final.bin (files.expect) (check/expect-files.lua:39)",
    }, failures)
  end)
end)

describe("the exit status", function()
  teardown(h.cleanup)

  it("is the command's own when the checks pass, and the verdict says both", function()
    local r = check("no-exec", {}, { "exit:3" })
    assert.are.equal(3, r.status)
    assert.are.equal("compendium: 1 check passed (check/no-exec); the command exited 3\n", r.stderr)
  end)

  it("is 125 when a check fails, whether the command failed or not", function()
    local r = check("no-exec", {}, { "exec:/bin/true", "exit:0" })
    assert.are.equal(125, r.status)
    r = check("no-exec", {}, { "exec:/bin/true", "exit:3" })
    assert.are.equal(125, r.status)
    local lines = h.lines(r.stderr)
    assert.are.equal("compendium: 1 of 1 check failed (check/no-exec); the command exited 3", lines[#lines])
  end)
end)

describe("-q", function()
  teardown(h.cleanup)

  it("prints only the failures and the verdict", function()
    local r = h.run({ h.bin(), "-q", "-s", "check/no-exec", "-s", "check/max-processes", "-X", "processes.max=5",
                      "--", h.prog(ACTIONS), "exec:/bin/true" })
    assert.are.equal(125, r.status)
    local lines = h.lines(r.stderr)
    assert.are.equal(3, #lines, r.stderr)
    assert.are.equal("compendium: 1 failure:", lines[1])
    assert_failure(lines[2]:sub(#"  ✗ " + 1), "no-exec", "exec /bin/true")
    assert.are.equal("compendium: 1 of 2 checks failed (check/no-exec); the command exited 0", lines[3])
  end)

  it("prints the verdict alone when all passed, even with the default view", function()
    local r = h.run({ h.bin(), "-q", "-s", "default", "-s", "check/no-exec", "--", h.prog(ACTIONS), "fork:1" })
    assert.are.equal(0, r.status)
    assert.are.equal("compendium: 1 check passed (check/no-exec); the command exited 0\n", r.stderr)
  end)
end)

describe("--junit", function()
  teardown(h.cleanup)

  local function xmllint(path)
    return h.run({ "xmllint", "--noout", path })
  end

  -- The testcase elements of a document: {name=, failure=message or nil}.
  local function testcases(doc)
    local cases, at = {}, doc:find("<testcase ", 1, true)
    while at do
      local next_at = doc:find("<testcase ", at + 1, true)
      local element = doc:sub(at, (next_at or doc:find("</testsuite>", at, true)) - 1)
      cases[#cases + 1] = { name = element:match('^<testcase name="([^"]*)"'),
                            failure = element:match('<failure message="([^"]*)"') }
      at = next_at
    end
    return cases
  end

  it("writes valid JUnit XML: one testcase per check, one for the command, failures with messages", function()
    local dir = h.tmpdir()
    local xml = dir .. "/checks.xml"
    local r = h.run({ h.bin(), "-q", "--junit", xml, "-s", "check/no-exec", "-s", "check/fs-allow",
                      "-X", "fs.allow=" .. dir .. "/**", "--", h.prog(ACTIONS), "write:" .. dir .. "/ok",
                      "exec:/bin/true", "exit:4" })
    assert.are.equal(125, r.status)
    local lint = xmllint(xml)
    assert.are.equal(0, lint.status, lint.stderr)
    local doc = h.read_file(xml)
    assert.truthy(doc:find('<testsuites name="compendium" tests="3" failures="2" errors="0"', 1, true), doc)
    assert.truthy(doc:find('\n  <testsuite name="compendium" tests="3" failures="2" errors="0"', 1, true), doc)
    local cases = testcases(doc)
    assert.are.equal(3, #cases, doc)
    assert.are.same({ "check/no-exec", "check/fs-allow", "exit status" }, h.pluck(cases, "name"))
    assert.truthy(cases[1].failure:find("^check/no%-exec: exec /bin/true by true %(pid %d+%) at %+"), cases[1].failure)
    assert.is_nil(cases[2].failure)
    assert.are.equal("the command exited 4", cases[3].failure)
    assert.truthy(doc:find('<property name="status" value="the command exited 4"/>', 1, true), doc)
  end)

  it("stays valid with hostile file names", function()
    local dir = h.tmpdir()
    local xml = dir .. "/checks.xml"
    local name = dir .. "/a<b>&\"q'\27[31m\255\1"
    local r = h.run({ h.bin(), "--junit", xml, "-s", "check/fs-allow", "-X", "fs.allow=/nowhere/**",
                      "--", h.prog(ACTIONS), "write:" .. name })
    assert.are.equal(125, r.status)
    local lint = xmllint(xml)
    assert.are.equal(0, lint.status, lint.stderr)
    local doc = h.read_file(xml)
    assert.truthy(doc:find("a&lt;b&gt;&amp;&quot;q&apos;\\x1b[31m\\xff\\x01 (outside fs.allow)", 1, true), doc)
  end)

  it("lists passing checks too, and an unwritable path is an error before anything runs", function()
    local dir = h.tmpdir()
    local xml = dir .. "/checks.xml"
    local r = h.run({ h.bin(), "-q", "--junit", xml, "-s", "check/no-exec", "--", h.prog(ACTIONS), "fork:1" })
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal(0, xmllint(xml).status)
    assert.are.same({ { name = "check/no-exec" }, { name = "exit status" } }, testcases(h.read_file(xml)))
    r = h.run({ h.bin(), "--junit", "/nonexistent/dir/checks.xml", "-s", "check/no-exec",
                "--", h.prog(ACTIONS), "write:" .. dir .. "/ran" })
    assert.are.equal(2, r.status)
    assert.are.equal("compendium: cannot write /nonexistent/dir/checks.xml: No such file or directory\n", r.stderr)
    assert.is_false(h.exists(dir .. "/ran"))
  end)
end)

describe("an unknown check", function()
  teardown(h.cleanup)

  it("is a one-line error that lists the checks there are", function()
    local marker = h.tmpdir() .. "/ran"
    local r = h.run({ h.bin(), "-s", "check/no-netwrok", "--", "touch", marker })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
    assert.truthy(r.stderr:find("no bundled check 'check/no-netwrok' (there are: exec-allow, expect-files, " ..
                                "fs-allow, fs-deny, max-memory, max-processes, no-exec, no-network)", 1, true),
                  r.stderr)
    assert.is_false(h.exists(marker))
  end)
end)
