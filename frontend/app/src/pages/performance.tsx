import { useEffect, useState } from "preact/hooks";
import { api, nextCursor, APIError } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";

const columns: [string, string][] = [["count", "Count"], ["tpm", "TPM"], ["p50", "p50"], ["p95", "p95"], ["p99", "p99"],
  ["failure_rate", "Failures"], ["apdex", "Apdex"], ["user_misery", "Misery"]];

// Performance lists a project's transactions by name with their figures.
export function Performance(props: { org: string; project: string; query: URLSearchParams }) {
  const sort = props.query.get("sort") ?? "-count";
  const period = props.query.get("statsPeriod") ?? "24h";
  const search = props.query.get("query") ?? "";
  const cursor = props.query.get("cursor") ?? "";
  const [rows, setRows] = useState<any[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [draft, setDraft] = useState(search);
  const [error, setError] = useState<unknown>(null);
  const [tries, setTries] = useState(0);
  useEffect(() => {
    setRows(null); setError(null);
    const qs = new URLSearchParams({ sort, statsPeriod: period, query: search });
    if (cursor) qs.set("cursor", cursor);
    api<any[]>("GET", `/projects/${props.org}/${props.project}/transactions/?${qs}`)
      .then((r) => { setRows(r.data); setNext(nextCursor(r.link)); setError(null); }).catch(setError);
  }, [props.org, props.project, sort, period, search, cursor, tries]);
  const go = (changes: Record<string, string>) => {
    const qs = new URLSearchParams({ sort, statsPeriod: period, query: search, ...changes });
    navigate(`/${props.org}/${props.project}/performance?${qs}`);
  };
  if (error instanceof APIError && error.status === 404) return <NotFound what="project" />;
  const ms = (v: number) => (v >= 1000 ? (v / 1000).toFixed(2) + " s" : Math.round(v) + " ms");
  return (
    <section>
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / performance</h1>
      <form class="search" onSubmit={(e) => { e.preventDefault(); go({ query: draft, cursor: "" }); }}>
        <input aria-label="Search transactions" placeholder="Transaction name" value={draft} onInput={(e: any) => setDraft(e.currentTarget.value)} />
        <select aria-label="Time range" value={period} onChange={(e: any) => go({ statsPeriod: e.currentTarget.value, cursor: "" })}>
          <option value="1h">Last hour</option><option value="24h">Last 24 hours</option><option value="14d">Last 14 days</option><option value="30d">Last 30 days</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {error ? <ErrorNote error={error} retry={() => setTries(tries + 1)} /> : null}
      {error && !rows ? null : !rows ? <p class="loading">Loading transactions…</p> : rows.length === 0 ? (
        <div class="empty"><h2>No transactions</h2><p>Turn tracing on in your SDK (e.g. <code>tracesSampleRate: 1.0</code>) to see requests here.</p></div>
      ) : (
        <div class="scroll"><table class="perf transactions">
          <thead><tr><th>Transaction</th>{columns.map(([key, label]) => (
            <th><button class="link" onClick={() => go({ sort: sort === "-" + key ? key : "-" + key, cursor: "" })}>{label}{sort.replace("-", "") === key ? (sort.startsWith("-") ? " ↓" : " ↑") : ""}</button></th>
          ))}</tr></thead>
          <tbody>{rows.map((r) => (
            <tr><td class="name"><Link href={`/${props.org}/${props.project}/performance/summary?${new URLSearchParams({ transaction: r.transaction, statsPeriod: period })}`}>{r.transaction}</Link>
              {r.sparkline ? <Chart sparkline stats={r.sparkline} label={`${r.transaction} over time`} /> : null}</td><td>{r.count}</td><td>{r.tpm.toFixed(2)}</td><td>{ms(r.p50)}</td><td>{ms(r.p95)}</td><td>{ms(r.p99)}</td>
              <td>{(100 * r.failure_rate).toFixed(1)}%</td><td>{r.apdex.toFixed(2)}</td><td>{r.user_misery}</td></tr>
          ))}</tbody>
        </table></div>
      )}
      <nav class="pager">
        {cursor && <button class="link" onClick={() => history.back()}>Previous</button>}
        {next && <button class="link" onClick={() => go({ cursor: next })}>Next</button>}
      </nav>
    </section>
  );
}
