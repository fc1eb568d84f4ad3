-- Formatting helpers: c.bytes, c.escape, c.hex (compendium.text).
local fake = require "fake_host"

describe("formatting", function()
  local c
  before_each(function()
    fake.setup()
    c = require "compendium"
  end)

  describe("c.bytes", function()
    it("counts bytes up to 1023, then KB, MB, GB with one decimal", function()
      assert.are.equal("0 B", c.bytes(0))
      assert.are.equal("517 B", c.bytes(517))
      assert.are.equal("1023 B", c.bytes(1023))
      assert.are.equal("1.0 KB", c.bytes(1024))
      assert.are.equal("1.4 KB", c.bytes(1434))
      assert.are.equal("132.0 KB", c.bytes(135168))
      assert.are.equal("8.5 MB", c.bytes(8912896))
      assert.are.equal("2.0 GB", c.bytes(2147483648))
      assert.are.equal("-4.0 KB", c.bytes(-4096))
    end)
  end)

  describe("c.duration and c.parse_duration", function()
    it("shows nanoseconds as ns, µs, ms or s", function()
      assert.are.equal("850 ns", c.duration(850))
      assert.are.equal("12.3 µs", c.duration(12345))
      assert.are.equal("4.56 ms", c.duration(4560000))
      assert.are.equal("1.23 s", c.duration(1230000000))
    end)

    it("reads durations with a unit, a bare number as µs, and nothing else", function()
      assert.are.equal(10000, c.parse_duration("10us"))
      assert.are.equal(10000, c.parse_duration("10µs"))
      assert.are.equal(1500000, c.parse_duration("1.5ms"))
      assert.are.equal(2000000000, c.parse_duration("2s"))
      assert.are.equal(500, c.parse_duration("500ns"))
      assert.are.equal(25000, c.parse_duration("25"))
      assert.is_nil(c.parse_duration("soon"))
      assert.is_nil(c.parse_duration("10 parsecs"))
      assert.is_nil(c.parse_duration(""))
    end)
  end)

  describe("c.escape", function()
    it("returns printable ASCII untouched (the same string)", function()
      local s = "/etc/hosts copy ~!@#$%^&*()"
      assert.are.equal(s, c.escape(s))
    end)

    it("escapes newline, tab, carriage return and backslash", function()
      assert.are.equal("a\\nb\\tc\\rd\\\\e", c.escape("a\nb\tc\rd\\e"))
    end)

    it("shows ESC, other control bytes and DEL as \\xNN", function()
      assert.are.equal("\\x1b[31mred\\x00\\x7f\\x01", c.escape("\27[31mred\0\127\1"))
    end)

    it("lets valid UTF-8 through", function()
      local s = "/tmp/café/日本/😀 → ok"
      assert.are.equal(s, c.escape(s))
    end)

    it("shows bytes that are not valid UTF-8 as \\xNN", function()
      assert.are.equal("a\\xffb", c.escape("a\255b"))
      assert.are.equal("\\xc3(", c.escape("\195("))                -- cut short
      assert.are.equal("\\xc0\\xaf", c.escape("\192\175"))         -- overlong "/"
      assert.are.equal("\\xed\\xa0\\x80", c.escape("\237\160\128")) -- a surrogate
      assert.are.equal("\\xf4\\x90\\x80\\x80", c.escape("\244\144\128\128")) -- past U+10FFFF
      assert.are.equal("é\\xe9", c.escape("é\233"))
    end)

    it("shows C1 controls as \\uNNNN, and their bytes outside UTF-8 as \\xNN", function()
      -- U+009B is CSI: "\194\155" 2J clears many terminals
      assert.are.equal("a\\u009b2Jb", c.escape("a\194\1552Jb"))
      assert.are.equal("\\u0080\\u0085\\u009f", c.escape("\194\128\194\133\194\159"))
      assert.are.equal("\\x9b2J", c.escape("\1552J"))
      assert.are.equal("\\x80\\x9f", c.escape("\128\159"))
      -- the neighbours are ordinary characters
      assert.are.equal("\194\160\194\169", c.escape("\194\160\194\169")) -- NBSP, ©
    end)

    it("shows the characters that reorder text as \\uNNNN", function()
      local cases = {
        { "\226\128\170", "\\u202a" }, { "\226\128\171", "\\u202b" }, { "\226\128\172", "\\u202c" },
        { "\226\128\173", "\\u202d" }, { "\226\128\174", "\\u202e" },
        { "\226\129\166", "\\u2066" }, { "\226\129\167", "\\u2067" }, { "\226\129\168", "\\u2068" },
        { "\226\129\169", "\\u2069" },
        { "\226\128\142", "\\u200e" }, { "\226\128\143", "\\u200f" }, { "\216\156", "\\u061c" },
        { "\226\128\168", "\\u2028" }, { "\226\128\169", "\\u2029" },
      }
      for _, case in ipairs(cases) do
        assert.are.equal("/tmp/x" .. case[2] .. "txt.sh", c.escape("/tmp/x" .. case[1] .. "txt.sh"))
      end
      -- other punctuation of the same blocks passes: ’ – … ⁰
      local s = "\226\128\153\226\128\147\226\128\166\226\129\176 \216\155"
      assert.are.equal(s, c.escape(s))
    end)

    it("passes nil through", function()
      assert.is_nil(c.escape(nil))
    end)
  end)

  describe("c.hex", function()
    it("prints lowercase hex without 0x, 64-bit values included", function()
      assert.are.equal("7f8a12345000", c.hex(0x7f8a12345000))
      assert.are.equal("0", c.hex(0))
      assert.are.equal("ffffffffffffffff", c.hex(0xffffffffffffffffULL))
      assert.are.equal("fffffffffffff000", c.hex(-4096))
    end)
  end)

  describe("text.utf8_clean", function()
    local text
    before_each(function() text = require "compendium.text" end)

    it("keeps valid strings as they are", function()
      local s = "plain, café, 日本"
      assert.are.equal(s, text.utf8_clean(s))
    end)

    it("replaces each invalid byte with U+FFFD", function()
      assert.are.equal("a\239\191\189b\239\191\189\239\191\189", text.utf8_clean("a\255b\192\175"))
    end)
  end)

  describe("text.terminal_safe", function()
    local text
    before_each(function() text = require "compendium.text" end)

    it("escapes control bytes, invalid UTF-8, C1 controls and bidi characters", function()
      assert.are.equal("\\x1b[2J\\x0d\\x00\\x7f \\xff \\u009b \\u202e",
                       text.terminal_safe("\27[2J\r\0\127 \255 \194\155 \226\128\174"))
    end)

    it("keeps newlines, tabs, backslashes and valid UTF-8: escaped text stays as it is", function()
      local s = "a\tb\n━ café\n"
      assert.are.equal(s, text.terminal_safe(s))
      local escaped = text.escape("\27[31m\n\\\255\226\128\174")
      assert.are.equal(escaped, text.terminal_safe(escaped))
    end)
  end)

  describe("text.split_nul", function()
    it("splits argv as the engine passes it", function()
      local text = require "compendium.text"
      assert.are.same({ "ls", "-l", "" }, text.split_nul("ls\0-l\0\0"))
      assert.are.same({ "a", "b" }, text.split_nul("a\0b"))
      assert.are.same({}, text.split_nul(""))
    end)
  end)
end)
