// Usage: node firstload.mjs BASE_URL EMAIL PASSWORD ORG PROJECT RUNS
// Logs in, then loads the issue list RUNS times from scratch (a new page,
// the session kept) and prints, as JSON, how long each took until the first
// issue was on screen, in milliseconds.
import { launch } from "./harness.mjs";

const [base, email, password, org, project, runs] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext();
const login = await context.newPage();
await login.goto(`${base}/app/login`);
await login.fill("input[name=email]", email);
await login.fill("input[name=password]", password);
await login.click("button[type=submit]");
await login.waitForSelector("h1:has-text('Projects')");
await login.close();
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const page = await context.newPage();
  const start = Date.now();
  await page.goto(`${base}/app/${org}/${project}/issues`);
  await page.waitForSelector("a.title");
  times.push(Date.now() - start);
  await page.close();
}
console.log(JSON.stringify(times));
await browser.close();
