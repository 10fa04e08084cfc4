import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link } from "../router";
import { ErrorNote } from "../main";
import { Chart } from "../chart";

export function IssueDetail(props: { org: string; id: string }) {
  const [issue, setIssue] = useState<any>(null);
  const [event, setEvent] = useState<any>(null);
  const [tags, setTags] = useState<any[]>([]);
  const [stats, setStats] = useState<[number, number][]>([]);
  const [period, setPeriod] = useState("24h");
  const [notes, setNotes] = useState<any[]>([]);
  const [activity, setActivity] = useState<any[]>([]);
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const showEvent = (which: string) =>
    api("GET", `/issues/${props.id}/events/${which}/`).then((r) => setEvent(r.data)).catch(() => setEvent(null));
  const loadSide = () => {
    api<any[]>("GET", `/issues/${props.id}/comments/`).then((r) => setNotes(r.data)).catch(() => setNotes([]));
    api<any[]>("GET", `/issues/${props.id}/activity/`).then((r) => setActivity(r.data)).catch(() => setActivity([]));
  };
  const load = () => {
    api("GET", `/issues/${props.id}/`).then((r) => setIssue(r.data)).catch(setError);
    showEvent("latest");
    api<any[]>("GET", `/issues/${props.id}/tags/`).then((r) => setTags(r.data)).catch(() => setTags([]));
    loadSide();
  };
  useEffect(load, [props.id]);
  useEffect(() => {
    api<{ stats: [number, number][] }>("GET", `/issues/${props.id}/stats/?statsPeriod=${period}`).then((r) => setStats(r.data.stats)).catch(() => setStats([]));
  }, [props.id, period]);
  const addNote = async (e: Event) => {
    e.preventDefault();
    try {
      await api("POST", `/issues/${props.id}/comments/`, { text: note });
      setNote("");
      loadSide();
    } catch (err) { setError(err); }
  };
  const setStatus = async (status: string) => {
    try {
      await api("PUT", `/projects/${props.org}/${issue.project.slug}/issues/?id=${props.id}`, { status });
      load();
    } catch (e) { setError(e); }
  };
  if (error) return <ErrorNote error={error} />;
  if (!issue) return <p class="loading">Loading issue…</p>;
  const exception = event?.entries?.find((e: any) => e.type === "exception");
  const crumbs = event?.entries?.find((e: any) => e.type === "breadcrumbs");
  return (
    <section class="detail">
      <p><Link href={`/${props.org}/${issue.project.slug}/issues`}>← {issue.project.slug}</Link></p>
      <h1><span class={"level " + issue.level}>{issue.level}</span> {issue.title}</h1>
      <p class="muted">{issue.shortId} · {issue.culprit} · {issue.count} events · {issue.userCount} users ·
        first seen {new Date(issue.firstSeen).toLocaleString()} · last seen {new Date(issue.lastSeen).toLocaleString()}</p>
      <div class="actions">
        <span class={"status " + issue.status}>{issue.status}</span>
        {issue.status !== "resolved" && <button onClick={() => setStatus("resolved")}>Resolve</button>}
        {issue.status !== "ignored" && issue.status !== "resolved" && <button onClick={() => setStatus("ignored")}>Ignore</button>}
        {issue.status !== "unresolved" && <button onClick={() => setStatus("unresolved")}>Unresolve</button>}
      </div>
      <div class="chart-head">
        <h2>Events</h2>
        {["24h", "30d"].map((p) => <button class={"small" + (p === period ? " on" : "")} onClick={() => setPeriod(p)}>{p}</button>)}
      </div>
      <Chart stats={stats} label="events of this issue" />
      {tags.length > 0 && (
        <div class="tags">
          {tags.map((t) => (
            <div class="tag"><strong>{t.key}</strong>
              {t.topValues.map((v: any) => (
                <div class="bar"><span style={{ width: `${Math.round((100 * v.count) / t.totalValues)}%` }} />{v.value} <span class="muted">{v.count}</span></div>
              ))}
            </div>
          ))}
        </div>
      )}
      {event && (
        <nav class="event-nav">
          <span class="muted">Event <code>{event.eventID}</code> · {new Date(event.dateCreated).toLocaleString()}</span>
          <button class="small" onClick={() => showEvent("oldest")}>Oldest</button>
          <button class="small" disabled={!event.previousEventID} onClick={() => showEvent(event.previousEventID)}>Older</button>
          <button class="small" disabled={!event.nextEventID} onClick={() => showEvent(event.nextEventID)}>Newer</button>
          <button class="small" onClick={() => showEvent("latest")}>Latest</button>
        </nav>
      )}
      {exception && exception.data.values.slice().reverse().map((ex: any) => (
        <div class="exception">
          <h2>{ex.type}: <span class="value">{ex.value}</span></h2>
          <ol class="frames">
            {(ex.stacktrace?.frames || []).slice().reverse().map((f: any) => (
              <li class={"frame" + (f.inApp ? " in-app" : "")}>
                <details open={f.inApp}>
                  <summary><code>{f.module || f.filename || f.absPath}</code> in <code>{f.function || "?"}</code>{f.lineNo ? ` at line ${f.lineNo}` : ""}</summary>
                  {f.context?.length > 0 && <pre>{f.context.map((c: any) => `${c[0]}  ${c[1]}`).join("\n")}</pre>}
                  {f.vars && <pre class="vars">{JSON.stringify(f.vars, null, 2)}</pre>}
                </details>
              </li>
            ))}
          </ol>
        </div>
      ))}
      {!exception && event?.message && <pre class="message">{event.message}</pre>}
      {crumbs && (
        <div><h2>Breadcrumbs</h2>
          <ol class="crumbs">{crumbs.data.values.map((b: any) => <li><span class="muted">{b.category || b.type}</span> {b.message || JSON.stringify(b.data || {})}</li>)}</ol>
        </div>
      )}
      {event && <EventFacts event={event} />}
      {event && <details><summary>Raw event</summary><pre>{JSON.stringify(event, null, 2)}</pre></details>}
      <h2>Comments</h2>
      <form class="note" onSubmit={addNote}>
        <textarea aria-label="Comment" required value={note} onInput={(e: any) => setNote(e.currentTarget.value)} />
        <button type="submit">Comment</button>
      </form>
      <ul class="notes">{notes.map((n) => <li><strong>{n.user}</strong> <span class="muted">{new Date(n.dateCreated).toLocaleString()}</span><p>{n.data.text}</p></li>)}</ul>
      <h2>Activity</h2>
      <ul class="activity">{activity.length === 0 ? <li class="muted">Nothing yet.</li> : activity.map((a) => <li><span class="muted">{new Date(a.dateCreated).toLocaleString()}</span> {a.user || "Faultline"}: {a.type.replace("set_", "marked ")}</li>)}</ul>
    </section>
  );
}

// EventFacts shows what the SDK reported around the error: the request,
// the user, the contexts (browser, OS, runtime, device, ...), tags and SDK.
function EventFacts(props: { event: any }) {
  const e = props.event;
  const request = e.entries?.find((x: any) => x.type === "request")?.data;
  const contexts = Object.entries(e.contexts || {}).filter(([k]) => k !== "trace");
  return (
    <div class="facts">
      {request && (
        <div><h2>Request</h2>
          <p><code>{request.method || "GET"} {request.url}</code></p>
          {request.headers && <pre>{JSON.stringify(request.headers, null, 2)}</pre>}
        </div>
      )}
      {e.user && (
        <div><h2>User</h2><dl>{Object.entries(e.user).map(([k, v]) => <><dt>{k}</dt><dd>{String(v)}</dd></>)}</dl></div>
      )}
      {contexts.length > 0 && (
        <div><h2>Contexts</h2>
          <div class="contexts">{contexts.map(([name, value]: [string, any]) => (
            <div class="context"><strong>{name}</strong>
              <dl>{Object.entries(value || {}).map(([k, v]) => <><dt>{k}</dt><dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd></>)}</dl>
            </div>
          ))}</div>
        </div>
      )}
      {e.tags?.length > 0 && (
        <div><h2>Tags</h2><ul class="taglist">{e.tags.map((t: any) => <li><span class="muted">{t.key}</span> {t.value}</li>)}</ul></div>
      )}
      {e.sdk?.name && <p class="muted small">Sent by {e.sdk.name} {e.sdk.version}</p>}
    </div>
  );
}
