import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote } from "../main";
import { StatusPages } from "./status";
import { clock } from "../format";

export const types = ["GET", "POST", "HEAD", "Ping", "TCP Port", "SSL", "Heartbeat"];

export function status(m: any): [string, string] {
  if (m.paused) return ["paused", "Paused"];
  if (m.isUp === true) return ["up", "Up"];
  if (m.isUp === false) return ["down", "Down"];
  return ["pending", "Pending"];
}

// Strip draws a monitor's last 24 hours: one bar per hour, red for the
// share of failed checks, grey where nothing was checked.
export function Strip(props: { bars: any[] }) {
  return (
    <span class="strip" role="img" aria-label="last 24 hours">
      {props.bars.map((b) => {
        const cls = b.checks === 0 ? "none" : b.down === 0 ? "good" : b.down === b.checks ? "bad" : "mixed";
        const when = clock(b.start * 1000);
        return <span class={"bar-" + cls} title={`${when}: ${b.checks} checks, ${b.down} failed`} />;
      })}
    </span>
  );
}

// Monitors lists the organization's uptime and cron monitors with their
// status and last 24 hours, and adds new ones.
export function Monitors(props: { org: string }) {
  const [monitors, setMonitors] = useState<any[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = () => api<any[]>("GET", `/organizations/${props.org}/monitors/?limit=100`).then((r) => setMonitors(r.data)).catch(setError);
  useEffect(() => { load(); const t = setInterval(load, 30000); return () => clearInterval(t); }, [props.org]);
  return (
    <section class="monitors">
      <h1>Monitors</h1>
      <div class="actions"><button onClick={() => setAdding(!adding)}>{adding ? "Cancel" : "New monitor"}</button></div>
      {adding && <MonitorForm org={props.org} onSaved={(m) => { setAdding(false); navigate(`/${props.org}/monitors/${m.id}`); }} />}
      {error ? <ErrorNote error={error} retry={() => { setError(null); load(); }} /> : null}
      {error && !monitors ? null : !monitors ? <p class="loading">Loading monitors…</p> : monitors.length === 0 ? (
        <div class="empty"><h2>No monitors yet</h2><p>Add an uptime monitor above, or send cron check-ins from a Sentry SDK (<code>Sentry.withMonitor</code>, <code>sentry.CaptureCheckIn</code>): they appear here by their slug.</p></div>
      ) : (
        <ul class="monitor-list">{monitors.map((m) => {
          const [cls, label] = status(m);
          return (
            <li>
              <span class={"state " + cls}>{label}</span>
              <span class="what"><Link href={`/${props.org}/monitors/${m.id}`} class="title">{m.name}</Link>
                <span class="muted">{m.monitorType} · {m.kind === "cron" ? `${m.schedule.value} (${m.timezone})` : m.kind === "heartbeat" ? `every ${m.interval} s` : m.url}</span></span>
              {m.strip && m.kind !== "cron" ? <Strip bars={m.strip} /> : <span />}
              <span class="uptime">{m.kind !== "cron" && m.uptime && m.uptime.checks > 0 ? m.uptime.percent.toFixed(2) + "%" : "–"}</span>
            </li>
          );
        })}</ul>
      )}
      {monitors && <StatusPages org={props.org} monitors={monitors} />}
    </section>
  );
}

// MonitorForm creates or edits an uptime monitor.
export function MonitorForm(props: { org: string; monitor?: any; onSaved: (m: any) => void }) {
  const m = props.monitor;
  const [f, setF] = useState({
    monitorType: m?.monitorType || "GET", name: m?.name || "", url: m?.url || "", interval: String(m?.interval || 60),
    timeout: String(m?.timeout || 10), expectedStatus: m ? String(m.expectedStatus) : "200-299", expectedBody: m?.expectedBody || "",
    failureThreshold: String(m?.failureThreshold || 2), project: m?.project ? String(m.project) : "",
    expectedBodyAbsent: !!m?.expectedBodyAbsent, followRedirects: m ? !!m.followRedirects : true,
  });
  const [projects, setProjects] = useState<any[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { api<any[]>("GET", `/organizations/${props.org}/projects/`).then((r) => setProjects(r.data)).catch(() => {}); }, [props.org]);
  const set = (k: string) => (e: any) => setF({ ...f, [k]: e.currentTarget.value });
  const save = async (e: Event) => {
    e.preventDefault();
    const body: any = { ...f, interval: Number(f.interval), timeout: Number(f.timeout), failureThreshold: Number(f.failureThreshold),
      project: f.project ? Number(f.project) : null };
    try {
      const r = m ? await api("PUT", `/organizations/${props.org}/monitors/${m.id}/`, body) : await api("POST", `/organizations/${props.org}/monitors/`, body);
      props.onSaved(r.data);
    } catch (err) { setError(err); }
  };
  const needsURL = f.monitorType !== "Heartbeat";
  const http = ["GET", "POST", "HEAD", "Ping"].includes(f.monitorType);
  return (
    <form class="monitor-form" onSubmit={save}>
      <label>Type <select value={f.monitorType} onChange={set("monitorType")}>{types.map((t) => <option>{t}</option>)}</select></label>
      <label>Name <input required value={f.name} onInput={set("name")} /></label>
      {needsURL && <label>{http ? "URL" : f.monitorType === "SSL" ? "Host (or https:// URL)" : "Host and port"}
        <input required value={f.url} onInput={set("url")} placeholder={http ? "https://example.com/health" : f.monitorType === "SSL" ? "example.com" : "db.example.com:5432"} /></label>}
      <label>Interval (seconds) <input type="number" min="30" max="86400" value={f.interval} onInput={set("interval")} /></label>
      <label>{f.monitorType === "Heartbeat" ? "Grace (seconds)" : "Timeout (seconds)"} <input type="number" min="1" max="60" value={f.timeout} onInput={set("timeout")} /></label>
      {http && <label>Expected status <input value={f.expectedStatus} onInput={set("expectedStatus")} placeholder="200 or 200-299" /></label>}
      {http && <label>Keyword in the response <input value={f.expectedBody} onInput={set("expectedBody")} /></label>}
      {http && <label class="check"><input type="checkbox" checked={f.expectedBodyAbsent} onChange={(e: any) => setF({ ...f, expectedBodyAbsent: e.currentTarget.checked })} /> The keyword must not appear</label>}
      {http && <label class="check"><input type="checkbox" checked={f.followRedirects} onChange={(e: any) => setF({ ...f, followRedirects: e.currentTarget.checked })} /> Follow redirects</label>}
      <label>Down after failures <input type="number" min="1" max="100" value={f.failureThreshold} onInput={set("failureThreshold")} /></label>
      <label>Project <select value={f.project} onChange={set("project")}><option value="">None</option>{projects.map((p) => <option value={p.id}>{p.slug}</option>)}</select></label>
      <div><button type="submit">{m ? "Save" : "Create monitor"}</button></div>
      {error ? <ErrorNote error={error} /> : null}
    </form>
  );
}
