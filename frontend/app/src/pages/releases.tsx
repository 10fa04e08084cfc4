import { useEffect, useState } from "preact/hooks";
import { api, nextCursor, APIError } from "../api";
import { useLatest } from "../latest";
import { Link, navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { ProjectNav } from "./projectnav";
import { health, percent, releasePath, shortVersion, when } from "./releasefmt";

// Releases lists a project's releases, newest first, with their adoption,
// crash-free sessions and users, new issues and last deploy.
export function Releases(props: { org: string; project: string; query: URLSearchParams }) {
  const search = props.query.get("query") ?? "";
  const cursor = props.query.get("cursor") ?? "";
  const [rows, setRows] = useState<any[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [draft, setDraft] = useState(search);
  const [error, setError] = useState<unknown>(null);
  const latest = useLatest();
  useEffect(() => {
    setRows(null); setError(null); setDraft(search);
    const qs = new URLSearchParams({ query: search });
    if (cursor) qs.set("cursor", cursor);
    latest(api<any[]>("GET", `/projects/${props.org}/${props.project}/releases/?${qs}`))
      .then((r) => { setRows(r.data); setNext(nextCursor(r.link)); }).catch(setError);
  }, [props.org, props.project, search, cursor]);
  const go = (q: string, c = "") => {
    const qs = new URLSearchParams({ query: q });
    if (c) qs.set("cursor", c);
    navigate(`/${props.org}/${props.project}/releases?${qs}`);
  };
  if (error instanceof APIError && error.status === 404) return <NotFound what="project" />;
  return (
    <section class="releases">
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / releases</h1>
      <ProjectNav org={props.org} project={props.project} current="releases" />
      <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); go(draft); }}>
        <input name="query" aria-label="Search releases" placeholder="Version" value={draft} onInput={(e: any) => setDraft(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {error ? null : !rows ? <p class="loading">Loading releases…</p> : rows.length === 0 ? (
        <div class="empty">{search
          ? <><h2>No releases match</h2><p>No version contains <code>{search}</code>.</p></>
          : <><h2>No releases yet</h2><p>Set <code>release</code> in the SDK, or create one with <code>sentry-cli releases new</code>; its events, sessions and source maps then show here.</p></>}
        </div>
      ) : (
        <div class="scroll">
          <table class="release-table">
            <thead><tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">Adoption</th><th scope="col">Crash-free sessions</th>
              <th scope="col">Crash-free users</th><th scope="col">New issues</th><th scope="col">Last deploy</th></tr></thead>
            <tbody>{rows.map((r) => {
              const h = health(r, props.project);
              const version = r.version ?? r.name;
              return (
                <tr>
                  <td class="name"><Link href={releasePath(props.org, props.project, version)} class="version"><bdi>{shortVersion({ ...r, version })}</bdi></Link></td>
                  <td>{when(r.dateReleased || r.dateCreated)}</td>
                  <td>{percent(h?.adoption)}</td>
                  <td>{percent(h?.crashFreeSessions)}</td>
                  <td>{percent(h?.crashFreeUsers)}</td>
                  <td>{r.newGroups ?? "–"}</td>
                  <td>{r.lastDeploy ? <><bdi>{r.lastDeploy.environment}</bdi> <span class="muted">{when(r.lastDeploy.dateFinished || r.lastDeploy.dateStarted)}</span></> : "–"}</td>
                </tr>
              );
            })}</tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {cursor && <button class="link" onClick={() => history.back()}>Previous</button>}
        {next && <button class="link" onClick={() => go(search, next)}>Next</button>}
      </nav>
    </section>
  );
}
