import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link } from "../router";
import { ErrorNote } from "../main";

export function IssueDetail(props: { org: string; id: string }) {
  const [issue, setIssue] = useState<any>(null);
  const [event, setEvent] = useState<any>(null);
  const [tags, setTags] = useState<any[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    api("GET", `/issues/${props.id}/`).then((r) => setIssue(r.data)).catch(setError);
    api("GET", `/issues/${props.id}/events/latest/`).then((r) => setEvent(r.data)).catch(() => setEvent(null));
    api<any[]>("GET", `/issues/${props.id}/tags/`).then((r) => setTags(r.data)).catch(() => setTags([]));
  };
  useEffect(load, [props.id]);
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
      {event && <details><summary>Raw event</summary><pre>{JSON.stringify(event, null, 2)}</pre></details>}
    </section>
  );
}
