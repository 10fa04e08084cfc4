import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";
import { OrgNav, useAction } from "./forms";
import { thousands } from "../format";

const categories = ["error", "transaction", "span", "attachment", "session", "security", "monitor", "user_report_v2"];
const outcomes: [string, string][] = [["accepted", "Accepted"], ["rate_limited", "Rate-limited"], ["invalid", "Invalid"], ["client_discard", "Dropped by SDKs"]];
const label = (c: string) => ({ error: "Errors", transaction: "Transactions", span: "Spans", attachment: "Attachments", session: "Sessions",
  security: "Security reports", monitor: "Check-ins", user_report_v2: "User feedback" } as Record<string, string>)[c] || c;

type Stats = { intervals: string[]; groups: { by: { category: string; outcome: string }; totals: Record<string, number>; series: Record<string, number[]> }[] };

// Usage shows the last 30 days of items per category and outcome, as a
// daily chart and a table, and the organization's monthly quotas, which
// owners and managers change here.
export function Usage(props: { org: string }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [quotas, setQuotas] = useState<any>(null);
  const [role, setRole] = useState("");
  const [category, setCategory] = useState("error");
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    api<Stats>("GET", `/organizations/${props.org}/stats_v2/?statsPeriod=30d&interval=1d`).then((r) => setStats(r.data)).catch(setError);
    api("GET", `/organizations/${props.org}/quotas/`).then((r) => setQuotas(r.data)).catch(setError);
    api("GET", `/organizations/${props.org}/`).then((r) => setRole(r.data.role || "")).catch(() => setRole(""));
  };
  useEffect(load, [props.org]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="organization" />;
  const total = (cat: string, outcome: string) =>
    stats?.groups.filter((g) => g.by.category === cat && g.by.outcome === outcome).reduce((n, g) => n + (g.totals["sum(quantity)"] || 0), 0) || 0;
  const series = (cat: string): [number, number][] => {
    if (!stats) return [];
    const g = stats.groups.find((x) => x.by.category === cat && x.by.outcome === "accepted");
    return stats.intervals.map((t, i) => [Date.parse(t) / 1000, g ? g.series["sum(quantity)"][i] || 0 : 0]);
  };
  return (
    <section class="usage">
      <h1>Usage &amp; quotas</h1>
      <OrgNav org={props.org} current="settings/usage" />
      {error ? <ErrorNote error={error} retry={load} /> : null}
      <h2>Last 30 days</h2>
      {!stats ? (!error && <p class="loading">Loading usage…</p>) : (
        <>
          <div class="chart-head">
            <label>Accepted per day of <select aria-label="Category" value={category} onChange={(e: any) => setCategory(e.currentTarget.value)}>
              {categories.map((c) => <option value={c}>{label(c)}</option>)}
            </select></label>
          </div>
          <Chart stats={series(category)} label={`${label(category)} accepted per day, last 30 days`} />
          <div class="scroll">
            <table class="usage-table stats-table">
              <thead><tr><th>Category</th>{outcomes.map(([, l]) => <th>{l}</th>)}</tr></thead>
              <tbody>{categories.map((c) => (
                <tr data-category={c}><td>{label(c)}</td>{outcomes.map(([o]) => <td data-outcome={o}>{thousands(total(c, o))}</td>)}</tr>
              ))}</tbody>
            </table>
          </div>
        </>
      )}
      {quotas && <Quotas org={props.org} quotas={quotas} canChange={role === "owner" || role === "manager"} onSaved={setQuotas} />}
    </section>
  );
}

function Quotas(props: { org: string; quotas: any; canChange: boolean; onSaved: (q: any) => void }) {
  const q = props.quotas;
  const [limits, setLimits] = useState<Record<string, string>>(() =>
    Object.fromEntries(categories.map((c) => [c, q.quotas?.[c] ? String(q.quotas[c]) : ""])));
  const [spike, setSpike] = useState(!!q.spikeProtection);
  const a = useAction();
  const save = a.run(async () => {
    const quotas: Record<string, number | string> = {};
    for (const c of categories) {
      const v = limits[c].trim();
      if (v) quotas[c] = /^\d+$/.test(v) ? Number(v) : v;
    }
    props.onSaved((await api("PUT", `/organizations/${props.org}/quotas/`, { quotas, spikeProtection: spike })).data);
  }, "Quotas saved.");
  return (
    <form class="settings-form quotas" onSubmit={save}>
      <h2>Monthly quotas</h2>
      <p class="hint-text">Items past a category's quota this month are refused (429) and counted as rate-limited. Empty means no quota.</p>
      <div class="scroll">
        <table class="usage-table quota-table">
          <thead><tr><th>Category</th><th>Used this month</th><th>Quota</th></tr></thead>
          <tbody>{categories.map((c) => (
            <tr data-category={c}><td>{label(c)}</td><td>{thousands(q.usedThisMonth?.[c] || 0)}</td>
              <td>{props.canChange
                ? <input aria-label={`Monthly quota of ${label(c)}`} inputMode="numeric" placeholder="none" value={limits[c]} onInput={(e: any) => setLimits({ ...limits, [c]: e.currentTarget.value })} />
                : q.quotas?.[c] ? thousands(q.quotas[c]) : "none"}</td></tr>
          ))}</tbody>
        </table>
      </div>
      <label class="check"><input type="checkbox" checked={spike} disabled={!props.canChange} onChange={(e: any) => setSpike(e.currentTarget.checked)} /> Spike protection: refuse items past 10× the usual hour</label>
      {a.note}
      {props.canChange ? <button type="submit" disabled={a.busy}>{a.busy ? "Saving…" : "Save quotas"}</button> : <p class="muted">Owners and managers change quotas.</p>}
    </form>
  );
}
