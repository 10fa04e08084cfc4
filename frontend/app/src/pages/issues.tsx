import { Component } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, nextCursor, APIError } from "../api";
import { useLatest } from "../latest";
import { Link, navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";
import { ProjectNav } from "./projectnav";
import { ResolveMenu, resolvedLabel } from "./resolve";
import { Ago, Avatar, Confirm, Sparkline, Star, Toast } from "./triage";
import { restoresOf, type Restore } from "./undo";
import { thousands } from "../format";

// Keys typed into these are the user's, not shortcuts.
const typing = "input, select, textarea, button, a, summary, [contenteditable]";

// eventFilter: a query that narrows events (not just issues), so an
// issue's lifetime count is not what the list is about.
const eventFilter = /(?:^|\s)!?(?!is:|assigned:|assigned_to:|has:|firstSeen:|lastSeen:|age:)[^\s:"]+:\S/;

// issueListPath is the list request for the page's address; the boot
// prefetch asks for the same one. Each issue's 24-hour sparkline comes in
// the same answer.
export function issueListPath(org: string, project: string, params: URLSearchParams): string {
  const qs = new URLSearchParams({ query: params.get("query") ?? "is:unresolved", sort: params.get("sort") ?? "date", groupStatsPeriod: "24h" });
  const cursor = params.get("cursor"), period = params.get("statsPeriod");
  if (cursor) qs.set("cursor", cursor);
  if (period) qs.set("statsPeriod", period);
  return `/projects/${org}/${project}/issues/?${qs}`;
}

// An undoable bulk change: the requests that give each issue back what
// the change altered.
type Undo = { text: string; restores: Restore[] };

// offsetOf reads the offset of a "0:offset:isPrev" cursor.
const offsetOf = (cursor: string) => Number(cursor.split(":")[1]) || 0;

const suggestions = ["is:unresolved", "is:resolved", "is:ignored", "level:error", "level:warning", "environment:", "release:", "assigned:me"];

export function IssueList(props: { org: string; project: string; query: URLSearchParams }) {
  const query = props.query.get("query") ?? "is:unresolved";
  const sort = props.query.get("sort") ?? "date";
  const cursor = props.query.get("cursor") ?? "";
  const period = props.query.get("statsPeriod") ?? "";
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [envs, setEnvs] = useState<string[]>([]);
  const [stats, setStats] = useState<[number, number][]>([]);
  const [counts, setCounts] = useState<Map<string, { count: string; users: string }> | null>(null);
  const [neverSent, setNeverSent] = useState(false);
  const [dsn, setDSN] = useState("");
  const [assignee, setAssignee] = useState("");
  const [issues, setIssues] = useState<any[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [hits, setHits] = useState<number | null>(null);
  const [moreHits, setMoreHits] = useState(false);
  // allMatching: the selection is every issue the search matches, not
  // only the page's.
  const [allMatching, setAllMatching] = useState(false);
  const [undo, setUndo] = useState<Undo | null>(null);
  const [merging, setMerging] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState(0);
  const [draft, setDraft] = useState(query);
  // primed: the list has answered once. What the list's first screen does
  // not need (environments, the DSN, the chart) is asked for after it, so
  // that the list's own request and rows have the server and the page to
  // themselves.
  const [primed, setPrimed] = useState(false);
  const list = useRef<HTMLUListElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const rendered = useRef(false);
  const filtered = !!period || eventFilter.test(query);

  const latest = useLatest(), latestCounts = useLatest();
  const load = () => {
    latest(api<any[]>("GET", issueListPath(props.org, props.project, props.query)))
      .then((r) => {
        setIssues(r.data); setNext(nextCursor(r.link)); setError(null); setHits(r.hits); setMoreHits(r.moreHits); setPrimed(true);
        setSelected((s) => Math.min(s, Math.max(r.data.length - 1, 0)));
        if (!r.data.length) {
          // Nothing matches: say so, unless the project never had an issue
          // at all, which is when the setup snippet helps.
          api<any[]>("GET", `/projects/${props.org}/${props.project}/issues/?query=&limit=1`)
            .then((all) => setNeverSent(all.data.length === 0)).catch(() => setNeverSent(false));
        }
      })
      .catch((e) => { setError(e); setIssues(null); setPrimed(true); });
    loadCounts();
  };
  // The list's counts are each issue's lifetime; under an environment,
  // release, tag or time filter the numbers that matter are those of the
  // matching events, which Discover counts by issue.
  const loadCounts = () => {
    if (!filtered) { latestCounts(Promise.resolve()); setCounts(null); return; } // overtakes a filtered answer under way
    const qs = new URLSearchParams({ dataset: "errors", project: props.project, statsPeriod: period || "90d", query,
      sort: "-count()", per_page: "100" });
    for (const f of ["issue.id", "count()", "count_unique(user)"]) qs.append("field", f);
    latestCounts(api<{ data: any[] }>("GET", `/organizations/${props.org}/events/?${qs}`))
      .then((r) => setCounts(new Map(r.data.data.map((row) => [String(row["issue.id"]), { count: String(row["count()"]), users: String(row["count_unique(user)"]) }]))))
      .catch(() => setCounts(null));
  };
  // Before the first paint, not after it: the list's request (or the
  // answer the page load asked for ahead) is under way a frame sooner.
  useLayoutEffect(() => { setDraft(query); setIssues(null); setError(null); setChecked(new Set()); setAllMatching(false); setCounts(null); load(); }, [props.org, props.project, query, sort, cursor, period]);
  // Counts change while the list is open: refresh it every 30 seconds.
  useEffect(() => {
    const t = setInterval(() => { if (document.visibilityState === "visible") load(); }, 30000);
    return () => clearInterval(t);
  }, [props.org, props.project, query, sort, cursor, period]);
  useEffect(() => {
    if (!primed) return;
    api<any[]>("GET", `/projects/${props.org}/${props.project}/environments/`).then((r) => setEnvs(r.data.map((e) => e.name))).catch(() => setEnvs([]));
    api<any[]>("GET", `/projects/${props.org}/${props.project}/keys/`).then((r) => setDSN(r.data.find((k) => k.isActive)?.dsn.public || "")).catch(() => setDSN(""));
  }, [props.org, props.project, primed]);
  // The chart counts the events the search selects, over its period.
  useEffect(() => {
    if (!primed) return;
    const qs = new URLSearchParams({ dataset: "errors", project: props.project, statsPeriod: period || "24h", query });
    api<{ data: [number, { count: number }[]][] }>("GET", `/organizations/${props.org}/events-stats/?${qs}`)
      .then((r) => setStats((r.data.data || []).map((d) => [d[0], d[1][0]?.count ?? 0]))).catch(() => setStats([]));
  }, [props.org, props.project, period, query, primed]);
  const issuesPath = `/projects/${props.org}/${props.project}/issues/`;
  // selection is the bulk request's target: the checked ids, or the
  // search itself when every match is selected.
  const selection = () => {
    if (!allMatching) return [...checked].map((id) => "id=" + id).join("&");
    const qs = new URLSearchParams({ query });
    if (period) qs.set("statsPeriod", period);
    return qs.toString();
  };
  // before reads the issues a change is about to touch as they are, so
  // Undo can put back what it alters: the page's issues, or every match
  // page by page.
  const before = async (ids: string[] | null, change: any): Promise<Restore[]> => {
    const out: any[] = [];
    const add = (is: any) => out.push(is);
    if (ids) {
      for (const is of issues || []) if (ids.includes(is.id)) add(is);
      return restoresOf(out, change);
    }
    let c = "";
    for (let pages = 0; pages < 10; pages++) {
      const qs = new URLSearchParams({ query, limit: "100" });
      if (period) qs.set("statsPeriod", period);
      if (c) qs.set("cursor", c);
      const r = await api<any[]>("GET", `${issuesPath}?${qs}`);
      r.data.forEach(add);
      const n = nextCursor(r.link);
      if (!n) break;
      c = n;
    }
    return restoresOf(out, change);
  };
  const bulk = async (body: any) => {
    try {
      const status: string | undefined = body.status;
      const prev = body.merge ? null : await before(allMatching ? null : [...checked], body);
      const n = allMatching ? hits ?? 0 : checked.size;
      await api("PUT", `${issuesPath}?${selection()}`, body);
      setChecked(new Set()); setAllMatching(false);
      if (prev) setUndo({ text: `${status === "ignored" ? "Ignored" : status === "resolved" ? "Resolved" : body.assignedTo !== undefined ? "Assigned" : "Changed"} ${thousands(n)} issue${n === 1 ? "" : "s"}`, restores: prev });
      load();
    } catch (e) { setError(e); }
  };
  // restore puts back what an Undo remembers, one PUT per group of
  // issues that were alike.
  const restore = async (u: Undo) => {
    setUndo(null);
    try {
      for (const { body, ids } of u.restores) {
        for (let i = 0; i < ids.length; i += 100) {
          await api("PUT", `${issuesPath}?${ids.slice(i, i + 100).map((id) => "id=" + id).join("&")}`, body);
        }
      }
      load();
    } catch (e) { setError(e); }
  };
  const bookmark = async (is: any) => {
    const on = !is.isBookmarked;
    setIssues((list) => list && list.map((x) => x.id === is.id ? { ...x, isBookmarked: on } : x));
    try { await api("PUT", `/issues/${is.id}/`, { isBookmarked: on }); } catch (e) {
      setIssues((list) => list && list.map((x) => x.id === is.id ? { ...x, isBookmarked: !on } : x));
      setError(e);
    }
  };

  const go = (q: string, s = sort, c = "", p = period) => {
    const qs = new URLSearchParams({ query: q, sort: s });
    if (c) qs.set("cursor", c);
    if (p) qs.set("statsPeriod", p);
    navigate(`/${props.org}/${props.project}/issues?${qs}`);
  };
  const resolve = async (id: string) => {
    try {
      const prev = await before([id], { status: "resolved" });
      await api("PUT", `${issuesPath}?id=${id}`, { status: "resolved" });
      setUndo({ text: "Resolved 1 issue", restores: prev });
      load();
    } catch (e) { setError(e); }
  };
  const toggle = (id: string) => {
    const next = new Set(checked);
    if (next.has(id)) next.delete(id); else next.add(id);
    setChecked(next); setAllMatching(false);
  };
  // The rows call these through a ref, so that a row re-renders only when
  // what it shows changes, not on every change of the list's state.
  const actions = useRef<RowActions>({ toggle, bookmark, resolve });
  actions.current = { toggle, bookmark, resolve };
  const pageIds = (issues || []).map((is) => is.id);
  const pageChecked = pageIds.length > 0 && pageIds.every((id) => checked.has(id));
  const checkPage = () => { setChecked(pageChecked ? new Set() : new Set(pageIds)); setAllMatching(false); };
  const selectedCount = allMatching ? hits ?? checked.size : checked.size;
  const offset = offsetOf(cursor);
  const envInQuery = (query.match(/(?:^|\s)environment:(\S+)/) || [])[1] || "";
  const pickEnv = (env: string) => {
    const rest = query.replace(/(?:^|\s)environment:\S+/, "").trim();
    go(env ? `${rest} environment:${env}`.trim() : rest);
  };
  // Keyboard: j/k move, enter opens, e resolves, / searches. Keys typed
  // into a field or on a button, and keys with modifiers, are not shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
      if ((e.target as HTMLElement)?.closest?.(typing)) return;
      if (e.key === "/") { e.preventDefault(); search.current?.focus(); return; }
      if (e.shiftKey || !issues?.length) return;
      const at = Math.min(selected, issues.length - 1);
      // Functional updates: keys pressed faster than a render all count.
      if (e.key === "j") { setSelected((s) => Math.min(s + 1, issues.length - 1)); }
      else if (e.key === "k") { setSelected((s) => Math.max(s - 1, 0)); }
      else if (e.key === "Enter") navigate(`/${props.org}/issues/${issues[at].id}`);
      else if (e.key === "e") resolve(issues[at].id);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [issues, selected]);
  // The highlighted row follows j and k onto the screen (not on the first
  // render, which would scroll past the search), in the same frame as the
  // highlight moves.
  useLayoutEffect(() => {
    if (!rendered.current) { rendered.current = true; return; }
    (list.current?.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  if (error instanceof APIError && error.status === 404) return <NotFound what="project" />;
  return (
    <section>
      <h1><Link href={`/${props.org}/`}>Projects</Link> / {props.project}</h1>
      <ProjectNav org={props.org} project={props.project} current="issues" />
      <form class="search" onSubmit={(e) => { e.preventDefault(); go(draft); }}>
        <input name="query" ref={search} aria-label="Search issues" list="suggestions" value={draft} onInput={(e: any) => setDraft(e.currentTarget.value)} />
        <datalist id="suggestions">{suggestions.map((s) => <option value={s} />)}</datalist>
        <select aria-label="Sort" value={sort} onChange={(e: any) => go(query, e.currentTarget.value)}>
          <option value="date">Last seen</option>
          <option value="new">First seen</option>
          <option value="freq">Events</option>
          <option value="user">Users</option>
        </select>
        <select aria-label="Environment" value={envInQuery} onChange={(e: any) => pickEnv(e.currentTarget.value)}>
          <option value="">All environments</option>
          {envs.map((e) => <option value={e}>{e}</option>)}
        </select>
        <select aria-label="Time range" value={period} onChange={(e: any) => go(query, sort, "", e.currentTarget.value)}>
          <option value="">Any time</option>
          <option value="24h">Last 24 hours</option>
          <option value="14d">Last 14 days</option>
          <option value="30d">Last 30 days</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {checked.size > 0 && (
        <div class="bulk">
          <span class="selected-count">{thousands(selectedCount)} selected</span>
          <ResolveMenu org={props.org} project={props.project} onResolve={bulk} small />
          <button class="small" onClick={() => bulk({ status: "ignored" })}>Ignore</button>
          <button class="small" onClick={() => bulk({ status: "unresolved" })}>Unresolve</button>
          {checked.size > 1 && !allMatching && <button class="small" onClick={() => setMerging(true)}>Merge</button>}
          <input class="small" aria-label="Assign to (email or #team)" placeholder="email or #team" value={assignee} onInput={(e: any) => setAssignee(e.currentTarget.value)} />
          <button class="small" onClick={() => bulk({ assignedTo: assignee })}>Assign</button>
        </div>
      )}
      {pageChecked && hits !== null && hits > pageIds.length && (
        <p class="select-all">{allMatching
          ? <>All {thousands(hits)} matching issues are selected. <button class="small link" onClick={() => { setAllMatching(false); setChecked(new Set()); }}>Clear selection</button></>
          : <>All {pageIds.length} issues on this page are selected. <button class="small link" onClick={() => setAllMatching(true)}>Select all {thousands(hits)} matching</button></>}
        </p>
      )}
      {merging && (
        <Confirm title="Merge issues?" confirm={`Merge ${checked.size} issues`} onCancel={() => setMerging(false)}
          onConfirm={() => { setMerging(false); bulk({ merge: 1 }); }}>
          <p>The {checked.size} selected issues become one; their events move to it. A merge cannot be undone here.</p>
          <ul>{(issues || []).filter((is) => checked.has(is.id)).map((is) => <li><bdi>{is.shortId}</bdi> <bdi>{is.title}</bdi></li>)}</ul>
        </Confirm>
      )}
      {undo && <Toast text={undo.text} action="Undo" onAction={() => restore(undo)} onClose={() => setUndo(null)} />}
      <Chart stats={stats} height={90} label="events matching the search" />
      {error ? <ErrorNote error={error} retry={() => { setError(null); load(); }} /> : null}
      {error && !issues ? null : !issues ? <p class="loading">Loading issues…</p> : issues.length === 0 ? (neverSent ? (
        <div class="empty first-run"><h2>No issues yet</h2>
          <p>Send an error from an SDK with this project's DSN (more snippets in <Link href={`/${props.org}/${props.project}/settings`}>settings</Link>):</p>
          {dsn && <pre>{`Sentry.init({ dsn: "${dsn}" });`}</pre>}
        </div>
      ) : (
        <div class="empty no-match"><h2>No issues match</h2>
          <p>Nothing matches <code><bdi>{query || "(all issues)"}</bdi></code>{period ? ` in the last ${period}` : ""}. Change the search or the filters.</p>
          {(query || period) && <button class="clear-search" onClick={() => go("", sort, "", "")}>Clear search</button>}
        </div>
      )) : (
        <>
        <div class="issue-head" role="presentation">
          <span class="pick"><label class="hit"><input type="checkbox" aria-label="Select all issues on this page" checked={pageChecked} onChange={checkPage} /></label></span>
          <span>Issue</span><span>Graph <span class="muted small">24h</span></span><span class="count">Events</span><span class="count">Users</span><span>Assignee</span><span />
        </div>
        <ul class="issues" ref={list}>
          {issues.map((is, i) => (
            <IssueRow org={props.org} is={is} selected={i === selected} checked={checked.has(is.id)} actions={actions}
              count={counts ? counts.get(is.id)?.count ?? (counts.size < 100 ? "0" : "–") : null}
              users={counts ? counts.get(is.id)?.users ?? (counts.size < 100 ? "0" : "–") : null} />
          ))}
        </ul>
        </>
      )}
      <nav class="pager">
        {issues && issues.length > 0 && hits !== null && (
          <span class="total">{thousands(offset + 1)}–{thousands(offset + issues.length)} of {thousands(hits)}{moreHits ? "+" : ""}</span>
        )}
        {cursor && <button class="link" onClick={() => history.back()}>Previous</button>}
        {next && <button class="link" onClick={() => go(query, sort, next)}>Next</button>}
      </nav>
      <p class="muted small">Keys: j/k to move, enter to open, e to resolve, / to search.</p>
    </section>
  );
}

type RowActions = { toggle: (id: string) => void; bookmark: (is: any) => void; resolve: (id: string) => void };
type RowProps = {
  org: string; is: any; selected: boolean; checked: boolean; actions: { current: RowActions };
  // count and users: the events and users matching the filters, or null
  // for the issue's lifetime figures.
  count: string | null; users: string | null;
};

// IssueRow is one issue of the list. A page holds up to 100: they are
// drawn again only when their own props change, not when the chart,
// the environments or a checkbox elsewhere arrive or change.
class IssueRow extends Component<RowProps> {
  shouldComponentUpdate(next: RowProps) {
    const p = this.props;
    return next.is !== p.is || next.selected !== p.selected || next.checked !== p.checked || next.org !== p.org ||
      next.count !== p.count || next.users !== p.users;
  }
  render() {
    const { org, is, selected, checked, count, users } = this.props;
    const act = () => this.props.actions.current;
    return (
      <li class={"issue" + (selected ? " selected" : "") + (is.hasSeen ? " seen" : " unseen")} aria-current={selected ? "true" : undefined}>
        <span class="pick">
          <label class="hit"><input type="checkbox" aria-label={`Select ${is.shortId}`} checked={checked} onChange={() => act().toggle(is.id)} /></label>
          <span class={"level " + is.level}>{is.level}</span>
        </span>
        <div class="what">
          <Link href={`/${org}/issues/${is.id}`} class="title">{is.title}</Link>
          <span class="muted"><Star on={!!is.isBookmarked} label={`Bookmark ${is.shortId}`} onToggle={() => act().bookmark(is)} />{is.shortId} · {is.culprit || "no culprit"}{is.status === "resolved" && <> · {resolvedLabel(is)}</>}
            {" · "}<Ago class="when" at={is.lastSeen} /> <span class="age">(first <Ago at={is.firstSeen} />)</span>{is.numComments > 0 && <> · {is.numComments} 💬</>}</span>
        </div>
        <span class="graph"><Sparkline points={is.stats?.["24h"] || []} label={`${is.shortId}, last 24 hours`} /></span>
        <span class="count" title={count !== null ? `events matching the filters (${is.count} in all)` : "events"}>{count ?? is.count}</span>
        <span class="count" title={users !== null ? "users matching the filters" : "users"}>{users ?? is.userCount}</span>
        <span class="assignee"><Avatar actor={is.assignedTo} /></span>
        {is.status === "unresolved" ? <button class="small" onClick={() => act().resolve(is.id)}>Resolve</button> : <span />}
      </li>
    );
  }
}
