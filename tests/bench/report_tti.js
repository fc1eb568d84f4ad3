// Loads a report in headless Chromium three times and prints, for each,
// when the page was interactive: the time from navigation start until the
// report had drawn everything (body[data-ready]) and the main thread was
// free again. Then scrolls the event table to the middle and counts the
// row elements that exist.
//   node tests/bench/report_tti.js REPORT.html
"use strict";
const path = require("node:path");
const { chromium } = require(path.join(__dirname, "../browser/node_modules/playwright-core"));

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const times = [];
  for (let run = 0; run < 3; run++) {
    await page.goto("file://" + path.resolve(process.argv[2]), { waitUntil: "commit" });
    await page.waitForSelector("body[data-ready]", { timeout: 30000 });
    times.push(await page.evaluate(() => new Promise((done) => setTimeout(() => done(performance.now()), 0))));
  }
  const ms = times.map((t) => t.toFixed(0) + " ms").join(", ");
  console.log(`interactive: ${ms} (target < 2 s)`);
  const rows = await page.evaluate(() => {
    const scroller = document.getElementById("table-scroll");
    scroller.scrollTop = scroller.scrollHeight / 2;
    scroller.dispatchEvent(new Event("scroll"));
    return {
      events: window.compendiumReport.rowCount,
      elements: document.querySelectorAll("#table-rows .row:not([hidden])").length,
    };
  });
  console.log(`table:      ${rows.elements} row elements for ${rows.events} rows, scrolled to the middle`);
  await browser.close();
})().catch((err) => {
  console.error("report_tti.js: " + err.message);
  process.exit(1);
});
