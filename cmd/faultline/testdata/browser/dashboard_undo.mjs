// Usage: node dashboard_undo.mjs BASE_URL EMAIL PASSWORD ORG PROJECT IDS_JSON SCREENSHOT_DIR
// Logs in on the issue list's deep link, checking that the list is asked
// for as soon as the login is answered.
// IDS_JSON maps "undo issue 0".."undo issue 3" to ids; the issues are
// ignored until 5 more events, resolved in 1.0, ignored for an hour and
// assigned to EMAIL, and unresolved. All four are resolved together, then
// Undo; then all are assigned to EMAIL, then Undo. After each Undo every
// issue must read back through the API as it was. Prints "ok" or every
// check that failed.
import { launch, checks, waitFor } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, project, idsJSON, shots] = process.argv.slice(2);
const ids = Object.values(JSON.parse(idsJSON));
mkdirSync(shots, { recursive: true });
const browser = await launch();
const { failures, check, expect } = checks();
const get = (page, path) => page.evaluate(async (p) => (await fetch("/api/0" + p, { headers: { Accept: "application/json" } })).json(), path);
// states reads what Undo must put back of each issue.
const states = async (page) => {
  const out = {};
  for (const id of ids) {
    const is = await get(page, `/issues/${id}/`);
    const { actor, ...details } = is.statusDetails || {};
    out[id] = { status: is.status, statusDetails: details, assignedTo: is.assignedTo ? is.assignedTo.email || is.assignedTo.name : null, isBookmarked: is.isBookmarked };
  }
  return out;
};

let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  // Logging in on a deep link: the list's data is asked for as soon as
  // the login is answered, and "who am I" not at all (the login's answer
  // says).
  const seen = [];
  const onRequest = (r) => { const u = new URL(r.url()); if (u.pathname.startsWith(`/api/0/projects/${org}/${project}/issues/`)) seen.push("list asked"); };
  const onResponse = (r) => { const u = new URL(r.url()); if (u.pathname === "/api/0/auth/login/") seen.push("login answered"); else if (u.pathname === "/api/0/") seen.push("me answered"); };
  page.on("request", onRequest);
  page.on("response", onResponse);
  await page.goto(`${base}/app/${org}/${project}/issues?query=`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("ul.issues li.issue");
  page.off("request", onRequest);
  page.off("response", onResponse);
  await check("after logging in, the deep link's data is asked for at once, and who-am-I not again", async () => {
    const after = seen.slice(seen.indexOf("login answered"));
    expect(after[1] === "list asked" && !after.includes("me answered"), seen.join(", "));
  });
  await check("with a session, a deep link asks who-am-I before the screen's data, as the script starts", async () => {
    const asked = [];
    const onRequest = (r) => { const u = new URL(r.url()); if (u.pathname === "/api/0/") asked.push("me"); else if (u.pathname.startsWith(`/api/0/projects/${org}/${project}/issues/`)) asked.push("list"); };
    page.on("request", onRequest);
    await page.goto(`${base}/app/${org}/${project}/issues?query=`);
    await page.waitForSelector("ul.issues li.issue");
    page.off("request", onRequest);
    expect(asked[0] === "me" && asked[1] === "list", asked.join(", "));
  });
  const before = await states(page);
  const kinds = Object.values(before).map((s) => s.status + JSON.stringify(s.statusDetails)).sort().join(" ");
  expect(/ignored\{"ignoreCount":5\}/.test(kinds) && /resolved\{"inRelease":"1.0"\}/.test(kinds) && /"ignoreDuration":60/.test(kinds) && /unresolved\{\}/.test(kinds), "setup: " + kinds);

  // bulkThenUndo selects the four issues, applies the bulk action, waits
  // for it to land, then presses Undo and waits for every state back.
  const bulkThenUndo = async (act, landed) => {
    await page.goto(`${base}/app/${org}/${project}/issues?${new URLSearchParams({ query: "", sort: "date" })}`);
    await page.waitForSelector("ul.issues li.issue");
    await page.check("input[aria-label='Select all issues on this page']");
    await act();
    await waitFor("the bulk change landed", async () => { const s = await states(page); return [Object.values(s).every(landed), s]; });
    await page.waitForSelector(".toast button:has-text('Undo')");
    await page.click(".toast button:has-text('Undo')");
    await waitFor("every issue back as it was", async () => {
      const s = await states(page);
      // ignoreUntil comes back to the microsecond; compare it to the second.
      const norm = (x) => JSON.stringify(x, (k, v) => k === "ignoreUntil" ? v.slice(0, 19) : v);
      return [norm(s) === norm(before), { now: s, before }];
    });
  };
  await check("bulk resolve, then Undo gives each issue its own status, details and assignee back", () =>
    bulkThenUndo(() => page.locator(".bulk button:has-text('Resolve')").first().click(), (s) => s.status === "resolved" && !s.statusDetails.inRelease));
  await check("bulk assign, then Undo unassigns those that had nobody", () =>
    bulkThenUndo(async () => {
      await page.fill("input[aria-label='Assign to (email or #team)']", email);
      await page.click(".bulk button:has-text('Assign')");
    }, (s) => s.assignedTo === email));
  await page.screenshot({ path: `${shots}/1-after-undo.png`, fullPage: true });
  status = failures.length ? 1 : 0;
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
}
console.log(failures.length ? failures.join("\n") : "ok");
process.exit(failures.length ? 1 : status);
