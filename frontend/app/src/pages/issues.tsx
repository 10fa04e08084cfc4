import { useEffect, useRef, useState } from "preact/hooks";
import { api, nextCursor } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote } from "../main";

const suggestions = ["is:unresolved", "is:resolved", "is:ignored", "level:error", "level:warning", "environment:", "release:", "assigned:me"];

export function IssueList(props: { org: string; project: string; query: URLSearchParams }) {
  const query = props.query.get("query") ?? "is:unresolved";
  const sort = props.query.get("sort") ?? "date";
  const cursor = props.query.get("cursor") ?? "";
  const [issues, setIssues] = useState<any[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState(0);
  const [draft, setDraft] = useState(query);
  const list = useRef<HTMLUListElement>(null);

  const load = () => {
    const qs = new URLSearchParams({ query, sort });
    if (cursor) qs.set("cursor", cursor);
    api<any[]>("GET", `/projects/${props.org}/${props.project}/issues/?${qs}`)
      .then((r) => { setIssues(r.data); setNext(nextCursor(r.link)); setError(null); })
      .catch(setError);
  };
  useEffect(() => { setDraft(query); setIssues(null); load(); }, [props.org, props.project, query, sort, cursor]);

  const go = (q: string, s = sort, c = "") => {
    const qs = new URLSearchParams({ query: q, sort: s });
    if (c) qs.set("cursor", c);
    navigate(`/${props.org}/${props.project}/issues?${qs}`);
  };
  const resolve = async (id: string) => {
    try {
      await api("PUT", `/projects/${props.org}/${props.project}/issues/?id=${id}`, { status: "resolved" });
      load();
    } catch (e) { setError(e); }
  };
  // Keyboard: j/k move, enter opens, e resolves.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement)?.tagName === "INPUT" || !issues?.length) return;
      if (e.key === "j") setSelected((s) => Math.min(s + 1, issues.length - 1));
      else if (e.key === "k") setSelected((s) => Math.max(s - 1, 0));
      else if (e.key === "Enter") navigate(`/${props.org}/issues/${issues[selected].id}`);
      else if (e.key === "e") resolve(issues[selected].id);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [issues, selected]);

  return (
    <section>
      <h1><Link href={`/${props.org}/`}>Projects</Link> / {props.project}</h1>
      <form class="search" onSubmit={(e) => { e.preventDefault(); go(draft); }}>
        <input name="query" aria-label="Search issues" list="suggestions" value={draft} onInput={(e: any) => setDraft(e.currentTarget.value)} />
        <datalist id="suggestions">{suggestions.map((s) => <option value={s} />)}</datalist>
        <select aria-label="Sort" value={sort} onChange={(e: any) => go(query, e.currentTarget.value)}>
          <option value="date">Last seen</option>
          <option value="new">First seen</option>
          <option value="freq">Events</option>
          <option value="user">Users</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {!issues ? <p class="loading">Loading issues…</p> : issues.length === 0 ? (
        <div class="empty"><h2>No issues match</h2><p>Send an error from an SDK with this project's DSN (see <Link href={`/${props.org}/${props.project}/settings`}>settings</Link>), or change the search.</p></div>
      ) : (
        <ul class="issues" ref={list}>
          {issues.map((is, i) => (
            <li class={"issue" + (i === selected ? " selected" : "")}>
              <span class={"level " + is.level}>{is.level}</span>
              <div class="what">
                <Link href={`/${props.org}/issues/${is.id}`} class="title">{is.title}</Link>
                <span class="muted">{is.shortId} · {is.culprit || "no culprit"}</span>
              </div>
              <span class="count" title="events">{is.count}</span>
              <span class="count" title="users">{is.userCount}</span>
              <span class="muted when">{new Date(is.lastSeen).toLocaleString()}</span>
              {is.status === "unresolved" && <button class="small" onClick={() => resolve(is.id)}>Resolve</button>}
            </li>
          ))}
        </ul>
      )}
      <nav class="pager">
        {cursor && <button class="link" onClick={() => history.back()}>Previous</button>}
        {next && <button class="link" onClick={() => go(query, sort, next)}>Next</button>}
      </nav>
      <p class="muted small">Keys: j/k to move, enter to open, e to resolve.</p>
    </section>
  );
}
