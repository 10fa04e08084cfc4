import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link, setTitle } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";
import { Fold } from "./fold";
import { Exception } from "./stacktrace";
import { ResolveMenu, resolvedLabel } from "./resolve";
import { Ago, Avatar, Confirm, Star } from "./triage";
import { dateTime } from "../format";

// issuePaths are the requests the issue page opens with; the boot
// prefetch asks for the same ones. Comments and activity follow the issue:
// a browser opens six connections to a server, and these wait their turn
// behind what the first screen needs.
export const issuePaths = (id: string) => [`/issues/${id}/`, `/issues/${id}/events/latest/`, `/issues/${id}/tags/`];

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? String(v));

// me is the signed-in user's email: they may edit their own comments.
export function IssueDetail(props: { org: string; id: string; me: string }) {
  const [issue, setIssue] = useState<any>(null);
  const [event, setEvent] = useState<any>(null);
  const [tags, setTags] = useState<any[]>([]);
  const [stats, setStats] = useState<[number, number][]>([]);
  const [period, setPeriod] = useState("24h");
  const [notes, setNotes] = useState<any[]>([]);
  const [activity, setActivity] = useState<any[]>([]);
  const [note, setNote] = useState("");
  const [people, setPeople] = useState<{ members: any[]; teams: any[] } | null>(null);
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [deleting, setDeleting] = useState<any>(null);
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
  };
  // Before the first paint, not after it: the requests (or the answers
  // the page load asked for ahead) are under way a frame sooner.
  useLayoutEffect(load, [props.id]);
  // Whom the issue can be assigned to.
  useEffect(() => {
    Promise.all([
      api<any[]>("GET", `/organizations/${props.org}/members/`).then((r) => r.data.filter((m) => !m.pending && m.user)).catch(() => []),
      api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => r.data).catch(() => []),
    ]).then(([members, teams]) => setPeople({ members, teams }));
  }, [props.org]);
  // The chart, the comments, the activity and the seen mark wait for the
  // issue itself, so that its requests go first.
  const shown = !!issue && String(issue.id) === props.id;
  useEffect(() => { if (shown) loadSide(); }, [props.id, shown]);
  // Opening an issue marks it seen by the caller, as Sentry's dashboard
  // does: in the same task that draws it, so that leaving at once (back
  // to the list) still marks it.
  useLayoutEffect(() => { if (shown) api("PUT", `/issues/${props.id}/`, { hasSeen: true }).catch(() => {}); }, [props.id, shown]);
  useEffect(() => {
    if (!shown) return;
    api<{ stats: [number, number][] }>("GET", `/issues/${props.id}/stats/?statsPeriod=${period}`).then((r) => setStats(r.data.stats)).catch(() => setStats([]));
  }, [props.id, period, shown]);
  const addNote = async (e: Event) => {
    e.preventDefault();
    try {
      await api("POST", `/issues/${props.id}/comments/`, { text: note });
      setNote("");
      loadSide();
    } catch (err) { setError(err); }
  };
  const setStatus = (status: string) => update({ status });
  const saveNote = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    try {
      await api("PUT", `/issues/${props.id}/comments/${editing.id}/`, { text: editing.text });
      setEditing(null);
      loadSide();
    } catch (err) { setError(err); }
  };
  const deleteNote = async (n: any) => {
    setDeleting(null);
    try {
      await api("DELETE", `/issues/${props.id}/comments/${n.id}/`);
      loadSide();
    } catch (err) { setError(err); }
  };
  const bookmark = async () => {
    try {
      await api("PUT", `/issues/${props.id}/`, { isBookmarked: !issue.isBookmarked });
      setIssue({ ...issue, isBookmarked: !issue.isBookmarked });
    } catch (e) { setError(e); }
  };
  const update = async (body: object) => {
    try {
      await api("PUT", `/projects/${props.org}/${issue.project.slug}/issues/?id=${props.id}`, body);
      load();
      loadSide();
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
      <h1><span class={"level " + issue.level}>{issue.level}</span> <span class="issue-title" title={issue.title}><bdi>{issue.title}</bdi></span></h1>
      <p class="muted">{issue.shortId} · <bdi><Fold text={issue.culprit || ""} /></bdi> · {issue.count} events · {issue.userCount} users</p>
      <div class="actions">
        <span class={"status " + issue.status}>{resolvedLabel(issue)}</span>
        {issue.status !== "resolved" && <ResolveMenu org={props.org} project={issue.project.slug} onResolve={update} />}
        {issue.status !== "ignored" && issue.status !== "resolved" && <button onClick={() => setStatus("ignored")}>Ignore</button>}
        {issue.status !== "unresolved" && <button onClick={() => setStatus("unresolved")}>Unresolve</button>}
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <div class="issue-layout">
      <div class="issue-main">
      <div class="chart-head">
        <h2>Events</h2>
        {["24h", "30d"].map((p) => <button class={"small" + (p === period ? " on" : "")} onClick={() => setPeriod(p)}>{p}</button>)}
      </div>
      <Chart stats={stats} label="events of this issue" />
      {event && (
        <nav class="event-nav">
          <span class="muted">Event <code>{event.eventID}</code> · {dateTime(event.dateCreated)}</span>
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
      <ul class="notes">{notes.map((n) => (
        <li class="note-item"><strong>{n.user}</strong> <Ago class="muted" at={n.dateCreated} />
          {props.me && n.user === props.me && editing?.id !== n.id && (
            <span class="note-actions">
              <button class="small link" onClick={() => setEditing({ id: n.id, text: n.data.text })}>Edit</button>
              <button class="small link" onClick={() => setDeleting(n)}>Delete</button>
            </span>
          )}
          {editing?.id === n.id ? (
            <form class="note" onSubmit={saveNote}>
              <textarea aria-label="Edit comment" required value={editing?.text ?? ""} onInput={(e: any) => setEditing({ id: n.id, text: e.currentTarget.value })} />
              <button type="submit">Save</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button>
            </form>
          ) : <p><Fold text={n.data.text} limit={600} /></p>}
        </li>
      ))}</ul>
      {deleting && (
        <Confirm title="Delete comment?" confirm="Delete" onCancel={() => setDeleting(null)} onConfirm={() => deleteNote(deleting)}>
          <p>The comment goes for everyone.</p>
        </Confirm>
      )}
      <h2>Activity</h2>
      <ul class="activity">{activity.length === 0 ? <li class="muted">Nothing yet.</li> : activity.map((a) => <li><span class="muted">{dateTime(a.dateCreated)}</span> {a.user || "Faultline"}: {a.type.replace("set_", "marked ")}</li>)}</ul>
      </div>
      <IssueSide org={props.org} issue={issue} tags={tags} people={people} onAssign={(v) => update({ assignedTo: v })} onBookmark={bookmark} />
      </div>
    </section>
  );
}

// assigneeValue is the assignee select's value for an issue's assignedTo:
// the member's email, "#team", or "" for nobody.
const assigneeValue = (a: any) => (!a ? "" : a.type === "team" ? "#" + a.name.replace(/^#/, "") : a.email || a.name);

// tagQuery is the issue search for one tag value, quoted when it must be.
export const tagQuery = (key: string, value: string) =>
  `${key}:${/[\s"]/.test(value) || value === "" ? JSON.stringify(value) : value}`;

// IssueSide is the issue page's sidebar: who it is assigned to, the
// bookmark, when it was first and last seen (and in which releases), who
// has looked at it, and its tags, each value a search.
function IssueSide(props: { org: string; issue: any; tags: any[]; people: { members: any[]; teams: any[] } | null;
  onAssign: (who: string) => void; onBookmark: () => void }) {
  const is = props.issue;
  const current = assigneeValue(is.assignedTo);
  const members = props.people?.members || [];
  const teams = props.people?.teams || [];
  const known = current === "" || members.some((m) => m.user.email === current) || teams.some((t) => "#" + t.slug === current);
  return (
    <aside class="issue-side" aria-label="Issue details">
      <div>
        <h3><label for="assignee">Assignee</label></h3>
        <div class="assign-row">
          <Avatar actor={is.assignedTo} />{" "}
          <select id="assignee" name="assignee" value={current} disabled={!props.people} onChange={(e: any) => props.onAssign(e.currentTarget.value)}>
            <option value="">Unassigned</option>
            {!known && <option value={current}>{current}</option>}
            {members.length > 0 && <optgroup label="Members">{members.map((m) => <option value={m.user.email}>{m.user.name || m.user.email}</option>)}</optgroup>}
            {teams.length > 0 && <optgroup label="Teams">{teams.map((t) => <option value={"#" + t.slug}>#{t.slug}</option>)}</optgroup>}
          </select>
        </div>
      </div>
      <div><Star on={!!is.isBookmarked} label="Bookmark this issue" onToggle={props.onBookmark} /> {is.isBookmarked ? "Bookmarked" : "Bookmark"}</div>
      <div>
        <h3>First seen</h3>
        <p class="seen-first"><Ago at={is.firstSeen} />{is.firstRelease?.version && <> in <Link href={`/${props.org}/${is.project.slug}/releases/${encodeURIComponent(is.firstRelease.version)}`}><bdi>{is.firstRelease.shortVersion || is.firstRelease.version}</bdi></Link></>}</p>
        <h3>Last seen</h3>
        <p class="seen-last"><Ago at={is.lastSeen} />{is.lastRelease?.version && <> in <Link href={`/${props.org}/${is.project.slug}/releases/${encodeURIComponent(is.lastRelease.version)}`}><bdi>{is.lastRelease.shortVersion || is.lastRelease.version}</bdi></Link></>}</p>
      </div>
      {is.seenBy?.length > 0 && (
        <div>
          <h3>Participants</h3>
          <ul class="participants">{is.seenBy.map((u: any) => <li title={`${u.email}, last looked ${dateTime(u.lastSeen)}`}><Avatar actor={{ type: "user", name: u.name || u.email, email: u.email }} /></li>)}</ul>
        </div>
      )}
      {props.tags.length > 0 && (
        <div class="tags side-tags">
          {props.tags.map((t) => (
            <div class="tag"><strong><bdi>{t.key}</bdi></strong>
              {t.topValues.map((v: any) => (
                <div class="bar"><span style={{ width: `${Math.round((100 * v.count) / t.totalValues)}%` }} />
                  <Link class="tag-filter" href={`/${props.org}/${is.project.slug}/issues?${new URLSearchParams({ query: tagQuery(t.key, String(v.value)) })}`}><bdi>{v.value}</bdi></Link> <span class="muted">{v.count}</span></div>
              ))}
            </div>
          ))}
        </div>
      )}
    </aside>
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
