import { useEffect, useState } from "preact/hooks";
import { api, nextCursor } from "../api";
import { navigate } from "../router";
import { ErrorNote } from "../main";
import { LineChart, seriesOf, type Line } from "../chart";

const columns: Record<string, string[]> = {
  transactions: ["transaction", "transaction.op", "transaction.status", "transaction.duration", "http.status_code", "environment", "release", "user", "id", "timestamp", "trace"],
  errors: ["title", "message", "level", "platform", "transaction", "environment", "release", "user", "issue.id", "id", "timestamp"],
};
const aggregates: Record<string, string[]> = {
  transactions: ["count()", "count_unique(user)", "p50()", "p75()", "p95()", "p99()", "failure_rate()", "apdex()"],
  errors: ["count()", "count_unique(user)"],
};
const splittable = new Set(["transaction", "environment", "release", "level"]);
const intervals: Record<string, string> = { "1h": "1m", "24h": "30m", "14d": "6h", "30d": "12h" };

// Discover builds a table over errors or transactions from picked fields;
// the chart follows the picked aggregates, the table pages, and the same
// query downloads as CSV.
export function Discover(props: { org: string; query: URLSearchParams }) {
  const q = props.query;
  const dataset = q.get("dataset") === "errors" ? "errors" : "transactions";
  const fields = q.getAll("field").length ? q.getAll("field") : (dataset === "errors" ? ["title", "count()"] : ["transaction", "count()", "p95()"]);
  const search = q.get("query") ?? "";
  const sort = q.get("sort") ?? "";
  const period = q.get("statsPeriod") ?? "24h";
  const cursor = q.get("cursor") ?? "";
  const [rows, setRows] = useState<any[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [stats, setStats] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState(search);
  const [tag, setTag] = useState("");

  const params = (extra: Record<string, string> = {}) => {
    const p = new URLSearchParams({ dataset, statsPeriod: period, query: search, ...(sort ? { sort } : {}), ...extra });
    for (const f of fields) p.append("field", f);
    return p;
  };
  const picked = fields.filter((f) => f.includes("("));
  const split = picked.length === 1 ? fields.find((f) => splittable.has(f)) : undefined;
  useEffect(() => {
    setRows(null); setError(null);
    const p = params(cursor ? { cursor } : {});
    api<any>("GET", `/organizations/${props.org}/events/?${p}`)
      .then((r) => { setRows(r.data.data); setNext(nextCursor(r.link)); }).catch(setError);
    const s = new URLSearchParams({ dataset, statsPeriod: period, interval: intervals[period] || "1h", query: search });
    for (const y of picked.length ? picked : ["count()"]) s.append("yAxis", y);
    if (split) { s.set("field", split); s.set("topEvents", "5"); }
    api("GET", `/organizations/${props.org}/events-stats/?${s}`).then((r) => setStats(r.data)).catch(setError);
  }, [props.org, q.toString()]);

  const go = (p: URLSearchParams) => navigate(`/${props.org}/discover?${p}`);
  const setFields = (next: string[]) => {
    if (!next.length) return;
    const p = params();
    p.delete("field"); p.delete("cursor");
    if (sort && !next.includes(sort.replace(/^-/, ""))) p.delete("sort");
    for (const f of next) p.append("field", f);
    go(p);
  };
  const toggle = (f: string) => setFields(fields.includes(f) ? fields.filter((x) => x !== f) : [...fields, f]);
  const charts = byUnit(chartLines(stats, picked.length ? picked : ["count()"], !!split), split ? picked[0] || "count()" : "");
  return (
    <section class="discover">
      <h1>Discover</h1>
      <form class="search" onSubmit={(e) => { e.preventDefault(); go(params({ query: draft })); }}>
        <select aria-label="Dataset" value={dataset} onChange={(e: any) => go(new URLSearchParams({ dataset: e.currentTarget.value, statsPeriod: period }))}>
          <option value="transactions">Transactions</option><option value="errors">Errors</option>
        </select>
        <input aria-label="Filter" placeholder='environment:production transaction:"GET /"' value={draft} onInput={(e: any) => setDraft(e.currentTarget.value)} />
        <select aria-label="Time range" value={period} onChange={(e: any) => go(params({ statsPeriod: e.currentTarget.value }))}>
          <option value="1h">Last hour</option><option value="24h">Last 24 hours</option><option value="14d">Last 14 days</option><option value="30d">Last 30 days</option>
        </select>
        <button type="submit">Run</button>
      </form>
      <details class="fields" open={!rows || rows.length === 0}>
        <summary>Fields: {fields.join(", ")}</summary>
        <fieldset><legend>Columns</legend>{columns[dataset].map((f) => (
          <label><input type="checkbox" checked={fields.includes(f)} onChange={() => toggle(f)} /> {f}</label>
        ))}</fieldset>
        <fieldset><legend>Aggregates</legend>{aggregates[dataset].map((f) => (
          <label><input type="checkbox" checked={fields.includes(f)} onChange={() => toggle(f)} /> {f}</label>
        ))}</fieldset>
        <form class="tag" onSubmit={(e) => { e.preventDefault(); if (tag.trim()) { setFields([...fields, `tags[${tag.trim()}]`]); setTag(""); } }}>
          <input aria-label="Tag key" placeholder="a tag key, e.g. browser" value={tag} onInput={(e: any) => setTag(e.currentTarget.value)} />
          <button type="submit">Add tag column</button>
          {fields.filter((f) => f.startsWith("tags[")).map((f) => <button type="button" class="chip" onClick={() => toggle(f)}>{f} ×</button>)}
        </form>
      </details>
      {error ? <ErrorNote error={error} /> : null}
      {charts.map((c) => <LineChart label={`chart of ${c.lines.map((l) => l.label).join(", ")}`} xs={c.xs} lines={c.lines} unit={c.unit} />)}
      <div class="table-head">
        <a class="button" href={`/api/0/organizations/${props.org}/events/?${params({ format: "csv" })}`} download>Download CSV</a>
      </div>
      {error && !rows ? null : !rows ? <p class="loading">Running the query…</p> : rows.length === 0 ? <div class="empty"><h2>No rows</h2><p>Nothing matches in this period; widen the time range or loosen the filter.</p></div> : (
        <div class="scroll">
          <table class="perf discover-table">
            <thead><tr>{fields.map((f) => (
              <th><button class="link" onClick={() => go(params({ sort: sort === "-" + f ? f : "-" + f, cursor: "" }))}>{f}{sort.replace(/^-/, "") === f ? (sort.startsWith("-") ? " ↓" : " ↑") : ""}</button></th>
            ))}</tr></thead>
            <tbody>{rows.map((r) => <tr>{fields.map((f, i) => <td class={i === 0 ? "name" : ""}>{format(f, r[f])}</td>)}</tr>)}</tbody>
          </table>
        </div>
      )}
      <nav class="pager">
        {cursor && <button class="link" onClick={() => history.back()}>Previous</button>}
        {next && <button class="link" onClick={() => go(params({ cursor: next }))}>Next</button>}
      </nav>
    </section>
  );
}

function format(field: string, v: string): string {
  if (v === undefined || v === null) return "";
  const n = Number(v);
  if (/^p\d\d\(\)$/.test(field) || field === "transaction.duration") return isNaN(n) ? v : (n >= 1000 ? (n / 1000).toFixed(2) + " s" : Math.round(n) + " ms");
  if (field === "failure_rate()") return (100 * n).toFixed(1) + "%";
  if (field === "apdex()") return n.toFixed(2);
  return v;
}

// unitOf says what an aggregate measures: durations in ms, rates in %,
// apdex a score from 0 to 1; anything else counts.
function unitOf(field: string): string | undefined {
  if (/^p\d\d\(/.test(field)) return "ms";
  if (field.startsWith("failure_rate(")) return "%";
  if (field.startsWith("apdex(")) return "score";
  return undefined;
}

// byUnit splits the lines into one chart per unit, so a duration and a
// count never share an axis. A duration of 0 is a bucket without events:
// drawn as a gap. split names the one aggregate of split series.
function byUnit(c: { xs: number[]; lines: { label: string; values: number[] }[] }, split: string): { xs: number[]; unit?: string; lines: Line[] }[] {
  if (!c.xs.length) return [];
  const groups = new Map<string, Line[]>();
  for (const l of c.lines) {
    const unit = unitOf(split || l.label) || "";
    if (!groups.has(unit)) groups.set(unit, []);
    groups.get(unit)!.push({ label: l.label, values: unit === "ms" ? l.values.map((v) => (v > 0 ? v : null)) : l.values });
  }
  return [...groups].map(([unit, lines]) => ({ xs: c.xs, unit: unit || undefined, lines }));
}

// chartLines turns events-stats answers (one series, several keyed by
// yAxis, or split by group) into lines over the same times.
function chartLines(stats: any, yAxis: string[], split: boolean): { xs: number[]; lines: { label: string; values: number[] }[] } {
  if (!stats) return { xs: [], lines: [] };
  let named: [string, any][];
  if (split) named = Object.entries(stats).map(([group, s]) => [group || "(none)", s]);
  else if (yAxis.length === 1) named = [[yAxis[0], stats]];
  else named = yAxis.map((y) => [y, stats[y]]);
  const first = named.find(([, s]) => s?.data?.length);
  if (!first) return { xs: [], lines: [] };
  return { xs: seriesOf(first[1]).xs, lines: named.map(([label, s]) => ({ label, values: seriesOf(s).ys })) };
}
