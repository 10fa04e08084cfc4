// Usage: node dashboard_triage.mjs BASE_URL EMAIL PASSWORD ORG PROJECT FIRST_ISSUE_ID ISSUES SCREENSHOT_DIR
// Triage on the issue list and the issue page of a project whose ISSUES
// issues came through the real ingest: sparklines from the list's stats,
// the pager's total, select-all then every match, bulk resolve and Undo,
// the merge confirmation, the assignee select and a tag value as a
// filter, on a desktop and a phone screen. Each change is checked through
// the API. Prints "ok" or every check that failed.
import { launch, checks, waitFor, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, project, firstID, total, shots] = process.argv.slice(2);
const n = Number(total);
mkdirSync(shots, { recursive: true });
const browser = await launch();

const { failures, check, expect } = checks();
// get reads the API with the browser's session.
const get = (page, path) => page.evaluate(async (p) => (await fetch("/api/0" + p, { headers: { Accept: "application/json" } })).json(), path);
const statuses = async (page) => {
  const list = await get(page, `/projects/${org}/${project}/issues/?query=&limit=100`);
  const out = {};
  for (const is of list) out[is.id] = is.status;
  return out;
};
const listURL = (q) => `${base}/app/${org}/${project}/issues?${new URLSearchParams({ query: q, sort: "date" })}`;

let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20000); // a loaded 2-core machine renders slowly
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await logIn(page, base, email, password);

  await check("a deep link asks for its data alongside who-am-I, not after it", async () => {
    for (const [url, wanted] of [[listURL(""), `/api/0/projects/${org}/${project}/issues/?`], [`${base}/app/${org}/issues/${firstID}`, `/api/0/issues/${firstID}/?`]]) {
      const seen = [];
      const onRequest = (r) => { const u = new URL(r.url()); if (r.method() === "GET") seen.push("request " + u.pathname + "?" + u.search.slice(1)); };
      const onResponse = (r) => { if (new URL(r.url()).pathname === "/api/0/") seen.push("me answered"); };
      page.on("request", onRequest);
      page.on("response", onResponse);
      await page.goto(url);
      await page.waitForSelector("ul.issues li.issue, select#assignee:not([disabled])");
      page.off("request", onRequest);
      page.off("response", onResponse);
      const data = seen.findIndex((e) => e.startsWith("request " + wanted));
      const me = seen.indexOf("me answered");
      expect(data >= 0 && me >= 0 && data < me, `${url}: ${seen.filter((e) => e.includes("/api/0/")).join(", ")}`);
      const twice = seen.filter((e) => e.startsWith("request " + wanted)).length;
      expect(twice === 1, `${wanted} asked for ${twice} times`);
    }
  });

  await check("a login answers who logged in; an issue's chart and the list's filters wait for their screen's data", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const p = await ctx.newPage();
      p.setDefaultTimeout(20000);
      await p.goto(`${base}/app/${org}/issues/${firstID}`);
      await p.fill("input[name=email]", email);
      await p.fill("input[name=password]", password);
      let seen = [];
      const api = (r) => new URL(r.url()).pathname.startsWith("/api/0/");
      const name = (r) => `${r.method()} ${new URL(r.url()).pathname}`;
      p.on("request", (r) => { if (api(r)) seen.push(name(r)); });
      p.on("requestfinished", (r) => { if (api(r)) seen.push("done " + name(r)); });
      await p.click("button[type=submit]");
      await p.waitForSelector("select#assignee:not([disabled])");
      const stats = `GET /api/0/issues/${firstID}/stats/`;
      await waitFor("the issue's stats asked for", async () => [seen.includes(stats), seen]);
      expect(!seen.includes("GET /api/0/"), "who-am-I asked for after the login answered it: " + seen.join(", "));
      const issueDone = seen.indexOf(`done GET /api/0/issues/${firstID}/`);
      expect(issueDone >= 0 && seen.indexOf(stats) > issueDone, "the chart's request went before the issue's answer: " + seen.join(", "));
      // In the app, from the issue to its list.
      seen = [];
      await p.locator(`a[href="/app/${org}/${project}/issues"]`).first().click();
      await p.waitForSelector("ul.issues li.issue");
      const envs = `GET /api/0/projects/${org}/${project}/environments/`;
      await waitFor("the environments asked for", async () => [seen.includes(envs), seen]);
      const listDone = seen.indexOf(`done GET /api/0/projects/${org}/${project}/issues/`);
      expect(listDone >= 0 && seen.indexOf(envs) > listDone, "the environments went before the list's answer: " + seen.join(", "));
    } finally {
      await ctx.close();
    }
  });

  await page.goto(listURL(""));
  await page.waitForSelector("ul.issues li.issue");
  await page.screenshot({ path: `${shots}/1-list.png` });

  await check("the sparklines are drawn from the list's stats", async () => {
    const api = await get(page, `/projects/${org}/${project}/issues/?query=&sort=date&groupStatsPeriod=24h`);
    const drawn = await page.evaluate(() => [...document.querySelectorAll("li.issue")].map((li) =>
      [...li.querySelectorAll("svg.sparkline rect")].map((r) => Number(r.getAttribute("data-count")))));
    expect(drawn.length === api.length, `${drawn.length} rows for ${api.length} issues`);
    api.forEach((is, i) => {
      const want = is.stats["24h"].map((p) => p[1]).filter((c) => c > 0);
      expect(JSON.stringify(drawn[i]) === JSON.stringify(want), `row ${i} bars ${JSON.stringify(drawn[i])}, stats ${JSON.stringify(want)}`);
      expect(want.length > 0, `issue ${is.id} has no events in its stats`);
    });
    const buckets = await page.locator("li.issue").first().locator("svg.sparkline").getAttribute("aria-label");
    expect(/events/.test(buckets || ""), "the sparkline has no label: " + buckets);
  });

  await check("the pager says how many match", async () => {
    const text = await page.locator(".pager .total").textContent();
    expect(text === `1–25 of ${n}`, `pager reads ${JSON.stringify(text)}`);
  });

  await check("times are relative, with the absolute time on hover", async () => {
    const t = page.locator("li.issue time.when").first();
    expect(/(just now|\d+ (min|hr|day|days) ago)/.test(await t.textContent()), "time reads " + await t.textContent());
    expect(!!(await t.getAttribute("title")), "no absolute time in the title");
  });

  await check("column headers", async () => {
    const head = await page.locator(".issue-head").textContent();
    for (const col of ["Issue", "Graph", "Events", "Users", "Assignee"]) expect(head.includes(col), `no ${col} header in ${head}`);
  });

  // One issue ignored first: Undo must put back both statuses.
  const ignored = (await get(page, `/projects/${org}/${project}/issues/?query=&limit=100`)).find((is) => is.id !== firstID).id;
  await page.evaluate(async ([o, p, id]) => {
    const csrf = decodeURIComponent((document.cookie.match(/(?:^|;\s*)fl_csrf=([^;]+)/) || [])[1] || "");
    await fetch(`/api/0/projects/${o}/${p}/issues/?id=${id}`, { method: "PUT", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ status: "ignored" }) });
  }, [org, project, ignored]);
  const before = await statuses(page);
  expect(Object.keys(before).length === n && before[ignored] === "ignored", "setup: " + JSON.stringify(before));

  await check("select all matching, resolve, undo", async () => {
    await page.reload();
    await page.waitForSelector("ul.issues li.issue");
    await page.check("input[aria-label='Select all issues on this page']");
    expect(await page.locator("li.issue input[type=checkbox]:checked").count() === 25, "not every row is checked");
    await page.click(`button:has-text('Select all ${n} matching')`);
    expect((await page.locator(".selected-count").textContent()) === `${n} selected`, "selection reads " + await page.locator(".selected-count").textContent());
    await page.locator(".bulk button:has-text('Resolve')").first().click();
    await waitFor("every issue resolved", async () => { const s = await statuses(page); return [Object.values(s).every((v) => v === "resolved"), s]; });
    await page.waitForSelector(".toast button:has-text('Undo')");
    await page.screenshot({ path: `${shots}/2-undo.png` });
    await page.click(".toast button:has-text('Undo')");
    await waitFor("statuses back as before", async () => { const s = await statuses(page); return [JSON.stringify(s) === JSON.stringify(before), s]; });
  });

  await check("merge asks first", async () => {
    await page.goto(listURL(""));
    await page.waitForSelector("ul.issues li.issue");
    const boxes = page.locator("li.issue input[type=checkbox]");
    await boxes.nth(1).check();
    await boxes.nth(2).check();
    await page.click(".bulk button:has-text('Merge')");
    await page.waitForSelector("dialog.confirm[open]");
    await page.screenshot({ path: `${shots}/3-merge.png` });
    // Keys pressed while the dialog is open are not the list's shortcuts.
    const at = await page.locator("li.issue.selected a.title").textContent();
    await page.keyboard.press("e");
    await page.keyboard.press("j");
    await new Promise((r) => setTimeout(r, 500));
    expect(Object.values(await statuses(page)).filter((v) => v === "resolved").length === 0, "e resolved an issue under the dialog");
    expect(await page.locator("li.issue.selected a.title").textContent() === at, "j moved the highlight under the dialog");
    await page.click("dialog.confirm button:has-text('Cancel')");
    await page.waitForSelector("dialog.confirm", { state: "detached" });
    expect(Object.keys(await statuses(page)).length === n, "Cancel merged");
    await page.click(".bulk button:has-text('Merge')");
    await page.click("dialog.confirm button:has-text('Merge 2 issues')");
    await waitFor("two issues merged into one", async () => { const s = await statuses(page); return [Object.keys(s).length === n - 1, Object.keys(s).length]; });
  });

  await check("the star bookmarks, and keys on it are not shortcuts", async () => {
    await page.goto(listURL(""));
    await page.waitForSelector("ul.issues li.issue");
    const row = page.locator("li.issue").nth(3);
    const title = await row.locator("a.title").textContent();
    const id = (await get(page, `/projects/${org}/${project}/issues/?query=&limit=100`)).find((is) => is.title === title).id;
    await row.locator("button.star").click();
    await waitFor("isBookmarked", async () => { const is = await get(page, `/issues/${id}/`); return [is.isBookmarked === true, is.isBookmarked]; });
    expect(await row.locator("button.star").getAttribute("aria-pressed") === "true", "the star is not pressed");
    await page.keyboard.press("e"); // focus is on the star
    await new Promise((r) => setTimeout(r, 500));
    expect((await get(page, `/issues/${id}/`)).status !== "resolved", "e on the star resolved");
  });

  await check("unseen issues are bold until opened", async () => {
    await page.goto(listURL(""));
    await page.waitForSelector("ul.issues li.issue");
    const row = page.locator("li.issue.unseen").first();
    const title = await row.locator("a.title").textContent();
    const weight = await row.locator("a.title").evaluate((a) => Number(getComputedStyle(a).fontWeight));
    expect(weight >= 700, "an unseen title weighs " + weight);
    // The seen mark is held back on its way to the server, as on a slow
    // network: going back at once must still show the issue seen, so the
    // list's request has to wait for the mark rather than race it.
    const slowSeen = async (route) => {
      if (route.request().method() !== "PUT") return route.fallback();
      await new Promise((r) => setTimeout(r, 1500));
      await route.fallback();
    };
    const issueURL = /\/api\/0\/issues\/\d+\/$/;
    await page.route(issueURL, slowSeen);
    try {
      await row.locator("a.title").click();
      await page.waitForSelector("h1 .issue-title");
      await page.goBack();
      await page.waitForSelector("ul.issues li.issue");
      await page.waitForFunction((t) => [...document.querySelectorAll("li.issue.seen a.title")].some((a) => a.textContent === t), title, { timeout: 8000 });
    } finally {
      await page.unroute(issueURL, slowSeen);
    }
  });

  await check("the author edits and deletes a comment", async () => {
    await page.goto(`${base}/app/${org}/issues/${firstID}`);
    await page.fill("textarea[aria-label=Comment]", "first words");
    await page.click("form.note button:has-text('Comment')");
    await page.waitForSelector(".note-item:has-text('first words') button:has-text('Edit')");
    await page.click(".note-item button:has-text('Edit')");
    await page.fill("textarea[aria-label='Edit comment']", "better words");
    await page.click(".note-item button:has-text('Save')");
    await waitFor("comment edited", async () => { const c = await get(page, `/issues/${firstID}/comments/`); return [c.length === 1 && c[0].data.text === "better words", c]; });
    await page.click(".note-item button:has-text('Delete')");
    await page.click("dialog.confirm button:has-text('Delete')");
    await waitFor("comment deleted", async () => { const c = await get(page, `/issues/${firstID}/comments/`); return [c.length === 0, c]; });
  });

  await check("the title is at most two lines, whole on hover", async () => {
    const t = page.locator("h1 .issue-title");
    expect(await t.getAttribute("title") === "triage issue 00", "title attribute " + await t.getAttribute("title"));
    const lines = await t.evaluate((el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
    expect(lines <= 2.05, lines + " lines");
  });

  await check("the assignee select assigns", async () => {
    await page.goto(`${base}/app/${org}/issues/${firstID}`);
    await page.waitForSelector("select#assignee:not([disabled])");
    expect(await page.locator(`select#assignee option[value='${email}']`).count() === 1, "the member is not in the select");
    await page.selectOption("select#assignee", email);
    await waitFor("assignedTo set", async () => { const is = await get(page, `/issues/${firstID}/`); return [is.assignedTo?.email === email, is.assignedTo]; });
    await page.waitForFunction(() => document.querySelector(".issue-side .avatar")?.getAttribute("aria-label")?.startsWith("Assigned to"));
  });

  await check("a tag value filters the list", async () => {
    await page.goto(`${base}/app/${org}/issues/${firstID}`);
    await page.click("a.tag-filter:has-text('north')");
    await page.waitForURL(/issues\?/);
    expect(new URL(page.url()).searchParams.get("query") === "region:north", "query " + page.url());
    await page.waitForSelector("ul.issues li.issue");
    await page.waitForFunction(() => document.querySelectorAll("ul.issues li.issue").length === 1);
    expect((await page.locator("li.issue a.title").textContent()) === "triage issue 00", "the filtered list shows " + await page.locator("li.issue a.title").textContent());
  });

  await check("on a phone the list and the issue fit", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const url of [listURL(""), `${base}/app/${org}/issues/${firstID}`]) {
      await page.goto(url);
      await page.waitForSelector("ul.issues li.issue, select#assignee");
      const s = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, inner: innerWidth }));
      expect(s.width <= s.inner, `${url} is ${s.width} px wide on a ${s.inner} px screen`);
    }
    await page.screenshot({ path: `${shots}/4-phone.png`, fullPage: true });
  });

  if (failures.length) console.error("failed:\n" + failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.error(String(e));
  if (failures.length) console.error("failed:\n" + failures.join("\n"));
} finally {
  await browser.close();
}
process.exit(status);
