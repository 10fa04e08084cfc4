import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote } from "../main";
import { LineChart, Chart, seriesOf, gapsWhereNone } from "../chart";
import { dateTime } from "../format";

export const ms = (v: number) => (v >= 1000 ? (v / 1000).toFixed(2) + " s" : (v < 10 ? v.toFixed(1) : Math.round(v)) + " ms");

const intervals: Record<string, string> = { "1h": "1m", "24h": "30m", "14d": "6h", "30d": "12h" };

// TransactionSummary shows one transaction name: its figures, duration
// percentiles and throughput over time, its slowest samples and the span
// operations that take its time.
export function TransactionSummary(props: { org: string; project: string; query: URLSearchParams }) {
  const name = props.query.get("transaction") ?? "";
  const period = props.query.get("statsPeriod") ?? "24h";
  const [detail, setDetail] = useState<any>(null);
  const [stats, setStats] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setDetail(null); setStats(null); setError(null);
    const qs = new URLSearchParams({ transaction: name, statsPeriod: period });
    api("GET", `/projects/${props.org}/${props.project}/transactions/summary/?${qs}`).then((r) => setDetail(r.data)).catch(setError);
    const sq = new URLSearchParams({ statsPeriod: period, interval: intervals[period] || "1h", dataset: "transactions",
      query: `transaction:"${name.replace(/"/g, '\\"')}"`, project: "" });
    sq.delete("project");
    for (const y of ["p50()", "p95()", "p99()", "count()"]) sq.append("yAxis", y);
    api("GET", `/organizations/${props.org}/events-stats/?${sq}&project=${encodeURIComponent(props.project)}`)
      .then((r) => setStats(r.data)).catch(setError);
  }, [props.org, props.project, name, period]);
  const s = detail?.summary;
  const p50 = seriesOf(stats?.["p50()"]), p95 = seriesOf(stats?.["p95()"]), p99 = seriesOf(stats?.["p99()"]), count = seriesOf(stats?.["count()"]);
  const perf = `/${props.org}/${props.project}/performance`;
  return (
    <section class="transaction">
      <h1><Link href={perf}>{props.project} / performance</Link> / <span class="name">{name}</span></h1>
      <form class="search">
        <select aria-label="Time range" value={period}
          onChange={(e: any) => navigate(`${perf}/summary?${new URLSearchParams({ transaction: name, statsPeriod: e.currentTarget.value })}`)}>
          <option value="1h">Last hour</option><option value="24h">Last 24 hours</option><option value="14d">Last 14 days</option><option value="30d">Last 30 days</option>
        </select>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {s && (
        <dl class="figures">
          <div><dt>Count</dt><dd>{s.count}</dd></div><div><dt>TPM</dt><dd>{s.tpm.toFixed(2)}</dd></div>
          <div><dt>p50</dt><dd>{ms(s.p50)}</dd></div><div><dt>p95</dt><dd>{ms(s.p95)}</dd></div><div><dt>p99</dt><dd>{ms(s.p99)}</dd></div>
          <div><dt>Failure rate</dt><dd>{(100 * s.failure_rate).toFixed(1)}%</dd></div><div><dt>Apdex</dt><dd>{s.apdex.toFixed(2)}</dd></div>
          <div><dt>User misery</dt><dd>{s.user_misery}</dd></div>
        </dl>
      )}
      <div class="charts">
        <div><h2>Duration</h2>{stats ? <LineChart label="duration percentiles" unit="ms" xs={p50.xs}
          lines={[{ label: "p50", values: gapsWhereNone(p50.ys, count.ys) }, { label: "p95", values: gapsWhereNone(p95.ys, count.ys) }, { label: "p99", values: gapsWhereNone(p99.ys, count.ys) }]} /> : <p class="loading">Loading…</p>}</div>
        <div><h2>Throughput</h2>{stats ? <Chart label="transactions per interval" stats={count.xs.map((x, i) => [x, count.ys[i]] as [number, number])} height={180} /> : null}</div>
      </div>
      {detail && (
        <div class="columns">
          <div>
            <h2>Slowest samples</h2>
            <table class="perf samples">
              <thead><tr><th>Event</th><th>Duration</th><th>Status</th><th>When</th></tr></thead>
              <tbody>{detail.slowest.map((t: any) => (
                <tr><td class="name"><Link href={`${perf}/trace/${t.event_id}`}>{t.event_id.slice(0, 8)}</Link>{t.user ? <span class="muted"> · {t.user}</span> : null}</td>
                  <td>{ms(t.duration_ms)}</td><td>{t.status}</td><td>{dateTime(t.timestamp)}</td></tr>
              ))}</tbody>
            </table>
          </div>
          <div>
            <h2>Where the time goes</h2>
            {detail.spanOps.length === 0 ? <p class="muted">No spans recorded for this transaction.</p> : (
              <table class="perf ops">
                <thead><tr><th>Operation</th><th>Share</th><th>Spans</th><th>Avg</th><th>p95</th></tr></thead>
                <tbody>{detail.spanOps.map((o: any) => (
                  <tr><td class="name">{o.op || "(no op)"}</td>
                    <td><span class="share" style={{ width: Math.round(60 * o.self_time_share) + "px" }} />{(100 * o.self_time_share).toFixed(1)}%</td>
                    <td>{o.count}</td><td>{ms(o.avg_ms)}</td><td>{ms(o.p95_ms)}</td></tr>
                ))}</tbody>
              </table>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
