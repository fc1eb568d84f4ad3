-- --report FILE: errors before tracing, and the page the real binary writes
-- for programs whose behaviour is known (what the page does with it is
-- tested in a browser, tests/browser).
local h = require "helpers"
local cjson = require "cjson"

-- The JSON documents inside a report page: the data, with the event
-- columns as data.events; and the page's text.
local function page_data(path)
  local html = assert(h.read_file(path), "no report at " .. path)
  local text = html:match('<script type="application/json" id="report%-data">(.-)</script>')
  local columns = html:match('<script type="application/json" id="report%-events">(.-)</script>')
  assert(text and columns, "no report-data or report-events element in " .. path)
  local data = cjson.decode(text)
  data.events = cjson.decode(columns)
  return data, html
end

-- Runs compendium FLAGS --report DIR/r.html -- PROG DIR in a new DIR, and
-- checks that it succeeded; returns the page's data, its text, DIR and the
-- run's result.
local function report_of(prog, flags)
  local dir = h.tmpdir()
  local argv = { h.bin() }
  for _, f in ipairs(flags or {}) do argv[#argv + 1] = (f:gsub("DIR", dir)) end
  for _, a in ipairs { "--report", dir .. "/r.html", "--", h.prog(prog), dir } do argv[#argv + 1] = a end
  local r = h.run(argv)
  assert.are.equal(0, r.status, r.stderr)
  local data, html = page_data(dir .. "/r.html")
  return data, html, dir, r
end

local function card(data, id)
  for _, c in ipairs(data.cards) do
    if c.id == id then return c end
  end
  error("no card " .. id)
end

-- The terminal's size format ("41.9 KB"), 1024-based.
local function size_text(n)
  if n < 1024 then return n .. " B" end
  if n < 1048576 then return string.format("%.1f KB", n / 1024) end
  return string.format("%.1f MB", n / 1048576)
end

-- The lines of a text.
local function lines(text)
  local list = {}
  for line in text:gmatch("[^\n]+") do list[#list + 1] = line end
  return list
end

describe("--report", function()
  teardown(h.cleanup)

  local unwritable = {
    { "--report", "/nonexistent/dir/r.html" },
    { "-s", "report", "-X", "out=/nonexistent/dir/r.html" },
  }
  for _, args in ipairs(unwritable) do
    it(table.concat(args, " ") .. ": exit 2, one line, the command never runs", function()
      local marker = h.tmpdir() .. "/ran"
      local argv = { h.bin() }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      for _, a in ipairs { "--", "touch", marker } do argv[#argv + 1] = a end
      local r = h.run(argv)
      assert.are.equal(2, r.status)
      assert.is_true(h.one_line_error(r.stderr), r.stderr)
      assert.truthy(r.stderr:find("cannot write /nonexistent/dir/r.html", 1, true), r.stderr)
      assert.is_false(h.exists(marker))
    end)
  end

  it("--max-report-events without --report is a usage error", function()
    local r = h.run({ h.bin(), "--max-report-events", "10", "--", "true" })
    assert.are.equal(2, r.status)
    assert.is_true(h.one_line_error(r.stderr), r.stderr)
  end)

  it("writes the exact file totals of fileio, with the terminal summary as usual", function()
    local data, _, dir, r = report_of("fileio")
    assert.truthy(r.stderr:find("Files read:", 1, true), r.stderr)
    assert.are.equal(1750, card(data, "files-read").bytes)
    assert.are.equal(1750, card(data, "files-written").bytes)
    assert.are.equal("0", card(data, "exit").value)
    local files = {}
    for _, f in ipairs(data.files.rows) do files[f.name] = f end
    assert.are.same({ name = dir .. "/out.bin", read = 1750, written = 1550, reads = 6, writes = 4 },
                    files[dir .. "/out.bin"])
    assert.are.same({ name = dir .. "/copy.bin", read = 0, written = 100, reads = 0, writes = 1 },
                    files[dir .. "/copy.bin"])
    assert.are.same({ name = dir .. "/copy2.bin", read = 0, written = 100, reads = 0, writes = 1 },
                    files[dir .. "/copy2.bin"])
  end)

  it("holds the first N events with --max-report-events N and counts the others", function()
    -- -v: nothing is noise, so the report sees every event the JSON file has
    local data, _, dir = report_of("fileio", { "-v", "--max-report-events", "5", "--json", "DIR/e.jsonl" })
    local events = h.read_jsonl(dir .. "/e.jsonl")
    assert.are.equal(5, data.counts.kept)
    assert.are.equal(5, #data.events.ts)
    assert.are.equal(#events - 1 - 5, data.counts.left_out) -- the last line is the summary
    assert.are.equal(events[#events].io.files_read, card(data, "files-read").bytes)
  end)

  it("says on stderr, last, where the report went: its size and its events", function()
    local data, html, dir, r = report_of("fileio")
    local last = lines(r.stderr)
    assert.are.equal(string.format("compendium: report written to %s/r.html (%s, %d events)", dir,
                                   size_text(#html), #data.events.ts), last[#last])
    assert.are.equal("", r.stdout)
  end)

  it("counts the events left out in that line", function()
    local data, html, dir, r = report_of("fileio", { "-v", "--max-report-events", "5" })
    local last = lines(r.stderr)
    assert.are.equal(string.format("compendium: report written to %s/r.html (%s, 5 events, %d more left out)",
                                   dir, size_text(#html), data.counts.left_out), last[#last])
  end)

  it("escapes the path in that line, and -q leaves it out", function()
    local dir = h.tmpdir()
    local path = dir .. "/a\nb\27[31m.html"
    local r = h.run({ h.bin(), "--report", path, "--", h.prog("fileio"), dir })
    assert.are.equal(0, r.status, r.stderr)
    local last = lines(r.stderr)
    assert.truthy(last[#last]:find("^compendium: report written to " .. dir:gsub("%p", "%%%0") ..
                                   "/a\\nb\\x1b%[31m%.html %("), r.stderr)
    assert.is_nil(r.stderr:find("\27", 1, true))
    r = h.run({ h.bin(), "-q", "--report", dir .. "/q.html", "--", h.prog("fileio"), dir })
    assert.are.equal(0, r.status, r.stderr)
    assert.is_true(h.exists(dir .. "/q.html"))
    assert.is_nil(r.stderr:find("report written", 1, true), r.stderr)
  end)

  it("does not say it was written when the write failed: the failure line stands", function()
    local dir = h.tmpdir()
    local r = h.run({ h.bin(), "--report", "/dev/full", "--", h.prog("fileio"), dir })
    assert.are.equal(125, r.status, r.stderr)
    assert.truthy(r.stderr:find("compendium: writing /dev/full: No space left on device\n", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("report written", 1, true), r.stderr)
  end)

  it("keeps hostile file names as text that cannot end the script element", function()
    local data, html, dir = report_of("hostile_names")
    local closes = 0
    for _ in html:lower():gmatch("</script") do closes = closes + 1 end
    assert.are.equal(3, closes) -- the two data elements' and the script's own
    assert.is_nil(html:find("<img", 1, true))
    local names = {}
    for _, f in ipairs(data.files.rows) do names[f.name] = f.written end
    assert.are.equal(1, names[dir .. "/<img src=x onerror=alert(1)>"])
    assert.are.equal(1, names[dir .. "/</script><img src=x onerror=alert(2)>"])
    assert.are.equal(1, names[dir .. "/a\\nb"])
    assert.are.equal(1, names[dir .. "/\\x1b[31mred"])
  end)
end)
