// End-to-end test of the oa dashboard in headless Chromium (the system's /usr/bin/chromium,
// driven by playwright-core; no browser is downloaded).
//
//   node e2e/run.mjs PATH/TO/oa
//
// Starts `oa serve --demo` on a free loopback port with a temporary SQLite database, then:
// signs in as the demo area lead, opens the national map, filters the areas table, opens
// the area profile, records a KPI actual (first with an error, then valid) and sees it on
// the chart, is refused on another area's form; signs in as the demo board member, who
// comments on Blackpool (an empty comment first) and sees the comment; and checks the main pages with axe-core
// (no serious or critical violations). Screenshots go to e2e/artifacts/. Any failure
// exits non-zero with the reason.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axePath = require.resolve("axe-core/axe.min.js");

const CHROMIUM = process.env.OA_E2E_CHROMIUM || "/usr/bin/chromium";
const ADMIN_PASSWORD = "e2e-admin-password";
const LEAD_PASSWORD = "e2e-lead-password";
const LEAD_EMAIL = "lead.blackpool@example.org";
const BOARD_PASSWORD = "e2e-board-password";
const BOARD_EMAIL = "board.blackpool@example.org";

const bin = process.argv[2] || process.env.OA_BIN;
if (!bin || !fs.existsSync(bin)) {
  fail(`give the oa binary: node e2e/run.mjs PATH/TO/oa (got ${bin})`);
}
if (!fs.existsSync(CHROMIUM)) {
  fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
}
// Boundaries for the national map: OA_DATA_DIR, else the shared data next to the repo.
const dataDir =
  process.env.OA_DATA_DIR || path.resolve(here, "..", "..", "shared", "data");
const haveBoundaries = fs.existsSync(
  path.join(dataDir, "geo/onsvisual-uk-topojson/topo.json"),
);

const artifacts = path.join(here, "artifacts");
fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "oa-e2e-"));

let server;
let context;
const steps = [];

function fail(message) {
  console.error(`e2e: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

function check(cond, message) {
  if (!cond) fail(message);
}

function step(name) {
  steps.push(name);
  console.log(`e2e: ${name}`);
}

/** Starts the server and resolves with its base URL (printed on stdout). */
function startServer() {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      OA_DEMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OA_DEMO_LEAD_PASSWORD: LEAD_PASSWORD,
      OA_DEMO_BOARD_PASSWORD: BOARD_PASSWORD,
    };
    if (haveBoundaries) env.OA_DATA_DIR = dataDir;
    server = spawn(
      bin,
      ["serve", "--demo", "--listen", "127.0.0.1:0", "--database", path.join(tmp, "oa.db")],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s:\n${out}`)), 60000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m && out.includes("demo area lead")) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.stderr.on("data", (d) => {
      out += d;
      process.stderr.write(`oa serve: ${d}`);
    });
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`oa serve exited with ${code} before it was ready:\n${out}`));
    });
  });
}

const axeSource = fs.readFileSync(axePath, "utf8");

/** axe-core on the current page: no serious or critical violations. axe is evaluated
 * through the DevTools protocol, not added as a <script>: the pages' Content-Security-Policy
 * (script-src 'self') rightly refuses inline scripts. */
async function accessible(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
  fs.writeFileSync(path.join(artifacts, `axe-${name}.json`), JSON.stringify(report, null, 2));
  check(
    bad.length === 0,
    `${name}: ${bad.length} serious or critical accessibility violations: ${JSON.stringify(report.filter((v) => v.impact === "serious" || v.impact === "critical"), null, 1)}`,
  );
  console.log(`e2e:   axe ${name}: ${result.violations.length} minor/moderate, 0 serious or critical`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function main() {
  const base = await startServer();
  step(`server at ${base}${haveBoundaries ? " (with boundaries)" : " (no boundaries: map note expected)"}`);
  context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  // The Content-Security-Policy must not block anything the pages need.
  const cspViolations = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  // Nothing may be fetched from anywhere but the server.
  const foreign = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url());
  });

  step("national view, signed out");
  let resp = await page.goto(`${base}/`);
  check(resp.status() === 200, `GET / answered ${resp.status()}`);
  check((await page.locator("h1").innerText()) === "National view", "no National view heading");
  check((await page.locator("#areas-table tbody tr").count()) === 12, "the areas table should list 12 areas");
  if (haveBoundaries) {
    check((await page.locator("figure.oa-map svg path").count()) > 100, "the national map has no district paths");
  } else {
    check(await page.locator("#map-note").isVisible(), "no map and no note saying why");
  }
  await accessible(page, "national");

  step("sign in as the Blackpool area lead");
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.fill("#email", LEAD_EMAIL);
  await page.fill("#password", "not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "a wrong password shows no error summary");
  await accessible(page, "sign-in-error");
  await page.fill("#password", LEAD_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  check((await page.locator(".oa-whoami").innerText()).includes("area lead"), "not signed in as the area lead");

  step("the map and the filter (JavaScript filters the table in place)");
  await page.fill("#q", "fen");
  const visible = await page.locator("#areas-table tbody tr:not([hidden])").count();
  check(visible === 1, `filtering by "fen" should leave 1 area, left ${visible}`);
  await page.fill("#q", "");
  await shot(page, "01-national");

  const derbyHref = await page.getByRole("link", { name: "Derby", exact: true }).getAttribute("href");

  step("area profile");
  await page.getByRole("link", { name: "My area" }).click();
  check((await page.locator("h1").innerText()) === "Blackpool", "My area is not Blackpool");
  check((await page.locator("figure.oa-chart svg").count()) >= 2, "the profile has fewer than 2 KPI charts");
  await accessible(page, "area");
  await shot(page, "02-area-profile");

  step("record a KPI actual: an error first, then a valid one");
  await page.getByRole("link", { name: /Record an actual/ }).first().click();
  await page.fill("#period", "2018/19");
  await page.fill("#actual", "sixty");
  await page.getByRole("button", { name: "Save actual" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "no error summary for a non-number");
  check(
    await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")),
    "the error summary does not take focus",
  );
  await accessible(page, "form-error");
  await shot(page, "03-form-error");
  await page.fill("#actual", "66.5");
  await page.fill("#national", "65");
  await page.getByRole("button", { name: "Save actual" }).click();
  await page.waitForURL(/saved=kpi/);
  check(await page.locator(".govuk-notification-banner--success").isVisible(), "no success banner");
  const point = page.locator("circle.point-actual title", { hasText: "Actual 2018/19: 66.5" });
  check((await point.count()) === 1, "the new actual is not on the chart");
  await shot(page, "04-kpi-recorded");

  step("another area's form is refused");
  await page.goto(`${base}${derbyHref}`);
  check((await page.getByRole("link", { name: /Record an actual/ }).count()) === 0, "Derby offers the Blackpool lead an edit link");
  const chartHref = await page.locator("a[href$='/chart.svg']").first().getAttribute("href");
  const formUrl = chartHref.replace(/chart\.svg$/, "actual");
  resp = await page.goto(`${base}${formUrl}`);
  check(resp.status() === 403, `another area's form answered ${resp.status()}, not 403`);
  check((await page.locator("h1").innerText()).includes("cannot"), "the 403 page has no explanation");
  await shot(page, "05-refused");

  step("a board member comments on their area: an empty comment first, then one that shows");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.fill("#email", BOARD_EMAIL);
  await page.fill("#password", BOARD_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  check((await page.locator(".oa-whoami").innerText()).includes("board member"), "not signed in as the board member");
  await page.getByRole("link", { name: "My area" }).click();
  check((await page.locator("h1").innerText()) === "Blackpool", "the board member's area is not Blackpool");
  check((await page.getByRole("link", { name: /Record an actual/ }).count()) === 0, "a board member is offered a KPI edit link");
  await page.getByRole("button", { name: "Add comment" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "no error summary for an empty comment");
  check((await page.locator(".govuk-error-summary").innerText()).includes("must not be empty"), "the error summary does not say the comment is empty");
  await accessible(page, "comment-error");
  const comment = "Careers fair: <b>40 employers</b> came; more next term.";
  await page.fill("#body", comment);
  await page.getByRole("button", { name: "Add comment" }).click();
  await page.waitForURL(/saved=comment/);
  check(await page.locator(".govuk-notification-banner--success").isVisible(), "no success banner after commenting");
  const shown = page.locator(".oa-comment__body", { hasText: comment });
  check((await shown.count()) === 1, "the comment is not shown on the area profile (or its text was not escaped)");
  check((await page.locator(".oa-comment__meta").last().innerText()).includes("Demo board member (Blackpool)"), "the comment does not name its author");
  await accessible(page, "area-comments");
  await page.locator("#comments").scrollIntoViewIfNeeded();
  await shot(page, "07-comment");
  resp = await page.goto(`${base}${derbyHref}`);
  check((await page.getByRole("button", { name: "Add comment" }).count()) === 0, "Derby offers the Blackpool board member a comment form");

  step("programme view");
  resp = await page.goto(`${base}/programme`);
  check(resp.status() === 200, `GET /programme answered ${resp.status()}`);
  await accessible(page, "programme");
  await shot(page, "06-programme");

  step("downloads");
  for (const url of ["/areas.csv", "/programme/money.csv", "/programme/spend.svg"]) {
    const r = await page.request.get(`${base}${url}`);
    check(r.status() === 200, `${url} answered ${r.status()}`);
  }
  if (haveBoundaries) {
    const r = await page.request.get(`${base}/map.png`);
    check(r.status() === 200 && r.headers()["content-type"] === "image/png", "/map.png is not a PNG");
  }
  check(foreign.length === 0, `the pages fetched from elsewhere: ${foreign.join(", ")}`);
  check(cspViolations.length === 0, `the Content-Security-Policy blocked: ${cspViolations.join(" | ")}`);
  const headers = (await page.request.get(`${base}/`)).headers();
  check((headers["content-security-policy"] || "").includes("frame-ancestors 'none'"), "no Content-Security-Policy on the pages");
  console.log(`e2e: all ${steps.length} steps passed; screenshots in ${artifacts}`);
}

try {
  await main();
} catch (e) {
  if (!process.exitCode) console.error(`e2e: FAILED: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => {
      const t = setTimeout(() => {
        server.kill("SIGKILL");
        r();
      }, 5000);
      server.on("exit", () => {
        clearTimeout(t);
        r();
      });
    });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
