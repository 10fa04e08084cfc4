import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link, navigate, setTitle } from "../router";
import { ErrorNote, NotFound } from "../main";
import { LineChart } from "../chart";
import { MonitorForm, Strip, status } from "./monitors";
import { dateTime } from "../format";

const intervals: Record<string, string> = { "24h": "30m", "7d": "6h", "30d": "1d" };

// MonitorDetail shows one monitor: its status and uptime, its response
// times over a period, its incidents and latest checks; a cron monitor's
// runs as a timeline; a heartbeat's URL; editing and deleting.
export function MonitorDetail(props: { org: string; id: string }) {
  const [m, setM] = useState<any>(null);
  const [stats, setStats] = useState<any>(null);
  const [runs, setRuns] = useState<any[] | null>(null);
  const [period, setPeriod] = useState("24h");
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const base = `/organizations/${props.org}/monitors/${props.id}/`;
  const loadStats = () => api("GET", `${base}stats/?statsPeriod=${period}&interval=${intervals[period]}`).then((r) => setStats(r.data)).catch(setError);
  const load = () => api("GET", base).then((r) => {
    if (r.data.kind !== "cron") loadStats();
    setM(r.data);
    if (r.data.kind === "cron") api<any[]>("GET", base + "checkins/?limit=50").then((c) => setRuns(c.data)).catch(setError);
  }).catch(setError);
  // A new monitor's first verdict comes within seconds: look often until then.
  const pending = m ? m.isUp === null && !m.paused : true;
  useEffect(() => { load(); }, [props.org, props.id]);
  useEffect(() => { const t = setInterval(load, pending ? 2000 : 30000); return () => clearInterval(t); }, [props.org, props.id, pending]);
  useEffect(() => { if (m && m.kind !== "cron") loadStats(); }, [period]);
  if (error instanceof APIError && error.status === 404 && !m) return <NotFound what="monitor" />;
  if (error) return <section><ErrorNote error={error} retry={() => { setError(null); load(); }} /></section>;
  if (!m) return <p class="loading">Loading the monitor…</p>;
  const [cls, label] = status(m);
  setTitle(m.name, "Monitors");
  const remove = async () => {
    if (!confirm(`Delete the monitor ${m.name}? Its history goes with it.`)) return;
    try { await api("DELETE", base); navigate(`/${props.org}/monitors`); } catch (err) { setError(err); }
  };
  const series = stats?.series || [];
  // Response times come from answered checks: a monitor that never
  // answered has none (not 0 ms), and a heartbeat is called, not timed.
  const timed = m.kind !== "heartbeat";
  const answered = stats?.up > 0;
  return (
    <section class="monitor">
      <h1><Link href={`/${props.org}/monitors`}>Monitors</Link> / {m.name} <span class={"state " + cls}>{label}</span></h1>
      <p class="muted">{m.monitorType} · {m.kind === "cron" ? `${m.schedule.type} ${m.schedule.value} (${m.timezone}), margin ${m.checkinMargin} min, max runtime ${m.maxRuntime} min`
        : m.kind === "heartbeat" ? `expects a call every ${m.interval} s (+${m.timeout} s grace)` : `${m.url} every ${m.interval} s`}
        {m.lastChange ? ` · since ${dateTime(m.lastChange)}` : ""}</p>
      {m.heartbeatEndpoint && <pre class="secret">{`curl -X POST ${m.heartbeatEndpoint}`}</pre>}
      <div class="actions">
        {m.kind !== "cron" && <button onClick={() => setEditing(!editing)}>{editing ? "Cancel" : "Edit"}</button>}
        <button onClick={remove}>Delete</button>
      </div>
      {editing && <MonitorForm org={props.org} monitor={m} onSaved={(nm) => { setEditing(false); setM({ ...m, ...nm }); }} />}
      {m.kind !== "cron" && (
        <>
          <dl class="figures">
            <div><dt>Uptime ({period})</dt><dd>{stats && stats.checks > 0 ? stats.uptimePercent.toFixed(3) + "%" : "–"}</dd></div>
            <div><dt>Checks</dt><dd>{stats?.checks ?? "–"}</dd></div>
            {timed && <div><dt>p50</dt><dd>{answered ? Math.round(stats.responseTime.p50) + " ms" : "–"}</dd></div>}
            {timed && <div><dt>p95</dt><dd>{answered ? Math.round(stats.responseTime.p95) + " ms" : "–"}</dd></div>}
          </dl>
          <div class="chart-head"><h2>{timed ? "Response time" : "Period"}</h2>
            <select aria-label="Time range" value={period} onChange={(e: any) => setPeriod(e.currentTarget.value)}>
              <option value="24h">Last 24 hours</option><option value="7d">Last 7 days</option><option value="30d">Last 30 days</option>
            </select></div>
          {timed && series.length ? <LineChart label="response time" unit="ms" xs={series.map((b: any) => b.start)}
            lines={[{ label: "average", values: series.map((b: any) => (b.checks > b.down ? b.avgResponseTime : null)) }]} /> : null}
          <h2>Last 24 hours</h2>
          {m.strip && <Strip bars={m.strip} />}
        </>
      )}
      {m.kind === "cron" && (
        <>
          <h2>Runs</h2>
          {!runs ? <p class="loading">Loading runs…</p> : runs.length === 0 ? <p class="muted">No check-ins yet.</p> : (
            <ol class="timeline">{runs.map((r) => (
              <li class={"run " + r.status}>
                <span class="dot" /><span>{dateTime(r.dateCreated)}</span>
                <span class="run-status">{r.status === "in_progress" ? "in progress" : r.status}</span>
                <span class="muted">{r.duration != null ? (r.duration >= 1000 ? (r.duration / 1000).toFixed(1) + " s" : Math.round(r.duration) + " ms") : ""}{r.environment ? " · " + r.environment : ""}</span>
              </li>
            ))}</ol>
          )}
        </>
      )}
      <h2>Incidents</h2>
      {m.stateChanges.length === 0 ? <p class="muted">No state changes yet.</p> : (
        <ul class="incidents">{m.stateChanges.map((c: any) => (
          <li class={"change " + c.kind}><b>{c.kind === "tls_expiry" ? "Certificate" : c.kind === "up" ? "Up" : "Down"}</b> {dateTime(c.at)} <span class="muted">{c.reason}</span></li>
        ))}</ul>
      )}
      {m.checks && m.checks.length > 0 && (timed ? (
        <>
          <h2>Latest checks</h2>
          <table class="perf checks">
            <thead><tr><th>When</th><th>Result</th><th>Status</th><th>Response</th></tr></thead>
            <tbody>{m.checks.slice(0, 20).map((c: any) => (
              <tr><td class="name">{dateTime(c.startCheck)}</td><td class={c.isUp ? "ok" : "error"}>{c.isUp ? "up" : c.reason}</td>
                <td>{c.statusCode || ""}</td><td>{c.responseTime != null ? c.responseTime + " ms" : ""}</td></tr>
            ))}</tbody>
          </table>
        </>
      ) : (
        // A heartbeat has no answer to time: its history is whether the
        // job called in before each verdict.
        <>
          <h2>Check-in history</h2>
          <ol class="timeline checkins">{m.checks.slice(0, 20).map((c: any) => (
            <li class={"run " + (c.isUp ? "ok" : "error")}>
              <span class="dot" /><span>{dateTime(c.startCheck)}</span>
              <span class="run-status">{c.isUp ? "called in" : "missed"}</span>
              {!c.isUp && c.reason ? <span class="muted">{c.reason}</span> : null}
            </li>
          ))}</ol>
        </>
      ))}
    </section>
  );
}
