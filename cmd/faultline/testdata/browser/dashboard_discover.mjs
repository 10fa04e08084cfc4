// Usage: node dashboard_discover.mjs BASE_URL EMAIL PASSWORD ORG SCREENSHOT_DIR
// Builds a Discover query over three transactions (two users) from the
// function builder, runs it and reads the table; then opens a query the
// API refuses and expects its reason on the page. Prints "ok" or every
// check that failed.
import { launch, checks, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const { failures, check, expect } = checks();

let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await logIn(page, base, email, password);
  await page.goto(`${base}/app/${org}/discover?${new URLSearchParams({ dataset: "transactions", statsPeriod: "1h", field: "transaction" })}`);
  await page.waitForSelector("table.discover-table td.name:has-text('GET /discover-test')");

  await check("the builder offers every function the catalog has for transactions", async () => {
    const names = await page.$$eval("select[aria-label=Function] option", (os) => os.map((o) => o.value));
    for (const want of ["count_unique", "count_if", "percentile", "p90", "avg", "sum", "min", "max", "failure_count", "failure_rate", "apdex", "count_miserable", "epm", "tpm", "last_seen"]) {
      expect(names.includes(want), `no ${want} in ${names}`);
    }
  });

  // add picks a function, fills its arguments and adds it, then waits
  // for its column.
  const add = async (fn, fill, call) => {
    await page.selectOption("select[aria-label=Function]", fn);
    await fill();
    await page.click(`.function-builder button[type=submit]`);
    await page.waitForSelector(`table.discover-table th:has-text('${call}')`);
  };
  await check("functions with a column, a number, an operator and a value are built and run", async () => {
    await page.click(".fields summary");
    await add("count_unique", () => page.selectOption("select[aria-label=column]", "user"), "count_unique(user)");
    await add("percentile", async () => {
      await page.selectOption("select[aria-label=column]", "transaction.duration");
      await page.fill("input[aria-label=percentile]", "0.5");
    }, "percentile(transaction.duration, 0.5)");
    await add("count_if", async () => {
      await page.selectOption("select[aria-label=column]", "transaction.duration");
      await page.selectOption("select[aria-label=operator]", "greaterOrEquals");
      await page.fill("input[aria-label=value]", "0");
    }, "count_if(transaction.duration, greaterOrEquals, 0)");
    await add("apdex", () => page.fill("input[aria-label='threshold (optional)']", "100000"), "apdex(100000)");
    await add("failure_count", async () => {}, "failure_count()");
    await add("epm", async () => {}, "epm()");
    await add("last_seen", async () => {}, "last_seen()");
    const heads = await page.$$eval("table.discover-table th", (ths) => ths.map((th) => th.textContent.replace(/ [↑↓]$/, "")));
    const cells = await page.$$eval("table.discover-table tbody tr:first-child td", (tds) => tds.map((td) => td.textContent));
    const row = Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
    expect(row["transaction"] === "GET /discover-test", JSON.stringify(row));
    expect(row["count_unique(user)"] === "2", JSON.stringify(row));
    expect(row["count_if(transaction.duration, greaterOrEquals, 0)"] === "3", JSON.stringify(row));
    expect(row["apdex(100000)"] === "1", JSON.stringify(row));
    expect(row["failure_count()"] === "0", JSON.stringify(row));
    expect(/ms$| s$/.test(row["percentile(transaction.duration, 0.5)"]), JSON.stringify(row));
    expect(/\/min$/.test(row["epm()"]), JSON.stringify(row));
    expect(/^\d{4}-\d\d-\d\dT/.test(row["last_seen()"]), JSON.stringify(row));
    const url = new URL(page.url());
    expect(url.searchParams.getAll("field").length === 8, url.search);
  });
  await page.screenshot({ path: `${shots}/01-functions.png`, fullPage: true });

  await check("a query the API refuses says why", async () => {
    await page.goto(`${base}/app/${org}/discover?${new URLSearchParams({ dataset: "transactions", statsPeriod: "1h", field: "avg(transaction.op)" })}`);
    const alert = await page.waitForSelector(".discover [role=alert]");
    const text = await alert.textContent();
    expect(/cannot run this query/.test(text) && /transaction.op is not a number/.test(text), text);
  });
  await page.screenshot({ path: `${shots}/02-refused.png`, fullPage: true });
  status = failures.length ? 1 : 0;
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
}
console.log(failures.length ? failures.join("\n") : "ok");
process.exit(failures.length ? 1 : status);
