// --otel against a receiver on 127.0.0.1 that this test runs: each request
// is decoded with the protobufjs module generated from the official
// opentelemetry-proto definitions (shipped by @opentelemetry/otlp-transformer,
// installed in tests/browser/node_modules by npm ci), never with
// compendium's own encoder.
//
// Environment (set by ctest, see CMakeLists.txt):
//   COMPENDIUM        the compendium binary
//   COMPENDIUM_PROGS  the built tests/progs
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");

const SETUP = "run .ci/install-deps (it runs npm ci in tests/browser)";
let root;
try {
  root = require(path.join(__dirname, "../browser/node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js"));
} catch (err) {
  console.error(`tests/otel: @opentelemetry/otlp-transformer is not installed in tests/browser/node_modules; ${SETUP}`);
  process.exit(1);
}
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const COMPENDIUM = process.env.COMPENDIUM;
const PROGS = process.env.COMPENDIUM_PROGS;
if (!COMPENDIUM || !PROGS) {
  console.error("tests/otel: set COMPENDIUM and COMPENDIUM_PROGS (ctest does)");
  process.exit(1);
}
const PROC_TREE = path.join(PROGS, "proc_tree");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "compendium-otel-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

// ---- the receiver ------------------------------------------------------------

// Answers each request with the next of `answers` ({status, headers, body};
// 200 when they run out, `hang` never); keeps every request.
async function receiver(answers = []) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks),
                      at: Date.now() });
      const a = answers.shift() || { status: 200 };
      if (a.hang) return;
      res.writeHead(a.status, a.headers || {});
      res.end(a.body || "");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  // a test that fails before it closes its receiver must not keep the run alive
  server.unref();
  const port = server.address().port;
  return {
    requests, port, url: `http://127.0.0.1:${port}`,
    close: () => { server.closeAllConnections(); return new Promise((ok) => server.close(ok)); },
  };
}

// A port on 127.0.0.1 where nothing listens.
async function closedPort() {
  const server = http.createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const port = server.address().port;
  await new Promise((ok) => server.close(ok));
  return port;
}

// ---- running compendium --------------------------------------------------------

// Runs compendium ARGS (asynchronously: the receiver runs in this process);
// a run that does not end in 90 s is a hang and fails.
function run(args, { env = {}, cwd = work } = {}) {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith("OTEL_")) delete clean[k];
  return new Promise((ok, fail) => {
    const child = spawn(COMPENDIUM, args, { env: { ...clean, ...env }, cwd });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => { child.kill("SIGKILL"); fail(new Error(`compendium hung: ${args.join(" ")}`)); }, 90000);
    child.on("close", (status) => { clearTimeout(timer); ok({ status, stdout, stderr }); });
    // a binary that cannot be run fails its test now, not at the timeout
    child.on("error", (err) => { clearTimeout(timer); fail(err); });
  });
}

// The --json file's events, with every ns integer exact (BigInt).
function readEvents(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => {
    const e = JSON.parse(line);
    for (const k of ["ts_ns", "start_ns", "wall_start_ns"]) {
      const m = line.match(new RegExp(`"${k}":(\\d+)`));
      if (m) e[k] = BigInt(m[1]);
    }
    return e;
  });
}

// proc_tree's stdout: {a, b, g} pids.
function pids(stdout) {
  const p = {};
  for (const m of stdout.matchAll(/^([abg]) (\d+)$/gm)) p[m[1]] = Number(m[2]);
  assert.ok(p.a && p.b && p.g, `proc_tree printed its pids: ${stdout}`);
  return p;
}

// ---- decoding ------------------------------------------------------------------

const hex = (b) => Buffer.from(b).toString("hex");

function anyValue(v) {
  if ("stringValue" in v) return v.stringValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("boolValue" in v) return v.boolValue;
  if ("arrayValue" in v) return (v.arrayValue.values || []).map(anyValue);
  throw new Error(`unexpected AnyValue ${JSON.stringify(v)}`);
}

function attributes(list) {
  const a = {};
  for (const kv of list || []) {
    assert.ok(!(kv.key in a), `attribute ${kv.key} once`);
    a[kv.key] = anyValue(kv.value);
  }
  return a;
}

// A request's message as plain spans: {traceId, spanId, parentSpanId (hex),
// name, kind, start, end (BigInt), attrs, status}, and its resource.
function spansOf(message) {
  const o = Request.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false });
  assert.equal(o.resourceSpans.length, 1, "one ResourceSpans");
  const rs = o.resourceSpans[0];
  const resource = attributes(rs.resource.attributes);
  assert.equal(rs.scopeSpans.length, 1, "one ScopeSpans");
  assert.equal(rs.scopeSpans[0].scope.name, "compendium");
  const spans = rs.scopeSpans[0].spans.map((s) => ({
    traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: s.parentSpanId ? hex(s.parentSpanId) : "",
    name: s.name, kind: s.kind, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano),
    attrs: attributes(s.attributes), status: s.status || {},
  }));
  return { resource, spans };
}

function decodeProtobuf(req) {
  assert.equal(req.method, "POST");
  assert.equal(req.headers["content-type"], "application/x-protobuf");
  return spansOf(Request.decode(req.body));
}

// OTLP JSON: ids are hex strings (not base64), as the specification says;
// the rest is the protobuf JSON mapping, which fromObject reads.
function decodeJson(req) {
  assert.equal(req.method, "POST");
  assert.equal(req.headers["content-type"], "application/json");
  const o = JSON.parse(req.body.toString("utf8"));
  for (const rs of o.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    assert.match(s.traceId, /^[0-9a-f]{32}$/);
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    if (s.parentSpanId !== undefined) assert.match(s.parentSpanId, /^[0-9a-f]{16}$/);
    assert.match(s.startTimeUnixNano, /^\d+$/, "64-bit integers are strings");
    for (const k of ["traceId", "spanId", "parentSpanId"])
      if (s[k] !== undefined) s[k] = Buffer.from(s[k], "hex").toString("base64");
  }
  return spansOf(Request.fromObject(o));
}

function allSpans(requests, decode = decodeProtobuf) {
  const out = { spans: [], resources: [] };
  for (const r of requests) {
    assert.equal(r.url, "/v1/traces");
    const d = decode(r);
    out.spans.push(...d.spans);
    out.resources.push(d.resource);
  }
  return out;
}

// ---- what a run of proc_tree must give ----------------------------------------

function checkTree(spans, events, p, { args = false } = {}) {
  const summary = events.find((e) => e.type === "summary");
  const wall = (ts) => summary.wall_start_ns + (ts - summary.start_ns);
  const rootExec = events.find((e) => e.type === "exec" && e.program === PROC_TREE);
  assert.ok(rootExec, "the command's exec event");
  const rootPid = rootExec.pid;
  const gExec = events.find((e) => e.type === "exec" && e.pid === p.g);
  assert.equal(spans.length, 4, "a span per process: " + spans.map((s) => s.name).join(", "));

  const traceId = spans[0].traceId;
  assert.match(traceId, /^[0-9a-f]{32}$/, "a 16-byte trace id");
  assert.notEqual(traceId, "0".repeat(32));
  assert.equal(new Set(spans.map((s) => s.spanId)).size, 4, "distinct span ids");
  const byPid = {};
  for (const s of spans) {
    assert.equal(s.traceId, traceId, "one trace");
    assert.match(s.spanId, /^[0-9a-f]{16}$/, "an 8-byte span id");
    assert.notEqual(s.spanId, "0".repeat(16));
    assert.equal(s.kind, 1, "SPAN_KIND_INTERNAL");
    byPid[s.attrs["process.pid"]] = s;
  }
  const [r, a, b, g] = [byPid[rootPid], byPid[p.a], byPid[p.b], byPid[p.g]];
  assert.ok(r && a && b && g, "spans of the root, A, B and G");

  // the process tree
  assert.equal(r.parentSpanId, "");
  assert.equal(a.parentSpanId, r.spanId);
  assert.equal(b.parentSpanId, r.spanId);
  assert.equal(g.parentSpanId, a.spanId);
  assert.equal(r.attrs["process.parent_pid"], undefined, "the command's parent is not traced");
  assert.equal(a.attrs["process.parent_pid"], rootPid);
  assert.equal(b.attrs["process.parent_pid"], rootPid);
  assert.equal(g.attrs["process.parent_pid"], p.a);

  // names and programs: a child runs its parent's program until it execs
  for (const s of [r, a, b]) {
    assert.equal(s.name, "proc_tree");
    assert.equal(s.attrs["process.executable.name"], "proc_tree");
    assert.equal(s.attrs["process.executable.path"], rootExec.path);
  }
  assert.equal(g.name, "true");
  assert.equal(g.attrs["process.executable.path"], gExec.path);
  assert.equal(g.attrs["process.executable.name"], path.basename(gExec.path));

  // how each ended
  assert.equal(r.attrs["process.exit.code"], 0);
  assert.equal(g.attrs["process.exit.code"], 0);
  assert.equal(a.attrs["process.exit.code"], 7);
  assert.equal(b.attrs["process.exit.code"], undefined, "killed: no exit code");
  assert.equal(r.attrs["error.type"], undefined);
  assert.equal(g.attrs["error.type"], undefined);
  assert.equal(a.attrs["error.type"], "7");
  assert.equal(b.attrs["error.type"], "SIGTERM");
  assert.ok(!r.status.code && !g.status.code, "no error status for a success");
  assert.equal(a.status.code, 2);
  assert.equal(a.status.message, "exit 7");
  assert.equal(b.status.code, 2);
  assert.equal(b.status.message, "killed by SIGTERM");

  // argv only when asked for
  if (args) {
    assert.deepEqual(r.attrs["process.command_args"], rootExec.argv);
    assert.deepEqual(a.attrs["process.command_args"], rootExec.argv);
    assert.deepEqual(g.attrs["process.command_args"], ["true", "g-arg"]);
  } else {
    for (const s of spans) assert.equal(s.attrs["process.command_args"], undefined);
  }

  // times: the JSON events' wall-clock times, exactly
  assert.equal(r.start, summary.wall_start_ns, "the command's span starts with the run");
  for (const [s, pid] of [[a, p.a], [b, p.b], [g, p.g]]) {
    const spawned = events.find((e) => e.type === "spawn_process" && e.child_pid === pid);
    assert.equal(s.start, wall(spawned.ts_ns), `span of ${pid} starts at its spawn`);
  }
  for (const [s, pid] of [[r, rootPid], [a, p.a], [b, p.b], [g, p.g]]) {
    const exit = events.find((e) => e.type === "exit" && e.pid === pid && !e.is_thread);
    assert.equal(s.end, wall(exit.ts_ns), `span of ${pid} ends at its exit`);
    assert.ok(s.start <= s.end);
  }
  for (const [child, parent] of [[a, r], [b, r], [g, a]]) {
    assert.ok(child.start >= parent.start && child.end <= parent.end, "a child within its parent");
  }
  assert.ok(a.end <= b.start, "A ended before B started");
  return { r, a, b, g };
}

// ---- the tests -------------------------------------------------------------------

test("protobuf: a span per process, the process tree, attributes and exact times", async () => {
  const rx = await receiver();
  const json = path.join(work, "tree.jsonl");
  const out = await run(["--otel", rx.url, "--json", json, "--", PROC_TREE, "secret-arg"]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.length, 1);
  const { spans, resources } = allSpans(rx.requests);
  assert.deepEqual(resources[0], { "service.name": "proc_tree" });
  checkTree(spans, readEvents(json), pids(out.stdout));
  assert.ok(!rx.requests[0].body.includes("secret-arg"), "argv is not sent by default");
  assert.match(out.stderr, new RegExp(`^compendium: 4 spans sent to ${rx.url}/v1/traces \\(trace ${spans[0].traceId}\\)$`, "m"));
  assert.match(out.stderr, /FINAL: /, "the summary");
});

test("-s otel with --otel runs the script once: one trace, each span once", async () => {
  const rx = await receiver();
  const json = path.join(work, "once.jsonl");
  const out = await run(["-s", "otel", "--otel", rx.url, "--json", json, "--", PROC_TREE, "x"]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.length, 1, "one request");
  const { spans } = allSpans(rx.requests);
  checkTree(spans, readEvents(json), pids(out.stdout));
  assert.equal((out.stderr.match(/spans sent to/g) || []).length, 1, out.stderr);
});

test("-X otel.args=1 adds process.command_args; -X otel.service names the service", async () => {
  const rx = await receiver();
  const json = path.join(work, "args.jsonl");
  const out = await run(["-q", "--otel", rx.url, "-X", "otel.args=1", "-X", "otel.service=ci-job",
                         "--json", json, "--", PROC_TREE, "secret-arg"]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  const { spans, resources } = allSpans(rx.requests);
  assert.deepEqual(resources, [{ "service.name": "ci-job" }]);
  const events = readEvents(json);
  checkTree(spans, events, pids(out.stdout), { args: true });
  assert.ok(events.find((e) => e.type === "exec" && e.pid === events[0].pid).argv.includes("secret-arg"));
});

test("http/json: OTLP JSON to $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces, headers from the environment", async () => {
  const rx = await receiver();
  const json = path.join(work, "json.jsonl");
  const out = await run(["--otel", "--json", json, "--", PROC_TREE], {
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_ENDPOINT: rx.url + "/",
           OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s%20cret, x-tenant=a", OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-tenant=b" },
  });
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.length, 1);
  assert.equal(rx.requests[0].headers["x-api-key"], "s cret");
  assert.equal(rx.requests[0].headers["x-tenant"], "b", "the _TRACES_ variable wins");
  const { spans } = allSpans(rx.requests, decodeJson);
  checkTree(spans, readEvents(json), pids(out.stdout));
});

test("a 503 with Retry-After: 1 is retried after a second; the same body then succeeds", async () => {
  const rx = await receiver([{ status: 503, headers: { "Retry-After": "1" } }, { status: 200 }]);
  const out = await run(["-q", "--otel", rx.url, "--", PROC_TREE]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.length, 2);
  assert.ok(rx.requests[0].body.equals(rx.requests[1].body));
  assert.ok(rx.requests[1].at - rx.requests[0].at >= 950, "waited for Retry-After");
  assert.equal(allSpans(rx.requests.slice(1)).spans.length, 4);
});

for (const status of [400, 413]) {
  test(`a ${status} is not retried: one line, exit status 125, and the trace's summary`, async () => {
    const rx = await receiver([{ status, body: "span rejected\nmore" }]);
    const out = await run(["--otel", rx.url, "--", PROC_TREE]);
    await rx.close();
    assert.equal(rx.requests.length, 1, "no retry");
    assert.equal(out.status, 125);
    const lines = out.stderr.split("\n").filter((l) => l.includes(`writing OpenTelemetry spans to ${rx.url}/v1/traces`));
    assert.equal(lines[0], `compendium: writing OpenTelemetry spans to ${rx.url}/v1/traces: HTTP ${status}: span rejected; 4 of 4 spans not sent`);
    assert.match(out.stderr, /FINAL: /);
    assert.match(out.stderr, /exit status 125, not 0: the output is incomplete: OpenTelemetry spans/);
    pids(out.stdout);
  });
}

test("an unreachable collector: one line, exit status 125; the trace completes", async () => {
  const port = await closedPort();
  const out = await run(["--otel", `http://127.0.0.1:${port}`, "--", PROC_TREE]);
  assert.equal(out.status, 125);
  const lines = out.stderr.split("\n").filter((l) => l.startsWith("compendium: writing "));
  assert.equal(lines.length, 1, out.stderr);
  assert.match(lines[0], new RegExp(`^compendium: writing OpenTelemetry spans to http://127.0.0.1:${port}/v1/traces: the collector could not be reached: .+; 4 of 4 spans not sent$`));
  assert.match(out.stderr, /FINAL: /);
  pids(out.stdout);
});

test("$OTEL_EXPORTER_OTLP_TIMEOUT bounds a collector that never answers", async () => {
  const rx = await receiver([{ hang: true }]);
  const out = await run(["-q", "--otel", rx.url, "--", PROC_TREE], { env: { OTEL_EXPORTER_OTLP_TIMEOUT: "300" } });
  await rx.close();
  assert.equal(out.status, 125);
  assert.match(out.stderr, /could not be reached: .*[Tt]imeout|timed out/);
});

test("batches stay within otel.batch_bytes and carry every span once", async () => {
  const rx = await receiver();
  const json = path.join(work, "batch.jsonl");
  const out = await run(["-q", "--otel", rx.url, "-X", "otel.batch_bytes=400", "--json", json, "--", PROC_TREE]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.ok(rx.requests.length > 1, `several requests, not ${rx.requests.length}`);
  for (const r of rx.requests) {
    const n = allSpans([r]).spans.length;
    assert.ok(n === 1 || r.body.length <= 400, `a request of ${r.body.length} bytes with ${n} spans`);
  }
  checkTree(allSpans(rx.requests).spans, readEvents(json), pids(out.stdout));
});

test("--otel takes only a URL: the command is never swallowed", async () => {
  const rx = await receiver();
  // no URL: the traces endpoint from the environment, as is
  let out = await run(["-q", "--otel", PROC_TREE], { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.url + "/custom/traces" } });
  assert.equal(out.status, 0, out.stderr);
  pids(out.stdout);
  assert.equal(rx.requests.at(-1).url, "/custom/traces");
  // --otel=URL with a path: as is; the argument wins over the environment
  out = await run(["-q", `--otel=${rx.url}/v1/x`, "--", PROC_TREE], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1" } });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.at(-1).url, "/v1/x");
  await rx.close();
  assert.equal(rx.requests.length, 2);
  // not a URL
  out = await run(["--otel=localhost:4318", "--", PROC_TREE]);
  assert.equal(out.status, 2);
  assert.equal(out.stderr, "compendium: --otel needs an http:// or https:// URL, not 'localhost:4318' (see compendium --help)\n");
  out = await run(["--otel", "--", PROC_TREE], { env: { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" } });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /^compendium: otel: OTLP protocol 'grpc' is not supported \(http\/protobuf or http\/json\)\n$/);
  assert.equal(out.stdout, "", "nothing ran");
});

test("-X otel.syscalls=50ms: the long syscalls as child spans of their process", async () => {
  const rx = await receiver();
  const dir = fs.mkdtempSync(path.join(work, "sleeps-"));
  const json = path.join(dir, "events.jsonl");
  const out = await run(["-q", "--otel", rx.url, "-X", "otel.syscalls=50ms", "--json", json, "--",
                         path.join(PROGS, "timed_sleeps"), "100", "1"], { cwd: dir });
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  const { spans } = allSpans(rx.requests);
  const processes = spans.filter((s) => "process.pid" in s.attrs);
  assert.equal(processes.length, 2);
  const calls = spans.filter((s) => !("process.pid" in s.attrs));
  for (const s of calls) {
    assert.ok(s.end - s.start >= 50000000n, `${s.name} took at least 50 ms`);
    const parent = processes.find((p) => p.spanId === s.parentSpanId);
    assert.ok(parent, "a syscall's span is a child of its process's");
    assert.equal(s.attrs["thread.id"], parent.attrs["process.pid"]);
    assert.ok(s.start >= parent.start && s.end <= parent.end);
  }
  const sleeps = calls.filter((s) => s.name === "nanosleep");
  assert.deepEqual(sleeps.map((s) => s.parentSpanId).sort(), processes.map((p) => p.spanId).sort(),
                   "one nanosleep span in each process");
  assert.ok(sleeps.every((s) => s.attrs["compendium.syscall.return"] === 0));
});

test("-X otel.relative_to_now=1 moves the run to end now, keeping every interval exact", async () => {
  const rx = await receiver();
  const json = path.join(work, "now.jsonl");
  const out = await run(["-q", "--otel", rx.url, "-X", "otel.relative_to_now=1", "--json", json, "--", PROC_TREE]);
  const after = BigInt(Date.now() + 1) * 1000000n;
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  const events = readEvents(json);
  const summary = events.find((e) => e.type === "summary");
  const { spans } = allSpans(rx.requests);
  const rootPid = events.find((e) => e.type === "exec").pid;
  const r = spans.find((s) => s.attrs["process.pid"] === rootPid);
  const rootExit = events.find((e) => e.type === "exit" && e.pid === rootPid && !e.is_thread);
  const shift = r.start - summary.wall_start_ns;
  assert.ok(shift > 0n, "moved forward");
  assert.ok(r.end <= after, "not past the moment it was sent");
  assert.equal(r.end - r.start, rootExit.ts_ns - summary.start_ns, "the run's length is kept");
  for (const s of spans) {
    const pid = s.attrs["process.pid"];
    const exit = events.find((e) => e.type === "exit" && e.pid === pid && !e.is_thread);
    assert.equal(s.end - shift, summary.wall_start_ns + (exit.ts_ns - summary.start_ns));
  }
});

test("a recording of the run sends the spans the live trace sent (ids apart)", async () => {
  const rec = path.join(work, "tree.cmpd");
  const json = path.join(work, "live.jsonl");
  const live = await receiver();
  const out = await run(["-q", "--record", rec, "--otel", live.url, "-X", "otel.args=1", "--json", json, "--",
                         PROC_TREE, "x"]);
  await live.close();
  assert.equal(out.status, 0, out.stderr);
  const replayed = await receiver();
  const again = await run(["-q", "--replay", rec, "--otel", replayed.url, "-X", "otel.args=1"]);
  await replayed.close();
  assert.equal(again.status, 0, again.stderr);
  const a = allSpans(live.requests), b = allSpans(replayed.requests);
  assert.deepEqual(b.resources, a.resources);
  checkTree(b.spans, readEvents(json), pids(out.stdout), { args: true });
  // ids are random: compare each span with its parent named by pid
  const plain = (spans) => {
    const pidOf = Object.fromEntries(spans.map((s) => [s.spanId, s.attrs["process.pid"]]));
    return spans.map((s) => ({ ...s, traceId: undefined, spanId: undefined, parentSpanId: pidOf[s.parentSpanId] }))
      .sort((x, y) => x.attrs["process.pid"] - y.attrs["process.pid"]);
  };
  assert.deepEqual(plain(b.spans), plain(a.spans));
  assert.notEqual(b.spans[0].traceId, a.spans[0].traceId, "a trace of its own");
});

test("names and arguments that are not UTF-8 are sent as valid UTF-8 (U+FFFD for each bad byte)", async () => {
  const dir = fs.mkdtempSync(path.join(work, "utf8-"));
  fs.symlinkSync(PROC_TREE, Buffer.concat([Buffer.from(dir + "/bad"), Buffer.from([0xff])]));
  const rx = await receiver();
  // the shell makes the bad bytes: node's arguments are strings
  const out = await run(["-q", "--otel", rx.url, "-X", "otel.args=1", "--", "/bin/sh", "-c",
                         'exec "./bad$(printf "\\377")" "x$(printf "\\376")"'], { cwd: dir });
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  const body = rx.requests[0].body;
  assert.ok(!body.includes(Buffer.from([0x62, 0x61, 0x64, 0xff])), "no invalid UTF-8 on the wire");
  const { spans } = allSpans(rx.requests);
  const root = spans.find((s) => !s.parentSpanId);
  assert.equal(root.name, "bad\ufffd");
  assert.deepEqual(root.attrs["process.command_args"], ["./bad\ufffd", "x\ufffd"]);
  assert.equal(spans.filter((s) => s.name === "bad\ufffd").length, 3, "the forks run it too");
});

test("retries wait at most otel.retry_wait in all; then one line and exit status 125", async () => {
  const busy = { status: 503, headers: { "Retry-After": "1" } };
  const rx = await receiver([busy, busy, busy, busy, busy]);
  const out = await run(["--otel", rx.url, "-X", "otel.retry_wait=2s", "--", PROC_TREE]);
  await rx.close();
  assert.equal(rx.requests.length, 3, "the first try and two retries a second apart");
  assert.equal(out.status, 125);
  assert.match(out.stderr, new RegExp(`^compendium: writing OpenTelemetry spans to ${rx.url}/v1/traces: HTTP 503, still after 2\\.00 s of retries; 4 of 4 spans not sent$`, "m"));
  assert.match(out.stderr, /FINAL: /);
});

test("a 502 without Retry-After is retried after a backoff", async () => {
  const rx = await receiver([{ status: 502 }, { status: 200 }]);
  const out = await run(["-q", "--otel", rx.url, "--", PROC_TREE]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  assert.equal(rx.requests.length, 2);
  assert.ok(rx.requests[1].at - rx.requests[0].at >= 950, "backed off a second");
});

// ---- logs (-X otel.logs=1) ------------------------------------------------------

const LogsRequest = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;

// A logs request's records: {traceId, spanId (hex), time, observed (BigInt),
// severity, severityText, body, attrs}.
function recordsOf(message) {
  const o = LogsRequest.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false });
  assert.equal(o.resourceLogs.length, 1, "one ResourceLogs");
  const rl = o.resourceLogs[0];
  assert.equal(rl.scopeLogs.length, 1, "one ScopeLogs");
  assert.equal(rl.scopeLogs[0].scope.name, "compendium");
  return {
    resource: attributes(rl.resource.attributes),
    records: rl.scopeLogs[0].logRecords.map((r) => ({
      traceId: hex(r.traceId), spanId: r.spanId ? hex(r.spanId) : "", time: BigInt(r.timeUnixNano),
      observed: BigInt(r.observedTimeUnixNano), severity: r.severityNumber, severityText: r.severityText,
      body: anyValue(r.body), attrs: attributes(r.attributes),
    })),
  };
}

function decodeLogsJson(req) {
  assert.equal(req.headers["content-type"], "application/json");
  const o = JSON.parse(req.body.toString("utf8"));
  for (const rl of o.resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) {
    assert.match(r.traceId, /^[0-9a-f]{32}$/);
    assert.match(r.spanId, /^[0-9a-f]{16}$/);
    assert.match(r.timeUnixNano, /^\d+$/, "64-bit integers are strings");
    for (const k of ["traceId", "spanId"]) r[k] = Buffer.from(r[k], "hex").toString("base64");
  }
  return recordsOf(LogsRequest.fromObject(o));
}

function decodeLogsProtobuf(req) {
  assert.equal(req.headers["content-type"], "application/x-protobuf");
  return recordsOf(LogsRequest.decode(req.body));
}

// -v's syscall lines, in order: {tid, seconds (as printed), text}. Its
// other lines (events, the summary) do not start with a call.
function verboseCalls(stderr) {
  const lines = [];
  for (const m of stderr.matchAll(/^\[\+(\d+\.\d{3})s\] \[(\d+)\] ([a-z_0-9]+\(.*)$/gm))
    lines.push({ seconds: Number(m[1]), tid: Number(m[2]), text: m[3] });
  return lines;
}

// The log records against the same run's -v lines and spans: one record per
// line, in order, with its text, thread and time; the trace's id and the
// span of the process it came from.
function checkLogs(records, spans, stderr, summary) {
  const lines = verboseCalls(stderr);
  assert.ok(lines.length > 50, `-v printed the syscalls (${lines.length})`);
  assert.equal(records.length, lines.length, "a record per -v line");
  const spanByPid = {};
  for (const s of spans) spanByPid[s.attrs["process.pid"]] = s;
  const traceId = spans[0].traceId;
  records.forEach((r, i) => {
    const l = lines[i];
    assert.equal(r.body, l.text, `record ${i}`);
    assert.equal(r.attrs["thread.id"], l.tid);
    assert.equal(r.traceId, traceId, "the run's trace");
    const s = spanByPid[r.attrs["process.pid"]];
    assert.ok(s, `a span for pid ${r.attrs["process.pid"]}`);
    assert.equal(r.spanId, s.spanId, "its process's span");
    assert.ok(r.time >= s.start && r.time <= s.end, "within its process's span");
    assert.equal(r.observed, r.time);
    assert.equal(r.severity, 9, "SEVERITY_NUMBER_INFO");
    assert.equal(r.severityText, "INFO");
    const printed = Number(r.time - summary.wall_start_ns) / 1e9;
    assert.ok(Math.abs(printed - l.seconds) <= 0.0006, `time ${printed} printed as +${l.seconds}s`);
  });
}

test("-X otel.logs=1: every -v line as a log record to /v1/logs, linked to its process's span", async () => {
  const rx = await receiver();
  const json = path.join(work, "logs.jsonl");
  const out = await run(["-v", "--otel", rx.url, "-X", "otel.logs=1", "--json", json, "--", PROC_TREE, "x"]);
  await rx.close();
  assert.equal(out.status, 0, out.stderr);
  const traces = rx.requests.filter((r) => r.url === "/v1/traces");
  const logs = rx.requests.filter((r) => r.url === "/v1/logs");
  assert.equal(traces.length + logs.length, rx.requests.length, rx.requests.map((r) => r.url).join(" "));
  assert.equal(logs.length, 1);
  const events = readEvents(json);
  const { spans } = allSpans(traces);
  checkTree(spans, events, pids(out.stdout));
  const { resource, records } = decodeLogsProtobuf(logs[0]);
  assert.deepEqual(resource, { "service.name": "proc_tree" });
  checkLogs(records, spans, out.stderr, events.find((e) => e.type === "summary"));
  assert.match(out.stderr, new RegExp(`^compendium: ${records.length} log records sent to ${rx.url}/v1/logs$`, "m"));
});

test("-X otel.logs=1 in http/json: $OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as is, the _LOGS_ headers", async () => {
  const rx = await receiver();
  const rxLogs = await receiver();
  const json = path.join(work, "logs-json.jsonl");
  const out = await run(["-v", "--otel", "-X", "otel.logs=1", "-X", "otel.batch_bytes=4000", "--json", json, "--",
                         PROC_TREE, "x"], {
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
           OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: rxLogs.url + "/custom/logs",
           OTEL_EXPORTER_OTLP_HEADERS: "x-tenant=a", OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-tenant=logs" },
  });
  await rx.close();
  await rxLogs.close();
  assert.equal(out.status, 0, out.stderr);
  assert.ok(rx.requests.every((r) => r.url === "/v1/traces" && r.headers["x-tenant"] === "a"));
  assert.ok(rxLogs.requests.length > 1, "batches of at most 4000 bytes");
  const records = [];
  for (const r of rxLogs.requests) {
    assert.equal(r.url, "/custom/logs");
    assert.equal(r.headers["x-tenant"], "logs", "the _LOGS_ variable wins");
    assert.ok(r.body.length <= 4000 || decodeLogsJson(r).records.length === 1);
    records.push(...decodeLogsJson(r).records);
  }
  const events = readEvents(json);
  const { spans } = allSpans(rx.requests, decodeJson);
  checkLogs(records, spans, out.stderr, events.find((e) => e.type === "summary"));
});

test("-X otel.logs=1 with an --otel URL of a path of its own asks for otel.logs_endpoint", async () => {
  const out = await run(["--otel=http://127.0.0.1:1/custom", "-X", "otel.logs=1", "--", "true"]);
  assert.equal(out.status, 2, out.stderr);
  assert.equal(out.stderr, "compendium: otel: otel.endpoint has a path of its own: set -X otel.logs_endpoint=URL for the logs\n");
});
