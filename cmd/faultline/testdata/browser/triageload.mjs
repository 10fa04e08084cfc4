// Usage: node triageload.mjs BASE_URL EMAIL PASSWORD ORG PROJECT ISSUE_ID RUNS
// Times, in milliseconds, how long the issue list and an issue page take
// to become usable: from pressing "Log in" on a deep link in a fresh
// browser (no session), and from loading the deep link with a session.
// Usable means the list shows its rows and its total, and the issue page
// its event and an enabled assignee select. Prints JSON: the times by
// screen, and under "requests" each API request of those loads with when
// it started after the click or navigation (ms) and how long the server
// took to answer it (ms to the first byte), by screen and path.
import { launch } from "./harness.mjs";
import { writeFileSync } from "node:fs";

const [base, email, password, org, project, issueID, runs] = process.argv.slice(2);
const browser = await launch();
const screens = {
  list: [`${base}/app/${org}/${project}/issues`, "ul.issues li.issue a.title", ".pager .total"],
  issue: [`${base}/app/${org}/issues/${issueID}`, "select#assignee:not([disabled])", "h1 .issue-title"],
};
// usable waits until every selector matches, checked each frame with the
// page's own querySelector: Playwright's waitForSelector runs its own
// selector engine instead, which took a third of the page's main thread
// during a load on a busy machine and slowed what it measured.
const usable = (page, sels) => page.waitForFunction((sels) => sels.every((s) => document.querySelector(s)), sels, { polling: "raf", timeout: 60000 });
const out = { listAfterLogin: [], issueAfterLogin: [], listWithSession: [], issueWithSession: [], requests: {} };
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
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    await page.goto(url);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    let start = Date.now();
    watch(page, name + "AfterLogin", start);
    await page.click("button[type=submit]");
    await usable(page, ready);
    out[name + "AfterLogin"].push(Date.now() - start);
    const again = await context.newPage();
    again.setDefaultTimeout(60000);
    // TRIAGE_PROFILE=dir: a CPU profile of the first load with a session.
    const profiling = process.env.TRIAGE_PROFILE && i === 0 ? await context.newCDPSession(again) : null;
    if (profiling) { await profiling.send("Profiler.enable"); await profiling.send("Profiler.start"); }
    start = Date.now();
    watch(again, name + "WithSession", start);
    await again.goto(url);
    await usable(again, ready);
    if (profiling) {
      const { profile } = await profiling.send("Profiler.stop");
      writeFileSync(`${process.env.TRIAGE_PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
    }
    out[name + "WithSession"].push(Date.now() - start);
    await context.close();
  }
}
console.log(JSON.stringify(out));
await browser.close();
