-- otel: the run as OpenTelemetry spans, sent to a collector over OTLP/HTTP.
-- `--otel [URL]` runs this script (with -X otel.endpoint=URL).
--
-- One trace per run, a span per process: named by the program it ran last,
-- from the moment it was started (the run's start, for the command) to its
-- exit, its parent the span of the process that started it. Attributes
-- follow the semantic conventions (process.*, error.type); the command
-- line only with -X otel.args=1, as argv can hold secrets, and the
-- environment never. Everything is sent from the `end` hook, once every
-- process has ended, so the traced program never waits for the collector.
--
-- Options (-X otel.KEY=VALUE):
--   endpoint         the traces URL (a URL without a path gets /v1/traces);
--                    else $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, as is, else
--                    $OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else
--                    http://localhost:4318/v1/traces
--   service          the resource's service.name (default: the command's name)
--   args=1           add process.command_args (argv)
--   syscalls=10ms    also a child span per syscall that took at least that
--                    long (this stops the program at every syscall)
--   relative_to_now=1  shift every time so the run ends now (for backends
--                    that drop old data)
--   batch_bytes=N    the most a request carries (default 1 MiB; a span
--                    bigger than that goes alone)
--   retry_wait=30s   how long retries (429, 502, 503, 504) may wait in all
--   logs=1           also every syscall's line, as -v prints it, as an OTLP
--                    log record carrying the trace id and the span id of its
--                    process (this stops the program at every syscall)
--   logs_endpoint    the logs URL; else from otel.endpoint (/v1/logs where
--                    the traces go to /v1/traces), else
--                    $OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, as is, else
--                    $OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs, else
--                    http://localhost:4318/v1/logs
-- $OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf, the default, or http/json),
-- $OTEL_EXPORTER_OTLP_HEADERS (key=value,...) and $OTEL_EXPORTER_OTLP_TIMEOUT
-- (milliseconds, default 10000) are honoured, as are their _TRACES_ forms
-- for the spans and their _LOGS_ forms for the logs.
local c = require "compendium"
local ffi = require "ffi"
local json = require "compendium.json"
local pb = require "compendium.protobuf"
local text = require "compendium.text"
local describe = require "compendium.describe"

local clean = text.utf8_clean -- OTLP strings are UTF-8: bad bytes become U+FFFD

-- ---- configuration, checked before anything is traced ---------------------

-- $OTEL_EXPORTER_OTLP_<SIGNAL>_<NAME>, else $OTEL_EXPORTER_OTLP_<NAME>;
-- signal: "TRACES" or "LOGS"
local function signal_env(signal, name)
  local v = os.getenv("OTEL_EXPORTER_OTLP_" .. signal .. "_" .. name)
  if v == nil or v == "" then v = os.getenv("OTEL_EXPORTER_OTLP_" .. name) end
  if v == "" then return nil end
  return v
end
local function env(name) return signal_env("TRACES", name) end

local function check_url(url, from)
  if not url:find("^https?://[^/]") then
    c.error(("otel: %s needs an http:// or https:// URL, not '%s'"):format(from, url))
  end
  return url
end

local function set(name)
  local v = os.getenv(name)
  return v ~= nil and v ~= ""
end

-- The URL of a signal ("traces", "logs"): `given` (an option's value, a URL
-- without a path getting /v1/SIGNAL), else the signal's variable as is,
-- else the general one + /v1/SIGNAL, else localhost.
local function signal_endpoint(signal, given, from)
  local var = "OTEL_EXPORTER_OTLP_" .. signal:upper() .. "_ENDPOINT"
  if given then
    check_url(given, from)
    if given:find("^https?://[^/]+/.") then return given end
    return given:gsub("/$", "") .. "/v1/" .. signal
  elseif set(var) then
    return check_url(os.getenv(var), var)
  elseif set("OTEL_EXPORTER_OTLP_ENDPOINT") then
    return check_url(os.getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "OTEL_EXPORTER_OTLP_ENDPOINT"):gsub("/$", "") ..
           "/v1/" .. signal
  end
  return "http://localhost:4318/v1/" .. signal
end

-- what the messages call a URL: without the credentials it may carry
local function shown(url)
  return (url:gsub("^(https?://)[^/@]*@", "%1"))
end

local endpoint = signal_endpoint("traces", c.opt("otel.endpoint"), "otel.endpoint")
local shown_endpoint = shown(endpoint)

local protocol = c.opt("otel.protocol", env("PROTOCOL") or "http/protobuf")
if protocol ~= "http/protobuf" and protocol ~= "http/json" then
  c.error(("otel: OTLP protocol '%s' is not supported (http/protobuf or http/json)"):format(protocol))
end
local as_json = protocol == "http/json"

local function timeout_of(signal)
  local value = signal_env(signal, "TIMEOUT")
  if not value then return 10000 end
  local ms = tonumber(value)
  if not ms or ms <= 0 then
    c.error(("otel: OTEL_EXPORTER_OTLP_TIMEOUT needs milliseconds, not '%s'"):format(value))
  end
  return ms
end
local timeout_ms = timeout_of("TRACES")

-- "api-key=secret,x-tenant=a%20b": the W3C baggage form the specification
-- gives; the signal's own variable's keys win over the general one's.
local function headers_of(signal)
  local headers = { ["Content-Type"] = as_json and "application/json" or "application/x-protobuf" }
  for _, name in ipairs { "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_" .. signal .. "_HEADERS" } do
    for pair in (os.getenv(name) or ""):gmatch("[^,]+") do
      local k, v = pair:match("^%s*([^=%s]+)%s*=%s*(.-)%s*$")
      if not k or not k:find("^[%w!#$%%&'*+.^_`|~-]+$") then
        c.error(("otel: %s needs key=value pairs, not '%s'"):format(name, pair))
      end
      v = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
      if v:find("[%c]") then c.error(("otel: %s: the value of %s holds a control character"):format(name, k)) end
      headers[k] = v
    end
  end
  return headers
end
local headers = headers_of("TRACES")

local with_args = c.opt("otel.args", false)
local relative_to_now = c.opt("otel.relative_to_now", false)
local service = c.opt("otel.service")
local batch_bytes = c.opt("otel.batch_bytes", 1024 * 1024)
if batch_bytes < 1 then c.error("otel: otel.batch_bytes needs a positive number") end
local retry_wait = c.parse_duration(c.opt("otel.retry_wait", "30s"))
if not retry_wait then c.error("otel: otel.retry_wait needs a duration (30s, 500ms)") end
-- the logs: where the traces' endpoint names /v1/traces, /v1/logs beside it
local with_logs = c.opt("otel.logs", false)
local logs_endpoint, logs_headers, logs_timeout_ms
if with_logs then
  local given, from = c.opt("otel.logs_endpoint"), "otel.logs_endpoint"
  local traces = c.opt("otel.endpoint")
  if not given and traces then
    check_url(traces, "otel.endpoint")
    if not traces:find("^https?://[^/]+/.") then
      given, from = traces, "otel.endpoint"
    elseif traces:find("/v1/traces/?$") then
      given, from = traces:gsub("/v1/traces/?$", "/v1/logs"), "otel.endpoint"
    else
      c.error("otel: otel.endpoint has a path of its own: set -X otel.logs_endpoint=URL for the logs")
    end
  end
  logs_endpoint = signal_endpoint("logs", given, from)
  logs_headers, logs_timeout_ms = headers_of("LOGS"), timeout_of("LOGS")
end

local syscall_min
local syscalls_opt = c.opt("otel.syscalls")
if syscalls_opt then
  syscall_min = c.parse_duration(syscalls_opt)
  if not syscall_min then
    c.error(("otel: otel.syscalls needs a duration (10ms, 500us), not '%s'"):format(syscalls_opt))
  end
end

-- ---- the process tree, as the events tell it --------------------------------

local list = {}   -- every span, in the order made
local by_pid = {} -- the span of each live pid
local last_ns     -- the latest event time: the end of what never exited

local function basename(path) return (path or "?"):match("[^/]*$") end

local function new_span(pid, start_ns, parent, image)
  local s = {
    pid = pid, start_ns = start_ns, parent = parent,
    ppid = parent and parent.pid,
    name = image.name, exe = image.exe, argv = image.argv,
  }
  list[#list + 1] = s
  by_pid[pid] = s
  return s
end

local function seen(e)
  local ts = e.ts_ns
  if not last_ns or ts > last_ns then last_ns = ts end
  return ts
end

c.on("start", function(run)
  local p = c.proc(run.root_pid) or {}
  last_ns = run.start_ns
  new_span(run.root_pid, run.start_ns, nil,
           { name = p.comm or basename(p.exe), exe = p.exe ~= "" and p.exe or nil, argv = p.argv })
end)

-- A child runs its parent's program until it execs one of its own.
c.on("spawn_process", function(e)
  local ts = seen(e)
  local parent = by_pid[e.pid]
  local image = parent or {}
  if not parent then
    local p = c.proc(e.pid) or {}
    image = { name = p.comm, exe = p.exe, argv = p.argv }
  end
  new_span(e.child_pid, ts, parent, image)
end)

c.on("exec", function(e)
  seen(e)
  local s = by_pid[e.pid]
  if not s then return end
  s.name = basename(e.program)
  s.exe = e.path or e.program
  s.argv = e.argv
end)

c.on("exit", function(e)
  local ts = seen(e)
  if e.is_thread then return end
  local s = by_pid[e.pid]
  if not s then return end
  s.end_ns = ts
  s.exit = { code = e.code, signal = e.signal, core_dumped = e.core_dumped or nil }
  s.status = describe.text(e)
  by_pid[e.pid] = nil
end)

-- Syscalls that took at least syscall_min: child spans of their process.
local calls = {}
if syscall_min then
  c.on("syscall", function(e)
    local ts = seen(e)
    local dur = e.dur_ns
    if not dur or dur < syscall_min then return end
    calls[#calls + 1] = {
      parent = by_pid[e.pid], tid = e.tid, name = e.name, start_ns = ts - dur, end_ns = ts,
      ret = e.ret, err = e.ret < 0 and e.ret >= -4095 and c.errname(e.ret) or nil,
    }
  end)
end

-- The span of pid at ts, for a line seen before its process's spawn
-- (a child's first syscalls can reach compendium before its parent's fork
-- returns): the latest that started by then, or the first.
local function span_at(pid, ts)
  local found
  for _, s in ipairs(list) do
    if s.pid == pid and (not found or s.start_ns <= ts) then found = s end
  end
  return found
end

-- Every syscall's line, as -v shows it, with its process's span.
local logs = {}
if with_logs then
  c.want_format()
  c.on("syscall", function(e)
    local ts = seen(e)
    logs[#logs + 1] = { span = by_pid[e.pid], pid = e.pid, tid = e.tid, ts = ts, text = c.format_syscall(e) }
  end)
end

-- ---- ids --------------------------------------------------------------------

local random = io.open("/dev/urandom", "rb")

-- n random bytes, never all zero (an invalid id)
local function random_id(n)
  while true do
    local id = random and random:read(n)
    if not id or #id ~= n then
      local t = {}
      for i = 1, n do t[i] = string.char(math.random(0, 255)) end
      id = table.concat(t)
    end
    if id:find("[^%z]") then return id end
  end
end

local function hex(s)
  return (s:gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
end

-- ---- encoding: OTLP protobuf and OTLP JSON ---------------------------------

-- One writer for every message: each is taken as a string once written.
local w = pb.writer()

-- AnyValue: strings, integers, booleans and lists of strings.
local function put_any(v)
  local t = type(v)
  if t == "string" then return w:string(1, clean(v)) end
  if t == "boolean" then return w:bool(2, v) end
  if t == "number" then return w:int(3, v) end
  local array = w:open(5)
  for _, item in ipairs(v) do
    local value = w:open(1)
    put_any(item)
    w:close(value)
  end
  w:close(array)
end

-- A KeyValue in field `field`.
local function put_attr(field, key, value)
  local kv = w:open(field)
  w:string(1, key)
  local any = w:open(2)
  put_any(value)
  w:close(any)
  w:close(kv)
end

-- span: {trace_id, span_id, parent_id, name, start, stop (wall ns), attrs
-- (a list of {key, value}), error (the status message when it failed)}.
-- Returns the bytes of a Span message.
local function span_pb(s)
  w:string(1, s.trace_id)
  w:string(2, s.span_id)
  if s.parent_id then w:string(4, s.parent_id) end
  w:string(5, clean(s.name))
  w:uint(6, 1) -- SPAN_KIND_INTERNAL
  w:fixed64(7, s.start)
  w:fixed64(8, s.stop)
  for _, a in ipairs(s.attrs) do put_attr(9, a[1], a[2]) end
  if s.error then
    local status = w:open(15)
    w:string(2, clean(s.error))
    w:uint(3, 2) -- STATUS_CODE_ERROR
    w:close(status)
  end
  return w:take()
end

local function any_json(v)
  local t = type(v)
  if t == "string" then return { stringValue = v } end
  if t == "boolean" then return { boolValue = v } end
  if t == "number" then return { intValue = string.format("%d", v) } end
  local values = {}
  for i, item in ipairs(v) do values[i] = any_json(item) end
  return { arrayValue = { values = json.array(values) } }
end

local function u64_text(n) return (tostring(ffi.cast("uint64_t", n)):gsub("ULL$", "")) end

local function attrs_json(attrs)
  local list_ = {}
  for i, a in ipairs(attrs) do list_[i] = { key = a[1], value = any_json(a[2]) } end
  return json.array(list_)
end

local function span_json(s)
  return json.encode {
    traceId = hex(s.trace_id), spanId = hex(s.span_id), parentSpanId = s.parent_id and hex(s.parent_id),
    name = s.name, kind = 1,
    startTimeUnixNano = u64_text(s.start), endTimeUnixNano = u64_text(s.stop),
    attributes = attrs_json(s.attrs),
    status = s.error and { code = 2, message = s.error } or nil,
  }
end

-- log: {time (wall ns), text, attrs, trace_id, span_id}. A LogRecord
-- (opentelemetry/proto/logs/v1/logs.proto), severity INFO.
local SEVERITY_INFO = 9
local function log_pb(l)
  w:fixed64(1, l.time)
  w:uint(2, SEVERITY_INFO)
  w:string(3, "INFO")
  local body = w:open(5)
  put_any(l.text)
  w:close(body)
  for _, a in ipairs(l.attrs) do put_attr(6, a[1], a[2]) end
  w:string(9, l.trace_id)
  if l.span_id then w:string(10, l.span_id) end
  w:fixed64(11, l.time)
  return w:take()
end

local function log_json(l)
  return json.encode {
    timeUnixNano = u64_text(l.time), observedTimeUnixNano = u64_text(l.time),
    severityNumber = SEVERITY_INFO, severityText = "INFO", body = { stringValue = l.text },
    attributes = attrs_json(l.attrs), traceId = hex(l.trace_id), spanId = l.span_id and hex(l.span_id),
  }
end

-- A request: ExportTraceServiceRequest { 1: ResourceSpans { 1: Resource,
-- 2: ScopeSpans { 1: scope, 2: spans } } }, spans given as their bytes.
-- ExportLogsServiceRequest has the same shape and numbers (ResourceLogs,
-- ScopeLogs, log records).
local function request_pb(resource, spans)
  local rs = w:open(1)
  local res = w:open(1)
  for _, a in ipairs(resource) do put_attr(1, a[1], a[2]) end
  w:close(res)
  local ss = w:open(2)
  local scope = w:open(1)
  w:string(1, "compendium")
  w:close(scope)
  for _, span in ipairs(spans) do w:string(2, span) end
  w:close(ss)
  w:close(rs)
  return w:take()
end

local function request_json(resource, spans)
  return '{"resourceSpans":[{"resource":{"attributes":' .. json.encode(attrs_json(resource)) ..
         '},"scopeSpans":[{"scope":{"name":"compendium"},"spans":[' .. table.concat(spans, ",") .. "]}]}]}"
end

local function logs_request_json(resource, records)
  return '{"resourceLogs":[{"resource":{"attributes":' .. json.encode(attrs_json(resource)) ..
         '},"scopeLogs":[{"scope":{"name":"compendium"},"logRecords":[' .. table.concat(records, ",") ..
         "]}]}]}"
end

-- ---- sending ------------------------------------------------------------------

local RETRY = { [429] = true, [502] = true, [503] = true, [504] = true }

-- true, or false and why. to: {url, headers, timeout_ms}
local function post(to, body)
  local waited, backoff = 0, 1000
  while true do
    local r = c.http_post(to.url, body, { headers = to.headers, timeout_ms = to.timeout_ms })
    if r.status >= 200 and r.status < 300 then return true end
    local why
    if r.status == 0 then
      why = "the collector could not be reached: " .. r.error
    else
      local said = r.error:match("^[^\r\n]*"):sub(1, 200)
      why = ("HTTP %d%s"):format(r.status, said ~= "" and (": " .. said) or "")
    end
    if not RETRY[r.status] then return false, why end
    local wait = r.retry_after and r.retry_after * 1000 or backoff
    backoff = backoff * 2
    if (waited + wait) * 1e6 > retry_wait then
      return false, ("%s, still after %s of retries"):format(why, c.duration(waited * 1e6))
    end
    c.wait(wait)
    waited = waited + wait
  end
end

local send
-- Sends items (encoded one by one) in requests of at most batch_bytes.
-- Returns how many were sent, or nil after saying what failed.
send = function(to, resource, items, encode, request, what, one, many)
  local overhead = #request(resource, {})
  local batches, batch, size = {}, {}, overhead
  for _, item in ipairs(items) do
    local bytes = encode(item)
    local cost = #bytes + 8 -- its field's key and length (or JSON's comma)
    if #batch > 0 and size + cost > batch_bytes then
      batches[#batches + 1] = batch
      batch, size = {}, overhead
    end
    batch[#batch + 1] = bytes
    size = size + cost
  end
  if #batch > 0 then batches[#batches + 1] = batch end
  local sent = 0
  for _, b in ipairs(batches) do
    local ok, why = post(to, request(resource, b))
    if not ok then
      c.output_failed(what .. " to " .. to.shown, ("%s; %d of %s not sent"):format(why, #items - sent,
                                                                                  describe.count(#items, one, many)))
      return nil
    end
    sent = sent + #b
  end
  return sent
end

c.on("end", function(run)
  local trace_id = random_id(16)
  local start_ns, wall_start = run.start_ns, run.wall_start_ns
  local shift = 0ULL
  if relative_to_now then
    -- uint64 arithmetic wraps, so a shift back in time adds up as well
    shift = c.realtime_ns() - (wall_start + (last_ns - start_ns))
  end
  local function wall(ts) return wall_start + (ts - start_ns) + shift end

  local spans = {}
  for _, s in ipairs(list) do
    s.span_id = random_id(8)
    local attrs = { { "process.pid", s.pid } }
    if s.ppid then attrs[#attrs + 1] = { "process.parent_pid", s.ppid } end
    if s.exe and s.exe ~= "" then
      attrs[#attrs + 1] = { "process.executable.name", basename(s.exe) }
      attrs[#attrs + 1] = { "process.executable.path", s.exe }
    end
    if with_args and s.argv then attrs[#attrs + 1] = { "process.command_args", s.argv } end
    local err
    if s.exit and s.exit.code then
      attrs[#attrs + 1] = { "process.exit.code", s.exit.code }
      if s.exit.code ~= 0 then
        attrs[#attrs + 1] = { "error.type", tostring(s.exit.code) }
        err = s.status
      end
    elseif s.exit and s.exit.signal then
      attrs[#attrs + 1] = { "error.type", s.exit.signal }
      err = s.status
    end
    spans[#spans + 1] = {
      trace_id = trace_id, span_id = s.span_id, parent_id = s.parent and s.parent.span_id,
      name = s.name or "?", start = wall(s.start_ns), stop = wall(s.end_ns or last_ns),
      attrs = attrs, error = err,
    }
  end
  for _, k in ipairs(calls) do
    local attrs = { { "thread.id", k.tid }, { "compendium.syscall.return", tonumber(k.ret) } }
    if k.err then attrs[#attrs + 1] = { "error.type", k.err } end
    spans[#spans + 1] = {
      trace_id = trace_id, span_id = random_id(8), parent_id = k.parent and k.parent.span_id,
      name = k.name or "?", start = wall(k.start_ns), stop = wall(k.end_ns), attrs = attrs,
      error = k.err,
    }
  end

  local command = run.command:match("^%S+")
  local resource = { { "service.name", service or basename(command) } }
  local encode, request = span_pb, request_pb
  if as_json then encode, request = span_json, request_json end
  local to = { url = endpoint, headers = headers, timeout_ms = timeout_ms, shown = shown_endpoint }
  local sent = send(to, resource, spans, encode, request, "OpenTelemetry spans", "span", "spans")
  if not sent then return end
  if not c.quiet then
    c.print("compendium: %s sent to %s (trace %s)", describe.count(sent, "span", "spans"),
            c.escape(shown_endpoint), hex(trace_id))
  end
  if not with_logs then return end

  local records = {}
  for i, l in ipairs(logs) do
    local span = l.span or span_at(l.pid, l.ts)
    records[i] = { time = wall(l.ts), text = clean(l.text), trace_id = trace_id,
                   span_id = span and span.span_id,
                   attrs = { { "process.pid", l.pid }, { "thread.id", l.tid } } }
  end
  encode, request = log_pb, request_pb
  if as_json then encode, request = log_json, logs_request_json end
  to = { url = logs_endpoint, headers = logs_headers, timeout_ms = logs_timeout_ms, shown = shown(logs_endpoint) }
  sent = send(to, resource, records, encode, request, "OpenTelemetry logs", "log record", "log records")
  if sent and not c.quiet then
    c.print("compendium: %s sent to %s", describe.count(sent, "log record", "log records"), c.escape(to.shown))
  end
end)
