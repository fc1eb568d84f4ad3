-- --pid starts from what the process already has: its threads, its open
-- fds (files, sockets and their peers, pipes) and its memory maps. Every
-- fact is checked against /proc as this spec reads it itself, while the
-- process waits before and after what it does attached.
local h = require "helpers"

-- The threads of pid, sorted.
local function tasks_of(pid)
  local r = h.run({ "ls", "/proc/" .. pid .. "/task" })
  local tids = {}
  for tid in r.stdout:gmatch("%d+") do tids[#tids + 1] = tonumber(tid) end
  table.sort(tids)
  return tids
end

local function tracers_of(pid)
  local r = h.run({ "sh", "-c", "cat /proc/" .. pid .. "/task/*/status" })
  local tracers = {}
  for tracer in r.stdout:gmatch("\nTracerPid:%s+(%d+)") do tracers[#tracers + 1] = tonumber(tracer) end
  return tracers
end

local function fd_link(pid, fd)
  return (h.run({ "readlink", "/proc/" .. pid .. "/fd/" .. fd }).stdout:gsub("\n$", ""))
end

-- "0100007F:1F40" → "127.0.0.1:8000" (the kernel prints the address as a
-- host-order word: little-endian here).
local function inet4(hex)
  local a, port = hex:match("^(%x+):(%x+)$")
  local n = tonumber(a, 16)
  return ("%d.%d.%d.%d:%d"):format(n % 256, math.floor(n / 256) % 256, math.floor(n / 65536) % 256,
                                   math.floor(n / 16777216), tonumber(port, 16))
end

-- { local =, remote = } of a TCP socket fd, from /proc/PID/net/tcp.
local function tcp_ends(pid, fd)
  local inode = fd_link(pid, fd):match("^socket:%[(%d+)%]$")
  for line in (h.read_file("/proc/" .. pid .. "/net/tcp") or ""):gmatch("[^\n]+") do
    local f = {}
    for word in line:gmatch("%S+") do f[#f + 1] = word end
    if f[10] == inode then return { ["local"] = inet4(f[2]), remote = inet4(f[3]) } end
  end
  error("no tcp entry for fd " .. fd)
end

-- What the summary counts as memory, by the README's rule: the heap is
-- [heap]; every other mapping is mapped memory except the main stack and
-- the kernel's own ([vdso], [vvar], [vsyscall], ...): reserved when it has
-- no access, a file's when it maps one, else anonymous.
local function memory_of(pid)
  local m = { heap = 0, mapped = 0, regions = 0, anon = 0, file = 0, reserved = 0 }
  for line in (h.read_file("/proc/" .. pid .. "/maps") or ""):gmatch("[^\n]+") do
    local s, e, perms, name = line:match("^(%x+)%-(%x+) (%S+) %S+ %S+ %S+%s*(.*)$")
    local size = tonumber(e, 16) - tonumber(s, 16)
    if name == "[heap]" then
      m.heap = m.heap + size
    elseif name == "" or name:find("^%[anon") or name:sub(1, 1) == "/" then
      m.mapped, m.regions = m.mapped + size, m.regions + 1
      local use = perms:sub(1, 3) == "---" and "reserved" or name:sub(1, 1) == "/" and "file" or "anon"
      m[use] = m[use] + size
    end
  end
  return m
end

describe("--pid on a process with threads, fds and memory of its own", function()
  local dir, prog, ready, tids, links, client, server, before, after, c, r, events, summary

  setup(function()
    dir = h.tmpdir()
    prog = h.spawn({ h.prog("attach_snapshot"), dir })
    ready = h.wait_for(function()
      local out = prog:stdout()
      local t = {}
      t.data, t.client, t.server, t.pipe_r, t.pipe_w, t.anon, t.file_map = out:match(
        "^ready data=(%d+) client=(%d+) server=(%d+) pipe=(%d+),(%d+) anon=(%x+) file_map=(%x+)\n$")
      return t.data and t
    end, 30)
    assert(ready, "attach_snapshot never got ready")
    tids = tasks_of(prog.pid)
    links = {}
    for _, k in ipairs { "data", "client", "server", "pipe_r", "pipe_w" } do links[k] = fd_link(prog.pid, ready[k]) end
    client, server = tcp_ends(prog.pid, ready.client), tcp_ends(prog.pid, ready.server)
    before = memory_of(prog.pid)

    local json = dir .. "/events.jsonl"
    c = h.spawn({ h.bin(), "--json", json, "--pid", tostring(prog.pid) })
    -- the start line comes once the snapshot is taken
    assert(h.wait_for(function() return c:stderr():find("\n", 1, true) end, 30), "compendium never started")
    assert.are.same({ c.pid, c.pid, c.pid }, tracers_of(prog.pid))
    h.write_file(dir .. "/go", "")
    assert(h.wait_for(function() return prog:stdout():find("done\n", 1, true) end, 30), "it never got done")
    after = memory_of(prog.pid)
    h.write_file(dir .. "/end", "")
    assert.are.equal(0, prog:wait().status)
    r = c:wait()
    events = h.read_jsonl(json)
    summary = events[#events]
  end)
  teardown(h.cleanup)

  it("is what the program says it set up", function()
    assert.are.equal(3, #tids)
    assert.are.equal(dir .. "/data", links.data)
    assert.truthy(links.pipe_r:find("^pipe:%[%d+%]$"))
    assert.are.equal(links.pipe_r, links.pipe_w)
    assert.are.equal(client["local"], server.remote)
    assert.are.equal(server["local"], client.remote)
    assert.truthy(before.heap >= 256 * 1024)
  end)

  it("says how many threads it attached to", function()
    assert.are.equal(0, r.status, r.stderr)
    local lines = h.lines(r.stderr)
    assert.are.equal(("compendium: attached to PID %d (%s %s), 3 threads"):format(
      prog.pid, h.prog("attach_snapshot"), dir), lines[1])
    assert.are.equal(2, summary.threads) -- beyond the first
  end)

  it("names the tid on every line, as there are several threads", function()
    local lines = h.lines(r.stderr)
    local live = 0
    for i = 2, #lines do
      if lines[i] == "" then break end
      live = live + 1
      local tid = tonumber(lines[i]:match("^%[%+%d+%.%d+s%] %[(%d+)%] "))
      assert.truthy(tid, lines[i])
    end
    assert.is_true(live >= 4)
    -- the threads' writes and the main thread's, each by its own tid
    local by = {}
    for _, line in ipairs(lines) do
      local tid, bytes = line:match("^%[%+%d+%.%d+s%] %[(%d+)%] write " .. dir:gsub("%p", "%%%0") .. "/data (%d+) B$")
      if tid then by[#by + 1] = { tonumber(tid), tonumber(bytes) } end
    end
    assert.are.equal(3, #by)
    -- a thread's merged line is printed when its run ends: sorted by bytes
    table.sort(by, function(a, b) return a[2] < b[2] end)
    assert.are.same({ 9, 11, 1000 }, { by[1][2], by[2][2], by[3][2] })
    assert.are.equal(prog.pid, by[3][1])
    local writers = { by[1][1], by[2][1], by[3][1] }
    table.sort(writers)
    assert.are.same(tids, writers)
  end)

  it("names the file a pre-existing fd writes", function()
    local writes = h.select(events, "write", { fd = tonumber(ready.data) })
    assert.are.same({ 9, 11, 1000 }, h.pluck(writes, "bytes"))
    for _, e in ipairs(writes) do
      assert.are.equal(links.data, e.filename)
      assert.are.equal("file", e.target)
    end
  end)

  it("names the peer of a pre-existing connection, both ways", function()
    local sends = h.select(events, "send", { fd = tonumber(ready.client) })
    assert.are.equal(3000, h.sum(sends, "bytes"))
    for _, e in ipairs(sends) do
      assert.are.equal(client.remote, e.remote_addr)
      assert.are.equal("tcp4", e.sock_type)
    end
    local recvs = h.select(events, "recv", { fd = tonumber(ready.server) })
    assert.are.equal(3000, h.sum(recvs, "bytes"))
    for _, e in ipairs(recvs) do assert.are.equal(server.remote, e.remote_addr) end
  end)

  it("knows a pre-existing pipe", function()
    local w = h.one(events, "write", { fd = tonumber(ready.pipe_w) })
    assert.are.same({ 100, "pipe", links.pipe_w }, { w.bytes, w.target, w.filename })
    local rd = h.one(events, "read", { fd = tonumber(ready.pipe_r) })
    assert.are.same({ 100, "pipe", links.pipe_r }, { rd.bytes, rd.target, rd.filename })
  end)

  it("knows the regions mapped before it attached", function()
    local unmapped = h.one(events, "munmap", { addr = "0x" .. ready.file_map })
    assert.are.same({ 8192, dir .. "/mapped" }, { unmapped.size, unmapped.filename })
    local moved = h.one(events, "munmap", { addr = "0x" .. ready.anon })
    assert.are.equal(4 * 1024 * 1024, moved.size)
    local grown = h.one(events, "mmap", { size = 8 * 1024 * 1024 })
    assert.are.same({ "rw-", "anon" }, { grown.prot, grown.map_type })
    assert.are.same({ 65536 }, h.pluck(h.select(events, "brk"), "growth_bytes"))
  end)

  it("counts the memory it had at attach as the start, and the largest since as the total", function()
    local mem = summary.memory
    assert.are.same({ heap_bytes = before.heap, mmap_bytes = before.mapped, mmap_regions = before.regions,
                      anon_bytes = before.anon, file_bytes = before.file, reserved_bytes = before.reserved,
                      total_bytes = before.heap + before.anon }, mem.at_attach)
    assert.are.equal(before.heap + 65536, after.heap)
    assert.are.equal(before.mapped - 8192 + 4 * 1024 * 1024, after.mapped)
    -- the largest it was is what it is now: it only grew after the unmap
    assert.are.equal(after.heap, mem.heap_bytes)
    assert.are.equal(after.mapped, mem.mmap_bytes)
    assert.are.equal(before.regions, mem.mmap_regions)
    assert.are.equal(after.anon, mem.anon_bytes)
    assert.are.equal(before.file, mem.file_bytes) -- the largest: before the file's unmap
    assert.are.equal(after.heap + after.anon, mem.total_bytes)
    local heap_line = r.stderr:match("\n   Heap:     ([^\n]+)")
    assert.truthy(heap_line:find("^[%d.]+ [KM]?B %(at attach [%d.]+ [KM]?B%)$"), heap_line)
  end)
end)

-- The same program under strace -f -p: the calls made while attached, on
-- the fds that existed before, are the ones compendium reports.
describe("--pid compared with strace -p", function()
  local function run_attached(tracer_argv, started)
    local dir = h.tmpdir()
    local prog = h.spawn({ h.prog("attach_snapshot"), dir })
    local ready = h.wait_for(function()
      local out = prog:stdout()
      local t = {}
      t.data, t.client, t.server, t.pipe_r, t.pipe_w = out:match(
        "^ready data=(%d+) client=(%d+) server=(%d+) pipe=(%d+),(%d+) ")
      return t.data and t
    end, 30)
    assert(ready, "attach_snapshot never got ready")
    local argv = {}
    for _, a in ipairs(tracer_argv(dir)) do argv[#argv + 1] = a end
    argv[#argv + 1] = tostring(prog.pid)
    local tracer = h.spawn(argv)
    assert(h.wait_for(function() return started(tracer, prog) end, 30), "the tracer never attached")
    h.write_file(dir .. "/go", "")
    assert(h.wait_for(function() return prog:stdout():find("done\n", 1, true) end, 30), "it never got done")
    h.write_file(dir .. "/end", "")
    assert.are.equal(0, prog:wait().status)
    local r = tracer:wait()
    assert.are.equal(0, r.status, r.stderr)
    for k, v in pairs(ready) do ready[k] = tonumber(v) end
    return dir, ready
  end

  -- { fd → { bytes, ... } } of the calls named, from strace -ff's files
  -- PREFIX.TID (one per thread: no call is split across lines), and how
  -- many threads made them.
  local function strace_io(prefix, names)
    local by_fd, threads = {}, 0
    local files = h.run({ "sh", "-c", "ls " .. h.quote(prefix) .. ".*" }).stdout
    for file in files:gmatch("[^\n]+") do
      local used = false
      for line in (h.read_file(file) or ""):gmatch("[^\n]+") do
        local name, fd, ret = line:match("^(%w+)%((%d+),.*%)%s+=%s+(%d+)$")
        if name and names[name] then
          fd = tonumber(fd)
          by_fd[fd] = by_fd[fd] or {}
          table.insert(by_fd[fd], tonumber(ret))
          used = true
        end
      end
      if used then threads = threads + 1 end
    end
    return by_fd, threads
  end

  local function compendium_io(events, types)
    local by_fd = {}
    for _, e in ipairs(events) do
      if types[e.type] and e.fd then
        by_fd[e.fd] = by_fd[e.fd] or {}
        table.insert(by_fd[e.fd], e.bytes)
      end
    end
    return by_fd
  end

  teardown(h.cleanup)

  it("sees the same reads, writes, sends and receives on the same fds", function()
    local json
    local _, ready = run_attached(function(dir)
      json = dir .. "/events.jsonl"
      return { h.bin(), "--json", json, "--pid" }
    end, function(c) return c:stderr():find("\n", 1, true) end)
    local events = h.read_jsonl(json)

    local log
    local _, ready2 = run_attached(function(dir)
      log = dir .. "/strace"
      return { "strace", "-ff", "-qq", "-o", log, "-e", "trace=read,write,sendto,recvfrom", "-p" }
    end, function(strace, prog)
      local tracers = tracers_of(prog.pid)
      return #tracers == 3 and tracers[1] == strace.pid and tracers[2] == strace.pid and
             tracers[3] == strace.pid
    end)
    assert.are.same(ready, ready2)

    local ours = compendium_io(events, { write = true, read = true, send = true, recv = true })
    local theirs, threads = strace_io(log, { write = true, read = true, sendto = true, recvfrom = true })
    for _, role in ipairs { "data", "client", "server", "pipe_r", "pipe_w" } do
      local fd = ready[role]
      assert.is_not_nil(ours[fd], role)
      table.sort(ours[fd]) -- strace's files are per thread: compare the calls, not their order
      table.sort(theirs[fd])
      assert.are.same(theirs[fd], ours[fd], role)
    end
    assert.are.equal(3, threads)
  end)
end)
