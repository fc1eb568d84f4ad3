-- The default noise policy.
local fake = require "fake_host"

describe("noise", function()
  local noise
  before_each(function()
    fake.setup()
    noise = require "compendium.noise"
  end)

  it("hides /proc, /sys and /dev and what is below them", function()
    for _, p in ipairs { "/proc", "/proc/self/maps", "/sys/devices/x", "/dev/null", "/dev/pts/0", "/dev" } do
      assert.is_true(noise.path(p), p)
    end
  end)

  it("does not hide look-alikes of those directories", function()
    for _, p in ipairs { "/processes.txt", "/system", "/devices", "/home/u/proc/x", "/tmp/dev/null" } do
      assert.is_false(noise.path(p), p)
    end
  end)

  it("hides the dynamic linker and its cache", function()
    for _, p in ipairs { "/etc/ld.so.cache", "/etc/ld.so.preload", "/lib64/ld-linux-x86-64.so.2",
                         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" } do
      assert.is_true(noise.path(p), p)
    end
  end)

  it("hides shared libraries in the library directories", function()
    for _, p in ipairs { "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libm.so", "/usr/lib/libz.so.1.2.13",
                         "/usr/lib64/libssl.so.3", "/usr/local/lib/libfoo.so",
                         "/nix/store/abc-glibc-2.38/lib/libc.so.6" } do
      assert.is_true(noise.path(p), p)
    end
  end)

  it("shows libraries elsewhere and other files in library directories", function()
    for _, p in ipairs { "/home/u/build/libmine.so", "/usr/lib/os-release", "/usr/lib/python3/x.py",
                         "/usr/lib/libfoo.socket", "/etc/hosts", "/tmp/x" } do
      assert.is_false(noise.path(p), p)
    end
  end)

  it("hides the locale data the C library loads at start-up", function()
    for _, p in ipairs { "/usr/lib/locale/C.utf8/LC_CTYPE", "/usr/lib/locale/locale-archive",
                         "/usr/share/locale/locale.alias", "/etc/locale.alias",
                         "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache" } do
      assert.is_true(noise.path(p), p)
    end
    for _, p in ipairs { "/usr/lib/localed", "/usr/share/localization/x", "/home/u/gconv/notes" } do
      assert.is_false(noise.path(p), p)
    end
  end)

  it("treats no path as not noise", function()
    assert.is_false(noise.path(nil))
  end)

  it("hides the C library's daemons and netlink peers", function()
    for _, a in ipairs { "127.0.0.53:53", "/var/run/nscd/socket", "/run/nscd/socket",
                         "netlink:pid=0,groups=0" } do
      assert.is_true(noise.peer(a), a)
    end
  end)

  it("shows other loopback peers: a local server is what a test talks to", function()
    for _, a in ipairs { "127.0.0.1:8080", "127.0.0.53:8080", "127.1.2.3", "[::1]:443", "::1",
                         "[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1" } do
      assert.is_false(noise.peer(a), a)
    end
  end)

  it("hides the library search of failed opens, not other failed opens", function()
    for _, p in ipairs { "/opt/app/lib/libfoo.so.1", "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6",
                         "/build/out/libz.so", "/etc/ld.so.preload" } do
      assert.is_true(noise.event { type = "open", path = p, error = "ENOENT" }, p)
    end
    for _, p in ipairs { "/etc/gitattributes", "/home/u/.config/app/settings.ini" } do
      assert.is_false(noise.event { type = "open", path = p, error = "ENOENT" }, p)
    end
    -- a path given relative, its directory unknown: the argument is judged
    assert.is_true(noise.event { type = "open", requested = "libx.so.2", error = "ENOENT" })
  end)

  it("shows other peers", function()
    for _, a in ipairs { "93.184.216.34:443", "[2606:2800::1]:443", "/run/docker.sock", "@abstract",
                         "10.127.0.1:80", "[::ffff:10.0.0.1]:80" } do
      assert.is_false(noise.peer(a), a)
    end
    assert.is_false(noise.peer(nil))
  end)

  it("judges events by the path, file or peer they are about", function()
    local h = require "compendium.host"
    local e = require("compendium.event").view(h.event())
    h:set("open", { path = "/proc/self/status" })
    assert.is_true(noise.event(e))
    h:set("open", { path = "/etc/hosts" })
    assert.is_false(noise.event(e))
    h:set("read", { filename = "/usr/lib/libc.so.6" })
    assert.is_true(noise.event(e))
    h:set("mmap", { filename = "/lib/libm.so.6", map_type = "file" })
    assert.is_true(noise.event(e))
    h:set("mmap", { map_type = "anon" })
    assert.is_false(noise.event(e))
    h:set("munmap", { filename = "/etc/ld.so.cache" })
    assert.is_true(noise.event(e))
    h:set("munmap", {})
    assert.is_false(noise.event(e))
    h:set("send", { sock_type = "udp4", remote_addr = "127.0.0.53:53" })
    assert.is_true(noise.event(e))
    h:set("connect", { sock_type = "netlink" })
    assert.is_true(noise.event(e))
    h:set("connect", { sock_type = "tcp4", remote_addr = "1.1.1.1:443" })
    assert.is_false(noise.event(e))
    h:set("exec", { program = "/proc/self/exe" })
    assert.is_false(noise.event(e))
  end)

  it("hides faults in mapped files, not in the program's own memory", function()
    local h = require "compendium.host"
    local e = require("compendium.event").view(h.event())
    for region, hidden in pairs { heap = false, anon = false, stack = false, file = true, other = true } do
      h:set("fault", { region = region, count = 1 })
      assert.are.equal(hidden, noise.event(e), region)
    end
  end)
end)

describe("compendium.net", function()
  local net = require "compendium.net"

  it("reads the IP of an address, IPv4 in IPv6 clothes as IPv4", function()
    assert.are.same({ "127.0.0.1", "10.0.0.5", "::1", "2001:db8::1", "192.0.2.7", "::1", "127.1.2.3" }, {
      net.ip("127.0.0.1:53"), net.ip("10.0.0.5"), net.ip("[::1]:8080"), net.ip("[2001:db8::1]:443"),
      net.ip("[::ffff:192.0.2.7]:53"), net.ip("::1"), net.ip("::ffff:127.1.2.3"),
    })
    for _, a in ipairs { "/run/x.sock", "@abstract", "netlink:pid=0,groups=0", "", "1.2.3.4:x", "127.0.0",
                         "127.0.0.1:", "127.example.com", "[::1" } do
      assert.is_nil(net.ip(a), a)
    end
    assert.is_nil(net.ip(nil))
  end)

  it("tells this machine (loopback, the unspecified address) from another one", function()
    local cases = {
      -- address, loopback, local, remote
      { "127.0.0.53:53", true, true, false }, { "[::1]:443", true, true, false },
      { "[::ffff:127.0.0.1]:80", true, true, false }, { "0.0.0.0:80", false, true, false },
      { "[::]:80", false, true, false }, { "10.127.0.1:80", false, false, true },
      { "[::ffff:10.0.0.1]:80", false, false, true }, { "/run/x.sock", false, false, false },
      { "128.0.0.1:80", false, false, true }, { "[::2]:80", false, false, true },
      { "[::10]:80", false, false, true },
    }
    for _, case in ipairs(cases) do
      local a = case[1]
      assert.are.same({ case[2], case[3], case[4] }, { net.is_loopback(a), net.is_local(a), net.is_remote(a) }, a)
    end
  end)
end)
