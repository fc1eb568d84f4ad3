// compendium report: draws the JSON document scripts/report.lua embedded.
//
// Everything from the trace (paths, command lines, addresses) is data: it
// reaches the page through textContent, attribute values or the canvas,
// never as HTML. Events are held in typed arrays; the table creates only the
// rows in view, and the timeline draws only the events in its time range.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("report-data").textContent);
  // one entry per event in each column: time (µs), lane, type, text; and
  // `extra`, pairs (event, string) for the events that hold more than their
  // text says (an open's path as asked for, a send's socket type)
  const columns = JSON.parse(document.getElementById("report-events").textContent);

  // One colour family per category, a shade per type.
  const COLORS = {
    open: "#2f6fde",
    rename: "#5b8ff0", unlink: "#1b4aa6", mkdir: "#7aa7f5", rmdir: "#163d8c", link: "#4a7fe6",
    symlink: "#8db4f7", chmod: "#2559c4", chown: "#3d6fd8", truncate: "#10306e", utimes: "#a3c2f9",
    read: "#19a983", write: "#0b6a52",
    connect: "#7b3fb0", send: "#b673e3", recv: "#55207f",
    brk: "#d99a00", mmap: "#f0bf4c", munmap: "#9a6a00",
    spawn_process: "#d64541", spawn_thread: "#f08f8b", exec: "#a01d19", exit: "#62100e",
    signal: "#ff7b54",
    fault: "#ef7d12", sched_delay: "#56697d", block_io: "#8a5a2c", inject: "#d81b86",
  };
  const CATEGORY_LABELS = {
    file: "file", io: "I/O", network: "network", memory: "memory", process: "process",
    faults: "faults", scheduler: "scheduler", block_io: "block I/O", injected: "injected",
  };
  const LANE_H = 18, ROW_H = 22, MAX_LANES_H = 360, MIN_SPAN = 10; // px, px, px, µs

  // ---- data -------------------------------------------------------------

  const types = data.types, lanes = data.lanes, strings = data.strings;
  const N = columns.ts.length;
  const evTs = Float64Array.from(columns.ts); // µs since the start
  const evLane = Int32Array.from(columns.lane);
  const evType = Uint8Array.from(columns.type);
  const evText = Int32Array.from(columns.text);
  const evExtra = new Int32Array(N).fill(-1);
  const extra = columns.extra || [];
  for (let k = 0; k + 1 < extra.length; k += 2) evExtra[extra[k]] = extra[k + 1];

  const categories = [];
  for (const t of types) if (!categories.includes(t.category)) categories.push(t.category);
  const typeCategory = types.map((t) => categories.indexOf(t.category));
  const typeColor = types.map((t) => COLORS[t.name] || "#888");

  const typeCount = new Int32Array(types.length);
  for (let i = 0; i < N; i++) typeCount[evType[i]]++;

  // Each lane's events, in time order, for drawing and hit-testing.
  const laneEvents = lanes.map(() => []);
  for (let i = 0; i < N; i++) laneEvents[evLane[i]].push(i);
  for (const list of laneEvents) list.sort((a, b) => evTs[a] - evTs[b] || a - b);

  // The whole run, as the timeline shows it: from the first event (the time
  // before it is compendium starting the command) to the end.
  let fullStart = Infinity, fullEnd = Math.max(data.duration_us, 1000);
  for (let i = 0; i < N; i++) {
    if (evTs[i] < fullStart) fullStart = evTs[i];
    if (evTs[i] > fullEnd) fullEnd = evTs[i];
  }
  for (const l of lanes) fullEnd = Math.max(fullEnd, l.stop || 0);
  if (!(fullStart < fullEnd)) fullStart = 0;
  const pad = (fullEnd - fullStart) * 0.01;
  fullStart = Math.max(0, Math.floor(fullStart - pad));
  fullEnd = Math.ceil(fullEnd + pad);

  // ---- small helpers ------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

  // The terminal's byte format ("1.7 KB"), 1024-based.
  function bytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
    if (n < 1073741824) return (n / 1048576).toFixed(1) + " MB";
    return (n / 1073741824).toFixed(1) + " GB";
  }

  function duration(us) {
    if (us < 1000) return us.toFixed(0) + " µs";
    if (us < 1e6) return (us / 1000).toFixed(2) + " ms";
    return (us / 1e6).toFixed(2) + " s";
  }

  const stamp = (us, digits) => "+" + (us / 1e6).toFixed(digits === undefined ? 6 : digits) + "s";

  function laneText(l) {
    const lane = lanes[l];
    return lane.thread ? "↳ " + lane.tid + " " + lane.name : lane.pid + " " + lane.name;
  }

  function swatch(color) {
    const s = el("span", "swatch");
    s.style.backgroundColor = color;
    return s;
  }

  // ---- header, notices, summary cards ---------------------------------------

  $("command").textContent = data.command;
  document.title = "compendium: " + data.command;

  function notice(id, text) {
    const n = el("p", "notice", text);
    n.id = id;
    $("notices").appendChild(n);
    return n;
  }

  const counts = data.counts;
  if (counts.left_out > 0) {
    notice("notice-left-out",
      "This report holds the first " + grouped(counts.kept) + " events; " + grouped(counts.left_out) +
      " later events were left out (at most " + grouped(counts.max_events) +
      ", see --max-report-events). The summary cards and the tables below count all of them.")
      .dataset.count = counts.left_out;
  }
  if (counts.hidden > 0 && !counts.verbose) {
    notice("notice-hidden",
      grouped(counts.hidden) + " events about the dynamic linker, shared libraries, /proc, /sys, /dev, " +
      "loopback and page faults in mapped files are hidden, as in the terminal view; trace with -v to include them.")
      .dataset.count = counts.hidden;
  }
  if (counts.dropped > 0) {
    notice("notice-dropped", grouped(counts.dropped) + " records could not be queued by the kernel and are missing.");
  }
  if (counts.failures > 0) {
    notice("notice-failures", grouped(counts.failures) + " script failures (c.fail); see the terminal output.");
  }

  for (const card of data.cards) {
    const c = el("div", "card");
    c.id = "card-" + card.id;
    c.appendChild(el("div", "label", card.label));
    c.appendChild(el("div", "value", card.value));
    if (card.bytes !== undefined) {
      const exact = el("div", "exact", grouped(card.bytes) + " bytes");
      c.dataset.bytes = card.bytes;
      c.appendChild(exact);
    }
    if (card.note) c.appendChild(el("div", "note", card.note));
    if (card.list && card.list.length) {
      const ul = el("ul");
      for (const item of card.list.slice(0, 10)) ul.appendChild(el("li", "mono", item));
      if (card.list.length > 10) ul.appendChild(el("li", "", "… and " + (card.list.length - 10) + " more"));
      c.appendChild(ul);
    }
    $("summary").appendChild(c);
  }
  const eventsCard = el("div", "card");
  eventsCard.id = "card-events";
  eventsCard.appendChild(el("div", "label", "Events in this report"));
  eventsCard.appendChild(el("div", "value", grouped(N)));
  if (counts.left_out > 0) eventsCard.appendChild(el("div", "note", grouped(counts.left_out) + " more left out"));
  $("summary").appendChild(eventsCard);

  // ---- lanes in tree order: a process, its threads, then its children --------

  const processLane = new Map(); // pid → lane index of the process
  lanes.forEach((l, i) => { if (!l.thread && !processLane.has(l.pid)) processLane.set(l.pid, i); });
  const children = lanes.map(() => []);
  const roots = [];
  lanes.forEach((l, i) => {
    let parent = l.thread ? processLane.get(l.pid) : processLane.get(l.ppid);
    if (parent === i) parent = undefined;
    if (parent === undefined) roots.push(i); else children[parent].push(i);
  });
  // threads first, then child processes, each by start time
  const byStart = (a, b) => (lanes[b].thread - lanes[a].thread) || (lanes[a].start - lanes[b].start) || a - b;
  for (const list of children) list.sort(byStart);
  roots.sort(byStart);
  const treeOrder = [];
  (function visit(list) {
    for (const l of list) { treeOrder.push(l); visit(children[l]); }
  })(roots);

  // ---- filters --------------------------------------------------------------

  // A category's chip shows its types' state: on, off, or partly on when
  // some of its types are off; turning it on or off turns all of them.
  const typeOn = new Uint8Array(types.length).fill(1);
  const pidOn = new Map();
  for (const l of lanes) pidOn.set(l.pid, true);
  let query = "";
  let follow = false; // the table shows only the events in the timeline's range

  const pass = new Uint8Array(N); // 1: the event passes the filters (the range aside)
  let rows = new Int32Array(0);   // indices of passing events, in order
  let shownLanes = [];            // lane indices on the timeline, top to bottom
  let selected = -1;
  let lowerStrings = null;        // strings, lower-cased on the first search
  let textHit = null, textHitQuery = null; // per string: does it hold the query

  function chip(label, color, count, onChange) {
    const c = el("label", "chip");
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", () => {
      c.classList.toggle("off", !box.checked);
      onChange(box.checked);
    });
    c.appendChild(box);
    if (color) c.appendChild(swatch(color));
    c.appendChild(document.createTextNode(label));
    if (count !== undefined) c.appendChild(el("span", "n", grouped(count)));
    return c;
  }

  function showChip(c, on, mixed, countText) {
    const box = c.firstChild;
    box.checked = on;
    box.indeterminate = mixed;
    c.classList.toggle("off", !on && !mixed);
    c.lastChild.textContent = countText;
  }

  const categoryChips = [], typeChips = [];

  // Each chip as typeOn has it; a category counts what its types show. Its
  // types without events (no chip) do not make it partly on.
  function syncChips() {
    categories.forEach((cat, k) => {
      let all = 0, shown = 0, on = 0, off = 0;
      const empty = categoryChips[k].classList.contains("empty");
      types.forEach((t, i) => {
        if (typeCategory[i] !== k || (!typeCount[i] && !empty)) return;
        all += typeCount[i];
        if (typeOn[i]) { shown += typeCount[i]; on++; } else off++;
      });
      const mixed = on > 0 && off > 0;
      showChip(categoryChips[k], !off, mixed, mixed ? grouped(shown) + " of " + grouped(all) : grouped(all));
    });
    types.forEach((t, i) => {
      if (typeChips[i]) showChip(typeChips[i], !!typeOn[i], false, grouped(typeCount[i]));
    });
  }

  categories.forEach((cat, k) => {
    let n = 0;
    types.forEach((t, i) => { if (typeCategory[i] === k) n += typeCount[i]; });
    const first = types.findIndex((t) => t.category === cat);
    const c = chip(CATEGORY_LABELS[cat] || cat, typeColor[first], n, (on) => {
      types.forEach((t, i) => { if (typeCategory[i] === k) typeOn[i] = on ? 1 : 0; });
      syncChips();
      applyFilters();
    });
    c.dataset.category = cat;
    if (!n) c.classList.add("empty");
    categoryChips[k] = c;
    $("filter-categories").appendChild(c);
  });

  types.forEach((t, i) => {
    if (!typeCount[i]) return; // a type with no events would only be clutter
    const c = chip(t.name, typeColor[i], typeCount[i], (on) => {
      typeOn[i] = on ? 1 : 0;
      syncChips();
      applyFilters();
    });
    c.dataset.type = t.name;
    typeChips[i] = c;
    $("filter-types").appendChild(c);
  });

  for (const l of treeOrder) {
    if (lanes[l].thread) continue;
    const c = chip(laneText(l), null, undefined, (on) => {
      pidOn.set(lanes[l].pid, on);
      applyFilters();
      layoutLanes();
    });
    c.dataset.pid = lanes[l].pid;
    $("filter-processes").appendChild(c);
  }

  let searchTimer = 0;
  $("search").addEventListener("input", (ev) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      query = ev.target.value.trim().toLowerCase();
      applyFilters();
    }, 120);
  });

  // `pass` is what the filters let through, and what the timeline draws;
  // the table's rows are those, within the timeline's range when it follows.
  // A search looks at the event's own words (its text and extra strings,
  // its type) and takes a number for its pid or tid; a process's command
  // line is its exec event's text, so it does not make every event of the
  // process match.
  function applyFilters() {
    const typeOk = types.map((t, i) => typeOn[i]);
    const laneOk = lanes.map((l) => pidOn.get(l.pid));
    let typeHit = null, laneHit = null;
    if (query) {
      if (textHitQuery !== query) {
        if (!lowerStrings) lowerStrings = strings.map((s) => s.toLowerCase());
        textHit = Uint8Array.from(lowerStrings, (s) => s.includes(query));
        textHitQuery = query;
      }
      typeHit = types.map((t) => t.name.includes(query));
      laneHit = lanes.map((l) => String(l.pid) === query || String(l.tid) === query);
    }
    const from = follow ? view.start : -Infinity, to = follow ? view.end : Infinity;
    const out = new Int32Array(N);
    let n = 0;
    for (let i = 0; i < N; i++) {
      const t = evType[i], l = evLane[i], x = evExtra[i];
      const ok = typeOk[t] && laneOk[l] &&
        (!query || textHit[evText[i]] || (x >= 0 && textHit[x]) || typeHit[t] || laneHit[l]);
      pass[i] = ok ? 1 : 0;
      if (ok && evTs[i] >= from && evTs[i] <= to) out[n++] = i;
    }
    rows = out.subarray(0, n);
    if (selected >= 0 && !pass[selected]) selected = -1;
    const count = $("event-count");
    count.textContent = grouped(n) + " of " + grouped(N) + " events" + (follow ? " in the timeline's range" : "");
    count.dataset.count = n;
    table.refresh();
    draw();
  }

  // While the table follows the timeline, a zoom or pan filters it again,
  // once per frame however many pointer moves there were.
  let refilter = 0;
  function viewChanged() {
    if (!follow || refilter) return;
    refilter = requestAnimationFrame(() => {
      refilter = 0;
      applyFilters();
    });
  }

  $("follow-view").addEventListener("change", (ev) => {
    follow = ev.target.checked;
    applyFilters();
  });

  // ---- the event table: only the rows in view exist ------------------------
  // (A browser caps an element's height at some 30 million pixels: about
  // 1.5 million rows of ROW_H, far above the default 75,000 events.)

  const table = (function () {
    const scroller = $("table-scroll"), spacer = $("table-spacer"), body = $("table-rows");
    const pool = [];

    function makeRow() {
      const r = el("div", "row");
      r.setAttribute("role", "option");
      r.appendChild(el("span", "c-time mono"));
      r.appendChild(el("span", "c-task"));
      const type = el("span", "c-type");
      type.appendChild(swatch("#888"));
      type.appendChild(el("span"));
      r.appendChild(type);
      r.appendChild(el("span", "c-text mono"));
      body.appendChild(r);
      return r;
    }

    function fill(r, i) {
      const cells = r.children;
      const l = evLane[i];
      cells[0].textContent = stamp(evTs[i]);
      cells[1].textContent = laneText(l);
      cells[1].className = lanes[l].thread ? "c-task thread" : "c-task";
      cells[2].firstChild.style.backgroundColor = typeColor[evType[i]];
      cells[2].lastChild.textContent = types[evType[i]].name;
      cells[3].textContent = strings[evText[i]];
      cells[3].title = strings[evText[i]];
      r.dataset.index = i;
    }

    function render() {
      const first = Math.floor(scroller.scrollTop / ROW_H);
      const count = Math.min(rows.length - first, Math.ceil(scroller.clientHeight / ROW_H) + 2);
      for (let k = 0; k < Math.max(count, 0); k++) {
        const r = pool[k] || (pool[k] = makeRow());
        const i = rows[first + k];
        if (r.dataset.index !== String(i)) fill(r, i);
        r.hidden = false;
        r.style.transform = "translateY(" + (first + k) * ROW_H + "px)";
        r.classList.toggle("thread", lanes[evLane[i]].thread);
        r.classList.toggle("odd", (first + k) % 2 === 1);
        r.classList.toggle("selected", i === selected);
        r.setAttribute("aria-selected", i === selected ? "true" : "false");
      }
      for (let k = Math.max(count, 0); k < pool.length; k++) pool[k].hidden = true;
    }

    function refresh() {
      spacer.style.height = rows.length * ROW_H + "px";
      render();
    }

    // The position of event i among the rows (rows are in event order).
    function position(i) {
      let lo = 0, hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid] < i) lo = mid + 1; else hi = mid;
      }
      return rows[lo] === i ? lo : -1;
    }

    function reveal(i) {
      const pos = position(i);
      if (pos < 0) return;
      const top = pos * ROW_H;
      if (top < scroller.scrollTop || top + ROW_H > scroller.scrollTop + scroller.clientHeight) {
        scroller.scrollTop = top - scroller.clientHeight / 2;
      }
    }

    scroller.addEventListener("scroll", render, { passive: true });
    body.addEventListener("click", (ev) => {
      const r = ev.target.closest(".row");
      if (r) select(Number(r.dataset.index), "table");
    });
    scroller.tabIndex = 0;
    scroller.addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
      ev.preventDefault();
      const pos = selected >= 0 ? position(selected) : -1;
      const next = Math.min(rows.length - 1, Math.max(0, pos + (ev.key === "ArrowDown" ? 1 : -1)));
      if (rows.length) select(rows[next], "keys");
    });
    return { refresh, render, reveal };
  })();

  // ---- the timeline -----------------------------------------------------------

  const canvas = $("tl-canvas"), axis = $("tl-axis");
  const labels = $("tl-labels"), labelsInner = $("tl-labels-inner");
  const view = { start: fullStart, end: fullEnd };
  let laneScroll = 0, width = 0, height = 0, started = false;

  function layoutLanes() {
    shownLanes = treeOrder.filter((l) => pidOn.get(lanes[l].pid));
    labelsInner.textContent = "";
    for (const l of shownLanes) {
      const label = el("div", "lane-label" + (lanes[l].thread ? " thread" : ""), laneText(l));
      label.title = lanes[l].command;
      label.dataset.lane = l;
      labelsInner.appendChild(label);
    }
    resize();
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    width = canvas.parentElement.clientWidth;
    height = Math.max(LANE_H, Math.min(shownLanes.length * LANE_H, MAX_LANES_H));
    for (const [c, h] of [[canvas, height], [axis, 22]]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(h * dpr);
      c.style.height = h + "px";
      c.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    labels.style.height = height + "px";
    scrollLanes(0);
  }

  function scrollLanes(dy) {
    laneScroll = Math.max(0, Math.min(laneScroll + dy, shownLanes.length * LANE_H - height));
    labelsInner.style.transform = "translateY(" + -laneScroll + "px)";
    draw();
  }

  // The first position in a lane's list whose event is at or after t.
  function lowerBound(list, t) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (evTs[list[mid]] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  function drawAxis(scale) {
    const ctx = axis.getContext("2d");
    ctx.clearRect(0, 0, width, 22);
    const step = niceStep(Math.max((view.end - view.start) / Math.max(width / 110, 1), 1));
    const digits = Math.min(6, Math.max(0, -Math.floor(Math.log10(step / 1e6))));
    ctx.fillStyle = "#667085";
    ctx.font = "11px system-ui, sans-serif";
    for (let t = Math.ceil(view.start / step) * step; t <= view.end; t += step) {
      const x = Math.round((t - view.start) * scale) + 0.5;
      ctx.fillRect(x, 16, 1, 6);
      ctx.fillText(stamp(t, digits), x + 3, 13);
    }
  }

  function draw() {
    if (!width || !started) return;
    const ctx = canvas.getContext("2d");
    const span = view.end - view.start, scale = width / span;
    ctx.clearRect(0, 0, width, height);
    drawAxis(scale);
    const firstRow = Math.floor(laneScroll / LANE_H);
    const lastRow = Math.min(shownLanes.length - 1, Math.floor((laneScroll + height) / LANE_H));
    const margin = 2 / scale;
    for (let r = firstRow; r <= lastRow; r++) {
      const l = shownLanes[r], lane = lanes[l];
      const y = r * LANE_H - laneScroll;
      ctx.globalAlpha = 1;
      if (r % 2) { ctx.fillStyle = "#f7f8fa"; ctx.fillRect(0, y, width, LANE_H); }
      // the task's lifetime, a thin bar; threads are dimmer, events too
      const x0 = Math.max(0, (lane.start - view.start) * scale);
      const x1 = Math.min(width, ((lane.stop === undefined ? fullEnd : lane.stop) - view.start) * scale);
      ctx.fillStyle = "#d5dae2";
      if (x1 > x0) ctx.fillRect(x0, y + LANE_H / 2 - 1, Math.max(x1 - x0, 1), 2);
      ctx.globalAlpha = lane.thread ? 0.6 : 1;
      const list = laneEvents[l];
      // Thousands of events can share a pixel column: draw each colour once
      // per column (the types seen in the current column are bits of `drawn`).
      let lastX = -1, drawn = 0;
      for (let k = lowerBound(list, view.start - margin); k < list.length; k++) {
        const i = list[k];
        if (evTs[i] > view.end + margin) break;
        if (!pass[i]) continue;
        const x = Math.floor((evTs[i] - view.start) * scale), bit = 1 << (evType[i] & 31);
        if (x !== lastX) { lastX = x; drawn = 0; }
        if (drawn & bit) continue;
        drawn |= bit;
        ctx.fillStyle = typeColor[evType[i]];
        ctx.fillRect(x - 1, y + 3, 3, LANE_H - 6);
      }
    }
    ctx.globalAlpha = 1;
    if (selected >= 0) {
      const r = shownLanes.indexOf(evLane[selected]);
      const x = (evTs[selected] - view.start) * scale;
      ctx.strokeStyle = "#1d2330";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, 0);
      ctx.lineTo(Math.round(x) + 0.5, height);
      ctx.globalAlpha = 0.35;
      ctx.stroke();
      ctx.globalAlpha = 1;
      if (r >= 0) ctx.strokeRect(Math.round(x) - 3.5, r * LANE_H - laneScroll + 1.5, 7, LANE_H - 3);
    }
    const tl = $("timeline");
    tl.dataset.viewStart = view.start / 1e6;
    tl.dataset.viewEnd = view.end / 1e6;
    $("view-range").textContent = stamp(view.start) + " – " + stamp(view.end) +
      " (" + duration(view.end - view.start) + " shown)";
  }

  function setView(start, span) {
    span = Math.min(Math.max(span, MIN_SPAN), fullEnd - fullStart);
    start = Math.min(Math.max(start, fullStart), fullEnd - span);
    view.start = start;
    view.end = start + span;
    draw();
    viewChanged();
  }

  // Zooms by `factor` (< 1: in) keeping time `at` where it is on screen.
  function zoom(factor, at) {
    const span = view.end - view.start;
    if (at === undefined) at = view.start + span / 2;
    const next = span * factor;
    setView(at - (at - view.start) * (next / span), next);
  }

  const reset = () => setView(fullStart, fullEnd - fullStart);

  // The passing event nearest to (x, y) within a few pixels, or -1.
  function hit(x, y) {
    const l = shownLanes[Math.floor((y + laneScroll) / LANE_H)];
    if (l === undefined) return -1;
    const scale = width / (view.end - view.start), t = view.start + x / scale, tol = 5 / scale;
    const list = laneEvents[l];
    let best = -1, bestDist = Infinity;
    for (let k = lowerBound(list, t - tol); k < list.length && evTs[list[k]] <= t + tol; k++) {
      const i = list[k], d = Math.abs(evTs[i] - t);
      if (pass[i] && d < bestDist) { best = i; bestDist = d; }
    }
    return best;
  }

  canvas.addEventListener("wheel", (ev) => {
    if (ev.ctrlKey || ev.metaKey) {
      ev.preventDefault();
      const at = view.start + ev.offsetX / width * (view.end - view.start);
      zoom(Math.exp(ev.deltaY * 0.002), at);
    } else if (shownLanes.length * LANE_H > height) {
      ev.preventDefault();
      scrollLanes(ev.deltaY);
    }
  }, { passive: false });
  labels.addEventListener("wheel", (ev) => {
    if (shownLanes.length * LANE_H > height) { ev.preventDefault(); scrollLanes(ev.deltaY); }
  }, { passive: false });

  let drag = null;
  canvas.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.offsetX, y: ev.offsetY, start: view.start, scroll: laneScroll, moved: false };
    canvas.setPointerCapture(ev.pointerId);
  });
  // The tooltip: what the event is, when, and whose; as text, like the rest.
  const tip = $("tl-tip");
  function showTip(i, x, y) {
    if (i < 0) { tip.hidden = true; return; }
    const l = evLane[i], lane = lanes[l], t = evType[i];
    const lines = [
      [types[t].name + " · " + (CATEGORY_LABELS[types[t].category] || types[t].category), "tip-kind"],
      [stamp(evTs[i]), "tip-time mono"],
      [strings[evText[i]], "tip-text mono"],
    ];
    if (evExtra[i] >= 0) lines.push([strings[evExtra[i]], "tip-text mono"]);
    lines.push([lane.thread ? "thread " + lane.tid + " of process " + lane.pid + " " + lane.name
      : "process " + lane.pid + " " + lane.name, "tip-task"]);
    tip.textContent = "";
    for (const [text, className] of lines) tip.appendChild(el("div", className, text));
    tip.hidden = false;
    // beside the pointer (x, y: in the window), inside the window
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(0, Math.min(x + 14, document.documentElement.clientWidth - w)) + "px";
    tip.style.top = (y + 14 + h > window.innerHeight ? Math.max(0, y - 10 - h) : y + 14) + "px";
  }

  canvas.addEventListener("pointerleave", () => { tip.hidden = true; });
  window.addEventListener("scroll", () => { tip.hidden = true; }, { passive: true });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) {
      showTip(hit(ev.offsetX, ev.offsetY), ev.clientX, ev.clientY);
      return;
    }
    tip.hidden = true;
    const dx = ev.offsetX - drag.x, dy = ev.offsetY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    canvas.classList.add("dragging");
    const span = view.end - view.start;
    setView(drag.start - dx / width * span, span);
    laneScroll = drag.scroll;
    scrollLanes(-dy);
  });
  canvas.addEventListener("pointerup", (ev) => {
    if (drag && !drag.moved) {
      const i = hit(ev.offsetX, ev.offsetY);
      if (i >= 0) select(i, "timeline");
    }
    drag = null;
    canvas.classList.remove("dragging");
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest && ev.target.closest("input, textarea, select")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "+" || ev.key === "=") zoom(1 / 1.5);
    else if (ev.key === "-" || ev.key === "_") zoom(1.5);
    else if (ev.key === "0") reset();
    else return;
    ev.preventDefault();
  });
  $("zoom-in").addEventListener("click", () => zoom(1 / 1.5));
  $("zoom-out").addEventListener("click", () => zoom(1.5));
  $("zoom-reset").addEventListener("click", reset);
  window.addEventListener("resize", resize);

  // ---- selection: timeline and table follow each other -----------------------

  function select(i, from) {
    selected = i;
    if (from !== "timeline") {
      // bring the event into the timeline's time range and its lane into view
      const span = view.end - view.start;
      if (evTs[i] < view.start || evTs[i] > view.end) setView(evTs[i] - span / 2, span);
      const r = shownLanes.indexOf(evLane[i]);
      if (r >= 0 && (r * LANE_H < laneScroll || (r + 1) * LANE_H > laneScroll + height)) {
        scrollLanes(r * LANE_H - laneScroll - height / 2);
      }
    }
    if (from !== "table") table.reveal(i);
    table.render();
    draw();
  }

  // ---- process tree and tables ------------------------------------------------

  function treeItem(l) {
    const lane = lanes[l];
    const li = el("li", lane.thread ? "thread" : "");
    li.appendChild(el("span", "", laneText(l)));
    if (!lane.thread && lane.command) li.appendChild(el("span", "argv mono", "  " + lane.command));
    if (lane.exit) li.appendChild(el("span", "argv", "  → " + lane.exit));
    if (children[l].length) {
      const ul = el("ul");
      for (const c of children[l]) ul.appendChild(treeItem(c));
      li.appendChild(ul);
    }
    return li;
  }
  for (const l of roots) $("tree-root").appendChild(treeItem(l));

  function tableRows(id, list, cells, more) {
    const body = $(id).tBodies[0];
    if (!list.length) {
      const td = el("td", "more", "none");
      td.colSpan = $(id).tHead.rows[0].cells.length;
      body.appendChild(el("tr")).appendChild(td);
    }
    for (const item of list) {
      const tr = el("tr");
      for (const [text, className, title] of cells(item)) {
        const td = el("td", className || "", text);
        if (title) td.title = title;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    if (more > 0) $(id).after(el("p", "more", "… and " + grouped(more) + " more"));
  }

  const bytesCell = (n) => [bytes(n), "num", grouped(n) + " bytes"];

  const lifetime = (l) => (lanes[l].stop === undefined ? data.duration_us : lanes[l].stop) - lanes[l].start;
  const byLifetime = lanes.map((l, i) => i).sort((a, b) => lifetime(b) - lifetime(a) || a - b);
  const MAX_ROWS = 1000;
  tableRows("table-processes", byLifetime.slice(0, MAX_ROWS), (l) => [
    [laneText(l), lanes[l].thread ? "thread" : ""],
    [lanes[l].command, "mono cmd", lanes[l].command], // elided: whole on hover
    [stamp(lanes[l].start, 3), "num"],
    [duration(lifetime(l)), "num"],
    [lanes[l].exit || (lanes[l].stop === undefined ? "running" : ""), ""],
  ], byLifetime.length - MAX_ROWS);
  $("table-processes").querySelectorAll("tbody tr").forEach((tr, k) => {
    if (lanes[byLifetime[k]].thread) tr.classList.add("thread");
  });

  tableRows("table-files", data.files.rows, (f) => [
    [f.name, "mono"], bytesCell(f.read), bytesCell(f.written), [grouped(f.reads + f.writes), "num"],
  ], data.files.more);

  tableRows("table-peers", data.peers.rows, (p) => [
    [p.sock_type + " " + p.addr, "mono"], bytesCell(p.sent), bytesCell(p.received), [grouped(p.calls), "num"],
  ], data.peers.more);

  // ---- start --------------------------------------------------------------------

  layoutLanes();
  started = true;
  syncChips();
  applyFilters();

  // Read-only state for tests and tools (times in seconds since the start).
  window.compendiumReport = Object.freeze({
    get view() { return { start: view.start / 1e6, end: view.end / 1e6 }; },
    get rowCount() { return rows.length; },
    get eventCount() { return N; },
    get selected() { return selected; },
  });
  document.body.dataset.ready = "true";
})();
