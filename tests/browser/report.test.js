// The HTML report in headless Chromium: reports of tests/progs programs,
// written by the real compendium, checked the way a person would use them.
//
// Environment (set by ctest, see CMakeLists.txt):
//   COMPENDIUM        the compendium binary
//   COMPENDIUM_PROGS  the built tests/progs
//   REPORT_ARTIFACTS  where the screenshot goes
//   CHROMIUM          the browser (default /usr/bin/chromium)
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const url = require("node:url");
const { execFileSync } = require("node:child_process");

const SETUP = "run .ci/install-deps (it installs chromium and runs npm ci in tests/browser)";

// A missing prerequisite fails the test with one line saying what to do.
function need(ok, message) {
  if (!ok) {
    console.error(`tests/browser: ${message}`);
    process.exit(1);
  }
}

let chromium;
try {
  ({ chromium } = require("playwright-core"));
} catch (err) {
  need(false, `playwright-core is not installed in tests/browser/node_modules; ${SETUP}`);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
need(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}; ${SETUP}`);
const COMPENDIUM = process.env.COMPENDIUM;
const PROGS = process.env.COMPENDIUM_PROGS;
need(COMPENDIUM && PROGS, "set COMPENDIUM and COMPENDIUM_PROGS (ctest does), or run it with ctest -R browser");
const ARTIFACTS = process.env.REPORT_ARTIFACTS || os.tmpdir();

const work = fs.mkdtempSync(path.join(os.tmpdir(), "compendium-browser-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

// Traces `prog DIR` with compendium FLAGS --report; returns the report's
// path, the directory the program worked in, and the --json events when
// asked for (json: true).
// `dirName` names the directory exactly (it is the program's argument, so
// it is in the command line).
function trace(name, prog, flags = [], { json = false, dirName } = {}) {
  let dir;
  if (dirName) {
    dir = path.join(work, dirName);
    fs.mkdirSync(dir);
  } else {
    dir = fs.mkdtempSync(path.join(work, name + "-"));
  }
  const report = path.join(dir, "report.html");
  const args = [...flags, "--report", report];
  const jsonPath = path.join(dir, "events.jsonl");
  if (json) args.push("--json", jsonPath);
  args.push("--", path.join(PROGS, prog), dir);
  execFileSync(COMPENDIUM, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 60000 });
  const events = json
    ? fs.readFileSync(jsonPath, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    : null;
  return { report, dir, events: events && events.filter((e) => e.type !== "summary") };
}

let browser;
const problems = []; // console errors, page errors and dialogs of every page

async function open(report) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(url.pathToFileURL(report).href);
  await page.waitForSelector("body[data-ready]", { timeout: 10000 });
  return page;
}

const state = (page) => page.evaluate(() => ({
  view: window.compendiumReport.view,
  rows: window.compendiumReport.rowCount,
  selected: window.compendiumReport.selected,
}));

const span = (view) => view.end - view.start;

// Waits until the table has n rows (a search and the range filter apply a
// moment later); fails saying how many it has.
const rowsAre = (page, n, what) =>
  page.waitForFunction((n) => window.compendiumReport.rowCount === n, n, { timeout: 5000 })
    .catch(async () => assert.fail(`${what}: ${(await state(page)).rows} rows, expected ${n}`));

// Where the timeline draws event i: {x, y} in the canvas's own pixels.
const eventSpot = (page, i) => page.evaluate((i) => {
  const events = JSON.parse(document.getElementById("report-events").textContent);
  const r = window.compendiumReport, canvas = document.getElementById("tl-canvas");
  const labels = [...document.querySelectorAll("#tl-labels .lane-label")];
  const row = labels.findIndex((l) => Number(l.dataset.lane) === events.lane[i]);
  const x = (events.ts[i] / 1e6 - r.view.start) / (r.view.end - r.view.start) * canvas.clientWidth;
  return { x, y: row * 18 + 9 };
}, i);

test.before(async () => {
  // Chromium writes caches and crash settings under $HOME: give it one of its own
  const home = fs.mkdtempSync(path.join(work, "home-"));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, env: { ...process.env, HOME: home } });
});
test.after(async () => {
  if (browser) await browser.close();
});

test("report_mix: summary cards, thread styling, zoom, pan, selection", async () => {
  const { report, dir } = trace("mix", "report_mix");
  const page = await open(report);

  // the exact byte counts report_mix.c promises outside -v
  assert.equal(await page.textContent("#card-files-read .exact"), "3,000 bytes");
  assert.equal(await page.textContent("#card-files-written .exact"), "3,600 bytes");
  assert.equal(await page.textContent("#card-files-read .value"), "2.9 KB");
  assert.equal(await page.textContent("#card-exit .value"), "0");
  assert.equal(await page.textContent("#card-subprocesses .value"), "1 process");
  const files = await page.$$eval("#table-files tbody tr", (trs) => trs.map((tr) => tr.cells[0].textContent));
  assert.deepEqual(files, [`${dir}/data.bin`, `${dir}/thread.out`, `${dir}/child.out`]);

  // the thread: "↳", italic and dimmer, in the timeline and in the table
  const label = await page.$eval("#tl-labels .lane-label.thread", (e) => {
    const s = getComputedStyle(e);
    return { text: e.textContent, italic: s.fontStyle, opacity: Number(s.opacity) };
  });
  assert.match(label.text, /^↳ \d+ report_mix$/);
  assert.equal(label.italic, "italic");
  assert.ok(label.opacity < 1);
  const processLabel = await page.$eval("#tl-labels .lane-label:not(.thread)", (e) => getComputedStyle(e).fontStyle);
  assert.equal(processLabel, "normal");
  await page.fill("#search", "thread.out");
  await page.waitForFunction(() => window.compendiumReport.rowCount === 2); // open, write
  const row = await page.$eval("#table-rows .row:not([hidden])", (e) => ({
    thread: e.classList.contains("thread"),
    italic: getComputedStyle(e).fontStyle,
    task: e.querySelector(".c-task").textContent,
  }));
  assert.ok(row.thread);
  assert.equal(row.italic, "italic");
  assert.match(row.task, /^↳ /);
  await page.fill("#search", "");
  await page.waitForFunction((n) => window.compendiumReport.rowCount > n, 2);

  // zoom: keys, Ctrl+scroll, reset; pan by dragging
  await page.focus("#tl-canvas"); // keys typed into the search box are text, not commands
  const full = (await state(page)).view;
  await page.keyboard.press("+");
  const zoomed = (await state(page)).view;
  assert.ok(span(zoomed) < span(full) * 0.7, `"+" zoomed ${JSON.stringify(full)} to ${JSON.stringify(zoomed)}`);
  assert.equal(await page.getAttribute("#timeline", "data-view-end"), String(zoomed.end));
  const box = await page.locator("#tl-canvas").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, -300);
  await page.keyboard.up("Control");
  const wheeled = (await state(page)).view;
  assert.ok(span(wheeled) < span(zoomed), "Ctrl+scroll zooms in");
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 200, box.y + 5, { steps: 4 });
  await page.mouse.up();
  const panned = (await state(page)).view;
  assert.ok(panned.start < wheeled.start, "dragging right shows earlier times");
  assert.ok(Math.abs(span(panned) - span(wheeled)) < 1e-9, "panning keeps the zoom");
  await page.keyboard.press("-");
  assert.ok(span((await state(page)).view) > span(panned), `"-" zooms out`);
  await page.click("#zoom-reset");
  assert.deepEqual((await state(page)).view, full);

  // table → timeline: a row's event comes into the time range
  await page.keyboard.press("+");
  await page.keyboard.press("+");
  await page.keyboard.press("+");
  const rows = await page.$$("#table-rows .row:not([hidden])");
  const index = Number(await rows[8].getAttribute("data-index"));
  await rows[8].click();
  let s = await state(page);
  assert.equal(s.selected, index);
  assert.equal(await page.$eval("#table-rows .row.selected", (e) => Number(e.dataset.index)), index);
  const ts = await page.evaluate((i) => JSON.parse(document.getElementById("report-events").textContent).ts[i] / 1e6, index);
  assert.ok(s.view.start <= ts && ts <= s.view.end, `event at ${ts} in ${JSON.stringify(s.view)}`);

  // timeline → table: click another event where the timeline draws it
  await page.click("#zoom-reset");
  const target = await page.evaluate(() => {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const events = JSON.parse(document.getElementById("report-events").textContent);
    const i = events.text.findIndex((t) => data.strings[t].includes("child.out") && data.strings[t].includes("(write)"));
    return { i, lane: events.lane[i] };
  });
  Object.assign(target, await eventSpot(page, target.i));
  // where the canvas is now: selecting a row may have scrolled the page
  const at = await page.locator("#tl-canvas").boundingBox();
  await page.mouse.click(at.x + target.x, at.y + target.y);
  s = await state(page);
  const picked = await page.evaluate((i) => ({
    lane: JSON.parse(document.getElementById("report-events").textContent).lane[i],
  }), s.selected);
  assert.ok(s.selected >= 0, "a click on an event selects it");
  assert.equal(picked.lane, target.lane);
  const selectedRow = await page.$eval("#table-rows .row.selected", (e) => Number(e.dataset.index));
  assert.equal(selectedRow, s.selected);

  // only the visible rows exist
  const domRows = await page.$$eval("#table-rows .row", (rs) => rs.length);
  assert.ok(domRows <= 40, `${domRows} rows in the DOM`);

  await page.click("#zoom-reset");
  await page.screenshot({ path: path.join(ARTIFACTS, "report.png"), fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});

test("report_mix -v: filters change the table's rows by exactly the matching events", async () => {
  const { report, events } = trace("mixv", "report_mix", ["-v"], { json: true });
  const page = await open(report);
  const total = events.length;
  assert.equal((await state(page)).rows, total);
  assert.equal(await page.getAttribute("#event-count", "data-count"), String(total));

  // -v counts the loopback conversation: 700 + 300 bytes each way, apart
  // from the network's
  assert.equal(await page.textContent("#card-loopback-sent .exact"), "1,000 bytes");
  assert.equal(await page.textContent("#card-loopback-received .exact"), "1,000 bytes");
  assert.equal(await page.textContent("#card-net-sent .exact"), "0 bytes");

  const count = (pred) => events.filter(pred).length;
  const toggle = async (selector, expected, what) => {
    await page.click(`${selector} input`);
    assert.equal((await state(page)).rows, expected, `${what} off`);
    await page.click(`${selector} input`);
    assert.equal((await state(page)).rows, total, `${what} back on`);
  };
  const kinds = (...names) => (e) => names.includes(e.type);
  await toggle('#filter-categories [data-category="io"]', total - count(kinds("read", "write")), "I/O");
  await toggle('#filter-categories [data-category="network"]', total - count(kinds("connect", "send", "recv")), "network");
  await toggle('#filter-categories [data-category="process"]',
    total - count(kinds("spawn_process", "spawn_thread", "exec", "exit", "signal")), "process");
  await toggle('#filter-types [data-type="write"]', total - count(kinds("write")), "write");
  assert.ok(count(kinds("send")) > 0 && count(kinds("recv")) > 0);

  const child = events.find((e) => e.type === "spawn_process").child_pid;
  await toggle(`#filter-processes [data-pid="${child}"]`, total - count((e) => e.pid === child), "the child");

  await page.fill("#search", "child.out");
  await page.waitForFunction(() => window.compendiumReport.rowCount !== undefined);
  await page.waitForFunction((n) => window.compendiumReport.rowCount === n,
    count((e) => (e.path || e.filename || "").includes("child.out")));
  await page.close();
  assert.deepEqual(problems, []);
});

test("hostile_names: names are text, nothing runs", async () => {
  const { report, dir } = trace("hostile", "hostile_names");
  const page = await open(report);
  await page.waitForTimeout(300); // an injected onerror would fire by now
  assert.equal(await page.$$eval("img", (imgs) => imgs.length), 0);
  assert.equal(await page.$$eval("script", (s) => s.length), 3);
  const names = await page.$$eval("#table-files tbody td:first-child", (tds) => tds.map((td) => td.textContent));
  assert.ok(names.includes(`${dir}/<img src=x onerror=alert(1)>`), names.join("\n"));
  assert.ok(names.includes(`${dir}/</script><img src=x onerror=alert(2)>`), names.join("\n"));
  assert.ok(names.includes(`${dir}/a\\nb`), names.join("\n"));
  // a right-to-left override shows as text and turns nothing around
  assert.ok(names.includes(`${dir}/report\\u202ecod.exe`), names.join("\n"));
  assert.ok(!names.some((n) => /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(n)), names.join("\n"));
  await page.fill("#search", "onerror");
  await page.waitForFunction(() => window.compendiumReport.rowCount === 4); // 2 files: open + write each
  const texts = await page.$$eval("#table-rows .row:not([hidden]) .c-text", (cs) => cs.map((c) => c.textContent));
  assert.ok(texts.includes(`${dir}/</script><img src=x onerror=alert(2)> (write)`), texts.join("\n"));
  // the timeline's tooltip shows the name as text too
  const i = await page.evaluate(() => {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const events = JSON.parse(document.getElementById("report-events").textContent);
    return events.text.findIndex((t) => data.strings[t].includes("alert(2)> (write)"));
  });
  const spot = await eventSpot(page, i);
  const box = await page.locator("#tl-canvas").boundingBox();
  await page.mouse.move(box.x + spot.x, box.y + spot.y);
  await page.locator("#tl-tip").waitFor({ state: "visible", timeout: 5000 });
  assert.ok((await page.textContent("#tl-tip")).includes(`${dir}/</script><img src=x onerror=alert(2)> (write)`));
  assert.equal(await page.$$eval("#tl-tip *", (es) => es.filter((e) => e.tagName !== "DIV").length), 0);
  await page.waitForTimeout(300);
  assert.equal(await page.$$eval("img", (imgs) => imgs.length), 0);
  await page.close();
  assert.deepEqual(problems, []);
});

test("--max-report-events: the page says how many events were left out", async () => {
  const { report, events } = trace("cut", "report_mix", ["-v", "--max-report-events", "5"], { json: true });
  const page = await open(report);
  assert.equal((await state(page)).rows, 5);
  const left = events.length - 5;
  assert.equal(await page.getAttribute("#notice-left-out", "data-count"), String(left));
  assert.match(await page.textContent("#notice-left-out"), new RegExp(`${left.toLocaleString("en-US")} later events were left out`));
  // the totals still count everything
  assert.equal(await page.textContent("#card-loopback-sent .exact"), "1,000 bytes");
  await page.close();
  assert.deepEqual(problems, []);
});

// The strings an event's JSON object holds (argv's words too), lower-cased.
const ownStrings = (e) => Object.entries(e)
  .filter(([k]) => k !== "type")
  .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
  .filter((v) => typeof v === "string")
  .map((v) => v.toLowerCase());

test("search matches an event's own fields, not its process's command line", async () => {
  const { report, events } = trace("search", "report_mix", ["-v"], { json: true });
  const page = await open(report);
  const search = async (q, expected, what) => {
    await page.fill("#search", q);
    await rowsAre(page, expected, what);
  };

  // "progs" is in every task's command line (tests/progs/report_mix DIR), and
  // in the exec event and the program's mappings: only those match
  const root = events[0].pid;
  const word = "progs";
  const own = events.filter((e) => ownStrings(e).some((s) => s.includes(word))).length;
  assert.ok(own > 0 && own < events.filter((e) => e.pid === root).length, `${own} events name ${word}`);
  await search(word, own, word);

  // a pid matches the events of that pid (or tid), and those that name it
  const child = events.find((e) => e.type === "spawn_process").child_pid;
  const texts = await page.evaluate(() => {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    return JSON.parse(document.getElementById("report-events").textContent).text.map((t) => data.strings[t]);
  });
  const q = String(child);
  const byPid = events.filter((e, i) => e.pid === child || e.tid === child || texts[i].includes(q)).length;
  assert.ok(byPid > events.filter((e) => e.pid === child).length, "the spawn event names the child");
  await search(q, byPid, "the child's pid");

  // a type's name, and an open's path as the program asked for it
  await search("recv", events.filter((e) => e.type === "recv" || ownStrings(e).some((s) => s.includes("recv"))).length, "recv");
  await search("tcp4", events.filter((e) => ownStrings(e).includes("tcp4")).length, "tcp4");
  await page.close();
  assert.deepEqual(problems, []);
});

test("processes: cells stay on one line; a long, hostile command line is elided, whole and inert on hover", async () => {
  // the directory, and so the command line, holds markup, a newline and a
  // right-to-left override, and is long enough to need eliding
  const dirName = "cmd-<img src=x onerror=alert(3)>-\u202e-\n-" + "x".repeat(120);
  const { report, dir } = trace("cmd", "report_mix", [], { dirName });
  const page = await open(report);
  await page.waitForTimeout(300); // an injected onerror would fire by now
  assert.equal(await page.$$eval("img", (imgs) => imgs.length), 0);

  const cells = await page.$$eval("#table-processes tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    return { text: td.textContent, title: td.title, lines, elided: td.scrollWidth > td.clientWidth };
  })));
  assert.equal(cells.length, 3); // the process, its thread, its child
  // the other columns first: a long command line must not squeeze them
  for (const k of [0, 2, 3, 4, 1]) {
    for (const row of cells) assert.equal(row[k].lines, 1, `"${row[k].text}" on ${row[k].lines} lines`);
  }
  const escaped = dir.replace("\n", "\\n").replace("\u202e", "\\u202e");
  const command = `${PROGS}/report_mix ${escaped}`;
  for (const row of cells) {
    const program = row[1];
    assert.equal(program.text, command);
    assert.equal(program.title, command);
    assert.ok(program.elided, "the command line is longer than its column");
    assert.ok(!/[\n\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(program.title), program.title);
  }
  assert.deepEqual(cells.map((r) => r[4].text).sort(), ["exit 0", "exit 0", "exit 3"]);
  await page.close();
  assert.deepEqual(problems, []);
});

test("timeline: an event's tooltip says what it is, when, and in which process", async () => {
  const { report, dir } = trace("tip", "report_mix");
  const page = await open(report);
  const info = await page.evaluate(() => {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const events = JSON.parse(document.getElementById("report-events").textContent);
    const i = events.text.findIndex((t, k) => data.strings[t].includes("child.out") && data.types[events.type[k]].name === "write");
    const lane = data.lanes[events.lane[i]];
    return { i, ts: events.ts[i], text: data.strings[events.text[i]], pid: lane.pid, name: lane.name };
  });
  assert.equal(info.text, `${dir}/child.out 100 B`);
  const spot = await eventSpot(page, info.i);
  const box = await page.locator("#tl-canvas").boundingBox();
  await page.mouse.move(box.x + spot.x, box.y + spot.y);
  const tip = page.locator("#tl-tip");
  await tip.waitFor({ state: "visible", timeout: 5000 });
  const text = await tip.textContent();
  assert.ok(text.includes("write"), text);
  assert.ok(text.includes(info.text), text);
  assert.ok(text.includes(`+${(info.ts / 1e6).toFixed(6)}s`), text);
  assert.ok(text.includes(`${info.pid} ${info.name}`), text);
  // it sits by the pointer, inside the page
  const tipBox = await tip.boundingBox();
  assert.ok(Math.abs(tipBox.x - (box.x + spot.x)) < 400 && Math.abs(tipBox.y - (box.y + spot.y)) < 200);
  await page.mouse.move(5, 5); // off the timeline
  await tip.waitFor({ state: "hidden", timeout: 5000 });
  await page.close();
  assert.deepEqual(problems, []);
});

test("the table can follow the timeline's visible range", async () => {
  const { report, events } = trace("follow", "report_mix", ["-v"], { json: true });
  const page = await open(report);
  const total = events.length;
  // events of the report in the view's range that pass `keep` (by type name)
  const inView = (skip = []) => page.evaluate((skip) => {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const events = JSON.parse(document.getElementById("report-events").textContent);
    const v = window.compendiumReport.view;
    return events.ts.filter((ts, i) => ts / 1e6 >= v.start && ts / 1e6 <= v.end &&
      !skip.includes(data.types[events.type[i]].name)).length;
  }, skip);

  assert.ok(await page.$("#follow-view"), "a toggle to follow the timeline");
  assert.equal(await page.isChecked("#follow-view"), false);
  await page.focus("#tl-canvas");
  for (let k = 0; k < 4; k++) await page.keyboard.press("+");
  assert.equal((await state(page)).rows, total, "off: zooming filters nothing");
  await page.check("#follow-view");
  const zoomed = await inView();
  assert.ok(zoomed < total, `${zoomed} of ${total} in view`);
  await rowsAre(page, zoomed, "zoomed in");
  // every row shown is in the range
  const outside = await page.evaluate(() => {
    const events = JSON.parse(document.getElementById("report-events").textContent);
    const v = window.compendiumReport.view;
    return [...document.querySelectorAll("#table-rows .row:not([hidden])")]
      .map((r) => events.ts[Number(r.dataset.index)] / 1e6).filter((t) => t < v.start || t > v.end);
  });
  assert.deepEqual(outside, []);

  // panning: drag right shows earlier times
  await page.click("#zoom-reset");
  await rowsAre(page, total, "whole run");
  await page.focus("#tl-canvas");
  for (let k = 0; k < 3; k++) await page.keyboard.press("+");
  const box = await page.locator("#tl-canvas").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 300, box.y + 5, { steps: 5 });
  await page.mouse.up();
  await rowsAre(page, await inView(), "panned");

  // with the other filters
  await page.click('#filter-types [data-type="write"] input');
  await rowsAre(page, await inView(["write"]), "panned, without writes");
  await page.click('#filter-types [data-type="write"] input');
  await page.uncheck("#follow-view");
  await rowsAre(page, total, "off again");
  await page.close();
  assert.deepEqual(problems, []);
});

test("category and type chips agree both ways", async () => {
  const { report, events } = trace("chips", "report_mix", ["-v"], { json: true });
  const page = await open(report);
  const total = events.length;
  const reads = events.filter((e) => e.type === "read").length;
  const writes = events.filter((e) => e.type === "write").length;
  const chipState = (selector) => page.$eval(selector, (c) => ({
    checked: c.querySelector("input").checked,
    mixed: c.querySelector("input").indeterminate,
    off: c.classList.contains("off"),
    n: c.querySelector(".n").textContent,
  }));
  const io = '#filter-categories [data-category="io"]';
  const read = '#filter-types [data-type="read"]', write = '#filter-types [data-type="write"]';
  const on = (n) => ({ checked: true, mixed: false, off: false, n });
  const off = (n) => ({ checked: false, mixed: false, off: true, n });
  const all = (reads + writes).toLocaleString("en-US");

  assert.deepEqual(await chipState(io), on(all));
  await page.click(`${io} input`);
  assert.deepEqual(await chipState(read), off(reads.toLocaleString("en-US")));
  assert.deepEqual(await chipState(write), off(writes.toLocaleString("en-US")));
  assert.deepEqual(await chipState(io), off(all));
  assert.equal((await state(page)).rows, total - reads - writes);
  await page.click(`${io} input`);
  assert.deepEqual(await chipState(read), on(reads.toLocaleString("en-US")));
  assert.deepEqual(await chipState(write), on(writes.toLocaleString("en-US")));
  assert.equal((await state(page)).rows, total);

  // a type off: its category is partly on, and counts what it still shows
  await page.click(`${write} input`);
  assert.deepEqual(await chipState(io),
    { checked: false, mixed: true, off: false, n: `${reads.toLocaleString("en-US")} of ${all}` });
  await page.click(`${read} input`);
  assert.deepEqual(await chipState(io), off(all));
  assert.equal((await state(page)).rows, total - reads - writes);
  await page.click(`${write} input`);
  assert.deepEqual(await chipState(io),
    { checked: false, mixed: true, off: false, n: `${writes.toLocaleString("en-US")} of ${all}` });
  // a partly-on category turns all its types on
  await page.click(`${io} input`);
  assert.deepEqual(await chipState(io), on(all));
  assert.deepEqual(await chipState(write), on(writes.toLocaleString("en-US")));
  assert.equal((await state(page)).rows, total);
  await page.close();
  assert.deepEqual(problems, []);
});

// The terminal's byte format ("1.7 KB"), 1024-based, as an independent
// reader of the JSON events writes it.
function byteText(n) {
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
  if (n < 1073741824) return (n / 1048576).toFixed(1) + " MB";
  return (n / 1073741824).toFixed(1) + " GB";
}

// kernel_books writes and reads back a file with O_DIRECT, fsyncs (a cache
// flush) and removes it (discards, on a file system mounted with discard).
test("--ebpf: the Block I/O card names each kind of request the events hold", async (t) => {
  // O_DIRECT and the block layer need a block device: the build tree's
  const dir = fs.mkdtempSync(path.join(PROGS, "compendium-browser-bdev-"));
  try {
    const fsType = execFileSync("stat", ["-f", "-c", "%T", dir], { encoding: "utf8" }).trim();
    if (fsType === "tmpfs" || fsType === "ramfs") return t.skip(`the build tree is on ${fsType}`);
    let probe;
    try {
      probe = execFileSync(COMPENDIUM, ["--ebpf", "-o", "/dev/null", "--", "true"],
        { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      return t.skip(`--ebpf is not permitted: ${String(err.stderr).trim()}`);
    }
    if (/going on without/.test(probe)) return t.skip("--ebpf is not permitted");
    const report = path.join(work, "block.html"), jsonPath = path.join(work, "block.jsonl");
    execFileSync(COMPENDIUM, ["--ebpf", "--report", report, "--json", jsonPath, "--",
      path.join(PROGS, "kernel_books"), dir, "10", "3"], { stdio: ["ignore", "ignore", "pipe"], timeout: 60000 });
    const byOp = {};
    for (const line of fs.readFileSync(jsonPath, "utf8").trim().split("\n")) {
      const e = JSON.parse(line);
      if (e.type !== "block_io") continue;
      const k = byOp[e.op] || (byOp[e.op] = { count: 0, bytes: 0 });
      k.count++;
      k.bytes += e.bytes;
    }
    assert.ok(byOp.read && byOp.write, JSON.stringify(byOp));
    const page = await open(report);
    assert.equal(await page.textContent("#card-block-io .note"),
      `${byteText(byOp.read.bytes)} read, ${byteText(byOp.write.bytes)} written`);
    // the requests that moved no data, each named, with its bytes and count
    const want = Object.entries(byOp).filter(([op]) => !["read", "write", "zone-append"].includes(op))
      .map(([op, k]) => (k.bytes > 0 ? `${op} ${byteText(k.bytes)} (${k.count})` : `${op} ${k.count}`));
    const items = await page.$$eval("#card-block-io li", (lis) => lis.map((li) => li.textContent));
    assert.match(items[0], /^total /); // the latencies
    assert.deepEqual(items.slice(1).sort(), want.sort());
    await page.close();
    assert.deepEqual(problems, []);
    if (want.length === 0) t.skip("the device took no flush and the file system issued no discards");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
