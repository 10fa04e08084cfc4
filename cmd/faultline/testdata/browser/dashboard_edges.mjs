// Usage: node dashboard_edges.mjs BASE_URL SCREENSHOT_DIR
// Drives the dashboard served at BASE_URL in headless Chromium with the
// API answered from the fixtures below, so each screen meets the data and
// keys that broke it: email links, keyboard shortcuts, filtered counts,
// failed and empty searches, unknown addresses, monitors with few or no
// answered checks, hostile event data and the performance table on a
// phone. Prints "ok" or every check that failed.
import { launch, checks } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();

const now = new Date().toISOString();
const issue = (i, extra = {}) => ({ id: String(i), shortId: `SHOP-${i}`, title: `Error number ${i}`, culprit: "app.js", level: "error",
  status: "unresolved", count: "80", userCount: 9, firstSeen: now, lastSeen: now, project: { slug: "shop" }, ...extra });
const manyIssues = Array.from({ length: 40 }, (_, i) => issue(i + 1));

// A 10,000-character word, a 199-character tag value, a 10,000-character
// context value, 200 frames with a right-to-left override in a filename,
// and breadcrumbs carrying wide JSON.
const word = "x".repeat(10000);
const rtlName = "invoice\u202Egnp.js";
const frames = Array.from({ length: 200 }, (_, i) => ({ filename: i === 199 ? rtlName : `lib/frame${i}.js`, function: `fn${i}`,
  lineNo: i + 1, inApp: i === 199, context: [[i + 1, `call(${i})`]] }));
const hostileEvent = {
  eventID: "e".repeat(32), dateCreated: now, previousEventID: null, nextEventID: null,
  entries: [
    { type: "exception", data: { values: [{ type: "Error", value: word, stacktrace: { frames } }] } },
    { type: "breadcrumbs", data: { values: Array.from({ length: 5 }, (_, i) => ({ category: "xhr", data: { url: "/" + "segment/".repeat(200) + i, body: word } })) } },
    { type: "request", data: { method: "GET", url: "https://shop.example/" + word, headers: { Cookie: word } } },
  ],
  contexts: { browser: { name: "Chrome", huge: word }, app: { nested: { deep: word } } },
  user: { id: "42", email: word + "@example.com" },
  tags: [{ key: "release", value: "r".repeat(199) }, { key: "file", value: rtlName }],
  sdk: { name: "sentry.javascript.browser", version: "11.12.0" },
};
const hostileTags = [
  { key: "long", totalValues: 10, topValues: [{ value: "v".repeat(199), count: 6 }, { value: "short", count: 4 }] },
  { key: "next", totalValues: 1, topValues: [{ value: "neighbour", count: 1 }] },
];
const monitors = {
  1: { id: "1", name: "Shop home", kind: "uptime", monitorType: "GET", url: "https://shop.example/", interval: 60, isUp: true, paused: false,
    stateChanges: [], checks: [], strip: [] },
  2: { id: "2", name: "Dead host", kind: "uptime", monitorType: "GET", url: "https://dead.example/", interval: 60, isUp: false, paused: false,
    stateChanges: [], checks: [], strip: [] },
  3: { id: "3", name: "Nightly job", kind: "heartbeat", monitorType: "Heartbeat", interval: 3600, timeout: 60, isUp: true, paused: false,
    heartbeatEndpoint: "https://faultline.example/hb/abc", stateChanges: [], strip: [],
    checks: [{ isUp: true, startCheck: now, reason: null, responseTime: null }, { isUp: false, startCheck: now, reason: "no heartbeat since 2026-01-01T00:00:00Z", responseTime: null }] },
};
const hour = Math.floor(Date.now() / 1000 / 1800) * 1800;
// 48 half-hour buckets; the 12 checks all fall in the last one.
const upSeries = Array.from({ length: 48 }, (_, i) => ({ start: hour - (47 - i) * 1800, checks: i === 47 ? 12 : 0, down: 0, avgResponseTime: i === 47 ? 140 : 0 }));
const monitorStats = {
  1: { checks: 12, up: 12, uptimePercent: 100, responseTime: { p50: 120, p95: 180, p99: 190 }, series: upSeries },
  2: { checks: 12, up: 0, uptimePercent: 0, responseTime: { p50: 0, p95: 0, p99: 0 },
    series: upSeries.map((b) => ({ ...b, down: b.checks, avgResponseTime: 0 })) },
  3: { checks: 3, up: 3, uptimePercent: 100, responseTime: { p50: 0, p95: 0, p99: 0 }, series: upSeries.map((b) => ({ ...b, checks: b.checks ? 3 : 0, avgResponseTime: 0 })) },
};

const resolved = [];
let failedSearches = 0;
const requests = [];
function answer(method, url) {
  const p = url.pathname.replace(/^\/api\/0/, "");
  const q = url.searchParams;
  const ok = (body) => ({ status: 200, body });
  const notFound = (what) => ({ status: 404, body: { detail: what + " not found" } });
  if (p === "/") return ok({ user: { id: "1", email: "ada@shop.example", emailVerified: true } });
  if (p === "/organizations/") return ok([{ slug: "acme", name: "Acme" }]);
  if (p === "/organizations/acme/projects/") return ok([{ slug: "shop", name: "Shop", platform: "javascript" }]);
  if (p.startsWith("/projects/acme/nope/")) return notFound("project");
  if (p === "/projects/acme/shop/issues/" && method === "PUT") { resolved.push(q.getAll("id").join(",")); return ok({ status: "resolved" }); }
  if (p === "/projects/acme/shop/issues/") {
    const query = q.get("query") ?? "is:unresolved";
    if (query === "level:") { failedSearches++; return { status: 400, body: { detail: "query: level: has no value" } }; }
    if (query === "nomatch") return ok([]);
    if (query === "") return ok([issue(1)]);
    if (query.includes("environment:staging")) return ok([issue(7, { title: "Staging error" })]);
    return ok(manyIssues);
  }
  if (p === "/organizations/acme/events/") {
    if ((q.get("query") || "").includes("environment:staging") && q.get("statsPeriod") === "24h") {
      return ok({ data: [{ "issue.id": "7", "count()": "3", "count_unique(user)": "2" }], meta: {} });
    }
    return ok({ data: [], meta: {} });
  }
  if (p === "/organizations/acme/events-stats/") return ok({ data: [[hour, [{ count: 3 }]]] });
  if (p === "/projects/acme/shop/environments/") return ok([{ name: "staging" }, { name: "production" }]);
  if (p === "/projects/acme/shop/keys/") return ok([{ isActive: true, dsn: { public: "http://key@shop.example/1" } }]);
  if (p.endsWith("/stats/") && !p.includes("/monitors/")) return ok({ stats: [] });
  if (p === "/issues/1/") return ok(issue(1, { title: word, culprit: rtlName }));
  if (p === "/issues/1/events/latest/") return ok(hostileEvent);
  if (p === "/issues/1/tags/") return ok(hostileTags);
  if (p === "/issues/1/comments/" || p === "/issues/1/activity/") return ok([]);
  if (p === "/projects/acme/shop/transactions/" && q.get("query") === "boom") return { status: 500, body: { detail: "the analytics store did not answer" } };
  if (p === "/projects/acme/shop/transactions/") {
    return ok([{ transaction: "GET /api/checkout/{cart_id}/items", count: 120, tpm: 1.5, p50: 80, p95: 240, p99: 900, failure_rate: 0.02, apdex: 0.93, user_misery: 1 }]);
  }
  const m = p.match(/^\/organizations\/acme\/monitors\/(\d)\/(stats\/)?$/);
  if (m && monitors[m[1]]) return ok(m[2] ? monitorStats[m[1]] : monitors[m[1]]);
  return notFound("route " + p);
}

const { failures, check, expect } = checks();

async function newPage(viewport) {
  const page = await browser.newPage({ viewport });
  // A missing element fails its check soon, so every check gets its say.
  page.setDefaultTimeout(15000); // a loaded 2-core machine renders slowly
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await page.route("**/api/0/**", async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    requests.push(req.method() + " " + url.pathname + url.search);
    const { status, body } = answer(req.method(), url);
    await route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
  });
  return page;
}
// fits: nothing on the page is wider than the screen.
const fits = (page) => page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, inner: innerWidth }));

let status = 1;
try {
  const desktop = { width: 1440, height: 900 }, phone = { width: 390, height: 844 };
  const page = await newPage(desktop);

  await check("1 invitation link", async () => {
    await page.goto(`${base}/accept-invite/tok_abcdefghijklmnopqrstu`);
    await page.waitForSelector("h1:has-text('Join an organization')", { timeout: 15000 });
    expect(new URL(page.url()).pathname === "/app/accept-invite/tok_abcdefghijklmnopqrstu", "landed on " + page.url());
  });
  await check("1 password-reset link", async () => {
    await page.goto(`${base}/reset-password/tok_abcdefghijklmnopqrstu`);
    await page.waitForSelector("h1:has-text('New password')", { timeout: 15000 });
  });

  await page.goto(`${base}/app/acme/shop/issues`);
  await page.waitForSelector("ul.issues li.issue");
  await check("2 e in the sort menu does not resolve", async () => {
    await page.focus("select[aria-label=Sort]");
    await page.keyboard.press("e");
    await page.waitForSelector("ul.issues li.issue");
    expect(resolved.length === 0, "resolved " + resolved.join(" "));
  });
  await page.goto(`${base}/app/acme/shop/issues`);
  await page.waitForSelector("ul.issues li.issue");
  await check("2 Enter on a row's Resolve button resolves that row only", async () => {
    resolved.length = 0;
    const before = page.url();
    await page.focus("ul.issues li.issue:nth-child(3) button:has-text('Resolve')");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "PUT"), page.keyboard.press("Enter")]);
    expect(page.url() === before, "navigated to " + page.url());
    expect(resolved.join(" ") === "3", "resolved " + resolved.join(" "));
  });
  await check("2 keys with modifiers are not shortcuts", async () => {
    await page.evaluate(() => document.activeElement?.blur());
    const at = await page.locator("li.issue.selected .title").textContent();
    await page.keyboard.press("Alt+j");
    await page.keyboard.press("Control+k");
    expect(await page.locator("li.issue.selected .title").textContent() === at, "the highlight moved");
  });
  await check("2 j keeps the highlighted row on screen", async () => {
    await page.evaluate(() => document.activeElement?.blur());
    for (let i = 0; i < 30; i++) await page.keyboard.press("j");
    const sel = page.locator("li.issue.selected");
    expect(await sel.count() === 1, "no highlighted row");
    expect((await sel.textContent()).includes("Error number 31"), "highlighted " + (await sel.textContent()));
    const box = await sel.evaluate((el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, h: innerHeight }; });
    expect(box.top >= 0 && box.bottom <= box.h, `the highlighted row is at ${box.top}–${box.bottom} of ${box.h}`);
  });
  await check("2 the highlight is not a focus ring", async () => {
    const style = await page.locator("li.issue.selected").evaluate((el) => { const s = getComputedStyle(el); return { outline: s.outlineStyle, shadow: s.boxShadow, bg: s.backgroundColor }; });
    expect(style.outline === "none", "the highlight is an outline, like focus: " + JSON.stringify(style));
    expect(style.shadow !== "none" || style.bg !== "rgba(0, 0, 0, 0)", "the highlight shows nothing: " + JSON.stringify(style));
  });
  await check("2 / focuses search", async () => {
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name")) === "query", "focus is not on the search");
    expect(await page.inputValue("input[name=query]") === "is:unresolved", "the / was typed into the search");
  });
  await page.screenshot({ path: `${shots}/desktop-1-keyboard.png` });

  await check("3 counts and chart follow environment and time", async () => {
    requests.length = 0;
    await page.goto(`${base}/app/acme/shop/issues?query=${encodeURIComponent("is:unresolved environment:staging")}&statsPeriod=24h`);
    await page.waitForSelector("a.title:has-text('Staging error')");
    await page.waitForFunction(() => document.querySelector("li.issue .count")?.textContent !== "80", null, { timeout: 3000 }).catch(() => {});
    const count = await page.locator("li.issue .count").first().textContent();
    expect(count === "3", "the staging issue shows " + count + " events, not the 3 of staging in 24 h");
    const chart = requests.find((r) => r.includes("events-stats") || r.includes("/stats/"));
    expect(chart && chart.includes("environment%3Astaging") && chart.includes("statsPeriod=24h"), "the chart asks " + chart);
  });

  await check("4 a failed search says why and can be tried again", async () => {
    await page.goto(`${base}/app/acme/shop/issues?query=level%3A`);
    await page.waitForSelector("[role=alert]:has-text('has no value')", { timeout: 15000 });
    expect(await page.locator("text=Loading issues").count() === 0, "still loading");
    const before = failedSearches;
    await page.click("[role=alert] button:has-text('Try again')", { timeout: 3000 });
    await page.waitForFunction(() => document.querySelector("[role=alert]")?.textContent.includes("has no value"));
    expect(failedSearches === before + 1, `Try again asked ${failedSearches - before} times`);
    expect(await page.locator("text=Loading issues").count() === 0, "still loading after trying again");
  });
  await check("4 an empty search is not the first-run page", async () => {
    await page.goto(`${base}/app/acme/shop/issues?query=nomatch`);
    await page.waitForSelector("h2:has-text('No issues')");
    await page.waitForSelector(".no-match", { timeout: 3000 }).catch(() => {});
    expect(await page.locator("pre:has-text('Sentry.init')").count() === 0, "the DSN snippet shows for a search without results");
    expect(await page.locator(".no-match:has-text('No issues match')").count() === 1, "no 'No issues match'");
    await page.click(".no-match button:has-text('Clear search')", { timeout: 3000 });
    await page.waitForSelector("a.title:has-text('Error number 1')");
    expect(new URL(page.url()).searchParams.get("query") === "", "cleared to " + page.url());
  });

  await check("5 unknown project", async () => {
    let asked = 0;
    const count = (r) => { if (new URL(r.url()).pathname === "/api/0/projects/acme/nope/issues/") asked++; };
    page.on("request", count);
    await page.goto(`${base}/app/acme/nope/issues`);
    await page.waitForSelector("h1:has-text('not found')", { timeout: 15000 });
    page.off("request", count);
    // The deep link's early request answered 404: that is the answer.
    expect(asked === 1, `the list was asked for ${asked} times`);
    expect(await page.locator("text=Loading issues").count() === 0, "still loading");
    expect(await page.locator("h1:has-text('not found')").count() === 1, "more than one not-found heading");
    expect(await page.locator(".not-found a:has-text('projects')").count() === 1, "no link back");
    expect(await page.title() === "Project not found · Faultline", "the tab is titled " + await page.title());
  });
  await check("5 unknown path", async () => {
    for (const path of ["/acme/shop/nothing/here", "/acme/shop/performance/nothing"]) {
      await page.goto(`${base}/app${path}`);
      await page.waitForSelector("h1:has-text('not found')", { timeout: 15000 });
      expect(await page.locator("header.top a:has-text('Monitors')").count() === 1, "no navigation on the 404 page of " + path);
      expect(await page.title() === "Page not found · Faultline", `the tab of ${path} is titled ` + await page.title());
    }
  });
  await check("5 unknown project on its other screens", async () => {
    for (const screen of ["performance", "alerts", "settings"]) {
      await page.goto(`${base}/app/acme/nope/${screen}`);
      await page.waitForSelector("h1:has-text('not found')", { timeout: 15000 });
      expect(await page.locator(".loading").count() === 0, `the ${screen} screen is still loading`);
    }
  });
  await check("4 a failed transaction list says why and can be tried again", async () => {
    await page.goto(`${base}/app/acme/shop/performance?query=boom`);
    await page.waitForSelector("[role=alert]:has-text('did not answer')", { timeout: 15000 });
    expect(await page.locator(".loading").count() === 0, "still loading");
    // Right after the click the old alert may still be on the page, or the
    // list loading again: wait for the retry's answer, then for the page to
    // settle on what it says.
    const retried = page.waitForResponse((r) => r.url().includes("/api/0/projects/acme/shop/transactions/"));
    await page.click("[role=alert] button:has-text('Try again')", { timeout: 3000 });
    await retried;
    await page.waitForFunction(() => document.querySelectorAll(".loading").length === 0 &&
      [...document.querySelectorAll("[role=alert]")].some((a) => a.textContent.includes("did not answer"))).catch(() => {});
    expect(await page.locator("[role=alert]:has-text('did not answer')").count() > 0, "no alert after trying again");
    expect(await page.locator(".loading").count() === 0, "still loading after trying again");
  });
  await check("5 unknown monitor", async () => {
    await page.goto(`${base}/app/acme/monitors/9`);
    await page.waitForSelector("h1:has-text('Monitor not found')", { timeout: 15000 });
    expect(await page.locator(".not-found a:has-text('projects')").count() === 1, "no link back");
  });
  await check("5 a project's own address leads to its issues", async () => {
    await page.goto(`${base}/app/acme/shop`);
    await page.waitForSelector("ul.issues li.issue");
    expect(new URL(page.url()).pathname === "/app/acme/shop/issues", "landed on " + page.url());
  });
  await check("titles name each screen", async () => {
    for (const [path, want] of [["/acme/", "Projects · acme · Faultline"], ["/acme/shop/issues", "Issues · shop · Faultline"],
      ["/acme/shop/performance", "Performance · shop · Faultline"], ["/acme/monitors", "Monitors · acme · Faultline"],
      ["/acme/monitors/1", "Shop home · Monitors · Faultline"], ["/account", "Account · Faultline"]]) {
      await page.goto(`${base}/app${path}`);
      await page.waitForFunction((want) => document.title === want, want, { timeout: 10000 }).catch(() => {});
      expect(await page.title() === want, `${path} is titled ${JSON.stringify(await page.title())}, want ${JSON.stringify(want)}`);
    }
  });

  await check("6 up monitor with 12 checks draws its response time", async () => {
    await page.goto(`${base}/app/acme/monitors/1`);
    await page.waitForSelector(".monitor .chart svg");
    // The series' marks: an empty chart has none.
    const drawn = await page.locator(".monitor .chart svg :is(.stroke, .dot)").count();
    expect(drawn > 0, `the chart has ${drawn} marks of the series`);
    await page.screenshot({ path: `${shots}/desktop-6-monitor.png` });
  });
  await check("6 a down monitor has no response times", async () => {
    await page.goto(`${base}/app/acme/monitors/2`);
    await page.waitForSelector(".figures dd");
    expect(await page.locator(".figures dd:has-text('0 ms')").count() === 0, "shows 0 ms");
  });
  await check("6 a heartbeat has no response-time chart", async () => {
    await page.goto(`${base}/app/acme/monitors/3`);
    await page.waitForSelector(".figures dd");
    expect(await page.locator("h2:has-text('Response time')").count() === 0, "has a response-time heading");
    expect(await page.locator(".monitor .chart").count() === 0, "has a chart");
    expect(await page.locator(".figures dt:has-text('p50')").count() === 0, "shows response-time percentiles");
  });
  await check("6 a heartbeat shows its check-in history", async () => {
    await page.waitForSelector("h2:has-text('Check-in history')", { timeout: 3000 });
    expect(await page.locator(".checkins li").count() === 2, "check-ins listed: " + await page.locator(".checkins li").count());
    expect(await page.locator(".checkins li:has-text('missed')").count() === 1, "the missed check-in is not marked");
    expect(await page.locator("th:has-text('Response')").count() === 0, "a response column for a heartbeat");
  });
  await page.close();

  for (const [name, viewport] of [["desktop", desktop], ["phone", phone]]) {
    const p = await newPage(viewport);
    await check(`7 hostile issue fits the ${name} screen`, async () => {
      await p.goto(`${base}/app/acme/issues/1`);
      await p.waitForSelector(".frame.in-app");
      await p.waitForSelector(".facts .context");
      const size = await fits(p);
      expect(size.width <= size.inner, `the page is ${size.width} px wide on a ${size.inner} px screen`);
      const tallest = await p.evaluate(() => [...document.querySelectorAll(".detail > *, .facts > *")]
        .map((el) => [el.className || el.tagName, Math.round(el.getBoundingClientRect().height)]).sort((a, b) => b[1] - a[1]).slice(0, 4));
      expect(size.height <= 6000, `the page is ${size.height} px tall; tallest parts ${JSON.stringify(tallest)}`);
      await p.screenshot({ path: `${shots}/${name}-7-hostile-issue.png`, fullPage: true, timeout: 30000 }).catch(() => {});
    });
    await check(`7 a long tag value stays in its column (${name})`, async () => {
      const over = await p.evaluate(() => [...document.querySelectorAll(".tags .tag")].some((t) => t.scrollWidth > t.clientWidth + 1));
      expect(!over, "a tag value runs past its column");
    });
    await check(`7 the title is clamped to two lines, whole on hover (${name})`, async () => {
      const t = p.locator("h1 .issue-title");
      expect(await t.getAttribute("title") === word, "the full title is not in the title attribute");
      const lines = await t.evaluate((el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
      expect(lines <= 2.05, `the title takes ${lines.toFixed(1)} lines`);
    });
    await check(`7 frame headers read file:line; In-app and All frames switch (${name})`, async () => {
      const where = await p.locator(".frame.in-app summary code.where").textContent();
      expect(where === `${rtlName}:200`, "the in-app frame header reads " + JSON.stringify(where));
      await p.click(".frame-scope button:has-text('All frames')");
      expect(await p.locator(".frame").count() === 200, `${await p.locator(".frame").count()} frames under All frames`);
      await p.click(".frame-scope button:has-text('In-app')");
      expect(await p.locator(".frame").count() < 10, `${await p.locator(".frame").count()} frames under In-app`);
    });
    await check(`7 frames beyond the crashing one are folded (${name})`, async () => {
      expect(await p.locator(".frame").count() < 10, `${await p.locator(".frame").count()} frames shown`);
      await p.click("button:has-text('more frames')");
      expect(await p.locator(".frame").count() === 200, "not all frames after show more");
      const size = await fits(p);
      expect(size.width <= size.inner, `with all frames the page is ${size.width} px wide`);
    });
    await check(`7 a right-to-left override in a filename is isolated (${name})`, async () => {
      const isolated = await p.evaluate((name) => {
        // The filename's own element and those around it holding only it.
        const holders = [...document.querySelectorAll(".frame summary *")].filter((e) => e.textContent === name);
        if (!holders.length) return "no element holds the filename alone";
        return holders.some((e) => getComputedStyle(e).unicodeBidi === "isolate") ? "isolate" : getComputedStyle(holders[0]).unicodeBidi;
      }, rtlName);
      expect(isolated === "isolate", "unicode-bidi: " + isolated);
    });
    await p.close();
  }

  const perf = await newPage(phone);
  await check("8 the Transaction column is readable on a phone", async () => {
    await perf.goto(`${base}/app/acme/shop/performance`);
    await perf.waitForSelector("td.name a");
    const width = await perf.locator("td.name").first().evaluate((el) => el.getBoundingClientRect().width);
    expect(width >= 120, `the Transaction column is ${width} px wide`);
    const size = await fits(perf);
    expect(size.width <= size.inner, `the page is ${size.width} px wide`);
    await perf.screenshot({ path: `${shots}/phone-8-performance.png`, fullPage: true });
  });
  await perf.close();

  if (failures.length) console.error("failed:\n" + failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.error(String(e));
} finally {
  await browser.close();
}
process.exit(status);
