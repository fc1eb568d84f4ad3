-- The mechanics of a self-contained HTML report: find the page's assets,
-- embed a JSON document in it so that no data can break out, write it.
--
--   local html = require "compendium.htmlreport"
--   local page = html.load_page()           -- reads report/ now: fails early
--   ... at the end: html.write(out, page, data, {{"ts", list}, ...})
--
-- What goes into `data` is the report script's business (scripts/report.lua);
-- report/report.js reads it back from the <script type="application/json">
-- element and renders it with textContent only.
local json = require "compendium.json"

local M = {}

-- The directory holding lua/, scripts/ and report/: the engine puts
-- "<dir>/lua/?.lua" on package.path, so it is where this API was found.
function M.data_dir()
  local api = package.searchpath("compendium", package.path)
  return api and api:match("^(.*)/lua/compendium%.lua$") or "."
end

local function read_asset(dir, name)
  local path = dir .. "/" .. name
  local f = io.open(path, "rb")
  if not f then error("report: cannot read " .. path .. " (is compendium installed completely?)", 0) end
  local s = f:read("*a")
  f:close()
  return s
end

-- The template with its stylesheet and script in place, split around the
-- two spots where data goes: {head, middle, tail}. `dir` defaults to the
-- bundled report/ directory.
function M.load_page(dir)
  dir = dir or (M.data_dir() .. "/report")
  local template = read_asset(dir, "template.html")
  local css, js = read_asset(dir, "report.css"), read_asset(dir, "report.js")
  -- The assets are inlined raw: they must not close their own elements.
  if css:lower():find("</style", 1, true) or js:lower():find("</script", 1, true) then
    error("report: report.css or report.js contains a closing tag", 0)
  end
  local function split(s, marker)
    local i, j = s:find(marker, 1, true)
    if not i then error("report: template.html has no " .. marker, 0) end
    return s:sub(1, i - 1), s:sub(j + 1)
  end
  local before, after = split(template, "/*{{CSS}}*/")
  template = before .. css .. after
  before, after = split(template, "/*{{JS}}*/")
  template = before .. js .. after
  local head, rest = split(template, "{{DATA}}")
  local middle, tail = split(rest, "{{COLUMNS}}")
  return { head = head, middle = middle, tail = tail }
end

-- JSON text that can sit inside a <script> element: every "<" becomes
-- \u003c (in JSON, "<" only occurs inside strings, where that escape means
-- the same), so neither "</script>" nor "<!--" can appear in it.
function M.embed(value)
  return (json.encode(value):gsub("<", "\\u003c"))
end

-- Writes a list of numbers as a JSON array, a slice at a time: no string
-- of the whole list is ever built. Returns the bytes it wrote.
local function write_numbers(out, list)
  local n, size = #list, 2
  out:write("[")
  for i = 1, n, 4096 do
    if i > 1 then out:write(","); size = size + 1 end
    local s = table.concat(list, ",", i, math.min(i + 4095, n))
    out:write(s)
    size = size + #s
  end
  out:write("]")
  return size
end

-- Writes the page and closes `out`. `data` is any JSON value; `columns`,
-- {{name, list of numbers}, ...}, is the bulk (one entry per event), written
-- straight from the lists as {"name": [...], ...}: numbers need no escaping.
-- Returns the page's size in bytes, or nil when it could not be written
-- whole (`out` has reported why: see compendium/outfile.lua).
function M.write(out, page, data, columns)
  out:setvbuf("full", 65536)
  local embedded = M.embed(data)
  out:write(page.head, embedded, page.middle, "{")
  local size = #page.head + #embedded + #page.middle + 2 + #page.tail
  for i, column in ipairs(columns) do
    local name = (i > 1 and "," or "") .. json.encode(column[1]) .. ":"
    out:write(name)
    size = size + #name + write_numbers(out, column[2])
  end
  out:write("}", page.tail)
  if not out:close() then return nil end
  return size
end

-- Repeated strings (the same path read 10,000 times) are stored once: the
-- report's events refer to them by index (0-based, as JavaScript counts).
function M.strings()
  local list, index = json.array(), {}
  return {
    list = list,
    index = function(s)
      local i = index[s]
      if i == nil then
        list[#list + 1] = s
        i = #list - 1
        index[s] = i
      end
      return i
    end,
  }
end

return M
