// Accessibility of a report in headless Chromium (the system's /usr/bin/chromium, driven
// by playwright-core; no browser is downloaded).
//
//   node e2e/report.mjs PATH/TO/report.html NAME
//
// Opens the file, refuses any request that is not the file itself (a report fetches
// nothing), runs axe-core (WCAG 2.2 A and AA, best practice) and fails on any serious or
// critical violation; checks the print stylesheet applies (contents hidden in print).
// Writes e2e/artifacts/report-NAME.png (the first screen), report-NAME-print.png and
// axe-report-NAME.json.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { AXE_OPTIONS } from "./axe.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axePath = require.resolve("axe-core/axe.min.js");
const CHROMIUM = process.env.OA_E2E_CHROMIUM || "/usr/bin/chromium";

const [file, name] = process.argv.slice(2);
if (!file || !name || !fs.existsSync(file)) {
  console.error(`usage: node e2e/report.mjs PATH/TO/report.html NAME (got ${file})`);
  process.exit(2);
}
const artifacts = path.join(here, "artifacts");
fs.mkdirSync(artifacts, { recursive: true });
const url = pathToFileURL(path.resolve(file)).href;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
let failed = null;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(600000);
  const foreign = [];
  await page.route("**/*", (route) => {
    if (route.request().url() === url) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load" });
  await page.screenshot({ path: path.join(artifacts, `report-${name}.png`) });
  if (foreign.length) throw new Error(`the report fetched ${foreign.join(", ")}`);
  const scripts = await page.evaluate(() => document.scripts.length);
  if (scripts !== 0) throw new Error(`the report has ${scripts} scripts`);

  await page.addScriptTag({ path: axePath });
  // Only the violations leave the page (the annex alone has 131,376 cells).
  const report = await page.evaluate(async (options) => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, options);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  }, AXE_OPTIONS);
  fs.writeFileSync(path.join(artifacts, `axe-report-${name}.json`), JSON.stringify(report, null, 2));
  const bad = report.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    throw new Error(`${bad.length} serious or critical accessibility violations: ${JSON.stringify(bad, null, 1)}`);
  }

  await page.emulateMedia({ media: "print" });
  const contentsShown = await page.evaluate(
    () => getComputedStyle(document.querySelector("nav.contents")).display !== "none",
  );
  if (contentsShown) throw new Error("the print stylesheet does not apply");
  await page.screenshot({ path: path.join(artifacts, `report-${name}-print.png`) });
  console.log(`report ${name}: ${report.length} minor or moderate, 0 serious or critical`);
} catch (e) {
  failed = e;
} finally {
  await browser.close();
}
if (failed) {
  console.error(`report ${name}: FAILED: ${failed.message}`);
  process.exit(1);
}
