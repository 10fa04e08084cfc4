import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link, setTitle } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";
import { Fold } from "./fold";
import { Exception } from "./stacktrace";
import { ResolveMenu, resolvedLabel } from "./resolve";

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? String(v));

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
  // Opening an issue marks it seen by the caller, as Sentry's dashboard does.
  useEffect(() => { api("PUT", `/issues/${props.id}/`, { hasSeen: true }).catch(() => {}); }, [props.id]);
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
  const setStatus = (status: string) => update({ status });
  const update = async (body: object) => {
    try {
      await api("PUT", `/projects/${props.org}/${issue.project.slug}/issues/?id=${props.id}`, body);
      load();
    } catch (e) { setError(e); }
  };
  if (error instanceof APIError && error.status === 404 && !issue) return <NotFound what="issue" />;
  if (error && !issue) return <ErrorNote error={error} retry={() => { setError(null); load(); }} />;
  if (!issue) return <p class="loading">Loading issue…</p>;
  setTitle(`${issue.shortId}: ${issue.title.length > 80 ? issue.title.slice(0, 80) + "…" : issue.title}`, issue.project.slug);
  const exception = event?.entries?.find((e: any) => e.type === "exception");
  const crumbs = event?.entries?.find((e: any) => e.type === "breadcrumbs");
  return (
    <section class="detail">
      <p><Link href={`/${props.org}/${issue.project.slug}/issues`}>← {issue.project.slug}</Link></p>
      <h1><span class={"level " + issue.level}>{issue.level}</span> <bdi><Fold text={issue.title} limit={150} /></bdi></h1>
      <p class="muted">{issue.shortId} · <bdi><Fold text={issue.culprit || ""} /></bdi> · {issue.count} events · {issue.userCount} users ·
        first seen {new Date(issue.firstSeen).toLocaleString()} · last seen {new Date(issue.lastSeen).toLocaleString()}</p>
      <div class="actions">
        <span class={"status " + issue.status}>{resolvedLabel(issue)}</span>
        {issue.status !== "resolved" && <ResolveMenu org={props.org} project={issue.project.slug} onResolve={update} />}
        {issue.status !== "ignored" && issue.status !== "resolved" && <button onClick={() => setStatus("ignored")}>Ignore</button>}
        {issue.status !== "unresolved" && <button onClick={() => setStatus("unresolved")}>Unresolve</button>}
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <div class="chart-head">
        <h2>Events</h2>
        {["24h", "30d"].map((p) => <button class={"small" + (p === period ? " on" : "")} onClick={() => setPeriod(p)}>{p}</button>)}
      </div>
      <Chart stats={stats} label="events of this issue" />
      {tags.length > 0 && (
        <div class="tags">
          {tags.map((t) => (
            <div class="tag"><strong><bdi>{t.key}</bdi></strong>
              {t.topValues.map((v: any) => (
                <div class="bar"><span style={{ width: `${Math.round((100 * v.count) / t.totalValues)}%` }} /><bdi>{v.value}</bdi> <span class="muted">{v.count}</span></div>
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
      {exception && exception.data.values.slice().reverse().map((ex: any, i: number) => (
        <Exception ex={ex} release={event.release} key={event.eventID + ":" + i} />
      ))}
      {!exception && event?.message && <pre class="message"><Fold text={event.message} limit={600} /></pre>}
      {crumbs && (
        <div><h2>Breadcrumbs</h2>
          <ol class="crumbs">{crumbs.data.values.map((b: any) => <li><span class="muted"><bdi>{b.category || b.type}</bdi></span> <Fold text={b.message || JSON.stringify(b.data || {})} /></li>)}</ol>
        </div>
      )}
      {event && <EventFacts event={event} />}
      {event && <details><summary>Raw event</summary><pre>{JSON.stringify(event, null, 2)}</pre></details>}
      <h2>Comments</h2>
      <form class="note" onSubmit={addNote}>
        <textarea aria-label="Comment" required value={note} onInput={(e: any) => setNote(e.currentTarget.value)} />
        <button type="submit">Comment</button>
      </form>
      <ul class="notes">{notes.map((n) => <li><strong>{n.user}</strong> <span class="muted">{new Date(n.dateCreated).toLocaleString()}</span><p><Fold text={n.data.text} limit={600} /></p></li>)}</ul>
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
          <p><code>{request.method || "GET"} <bdi><Fold text={request.url || ""} /></bdi></code></p>
          {request.headers && <pre><Fold text={JSON.stringify(request.headers, null, 2)} limit={600} /></pre>}
        </div>
      )}
      {e.user && (
        <div><h2>User</h2><dl>{Object.entries(e.user).map(([k, v]) => <><dt><bdi>{k}</bdi></dt><dd><Fold text={text(v)} /></dd></>)}</dl></div>
      )}
      {contexts.length > 0 && (
        <div><h2>Contexts</h2>
          <div class="contexts">{contexts.map(([name, value]: [string, any]) => (
            <div class="context"><strong><bdi>{name}</bdi></strong>
              <dl>{Object.entries(value || {}).map(([k, v]) => <><dt><bdi>{k}</bdi></dt><dd><Fold text={text(v)} /></dd></>)}</dl>
            </div>
          ))}</div>
        </div>
      )}
      {e.tags?.length > 0 && (
        <div><h2>Tags</h2><ul class="taglist">{e.tags.map((t: any) => <li><span class="muted"><bdi>{t.key}</bdi></span> <bdi><Fold text={t.value} /></bdi></li>)}</ul></div>
      )}
      {e.sdk?.name && <p class="muted small">Sent by {e.sdk.name} {e.sdk.version}</p>}
    </div>
  );
}
