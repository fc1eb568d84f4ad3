-- JUnit XML for `--junit FILE`: one testsuite, one testcase per check (and
-- per script that failed), and one for the traced command's exit status,
-- the shape Jenkins, GitLab, GitHub actions and the like read:
--
--   <testsuites><testsuite><properties/>
--     <testcase name="check/no-network"><failure message="...">...</failure></testcase>
--   </testsuite></testsuites>
--
-- A testcase has at most one <failure> (some readers take only the first):
-- its message is the first violation, its text lists them all.
local describe = require "compendium.describe"
local text = require "compendium.text"

local format, concat = string.format, table.concat

local M = {}

local ENTITIES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&apos;",
                   ["\n"] = "&#10;", ["\r"] = "&#13;", ["\t"] = "&#9;" }

-- Any text made safe for XML 1.0: valid UTF-8 (bad bytes become U+FFFD),
-- the control characters XML cannot hold written as \xNN, C1 controls and
-- what reorders text as \uNNNN (a CI page shows them), markup escaped.
-- In attributes newlines and tabs are kept as character references.
local function escape(s, in_attribute)
  s = text.escape_hidden(text.utf8_clean(tostring(s)))
  s = s:gsub("[%z\1-\8\11\12\14-\31]", function(ch) return format("\\x%02x", ch:byte()) end)
  s = s:gsub("\239\191[\190\191]", "\239\191\189") -- U+FFFE, U+FFFF are not XML characters
  return (s:gsub(in_attribute and "[&<>\"'\n\r\t]" or "[&<>]", ENTITIES))
end
M.escape = escape

local function attrs(list)
  local out = {}
  for i = 1, #list, 2 do
    out[#out + 1] = format('%s="%s"', list[i], escape(list[i + 1], true))
  end
  return concat(out, " ")
end

local function element(out, indent, name, attributes, body)
  local open = indent .. "<" .. name .. (attributes and (" " .. attrs(attributes)) or "")
  if body then
    out[#out + 1] = open .. ">" .. escape(body) .. "</" .. name .. ">"
  else
    out[#out + 1] = open .. "/>"
  end
end

-- `message` holds the first item; the element's text all of them.
local function problem(out, name, kind, items)
  if #items == 0 then return end
  local message = items[1]
  if #items > 1 then message = message .. format(" (and %d more)", #items - 1) end
  element(out, "      ", name, { "message", message, "type", kind }, concat(items, "\n"))
end

local function failed_command(run)
  if run.detached then return false end
  local exit = run.exit or {}
  return run.interrupted or exit.signal ~= nil or (exit.code ~= nil and exit.code ~= 0)
end

-- The whole document. checks: {{name=, failures={text...}, errors={text...}}},
-- run: the run object, status: how the command ended, in words.
function M.render(checks, run, status)
  local seconds = format("%.3f", run.duration or 0)
  local failures, errors = 0, 0
  for _, case in ipairs(checks) do
    if #case.failures > 0 then failures = failures + 1 end
    if #case.errors > 0 then errors = errors + 1 end
  end
  local command_failed = failed_command(run)
  if command_failed then failures = failures + 1 end
  local counts = { "tests", tostring(#checks + 1), "failures", tostring(failures), "errors", tostring(errors) }

  local out = { '<?xml version="1.0" encoding="UTF-8"?>' }
  out[#out + 1] = "<testsuites " .. attrs { "name", "compendium", unpack(counts) } ..
                  " " .. attrs { "time", seconds } .. ">"
  -- the run's own clock anchor, so that a replay gives the time it ran
  local started = run.wall_start_ns and math.floor(tonumber(run.wall_start_ns / 1000000000))
                  or os.time() - math.floor(run.duration or 0)
  out[#out + 1] = "  <testsuite " .. attrs { "name", "compendium", unpack(counts) } .. " " ..
                  attrs { "skipped", "0", "time", seconds, "timestamp", os.date("!%Y-%m-%dT%H:%M:%S", started) } .. ">"
  out[#out + 1] = "    <properties>"
  element(out, "      ", "property", { "name", "command", "value", run.command or "" })
  element(out, "      ", "property", { "name", "status", "value", status })
  local unseen = describe.unseen(run)
  if unseen then element(out, "      ", "property", { "name", "not seen", "value", unseen }) end
  out[#out + 1] = "    </properties>"
  for _, case in ipairs(checks) do
    local head = "    <testcase " .. attrs { "name", case.name, "classname", "compendium", "time", seconds }
    if #case.failures + #case.errors == 0 then
      out[#out + 1] = head .. "/>"
    else
      out[#out + 1] = head .. ">"
      problem(out, "failure", "check", case.failures)
      problem(out, "error", "hook error", case.errors)
      out[#out + 1] = "    </testcase>"
    end
  end
  -- the traced command's own result, so that neither hides the other
  local head = "    <testcase " .. attrs { "name", "exit status", "classname", "compendium", "time", seconds }
  if command_failed then
    out[#out + 1] = head .. ">"
    problem(out, "failure", "exit status", { status })
    out[#out + 1] = "    </testcase>"
  else
    out[#out + 1] = head .. "/>"
  end
  out[#out + 1] = "  </testsuite>"
  out[#out + 1] = "</testsuites>"
  return concat(out, "\n") .. "\n"
end

return M
