// Usage: node triageload.mjs BASE_URL EMAIL PASSWORD ORG PROJECT ISSUE_ID RUNS
// Times, in milliseconds, how long the issue list and an issue page take
// to become usable: from pressing "Log in" on a deep link in a fresh
// browser (no session), and from loading the deep link with a session.
// Usable means the list shows its rows and its total, and the issue page
// its event and an enabled assignee select.
//
// Each time is taken twice. In the page (listAfterLogin, ...): from the
// form's submit event, or from the start of the navigation, to the frame
// in which the screen became usable, by the page's own clock, as a user
// sees it. On the script's clock (listAfterLoginWall, ...): from the click
// or navigation command to Playwright's answer, which adds the test
// driver's own round trips and work in the page. The in-page watch is a
// few lines added at document start: Playwright's waitForFunction would
// first load its own 300 KB script into the page, which took ~70 ms of
// the page's main thread inside what it measured.
//
// Prints JSON: the times by screen, and under "requests" each API request
// of those loads with when it started after the click or navigation (ms)
// and how long the server took to answer it (ms to the first byte), by
// screen and path.
import { launch } from "./harness.mjs";
import { writeFileSync } from "node:fs";

const [base, email, password, org, project, issueID, runs] = process.argv.slice(2);
const browser = await launch();
const screens = {
  list: [`${base}/app/${org}/${project}/issues`, "ul.issues li.issue a.title", ".pager .total"],
  issue: [`${base}/app/${org}/issues/${issueID}`, "select#assignee:not([disabled])", "h1 .issue-title"],
};

// watchUsable runs at the start of every document: it notes when a form
// is submitted and resolves window.__usable with the time (performance.now)
// of the first animation frame in which every selector matches.
function watchUsable(sels) {
  window.__submitted = null;
  document.addEventListener("submit", () => { window.__submitted ??= performance.now(); }, true);
  window.__usable = new Promise((resolve) => {
    const check = (t) => {
      if (document.body && sels.every((s) => document.querySelector(s))) resolve(t);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

const out = {
  listAfterLogin: [], issueAfterLogin: [], listWithSession: [], issueWithSession: [],
  listAfterLoginWall: [], issueAfterLoginWall: [], listWithSessionWall: [], issueWithSessionWall: [],
  requests: {},
};
// watch records the API requests page makes into out.requests[name],
// timed from t0 (a Date.now()).
const watch = (page, name, t0) => {
  page.on("requestfinished", (r) => {
    const u = new URL(r.url());
    const t = r.timing();
    const key = `${r.method()} ${u.pathname.replace(/^\/api\/0/, "").replace(/\/\d+\//g, "/{id}/").replace(/(org|proj)-[0-9a-f]+/g, "$1")}`;
    const row = ((out.requests[name] ||= {})[key] ||= { start: [], server: [], end: [] });
    row.start.push(Math.round(t.startTime - t0));
    row.server.push(Math.round(t.responseStart - t.requestStart));
    row.end.push(Math.round(t.startTime + t.responseEnd - t0));
  });
};
for (let i = 0; i < Number(runs); i++) {
  for (const [name, [url, ...ready]] of Object.entries(screens)) {
    const context = await browser.newContext();
    await context.addInitScript(watchUsable, ready);
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    await page.goto(url);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    let start = Date.now();
    watch(page, name + "AfterLogin", start);
    await page.click("button[type=submit]");
    const [usableAt, submittedAt] = await page.evaluate(async () => [await window.__usable, window.__submitted]);
    out[name + "AfterLoginWall"].push(Date.now() - start);
    out[name + "AfterLogin"].push(Math.round(usableAt - submittedAt));
    const again = await context.newPage();
    again.setDefaultTimeout(60000);
    // TRIAGE_PROFILE=dir: a CPU profile of the first load with a session.
    const profiling = process.env.TRIAGE_PROFILE && i === 0 ? await context.newCDPSession(again) : null;
    if (profiling) { await profiling.send("Profiler.enable"); await profiling.send("Profiler.start"); }
    start = Date.now();
    watch(again, name + "WithSession", start);
    await again.goto(url, { waitUntil: "commit" });
    const loadedAt = await again.evaluate(() => window.__usable);
    out[name + "WithSessionWall"].push(Date.now() - start);
    out[name + "WithSession"].push(Math.round(loadedAt));
    if (profiling) {
      const { profile } = await profiling.send("Profiler.stop");
      writeFileSync(`${process.env.TRIAGE_PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
    }
    await context.close();
  }
}
console.log(JSON.stringify(out));
await browser.close();
