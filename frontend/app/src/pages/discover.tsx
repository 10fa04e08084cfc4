import { useEffect, useState } from "preact/hooks";
import { api, nextCursor } from "../api";
import { navigate } from "../router";
import { ErrorNote } from "../main";
import { APIError } from "../api";
import { LineChart, seriesOf, type Line } from "../chart";
import { catalog } from "./discovercatalog";
import { FunctionBuilder } from "./discoverfns";

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
  const [types, setTypes] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState(search);
  const [tag, setTag] = useState("");
  // The field picker stays as the user left it while queries rerun.
  const [picking, setPicking] = useState(!q.getAll("field").length);

  const params = (extra: Record<string, string> = {}) => {
    const p = new URLSearchParams({ dataset, statsPeriod: period, query: search, ...(sort ? { sort } : {}), ...extra });
    for (const f of fields) p.append("field", f);
    return p;
  };
  const picked = fields.filter((f) => f.includes("("));
  // charted: the picked functions whose values are numbers.
  const charted = picked.filter((f) => !catalog.functions.find((fn) => fn.date && f.startsWith(fn.name + "(")));
  const split = charted.length === 1 ? fields.find((f) => splittable.has(f)) : undefined;
  useEffect(() => {
    setRows(null); setError(null);
    const p = params(cursor ? { cursor } : {});
    api<any>("GET", `/organizations/${props.org}/events/?${p}`)
      .then((r) => { setRows(r.data.data); setTypes(r.data.meta?.fields || {}); setNext(nextCursor(r.link)); }).catch(setError);
    const s = new URLSearchParams({ dataset, statsPeriod: period, interval: intervals[period] || "1h", query: search });
    for (const y of charted.length ? charted : ["count()"]) s.append("yAxis", y);
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
  const charts = byUnit(chartLines(stats, charted.length ? charted : ["count()"], !!split), split ? charted[0] || "count()" : "", types);
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
      <details class="fields" open={picking} onToggle={(e: any) => setPicking(e.currentTarget.open)}>
        <summary>Fields: {fields.join(", ")}</summary>
        <fieldset><legend>Columns</legend>{catalog.columns[dataset].map(({ name: f }) => (
          <label><input type="checkbox" checked={fields.includes(f)} onChange={() => toggle(f)} /> {f}</label>
        ))}</fieldset>
        <fieldset class="functions"><legend>Functions</legend>
          {picked.map((f) => <button type="button" class="chip" aria-label={`Remove ${f}`} onClick={() => toggle(f)}>{f} ×</button>)}
          <FunctionBuilder dataset={dataset} onAdd={(f) => { if (!fields.includes(f)) setFields([...fields, f]); }} />
        </fieldset>
        <form class="tag" onSubmit={(e) => { e.preventDefault(); if (tag.trim()) { setFields([...fields, `tags[${tag.trim()}]`]); setTag(""); } }}>
          <input aria-label="Tag key" placeholder="a tag key, e.g. browser" value={tag} onInput={(e: any) => setTag(e.currentTarget.value)} />
          <button type="submit">Add tag column</button>
          {fields.filter((f) => f.startsWith("tags[")).map((f) => <button type="button" class="chip" onClick={() => toggle(f)}>{f} ×</button>)}
        </form>
      </details>
      {error instanceof APIError && error.status === 400 ? <p class="error" role="alert">Discover cannot run this query: <bdi>{error.message}</bdi></p> : error ? <ErrorNote error={error} /> : null}
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
            <tbody>{rows.map((r) => <tr>{fields.map((f, i) => <td class={i === 0 ? "name" : ""}>{format(types[f], r[f])}</td>)}</tr>)}</tbody>
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

// format writes a value as its column's type (the answer's meta) says.
function format(type: string | undefined, v: string): string {
  if (v === undefined || v === null) return "";
  const n = Number(v);
  if (typeof v === "string" && type !== "duration") return v;
  if (isNaN(n)) return String(v);
  switch (type) {
    case "duration": return n >= 1000 ? (n / 1000).toFixed(2) + " s" : Math.round(n) + " ms";
    case "percentage": return (100 * n).toFixed(1) + "%";
    case "rate": return n.toFixed(2) + "/min";
    case "number": return Number.isInteger(n) ? String(n) : n.toFixed(2);
  }
  return String(v);
}

// unitOf says what an aggregate measures, from the answer's types where
// it has them: durations in ms, rates in %, apdex a score from 0 to 1;
// anything else counts.
function unitOf(field: string, types: Record<string, string>): string | undefined {
  if (types[field] === "duration" || /^p\d\d\(/.test(field)) return "ms";
  if (types[field] === "percentage" || field.startsWith("failure_rate(")) return "%";
  if (field.startsWith("apdex(")) return "score";
  return undefined;
}

// byUnit splits the lines into one chart per unit, so a duration and a
// count never share an axis. A duration of 0 is a bucket without events:
// drawn as a gap. split names the one aggregate of split series.
function byUnit(c: { xs: number[]; lines: { label: string; values: number[] }[] }, split: string, types: Record<string, string>): { xs: number[]; unit?: string; lines: Line[] }[] {
  if (!c.xs.length) return [];
  const groups = new Map<string, Line[]>();
  for (const l of c.lines) {
    const unit = unitOf(split || l.label, types) || "";
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
