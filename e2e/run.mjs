// End-to-end test of the oa dashboard in headless Chromium (the system's /usr/bin/chromium,
// driven by playwright-core; no browser is downloaded).
//
//   node e2e/run.mjs PATH/TO/oa
//
// Starts `oa serve --demo` on a free loopback port with a temporary SQLite database and
// the version 1 results bundle kept by oa-bundle's tests (so the index's tables, the
// methodology and the likelihood wording are on the pages), then walks the journeys of
// issue 14 as each role: the public (national view, search, compare, methodology,
// glossary, the service's own pages, print), the Blackpool area lead (lands on the area
// with a task list; records a KPI figure, an error first; changes a published figure,
// which needs a reason, and sees it in the history; is refused Derby's form in words),
// the board member (comments, an empty comment first) and the national admin (signs in
// back to the grants page, raises a grant, invites a user). With OA_E2E_EVALUATION set to
// a bundle with an evaluation (e.g. `oa run studies/opportunity-areas-evaluation.toml`), a
// second server shows it: the programme's overall estimates and Blackpool against its
// synthetic comparison are checked the same way. Pages are checked with
// axe-core (no violations at any level) at 1280 px and at 390 px, where nothing may
// scroll sideways. Screenshots go to e2e/artifacts/. Any failure exits non-zero with the
// reason.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { AXE_OPTIONS } from "./axe.mjs";

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
const ADMIN_EMAIL = "admin@example.org";
// A small results bundle (oa-bundle's version 1 fixture) for the index's pages.
const resultsDir = path.resolve(here, "..", "crates", "oa-bundle", "tests", "fixtures", "v1");

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
const servers = [];
let context;
// A bundle with an evaluation section, for the evaluation's pages (optional).
const evaluationDir = process.env.OA_E2E_EVALUATION;
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

/** Starts a server (on `results`, a bundle) and resolves with its base URL (printed on
 * stdout). */
function startServer(results = resultsDir) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      OA_DEMO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OA_DEMO_LEAD_PASSWORD: LEAD_PASSWORD,
      OA_DEMO_BOARD_PASSWORD: BOARD_PASSWORD,
    };
    if (haveBoundaries) env.OA_DATA_DIR = dataDir;
    if (fs.existsSync(path.join(results, "manifest.json"))) env.OA_RESULTS_DIR = results;
    const database = path.join(tmp, `oa-${servers.length}.db`);
    server = spawn(bin, ["serve", "--demo", "--listen", "127.0.0.1:0", "--database", database], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    servers.push(server);
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
  const result = await page.evaluate(
    // eslint-disable-next-line no-undef
    async (options) => axe.run(document, options),
    AXE_OPTIONS,
  );
  // No violations at any level (minor and moderate included).
  const bad = result.violations;
  const report = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
  fs.writeFileSync(path.join(artifacts, `axe-${name}.json`), JSON.stringify(report, null, 2));
  check(
    bad.length === 0,
    `${name}: ${bad.length} accessibility violations: ${JSON.stringify(report, null, 1)}`,
  );
  console.log(`e2e:   axe ${name}: no violations`);
}

/** The page at 390 px (a small phone): nothing scrolls sideways, and axe is clean. */
async function narrow(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 390) {
    // Name what sticks out (wide tables scroll inside their own box and do not count).
    const culprits = await page.evaluate(() =>
      Array.from(document.querySelectorAll("body *"))
        .filter((el) => !(el.parentElement && el.parentElement.closest(".oa-table-scroll")))
        .filter((el) => el.getBoundingClientRect().right > 391)
        .slice(0, 8)
        .map((el) => `${el.tagName.toLowerCase()}.${typeof el.className === "string" ? el.className : ""} "${el.textContent.trim().slice(0, 40)}"`),
    );
    fail(`${name} at 390 px is ${wide} px wide: it scrolls sideways (${culprits.join("; ")})`);
  }
  // Charts and maps keep their drawn width (text at 14 px) and scroll in their own box.
  const charts = await page.$$eval(".oa-chart-scroll svg", (svgs) => svgs.map((s) => s.getBoundingClientRect().width));
  check(charts.every((w) => w >= 640), `${name}: a chart is squeezed to ${Math.min(...charts)} px at 390 px`);
  const maps = await page.$$eval(".oa-map-scroll svg", (svgs) => svgs.map((s) => s.getBoundingClientRect().width));
  check(maps.every((w) => w >= 900), `${name}: the map is squeezed to ${Math.min(...maps)} px at 390 px`);
  await accessible(page, `${name}-390`);
  await page.screenshot({ path: path.join(artifacts, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function main() {
  const base = await startServer();
  step(`server at ${base}${haveBoundaries ? " (with the data directory's boundaries)" : " (built-in boundaries)"}`);
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

  step("national view, signed out: search, counts, the index's districts");
  let resp = await page.goto(`${base}/`);
  check(resp.status() === 200, `GET / answered ${resp.status()}`);
  check((await page.locator("h1").innerText()) === "National view", "no National view heading");
  check((await page.locator("#areas-table tbody tr").count()) === 12, "the areas table should list 12 areas");
  // The map is drawn (on the data directory's boundaries, else the built-in ones), with
  // its key in HTML, tooltips naming districts and circles for the smallest.
  const districts = await page.locator("#districts-table tbody tr").count();
  check((await page.locator("figure.oa-map svg path").count()) >= districts, "the national map lacks district paths");
  check(await page.locator("#map-key").isVisible(), "no key beside the map");
  check((await page.locator("figure.oa-map svg circle title", { hasText: "Blackpool:" }).count()) === 1, "Blackpool is not marked on the map");
  const mapText = await page.$$eval("figure.oa-map svg text", (ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize) * (t.ownerSVGElement.getBoundingClientRect().width / t.ownerSVGElement.viewBox.baseVal.width)));
  check(mapText.every((px) => px >= 13.9), `map text drawn at ${Math.min(...mapText)} px`);
  check(await page.locator("#districts-table").isVisible(), "no table of the index's districts");
  check((await page.locator("#districts-count").getAttribute("aria-live")) === "polite", "the district count is not announced");
  const likelihood = await page.locator("#districts-table thead").innerText();
  check(/Likelihood of being in the worst/.test(likelihood), `the likelihood column is not in words: ${likelihood}`);
  await page.fill("#q", "fen");
  const visible = await page.locator("#areas-table tbody tr:not([hidden])").count();
  check(visible === 1, `searching "fen" should leave 1 area, left ${visible}`);
  check((await page.locator("#areas-count").innerText()).startsWith("1 of 12 opportunity areas match"), "the count does not follow the search");
  await page.fill("#q", "");
  await accessible(page, "national");
  await narrow(page, "national");
  await page.emulateMedia({ media: "print" });
  check(!(await page.locator("header.govuk-header").isVisible()), "the header is printed");
  await page.emulateMedia({ media: "screen" });

  step("compare two areas; methodology, glossary and the service's own pages");
  await page.check("#areas-table tbody tr:nth-child(1) input[type=checkbox]");
  await page.check("#areas-table tbody tr:nth-child(2) input[type=checkbox]");
  await page.getByRole("button", { name: /Compare the areas ticked/ }).click();
  await page.waitForURL(/\/compare\?/);
  check((await page.locator("h1").innerText()).startsWith("Compare "), "no comparison page");
  await accessible(page, "compare");
  await narrow(page, "compare");
  for (const [url, heading] of [
    ["/methodology", "How the index works"],
    ["/glossary", "Glossary"],
    ["/accessibility", "Accessibility statement"],
    ["/cookies", "Cookies"],
  ]) {
    resp = await page.goto(`${base}${url}`);
    check(resp.status() === 200, `${url} answered ${resp.status()}`);
    check((await page.locator("h1").innerText()) === heading, `${url} has no heading ${heading}`);
    await accessible(page, url.slice(1));
  }
  resp = await page.goto(`${base}/methodology`);
  check((await page.locator("#indicators").count()) === 1, "the methodology does not list the indicators");

  step("sign in as the Blackpool area lead: lands on the area with a task list");
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.fill("#email", LEAD_EMAIL);
  await page.fill("#password", "not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "a wrong password shows no error summary");
  check(await page.locator("#email-error").isVisible(), "the sign-in error is not inline");
  await accessible(page, "sign-in-error");
  await narrow(page, "sign-in-error");
  await page.fill("#password", LEAD_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/areas\/\d+$/);
  check((await page.locator("h1").innerText()) === "Blackpool", "the lead did not land on Blackpool");
  check(await page.locator("#tasks").isVisible(), "no task list for the lead");
  check((await page.locator(".oa-whoami").innerText()).includes("area lead"), "not signed in as the area lead");
  check((await page.locator("figure.oa-chart svg").count()) >= 2, "the profile has fewer than 2 KPI charts");
  await accessible(page, "area");
  await narrow(page, "area");
  await shot(page, "02-area-profile");
  await page.goto(`${base}/`);
  await shot(page, "01-national");
  const derbyHref = await page.getByRole("link", { name: "Derby", exact: true }).getAttribute("href");
  await page.getByRole("link", { name: "My area" }).click();

  step("record a KPI figure: an error first, then a valid one (65% as typed)");
  await page.getByRole("link", { name: /Record a figure/ }).first().click();
  await page.fill("#period", "2018/19");
  await page.fill("#actual", "sixty");
  await page.getByRole("button", { name: "Save figure" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "no error summary for a non-number");
  check(
    await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")),
    "the error summary does not take focus",
  );
  const summaryText = await page.locator(".govuk-error-summary__list").innerText();
  const inlineText = await page.locator("#actual-error").innerText();
  check(inlineText.includes(summaryText.trim()), `the summary and inline error differ: ${summaryText} / ${inlineText}`);
  await accessible(page, "form-error");
  await narrow(page, "form-error");
  await shot(page, "03-form-error");
  await page.fill("#actual", "66.5%");
  await page.fill("#national", "65");
  await page.getByRole("button", { name: "Save figure" }).click();
  await page.waitForURL(/saved=kpi/);
  const banner = page.locator(".govuk-notification-banner--success");
  check(await banner.isVisible(), "no success banner");
  check(await banner.evaluate((b) => b.getBoundingClientRect().top >= 0 && b.getBoundingClientRect().top < window.innerHeight), "the success banner is not in view");
  const point = page.locator("circle.point-actual title", { hasText: "Actual 2018/19: 66.5" });
  check((await point.count()) === 1, "the new figure is not on the chart");
  await shot(page, "04-kpi-recorded");

  step("change a published figure: the old one is shown, a reason is needed, the history keeps it");
  await page.getByRole("link", { name: /Change the 2016\/17 figure/ }).first().click();
  check((await page.locator("main").innerText()).includes("The figure recorded for 2016/17 is 62"), "the old figure is not shown");
  await page.fill("#actual", "10");
  await page.getByRole("button", { name: "Save figure" }).click();
  check((await page.locator(".govuk-error-summary").innerText()).includes("Give a reason for changing the 2016/17 figure from 62 to 10"), "no reason asked for");
  await page.fill("#reason", "Typing error in the return");
  await page.getByRole("button", { name: "Save figure" }).click();
  await page.waitForURL(/saved=kpi/);
  const history = page.locator("details.oa-history", { hasText: "Typing error in the return" });
  check((await history.count()) === 1, "the change is not in the history");
  await history.first().locator("summary").click();
  await accessible(page, "area-history");

  step("another area's form is refused, in words with names");
  await page.goto(`${base}${derbyHref}`);
  check((await page.getByRole("link", { name: /Record a figure/ }).count()) === 0, "Derby offers the Blackpool lead an edit link");
  const chartHref = await page.locator("a[href$='/chart.svg']").first().getAttribute("href");
  const formUrl = chartHref.replace(/chart\.svg$/, "actual");
  resp = await page.goto(`${base}${formUrl}`);
  check(resp.status() === 403, `another area's form answered ${resp.status()}, not 403`);
  const refusal = await page.locator("main").innerText();
  check(refusal.includes("You are the area lead for Blackpool") && refusal.includes("This page is Derby's"), `the 403 page does not name the areas: ${refusal}`);
  await accessible(page, "refused");
  await shot(page, "05-refused");

  step("a board member comments on their area: an empty comment first, then one that shows");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.fill("#email", BOARD_EMAIL);
  await page.fill("#password", BOARD_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/areas\/\d+$/);
  check((await page.locator(".oa-whoami").innerText()).includes("board member"), "not signed in as the board member");
  check((await page.locator("h1").innerText()) === "Blackpool", "the board member's area is not Blackpool");
  check((await page.getByRole("link", { name: /Record a figure/ }).count()) === 0, "a board member is offered a KPI edit link");
  await page.getByRole("button", { name: "Add comment" }).click();
  check(await page.locator(".govuk-error-summary").isVisible(), "no error summary for an empty comment");
  check((await page.locator(".govuk-error-summary").innerText()).includes("Enter your comment"), "the error summary does not ask for the comment");
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

  step("a national admin raises a grant and invites a user");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto(`${base}/admin/grants`);
  check((await page.locator("h1").innerText()) === "Sign in to see this page", "the admin pages are not behind sign-in");
  await page.locator("main").getByRole("link", { name: "Sign in" }).click();
  await page.fill("#email", ADMIN_EMAIL);
  await page.fill("#password", ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/admin/grants`);
  check((await page.locator("h1").innerText()) === "Grants", "signing in did not return to the grants page");
  await accessible(page, "admin-grants");
  await narrow(page, "admin-grants");
  const amount = page.locator("input[name=amount]").first();
  await amount.fill("2,000,000");
  await page.locator("form:has(input[name=amount]) button").first().click();
  await page.waitForURL(/done=amount/);
  check(await page.locator(".govuk-notification-banner--success").isVisible(), "no banner after raising the grant");
  await page.goto(`${base}/admin/users/new`);
  await page.fill("#name", "Dana Lead");
  await page.fill("#email", "dana@example.org");
  await page.selectOption("#role", "area_lead");
  await page.getByRole("button", { name: "Invite user" }).click();
  check((await page.locator(".govuk-error-summary").innerText()).includes("Choose the area"), "no error for a lead without an area");
  await accessible(page, "admin-invite-error");
  await page.selectOption("#area", { label: "Derby" });
  await page.getByRole("button", { name: "Invite user" }).click();
  check(await page.locator(".oa-password").isVisible(), "no first password shown");
  await accessible(page, "admin-invited");
  await page.goto(`${base}/admin/users`);
  await accessible(page, "admin-users");
  await narrow(page, "admin-users");

  step("programme view at a glance");
  resp = await page.goto(`${base}/programme`);
  check(resp.status() === 200, `GET /programme answered ${resp.status()}`);
  check(await page.locator("#headline").isVisible(), "no headline on the programme page");
  await accessible(page, "programme");
  await narrow(page, "programme");
  await shot(page, "06-programme");

  step("downloads");
  for (const url of ["/areas.csv", "/programme/money.csv", "/programme/spend.svg", "/favicon.ico"]) {
    const r = await page.request.get(`${base}${url}`);
    check(r.status() === 200, `${url} answered ${r.status()}`);
  }
  {
    const r = await page.request.get(`${base}/map.png`);
    check(r.status() === 200 && r.headers()["content-type"] === "image/png", "/map.png is not a PNG");
  }
  check(foreign.length === 0, `the pages fetched from elsewhere: ${foreign.join(", ")}`);
  check(cspViolations.length === 0, `the Content-Security-Policy blocked: ${cspViolations.join(" | ")}`);
  const headers = (await page.request.get(`${base}/`)).headers();
  check((headers["content-security-policy"] || "").includes("frame-ancestors 'none'"), "no Content-Security-Policy on the pages");

  if (evaluationDir) {
    check(fs.existsSync(path.join(evaluationDir, "evaluation.csv")), `OA_E2E_EVALUATION=${evaluationDir} has no evaluation.csv`);
    const evBase = await startServer(path.resolve(evaluationDir));
    step(`the evaluation (${evaluationDir}) at ${evBase}: the programme's estimates`);
    resp = await page.goto(`${evBase}/programme`);
    check(resp.status() === 200, `GET /programme answered ${resp.status()}`);
    check(await page.locator("#evaluation").isVisible(), "no evaluation on the programme page");
    const estimates = await page.locator(".oa-estimate").count();
    check(estimates >= 5, `the programme page shows ${estimates} estimates`);
    check((await page.locator("main").innerText()).includes("Estimated effect: "), "no estimate in words");
    await accessible(page, "programme-evaluation");
    await narrow(page, "programme-evaluation");
    await page.locator("#evaluation").scrollIntoViewIfNeeded();
    await shot(page, "08-programme-evaluation");
    step("Blackpool against its synthetic comparison");
    await page.goto(`${evBase}/`);
    await page.getByRole("link", { name: "Blackpool", exact: true }).click();
    await page.waitForURL(/\/areas\/\d+$/);
    check(await page.locator("#evaluation").isVisible(), "no evaluation on Blackpool's page");
    check((await page.locator("section[id^=evaluation-E06000009] svg circle.point-synthetic").count()) >= 5, "no synthetic comparison drawn for Blackpool");
    await accessible(page, "area-evaluation");
    await narrow(page, "area-evaluation");
    await page.locator("#evaluation").scrollIntoViewIfNeeded();
    await shot(page, "09-area-evaluation");
  }
  console.log(`e2e: all ${steps.length} steps passed; screenshots in ${artifacts}`);
}

try {
  await main();
} catch (e) {
  if (!process.exitCode) console.error(`e2e: FAILED: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  for (const s of servers.filter((s) => s.exitCode === null)) {
    s.kill("SIGTERM");
    await new Promise((r) => {
      const t = setTimeout(() => {
        s.kill("SIGKILL");
        r();
      }, 5000);
      s.on("exit", () => {
        clearTimeout(t);
        r();
      });
    });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
