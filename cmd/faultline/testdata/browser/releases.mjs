// Usage: node releases.mjs BASE_URL SCREENSHOT_DIR
// Drives the dashboard's release screens in headless Chromium with the API
// answered from the fixtures below: the releases list (health figures,
// search, the next page), a release (deploys, commits, new issues, no
// artifacts), an issue whose event source maps mapped (the minified frames
// on request, the reason a frame stayed minified), one that was never
// mapped, and resolving in the next release or in a chosen one, at desktop
// and phone sizes. Prints "ok" or every check that failed.
import { launch, checks } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();

const now = new Date().toISOString();
const version = "shop@1.2.0+build.7";
const health = (adoption, sessions, users) => ({ adoption, crashFreeSessions: sessions, crashFreeUsers: users, sessionsCrashed: 3, totalSessions: 1200 });
const release = (v, extra = {}) => ({ id: v, version: v, shortVersion: v.replace(/^shop@/, ""), ref: null, url: null, dateCreated: now, dateReleased: null,
  firstEvent: now, lastEvent: now, newGroups: 0, commitCount: 0, deployCount: 0, lastDeploy: null, authors: [], fileCount: 0, status: "open",
  projects: [{ id: "1", slug: "shop", name: "Shop", healthData: null }], ...extra });
const firstPage = [
  release(version, { newGroups: 4, commitCount: 2, deployCount: 1, fileCount: 3,
    lastDeploy: { id: "1", environment: "production", name: "deploy 7", url: null, dateStarted: now, dateFinished: now },
    projects: [{ id: "1", slug: "shop", name: "Shop", healthData: health(61.5, 99.123, 98.7) }] }),
  release("shop@1.1.0", { newGroups: 1 }),
];
const secondPage = [release("shop@1.0.0")];

const issue = (id, extra = {}) => ({ id, shortId: `SHOP-${id}`, title: `TypeError in issue ${id}`, culprit: "cart", level: "error", status: "unresolved",
  statusDetails: {}, count: "12", userCount: 3, firstSeen: now, lastSeen: now, project: { slug: "shop" }, ...extra });
const mappedEvent = {
  eventID: "a".repeat(32), dateCreated: now, previousEventID: null, nextEventID: null, release: version,
  entries: [{ type: "exception", data: { values: [{ type: "TypeError", value: "cart.items is undefined",
    stacktrace: { frames: [
      { filename: "https://shop.example/static/vendor.min.js", function: "r", lineNo: 1, colNo: 88120, inApp: false, context: [],
        data: { symbolicated: false, unmapped_reason: "no_sourcemap" } },
      { filename: "src/cart.ts", absPath: "webpack://shop/src/cart.ts", function: "addItem", lineNo: 42, colNo: 7, inApp: true,
        context: [[41, "  const cart = load();"], [42, "  cart.items.push(item);"]],
        data: { symbolicated: true, resolved_with: "debug-id", sourcemap: "c0ffee00-0000-4000-8000-000000000001" } },
    ] },
    rawStacktrace: { frames: [
      { filename: "https://shop.example/static/vendor.min.js", function: "r", lineNo: 1, colNo: 88120, inApp: false, context: [] },
      { filename: "https://shop.example/static/app.4f3a9c1d.min.js", function: "a", lineNo: 1, colNo: 4051, inApp: true, context: [] },
    ] } }] } }],
  contexts: {}, tags: [], sdk: { name: "sentry.javascript.browser", version: "11.12.0" },
};
const minifiedEvent = {
  ...mappedEvent, eventID: "b".repeat(32),
  entries: [{ type: "exception", data: { values: [{ type: "TypeError", value: "n is null",
    stacktrace: { frames: [{ filename: "https://shop.example/static/app.4f3a9c1d.min.js", function: "a", lineNo: 1, colNo: 4051, inApp: true, context: [] }] },
    rawStacktrace: null }] } }],
};
const issues = { 1: issue("1"), 2: issue("2", { title: "TypeError never mapped" }) };
const events = { 1: mappedEvent, 2: minifiedEvent };

const puts = [];
const requests = [];
function answer(method, url, body) {
  const p = url.pathname.replace(/^\/api\/0/, "");
  const q = url.searchParams;
  const ok = (b, headers = {}) => ({ status: 200, body: b, headers });
  const notFound = (what) => ({ status: 404, body: { detail: what + " not found" } });
  if (p === "/") return ok({ user: { id: "1", email: "ada@shop.example", emailVerified: true } });
  if (p === "/organizations/") return ok([{ slug: "acme", name: "Acme" }]);
  if (p === "/organizations/acme/projects/") return ok([{ slug: "shop", name: "Shop", platform: "javascript" }]);
  if (p === "/projects/acme/shop/releases/") {
    if (q.get("query") === "1.1") return ok([firstPage[1]]);
    if (q.get("cursor") === "0:25:0") return ok(secondPage);
    const link = `<${url.origin}${url.pathname}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
      `<${url.origin}${url.pathname}?cursor=0:25:0>; rel="next"; results="true"; cursor="0:25:0"`;
    return ok(firstPage, { Link: link });
  }
  const rel = p.match(/^\/organizations\/acme\/releases\/([^/]+)\/(deploys\/|commits\/)?$/);
  if (rel) {
    const known = firstPage.find((r) => r.version === decodeURIComponent(rel[1]));
    if (!known) return notFound("release");
    if (rel[2] === "deploys/") return ok([{ id: "1", environment: "production", name: "deploy 7", url: null, dateStarted: now, dateFinished: now }]);
    if (rel[2] === "commits/") return ok([{ id: "9f1c2e3d4b5a69788", message: "Fix the cart total\n\nlong body", dateCreated: now,
      author: { name: "Ada", email: "ada@shop.example" }, repository: { name: "acme/shop" } }]);
    return ok(known);
  }
  if (p === "/projects/acme/shop/files/artifact-bundles/") {
    // A server without the listing answers 404; one with it may list every
    // bundle of the project, whatever query= says.
    if (q.get("query") === version) return notFound("route " + p);
    const bundle = (id, associations) => ({ id, bundleId: id, fileCount: 2, date: now, dateModified: now, associations, debugIds: [] });
    return ok([bundle("b-of-1.1.0", [{ release: "shop@1.1.0", dist: "web" }]), bundle("b-of-1.0.0", [{ release: "shop@1.0.0", dist: "" }]), bundle("b-debug-id-only", [])]);
  }
  if (p === "/projects/acme/shop/issues/" && method === "PUT") {
    puts.push({ ids: q.getAll("id"), body });
    for (const id of q.getAll("id")) Object.assign(issues[id], { status: body.status, statusDetails: body.statusDetails || {} });
    return ok({ status: body.status, statusDetails: body.statusDetails || {} });
  }
  if (p === "/projects/acme/shop/issues/") {
    // A search without first-release: support finds nothing for 1.1.0.
    if ((q.get("query") || "") === "first-release:" + version) return ok([issues[1]]);
    if ((q.get("query") || "").startsWith("first-release:")) return ok([]);
    return ok(Object.values(issues));
  }
  const is = p.match(/^\/issues\/(\d)\/(events\/latest\/|tags\/|comments\/|activity\/|stats\/)?$/);
  if (is && issues[is[1]]) {
    if (!is[2]) return ok(issues[is[1]]);
    if (is[2] === "events/latest/") return ok(events[is[1]]);
    if (is[2] === "stats/") return ok({ stats: [] });
    return ok([]);
  }
  if (p === "/organizations/acme/events-stats/") return ok({ data: [] });
  if (p.endsWith("/environments/") || p.endsWith("/keys/")) return ok([]);
  if (p.endsWith("/stats/")) return ok({ stats: [] });
  return notFound("route " + p);
}

const { failures, check, expect } = checks();

async function newPage(viewport) {
  const page = await browser.newPage({ viewport });
  // A missing element fails its check soon, so every check gets its say;
  // the first screen of a page waits longer (see warm).
  page.setDefaultTimeout(8000);
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await page.route("**/api/0/**", async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    requests.push(req.method() + " " + url.pathname + url.search);
    const { status, body, headers } = answer(req.method(), url, req.postDataJSON());
    await route.fulfill({ status, contentType: "application/json", headers, body: JSON.stringify(body) });
  });
  return page;
}
// warm waits for the first screen of a fresh page: a cold browser on a busy
// machine takes its time, which says nothing about the dashboard.
const warm = (page, selector) => page.waitForSelector(selector, { timeout: 60000 });
const fits = (page) => page.evaluate(() => ({ width: document.documentElement.scrollWidth, inner: innerWidth }));
const text = (page, sel) => page.locator(sel).first().textContent();

let status = 1;
try {
  const desktop = { width: 1440, height: 900 }, phone = { width: 390, height: 844 };
  const page = await newPage(desktop);

  await check("1 the project's navigation leads to its releases", async () => {
    await page.goto(`${base}/app/acme/shop/issues`);
    await warm(page, "ul.issues li.issue");
    await page.click("nav.project-nav a:has-text('Releases')");
    await page.waitForSelector("table.release-table tbody tr");
    expect(new URL(page.url()).pathname === "/app/acme/shop/releases", "landed on " + page.url());
  });
  await check("1 a release row shows its health, new issues and last deploy", async () => {
    const row = (await text(page, "table.release-table tbody tr")).replace(/\s+/g, " ");
    for (const want of ["1.2.0+build.7", "61.5%", "99.12%", "98.7%", "4", "production"]) expect(row.includes(want), `the row ${JSON.stringify(row)} lacks ${want}`);
    const other = (await page.locator("table.release-table tbody tr").nth(1).textContent()).replace(/\s+/g, " ");
    expect(other.includes("–"), `a release without sessions shows figures: ${other}`);
  });
  await check("1 Next follows the Link header's cursor", async () => {
    await page.click("nav.pager button:has-text('Next')");
    await page.waitForSelector("a.version:has-text('1.0.0')");
    expect(new URL(page.url()).searchParams.get("cursor") === "0:25:0", "the address is " + page.url());
    await page.goBack();
    await page.waitForSelector("a.version:has-text('1.2.0+build.7')");
  });
  await check("1 search asks the API with query=", async () => {
    // Back to the first page, whose answer is slow, as on a busy server,
    // and a search sent before it came: the search's answer comes first
    // and the list's, when it comes, must not replace it.
    await page.click("nav.pager button:has-text('Next')");
    await page.waitForSelector("a.version:has-text('1.0.0')");
    let slowAnswered;
    const answered = new Promise((r) => { slowAnswered = r; });
    const slowList = async (route) => {
      if (new URL(route.request().url()).searchParams.get("query")) return route.fallback();
      await new Promise((r) => setTimeout(r, 1500));
      await route.fallback();
      slowAnswered();
    };
    const list = /\/projects\/acme\/shop\/releases\/\?/;
    await page.route(list, slowList);
    try {
      await page.goBack();
      await page.waitForSelector("p.loading");
      await page.fill("input[aria-label='Search releases']", "1.1");
      await page.keyboard.press("Enter");
      await answered;
      await page.waitForTimeout(300);
    } finally {
      await page.unroute(list, slowList);
    }
    const rows = await page.locator("table.release-table tbody tr").allTextContents();
    expect(rows.length === 1 && rows[0].includes("1.1.0"), "the list shows " + rows.length + " releases, not only the matching one");
    expect(requests.some((r) => r.includes("/releases/?query=1.1")), "no request with query=1.1");
  });

  await check("2 a release shows deploys, commits, new issues and no artifacts", async () => {
    requests.length = 0;
    await page.goto(`${base}/app/acme/shop/releases`);
    await page.click("a.version:has-text('1.2.0+build.7')");
    await page.waitForSelector(".release h1");
    await page.waitForSelector(".release-deploys li");
    expect(requests.some((r) => r.startsWith("GET /api/0/organizations/acme/releases/shop%401.2.0%2Bbuild.7/")), "asked " + requests.join(" "));
    const figures = (await text(page, ".release .figures")).replace(/\s+/g, " ");
    expect(figures.includes("99.12%") && figures.includes("61.5%"), "figures " + figures);
    expect((await text(page, ".release-deploys")).includes("production"), "no production deploy");
    await page.waitForSelector(".commits li");
    expect((await text(page, ".commits li")).includes("Fix the cart total"), "no commit message");
    await page.waitForSelector(".release-issues li a");
    expect((await text(page, ".release-issues li a")).includes("TypeError in issue 1"), "no new issue");
    expect(requests.some((r) => r.includes("/issues/?query=first-release%3Ashop%401.2.0%2Bbuild.7")), "new issues asked " + requests.filter((r) => r.includes("/issues/")).join(" "));
    await page.waitForSelector("p:has-text('No artifacts uploaded')");
    const seen = await page.locator("a:has-text('All issues with events in this release')").getAttribute("href");
    expect(new URL(seen, base).searchParams.get("query") === "release:" + version, "the release: link is " + seen);
    await page.screenshot({ path: `${shots}/desktop-2-release.png`, fullPage: true });
  });
  await check("2 the release's address survives a reload", async () => {
    await page.reload();
    await page.waitForSelector(`.release .figures`);
    expect((await text(page, "h1 .version")) === "1.2.0+build.7", "heading " + (await text(page, "h1")));
  });
  await check("2 new issues the search cannot list are not called none", async () => {
    await page.goto(`${base}/app/acme/shop/releases/${encodeURIComponent("shop@1.1.0")}`);
    await page.waitForSelector(".release-issues p:has-text('cannot list them')");
    expect(await page.locator("text=No issues were first seen").count() === 0, "says no new issues while newGroups is 1");
  });
  await check("2 a release lists its own artifact bundles only", async () => {
    await page.waitForSelector(".artifacts li");
    const listed = await page.locator(".artifacts li code").allTextContents();
    expect(listed.join() === "b-of-1.1.0", "listed " + listed.join());
    expect((await text(page, ".artifacts li")).includes("dist web"), "no dist");
    await page.waitForSelector("p:has-text('1 bundle uploaded without a release')");
  });
  await check("2 an unknown release is not found", async () => {
    await page.goto(`${base}/app/acme/shop/releases/nope`);
    await page.waitForSelector("h1:has-text('Release not found')");
  });

  await check("3 an issue shows original frames, with the reason a frame stayed minified", async () => {
    await page.goto(`${base}/app/acme/issues/1`);
    await page.waitForSelector(".frame.in-app");
    const crash = await text(page, ".frame.in-app summary");
    expect(crash.includes("src/cart.ts") && crash.includes("addItem"), "the crashing frame is " + crash);
    expect(await page.locator("text=Minified").count() > 0, "no Minified toggle");
    expect(await page.locator("button:has-text('Original')").getAttribute("aria-pressed") === "true", "Original is not the default");
    await page.click("button:has-text('more frames')");
    expect((await text(page, ".frame.not-mapped")).includes("no source map for this file"), "no reason on the unmapped frame");
    expect(await page.locator(".hint").count() === 0, "the minified hint shows on a mapped event");
  });
  await check("3 Minified shows the raw frames, Original brings the mapped ones back", async () => {
    await page.click("button:has-text('Minified')");
    await page.waitForSelector(".frame.in-app summary:has-text('app.4f3a9c1d.min.js')");
    expect(await page.locator("button:has-text('Minified')").getAttribute("aria-pressed") === "true", "Minified not pressed");
    expect(await page.locator(".frame summary:has-text('src/cart.ts')").count() === 0, "mapped frames still shown");
    await page.click("button:has-text('Original')");
    await page.waitForSelector(".frame.in-app summary:has-text('src/cart.ts')");
  });
  await check("3 an unmapped minified event says when maps apply", async () => {
    await page.goto(`${base}/app/acme/issues/2`);
    await page.waitForSelector(".frame.in-app");
    const hint = await text(page, ".hint");
    expect(hint.includes("later events") && hint.includes(version), "hint " + hint);
    expect(await page.locator("button:has-text('Minified')").count() === 0, "a Minified toggle without raw frames");
  });

  await check("4 resolve in next release from the keyboard", async () => {
    puts.length = 0;
    await page.goto(`${base}/app/acme/issues/1`);
    await page.waitForSelector(".actions .resolve");
    await page.focus("summary[aria-label='More ways to resolve']");
    await page.keyboard.press("Enter");
    await page.waitForSelector("button:has-text('Resolve in next release')");
    await page.keyboard.press("Escape");
    await page.waitForSelector("button:has-text('Resolve in next release')", { state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")) === "More ways to resolve", "Escape lost the focus");
    await page.keyboard.press("Enter");
    await page.focus("button:has-text('Resolve in next release')");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "PUT"), page.keyboard.press("Enter")]);
    expect(puts.length === 1, `${puts.length} PUTs`);
    expect(JSON.stringify(puts[0].body) === JSON.stringify({ status: "resolved", statusDetails: { inNextRelease: true } }), "PUT " + JSON.stringify(puts[0].body));
    expect(puts[0].ids.join() === "1", "resolved " + puts[0].ids);
    await page.waitForSelector(".status.resolved:has-text('resolved in next release')");
  });
  await check("4 resolve in a chosen release", async () => {
    puts.length = 0;
    await page.goto(`${base}/app/acme/issues/2`);
    await page.click("summary[aria-label='More ways to resolve']");
    await page.click("button:has-text('Resolve in release…')");
    await page.selectOption("select[aria-label=Release]", "shop@1.1.0");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "PUT"), page.click("button:has-text('Resolve in this release')")]);
    expect(JSON.stringify(puts[0]?.body) === JSON.stringify({ status: "resolved", statusDetails: { inRelease: "shop@1.1.0" } }), "PUT " + JSON.stringify(puts[0]?.body));
    await page.waitForSelector(".status.resolved:has-text('resolved in shop@1.1.0')");
  });
  await check("4 the list resolves the selected issues in the next release", async () => {
    puts.length = 0;
    issues[1].status = issues[2].status = "unresolved";
    await page.goto(`${base}/app/acme/shop/issues`);
    await page.check("input[aria-label='Select SHOP-1']");
    await page.check("input[aria-label='Select SHOP-2']");
    await page.click(".bulk summary[aria-label='More ways to resolve']");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "PUT"), page.click(".bulk button:has-text('Resolve in next release')")]);
    expect(puts[0]?.ids.sort().join() === "1,2" && puts[0]?.body.statusDetails?.inNextRelease === true, "PUT " + JSON.stringify(puts[0]));
    await page.waitForSelector("li.issue .muted:has-text('resolved in next release')");
  });
  await check("4 the list resolves the selected issues in a chosen release", async () => {
    puts.length = 0;
    issues[1].status = issues[2].status = "unresolved";
    await page.goto(`${base}/app/acme/shop/issues`);
    await page.check("input[aria-label='Select SHOP-2']");
    await page.click(".bulk summary[aria-label='More ways to resolve']");
    await page.click(".bulk button:has-text('Resolve in release…')");
    await page.selectOption(".bulk select[aria-label=Release]", version);
    await Promise.all([page.waitForResponse((r) => r.request().method() === "PUT"), page.click(".bulk button:has-text('Resolve in this release')")]);
    expect(puts[0]?.ids.join() === "2" && JSON.stringify(puts[0]?.body) === JSON.stringify({ status: "resolved", statusDetails: { inRelease: version } }), "PUT " + JSON.stringify(puts[0]));
  });
  await page.close();

  const p = await newPage(phone);
  for (const [name, path, ready] of [["releases", "/app/acme/shop/releases", "table.release-table tbody tr"],
    ["release", `/app/acme/shop/releases/${encodeURIComponent(version)}`, ".commits li"],
    ["issue", "/app/acme/issues/1", ".frame.in-app"]]) {
    await check(`5 the ${name} screen fits a phone`, async () => {
      issues[1].status = "unresolved";
      await p.goto(base + path);
      await warm(p, ready);
      if (name === "issue") await p.click("summary[aria-label='More ways to resolve']");
      const size = await fits(p);
      expect(size.width <= size.inner, `the page is ${size.width} px wide on a ${size.inner} px screen`);
      if (name === "releases") {
        const cells = await p.locator("table.release-table tbody tr").first().locator("td:visible").allTextContents();
        expect(cells.some((c) => c.includes("1.2.0")) && cells.some((c) => c.includes("99.12%")) && cells.includes("4"),
          "the phone row shows " + JSON.stringify(cells) + ", not the version, crash-free sessions and new issues");
      }
      await p.screenshot({ path: `${shots}/phone-5-${name}.png`, fullPage: true });
    });
  }
  await p.close();

  if (failures.length) console.error("failed:\n" + failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.error(String(e));
} finally {
  await browser.close();
}
process.exit(status);
