// Usage: node dashboard.mjs BASE_URL EMAIL PASSWORD ORG PROJECT ISSUE_TITLE FRAME_FUNCTION SCREENSHOT_DIR
// Drives the dashboard in headless Chromium as a person would: log in, find
// the issue, open it, see its in-app stack frame, resolve it, and see it
// leave the unresolved list. Saves a screenshot of each step.
import { launch } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, project, title, frameFunction, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const errors = [];
let status = 1;
try {
  for (const viewport of [{ width: 390, height: 844, name: "phone" }, { width: 1280, height: 900, name: "desktop" }]) {
    const page = await browser.newPage({ viewport });
    page.on("pageerror", (e) => errors.push(String(e)));
    // The app asks who is logged in before login; that 401 is expected.
    page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("status of 401")) errors.push(m.text()); });
    const shot = (step) => page.screenshot({ path: `${shots}/${viewport.name}-${step}.png`, fullPage: true });

    await page.goto(`${base}/app/${org}/${project}/issues`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    await shot("1-login");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:has-text('Projects')");
    await shot("2-projects");

    // A deep link survives a reload.
    await page.goto(`${base}/app/${org}/${project}/issues`);
    await page.waitForSelector(`a.title:has-text(${JSON.stringify(title)})`);
    await shot("3-issues");
    if (viewport.name === "phone") { await page.close(); continue; }

    await page.click(`a.title:has-text(${JSON.stringify(title)})`);
    await page.waitForSelector(".frame.in-app");
    const frame = await page.textContent(".frame.in-app summary");
    if (!frame.includes(frameFunction)) throw new Error(`the in-app frame reads ${JSON.stringify(frame)}`);
    await shot("4-issue");
    await page.click("button:has-text('Resolve')");
    await page.waitForSelector(".status.resolved");
    await page.goBack();
    await page.waitForSelector("ul.issues, .empty");
    const still = await page.locator(`a.title:has-text(${JSON.stringify(title)})`).count();
    await shot("5-after-resolve");
    if (still !== 0) throw new Error("the resolved issue is still in the unresolved list");

    // The account and organization settings screens load.
    await page.goto(`${base}/app/account`);
    await page.waitForSelector("h2:has-text('API tokens')");
    await page.fill("input[aria-label='Token name']", "from the browser test");
    await page.click("button:has-text('Create token')");
    await page.waitForSelector("input[aria-label='New API token']");
    await shot("6-account");
    await page.goto(`${base}/app/${org}/settings`);
    await page.waitForSelector(`li:has-text(${JSON.stringify(email)})`);
    await shot("7-organization");
    await page.goto(`${base}/app/${org}/${project}/settings`);
    await page.fill("input[aria-label^='Rate limit of']", "100");
    // Listen before clicking: the answer can come before a later wait starts.
    await Promise.all([
      page.waitForResponse((r) => r.url().includes("/keys/") && r.request().method() === "PUT"),
      page.click("button:has-text('Set limit')"),
    ]);
    await shot("8-project-settings");
    await page.goto(`${base}/app/${org}/${project}/performance`);
    await page.waitForSelector("td.name:has-text('GET /dashboard-test')", { timeout: 30000 });
    await shot("9-performance");

    // The transaction's summary, its slowest sample's waterfall, Discover.
    await page.click("td.name a:has-text('GET /dashboard-test')");
    await page.waitForSelector(".figures dd");
    await page.waitForSelector("td.name:has-text('db.query')");
    await page.waitForSelector(".transaction .chart svg");
    await shot("10-transaction");
    await page.click("table.samples td.name a");
    await page.waitForSelector(".span .label:has-text('SELECT')");
    await shot("11-waterfall");
    await page.goto(`${base}/app/${org}/discover`);
    await page.waitForSelector("table.discover-table td.name:has-text('GET /dashboard-test')");
    // The field picker opens itself when no field is chosen; open it either way.
    await page.$eval("details.fields", (d) => { d.open = true; });
    // p50 of the default column: the builder writes p50().
    await page.selectOption("select[aria-label=Function]", "p50");
    await page.click(".function-builder button[type=submit]");
    await page.waitForSelector("th:has-text('p50()')");
    await page.waitForSelector(".discover .chart svg");
    const csv = await page.evaluate(async () => {
      const r = await fetch(document.querySelector("a[download]").getAttribute("href"));
      return r.status + " " + (await r.text());
    });
    if (!csv.startsWith("200 transaction,count(),p95(),p50()\nGET /dashboard-test,1,")) throw new Error(`the CSV download reads ${JSON.stringify(csv)}`);
    await shot("12-discover");

    // Monitors: create an uptime monitor of this very server through the
    // form, see it come up; see the cron monitor's run on its timeline.
    await page.goto(`${base}/app/${org}/monitors`);
    await page.waitForSelector("ul.monitor-list, .empty");
    await page.click("button:has-text('New monitor')");
    await page.fill(".monitor-form label:has-text('Name') input", "Faultline health");
    await page.fill(".monitor-form label:has-text('URL') input", `${base}/_health/`);
    await page.click("button:has-text('Create monitor')");
    await page.waitForSelector("h1:has-text('Faultline health') .state.up", { timeout: 30000 });
    await page.waitForSelector(".incidents li.change.up");
    await shot("13-monitor");
    await page.goto(`${base}/app/${org}/monitors`);
    await page.waitForSelector("ul.monitor-list .strip");
    await shot("14-monitors");
    await page.click("a.title:has-text('dashboard-cron')");
    await page.waitForSelector(".timeline .run.ok");
    await shot("15-cron");

    // A status page with the health monitor, seen by someone without an account.
    await page.goto(`${base}/app/${org}/monitors`);
    await page.click("button:has-text('New status page')");
    await page.fill(".status-editor label:has-text('Name') input", "Faultline status");
    await page.fill(".status-editor label:has-text('Address') input", "public");
    await page.check(".status-editor label:has-text('Faultline health') input");
    await page.click("button:has-text('Save status page')");
    await page.waitForSelector(".status-pages li:has-text('Faultline status')");
    await shot("16-status-pages");
    const visitor = await browser.newPage({ viewport });
    visitor.on("pageerror", (e) => errors.push(String(e)));
    await visitor.goto(`${base}/status/${org}/public`);
    await visitor.waitForSelector(".overall.operational");
    await visitor.waitForSelector(".status-monitors li:has-text('Faultline health') .state.up");
    if (await visitor.locator("text=dashboard-cron").count()) throw new Error("the status page shows a monitor it was not given");
    await visitor.screenshot({ path: `${shots}/${viewport.name}-17-public-status.png`, fullPage: true });
    await visitor.close();

    // An alert rule made in the form, a test notification, and its outcome
    // in the history (this server has no SMTP: the email fails, saying why).
    await page.goto(`${base}/app/${org}/${project}/alerts`);
    await page.click("button:has-text('New alert')");
    await page.fill(".alert-form label:has-text('Name') input", "Browser alert");
    await page.click("button:has-text('Save alert')");
    await page.waitForSelector(".rules li:has-text('Browser alert')");
    await page.click(".rules li:has-text('Browser alert') button:has-text('Send test')");
    await page.waitForSelector("table.history .delivery:has-text('email')", { timeout: 20000 });
    await page.waitForSelector("table.history .delivery:has-text('not configured')", { timeout: 20000 });
    await shot("18-alerts");
    await page.goto(`${base}/app/account`);
    await page.waitForSelector(".notifications input[type=checkbox]");
    await page.close();
  }
  if (errors.length) throw new Error("page errors: " + errors.join("; "));
  console.log("ok");
  status = 0;
} catch (e) {
  console.error(String(e));
} finally {
  await browser.close();
}
process.exit(status);
