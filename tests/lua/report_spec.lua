-- scripts/report.lua and compendium/htmlreport.lua: the page it writes and
-- the JSON document inside it, for synthetic traces.
local cjson = require "cjson"
local fake = require "fake_host"

teardown(fake.cleanup)

local function out_path() return fake.fresh_path("report", "html") end

-- Loads the report script (after `before`, a list of bundled script names)
-- with these -X options.
local function report(options, config, before)
  config = config or {}
  config.options = options
  local h, rt = fake.setup(config)
  for _, name in ipairs(before or {}) do assert(rt.load(fake.bundled(name), name)) end
  local ok, err = rt.load(fake.bundled("report"), "report")
  return h, rt, ok, err
end

-- The JSON documents embedded in a written page, decoded: the data, with
-- the event columns as data.events.
local function page_data(html)
  local text = html:match('<script type="application/json" id="report%-data">(.-)</script>')
  local columns = html:match('<script type="application/json" id="report%-events">(.-)</script>')
  assert(text and columns, "no report-data or report-events element")
  local data = cjson.decode(text)
  data.events = cjson.decode(columns)
  return data
end

local function play(h, events)
  for _, item in ipairs(events) do h:emit(item[1], item[2]) end
end

local function card(data, id)
  for _, c in ipairs(data.cards) do
    if c.id == id then return c end
  end
  error("no card " .. id)
end

local TRACE = {
  { "exec", { ts = 0.001, program = "/usr/bin/app", argv = { "app", "-v" } } },
  { "open", { ts = 0.002, path = "/usr/lib/x86_64-linux-gnu/libc.so.6", fd = 3 } }, -- noise
  { "read", { ts = 0.003, filename = "/usr/lib/x86_64-linux-gnu/libc.so.6", fd = 3, bytes = 832 } }, -- noise
  { "open", { ts = 0.004, path = "/etc/hosts", fd = 3 } },
  { "read", { ts = 0.005, filename = "/etc/hosts", fd = 3, bytes = 100 } },
  { "read", { ts = 0.006, filename = "/etc/hosts", fd = 3, bytes = 23 } },
  { "spawn_thread", { ts = 0.007, child = 101 } },
  { "write", { ts = 0.008, tid = 101, filename = "/tmp/out", fd = 4, bytes = 4096 } },
  { "exit", { ts = 0.009, tid = 101, is_thread = true, code = 0 } },
  { "connect", { ts = 0.010, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 5 } },
  { "send", { ts = 0.011, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 5, bytes = 517 } },
  { "recv", { ts = 0.012, sock_type = "tcp4", remote_addr = "93.184.216.34:443", fd = 5, bytes = 2663 } },
  { "spawn_process", { ts = 0.013, child = 102 } },
  { "exit", { ts = 0.020, pid = 102, code = 3 } },
  { "exit", { ts = 0.030, code = 0 } },
}

local function procs(h)
  h.procs[100] = { pid = 100, tid = 100, ppid = 1, comm = "sh", argv = { "sh", "-c", "app" }, is_thread = false }
  h.procs[101] = { pid = 100, tid = 101, ppid = 1, comm = "app", argv = { "app", "-v" }, is_thread = true }
  h.procs[102] = { pid = 102, tid = 102, ppid = 100, comm = "app", argv = { "app", "-v" }, is_thread = false }
end

-- Runs TRACE through the report script; returns the page and its data.
local function traced(options, config, events)
  local path = out_path()
  options = options or {}
  table.insert(options, { key = "report.out", value = path })
  local h, rt, ok, err = report(options, config)
  assert(ok, err)
  procs(h)
  h.run_info.duration = 0.03
  rt.start()
  play(h, events or TRACE)
  rt.finish()
  local html = fake.read_file(path)
  return html, page_data(html), h
end

describe("the report script", function()
  it("needs an output file", function()
    local _, _, ok, err = report({})
    assert.is_false(ok)
    assert.are.equal("report: set -X report.out=FILE (or use --report FILE)", err)
  end)

  it("fails before tracing when the file cannot be written", function()
    local path = fake.tmpdir() .. "/no/such/dir/r.html"
    local _, _, ok, err = report({ { key = "report.out", value = path } })
    assert.is_false(ok)
    assert.are.equal("cannot write " .. path .. ": No such file or directory", err)
  end)

  it("takes its options as report.KEY (what --report passes) or plain -X out=", function()
    for _, key in ipairs { "report.out", "out" } do
      local _, rt, ok, err = report({ { key = key, value = out_path() }, { key = "max_events", value = "5" } })
      assert.is_true(ok, err)
      assert.is_nil(rt.check_options())
    end
  end)

  it("refuses a max_events that is not a positive whole number", function()
    for _, bad in ipairs { "0", "-3", "1.5" } do
      local _, _, ok, err = report({ { key = "report.out", value = out_path() },
                                     { key = "report.max_events", value = bad } })
      assert.is_false(ok)
      assert.are.equal("report: -X report.max_events needs a positive whole number, not " .. tonumber(bad), err)
    end
  end)

  it("writes one self-contained page: the stylesheet and script inline, nothing fetched", function()
    local html = traced()
    local source = fake.source_dir() .. "/report/"
    assert.truthy(html:find(fake.read_file(source .. "report.css"), 1, true))
    assert.truthy(html:find(fake.read_file(source .. "report.js"), 1, true))
    assert.is_nil(html:find("{{", 1, true))
    assert.is_nil(html:find("<script src", 1, true))
    assert.is_nil(html:find("<link", 1, true))
    assert.is_nil(html:find("https?://"))
    assert.truthy(html:find("default-src 'none'", 1, true))
  end)

  it("embeds hostile names as data that cannot end the script element", function()
    local nasty = "/tmp/</script><img src=x onerror=alert(1)><!--\27[31m"
    local html, data = traced(nil, nil, {
      { "open", { ts = 0.001, path = nasty, fd = 3, writable = true } },
      { "write", { ts = 0.002, filename = nasty, fd = 3, bytes = 1 } },
    })
    local closes = 0
    for _ in html:lower():gmatch("</script") do closes = closes + 1 end
    assert.are.equal(3, closes) -- the two data elements' and the script's own
    assert.is_nil(html:find("<img", 1, true))
    assert.is_nil(html:find("<!--", 1, true))
    assert.is_nil(html:find("\27", 1, true))
    -- the name is intact as text, control characters escaped as on a terminal
    local shown = "/tmp/</script><img src=x onerror=alert(1)><!--\\x1b[31m"
    assert.are.equal(shown .. " (write)", data.strings[data.events.text[1] + 1])
    assert.are.equal(shown, data.files.rows[1].name)
  end)

  it("leaves out noise like the terminal view, and says how much", function()
    local _, data = traced()
    assert.are.equal(#TRACE - 2, data.counts.kept)
    assert.are.equal(2, data.counts.hidden)
    assert.are.equal(0, data.counts.left_out)
    local names = {}
    for i, t in ipairs(data.events.type) do names[i] = data.types[t + 1].name end
    assert.are.same({ "exec", "open", "read", "read", "spawn_thread", "write", "exit", "connect", "send", "recv",
                      "spawn_process", "exit", "exit" }, names)
    assert.are.same({ 1000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000, 20000, 30000 },
                    data.events.ts)
  end)

  it("keeps noise with -v", function()
    local _, data = traced(nil, { verbose = true })
    assert.are.equal(#TRACE, data.counts.kept)
    assert.are.equal(0, data.counts.hidden)
    assert.are.equal(100 + 23 + 832, card(data, "files-read").bytes)
  end)

  it("keeps the first max_events events, counts the rest, and keeps every total exact", function()
    local _, data = traced({ { key = "report.max_events", value = "4" } })
    assert.are.equal(4, data.counts.kept)
    assert.are.equal(#TRACE - 2 - 4, data.counts.left_out)
    assert.are.equal(4, #data.events.ts)
    assert.are.equal(4, #data.events.lane)
    assert.are.equal(4, #data.events.type)
    assert.are.equal(4, #data.events.text)
    -- totals and tables include what was left out of the event list
    assert.are.equal(123, card(data, "files-read").bytes)
    assert.are.equal(4096, card(data, "files-written").bytes)
    assert.are.equal(517, card(data, "net-sent").bytes)
    assert.are.equal(2663, card(data, "net-received").bytes)
    assert.are.same({ name = "/tmp/out", read = 0, written = 4096, reads = 0, writes = 1 }, data.files.rows[1])
    assert.are.same({ name = "/etc/hosts", read = 123, written = 0, reads = 2, writes = 0 }, data.files.rows[2])
    assert.are.same({ { sock_type = "tcp4", addr = "93.184.216.34:443", sent = 517, received = 2663, calls = 3 } },
                    data.peers.rows)
    -- and every task's lane, with its whole lifetime
    assert.are.equal(3, #data.lanes)
    assert.are.equal(20000, data.lanes[3].stop)
  end)

  it("shows the totals the terminal summary prints", function()
    local path = out_path()
    local h, rt, ok, err = report({ { key = "report.out", value = path } }, nil, { "default" })
    assert(ok, err)
    procs(h)
    h.run_info.memory = { heap_bytes = 135168, mmap_bytes = 8912896, mmap_regions = 24,
                          anon_bytes = 4194304, file_bytes = 4194304, reserved_bytes = 524288 }
    h.run_info.duration = 0.3449
    h.run_info.exit = { signal = "SIGSEGV", core_dumped = true }
    rt.start()
    play(h, TRACE)
    rt.finish()
    local data = page_data(fake.read_file(path))
    local terminal = {}
    for _, line in ipairs(h:lines()) do
      local label, value = line:match("^%s+([%a ]+):%s+(.-)%s*$")
      if label then terminal[label] = value end
    end
    local lines = h:lines()
    local exit = lines[#lines - 2]:match("^ Exit: (.*)$")
    assert.are.equal("killed by SIGSEGV (core dumped)", exit)
    -- after the summary, where the page went
    local html = fake.read_file(path)
    assert.are.equal(string.format("compendium: report written to %s (%.1f KB, 13 events)", path, #html / 1024),
                     lines[#lines])
    assert.are.equal(exit, card(data, "exit").value)
    assert.are.equal("0.34s", card(data, "duration").value)
    assert.are.equal(terminal["Heap"], card(data, "heap").value)
    assert.are.equal("heap + anon " .. terminal["Anon"], card(data, "memory").note)
    assert.are.equal(terminal["Mapped"], ("files %s, %s"):format(card(data, "mapped").value,
                                                                 card(data, "mapped").note))
    assert.are.equal(terminal["Total"], card(data, "memory").value)
    assert.are.equal(terminal["Files read"], card(data, "files-read").value)
    assert.are.equal(terminal["Files written"], card(data, "files-written").value)
    assert.are.equal(terminal["Net sent"], card(data, "net-sent").value)
    assert.are.equal(terminal["Net received"], card(data, "net-received").value)
    assert.are.same({ "tcp4 → 93.184.216.34:443" }, card(data, "connections").list)
    assert.are.equal("1 process", card(data, "subprocesses").value)
    assert.are.equal("1 thread", card(data, "subprocesses").note)
  end)

  it("puts loopback bytes on cards of their own, as the terminal's Net (loopback) line", function()
    local path = out_path()
    local h, rt, ok, err = report({ { key = "report.out", value = path } }, nil, { "default" })
    assert(ok, err)
    procs(h)
    rt.start()
    local events = {}
    for i, item in ipairs(TRACE) do events[i] = item end
    for _, item in ipairs {
      { "connect", { ts = 0.014, sock_type = "tcp4", remote_addr = "127.0.0.1:8000", fd = 6 } },
      { "send", { ts = 0.015, sock_type = "tcp4", remote_addr = "127.0.0.1:8000", fd = 6, bytes = 78 } },
      { "recv", { ts = 0.016, sock_type = "tcp4", remote_addr = "127.0.0.1:8000", fd = 6, bytes = 120 } },
      -- the resolver stub: noise, on no card
      { "send", { ts = 0.017, sock_type = "udp4", remote_addr = "127.0.0.53:53", fd = 7, bytes = 40 } },
    } do events[#events + 1] = item end
    play(h, events)
    rt.finish()
    local data = page_data(fake.read_file(path))
    local lines = table.concat(h:lines(), "\n")
    assert.truthy(lines:find("\n   Net (loopback): 78 B sent, 120 B received\n", 1, true), lines)
    assert.are.same({ "78 B", 78 }, { card(data, "loopback-sent").value, card(data, "loopback-sent").bytes })
    assert.are.same({ "120 B", 120 }, { card(data, "loopback-received").value, card(data, "loopback-received").bytes })
    assert.are.equal(517, card(data, "net-sent").bytes)
    assert.are.same({ "tcp4 → 93.184.216.34:443", "tcp4 → 127.0.0.1:8000 (loopback)" },
                    card(data, "connections").list)
    -- none without loopback traffic
    local _, plain = traced()
    assert.is_false(pcall(card, plain, "loopback-sent"))
  end)

  it("lets the search find the path a failed open or a change to the tree asked for", function()
    local _, data = traced(nil, { verbose = true }, {
      { "open", { ts = 0.001, path = "/etc/app/settings.ini", requested = "settings.ini", error = "ENOENT" } },
      { "rename", { ts = 0.002, path = "/w/a.tmp", requested = "a.tmp", new_path = "/w/a" } },
      { "unlink", { ts = 0.003, path = "/w/b", requested = "/w/b" } },
    })
    local extra = {}
    for i = 1, #data.events.extra, 2 do
      extra[data.events.extra[i]] = data.strings[data.events.extra[i + 1] + 1]
    end
    assert.are.same({ [0] = "asked for settings.ini", [1] = "asked for a.tmp" }, extra)
  end)

  it("gives each process and thread a lane: name, parent, lifetime, exit", function()
    local _, data = traced()
    assert.are.same({
      { tid = 100, pid = 100, ppid = 1, name = "app", command = "app -v", thread = false, start = 0, stop = 30000,
        exit = "exit 0" },
      { tid = 101, pid = 100, ppid = 1, name = "app", command = "app -v", thread = true, start = 7000, stop = 9000,
        exit = "exit 0" },
      { tid = 102, pid = 102, ppid = 100, name = "app", command = "app -v", thread = false, start = 13000,
        stop = 20000, exit = "exit 3" },
    }, data.lanes)
    assert.are.same({ 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 2, 0 }, data.events.lane)
  end)

  it("gives a reused task id a new lane", function()
    local _, data = traced(nil, nil, {
      { "spawn_process", { ts = 0.001, child = 102 } },
      { "exit", { ts = 0.002, pid = 102, code = 0 } },
      { "spawn_process", { ts = 0.003, child = 102 } },
      { "write", { ts = 0.004, pid = 102, filename = "/tmp/x", fd = 1, bytes = 5 } },
    })
    assert.are.equal(3, #data.lanes)
    assert.are.same({ 102, 1000, 2000 }, { data.lanes[2].tid, data.lanes[2].start, data.lanes[2].stop })
    assert.are.same({ 102, 3000 }, { data.lanes[3].tid, data.lanes[3].start })
    assert.is_nil(data.lanes[3].stop)
    assert.are.same({ 0, 1, 0, 2 }, data.events.lane)
  end)

  -- the terminal's lines without their kind: compendium/describe.lua's texts
  it("describes each event as the table shows it", function()
    local _, data = traced()
    local texts = {}
    for i, s in ipairs(data.events.text) do texts[i] = data.strings[s + 1] end
    assert.are.same({
      "/usr/bin/app  app -v", "/etc/hosts (read)", "/etc/hosts 100 B", "/etc/hosts 23 B", "thread 101",
      "/tmp/out 4.0 KB", "thread exit 0", "tcp4 → 93.184.216.34:443", "   517 B → 93.184.216.34:443",
      "  2.6 KB → 93.184.216.34:443", "process 102", "exit 3", "exit 0",
    }, texts)
    -- each text is stored once, and so is what a send or recv holds beside it
    assert.are.equal(14, #data.strings)
    assert.are.equal("tcp4", data.strings[10]) -- after the send's text
    assert.are.same({ 8, 9, 9, 9 }, data.events.extra)
  end)

  it("shows page faults in mapped files only with -v, and counts all of them", function()
    local faults = {
      { "fault", { ts = 0.001, region = "heap", addr = 0x1000, prot = "rw-", count = 3 } },
      { "fault", { ts = 0.002, region = "file", addr = 0x7f0000001000, prot = "r-x", count = 5 } },
      { "fault", { ts = 0.003, region = "stack", addr = 0x7ffe00000000, prot = "rw-", count = 1 } },
    }
    for _, verbose in ipairs { false, true } do
      local path = out_path()
      local h, rt = report({ { key = "report.out", value = path } }, { verbose = verbose })
      h.run_info.faults_traced = true
      rt.start()
      play(h, faults)
      rt.finish()
      local data = page_data(fake.read_file(path))
      assert.are.equal(verbose and 3 or 2, data.counts.kept)
      assert.are.equal("9", card(data, "faults").value)
      assert.are.equal("4.0 KB pages, 36.0 KB touched", card(data, "faults").note)
      assert.are.same({ "heap 3", "stack 1", "file 5" }, card(data, "faults").list)
      assert.are.equal("3 faults in heap @ 1000 (rw-)", data.strings[data.events.text[1] + 1])
    end
  end)

  it("puts every event kind in a category", function()
    local _, data = traced()
    local seen = {}
    for _, t in ipairs(data.types) do
      assert.are_not.equal("other", t.category, t.name)
      seen[t.category] = true
    end
    for _, cat in ipairs { "file", "io", "network", "memory", "process", "faults", "scheduler", "block_io" } do
      assert.is_true(seen[cat], cat)
    end
  end)
end)

describe("compendium.htmlreport", function()
  local html = require "compendium.htmlreport"

  it("writes the data and the columns into the page, whatever their length", function()
    local long = {}
    for i = 1, 10000 do long[i] = i * 1000003 end
    local path = out_path()
    local out = assert(io.open(path, "w"))
    html.write(out, html.load_page(), { answer = 42 }, { { "long", long }, { "empty", {} }, { "one", { 7 } } })
    local data = page_data(fake.read_file(path))
    assert.are.equal(42, data.answer)
    assert.are.same(long, data.events.long)
    assert.are.same({}, data.events.empty)
    assert.are.same({ 7 }, data.events.one)
  end)

  it("embeds JSON with every < escaped, so it cannot close an element, and it decodes the same", function()
    local value = { s = "a</script><!--<b>\\</x", list = { "<", "<\\/" } }
    local text = html.embed(value)
    assert.is_nil(text:find("<", 1, true))
    assert.are.same(value, cjson.decode(text))
  end)

  it("finds the page's assets next to the API modules", function()
    assert.are.equal(fake.source_dir(), html.data_dir())
  end)
end)
