// Runs a bundle, catches the error it throws and prints it as a Sentry event
// whose frames point at the bundle served from https://shop.example.com/dist/.
const path = require("path");
const bundle = process.argv[2];
Error.stackTraceLimit = 50;
require(path.resolve(bundle));
let err;
try { globalThis.faultlineFixture(); } catch (e) { err = e; }
const url = "https://shop.example.com/dist/" + path.basename(bundle);
const frames = [];
for (const line of err.stack.split("\n").slice(1)) {
  const m = line.match(/^\s+at (?:(.*?) \()?(.*):(\d+):(\d+)\)?$/);
  if (!m || !m[2].endsWith(path.basename(bundle))) continue;
  const f = { filename: "/dist/" + path.basename(bundle), abs_path: url, lineno: +m[3], colno: +m[4], in_app: true };
  if (m[1]) f.function = m[1];
  frames.unshift(f);
}
const ev = {
  event_id: "0".repeat(32), platform: "javascript", release: "shop@1.0.0", level: "error",
  exception: { values: [{ type: err.name, value: err.message, stacktrace: { frames } }] },
};
process.stdout.write(JSON.stringify(ev, null, 2) + "\n");
