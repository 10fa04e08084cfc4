import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link } from "../router";
import { ErrorNote, NotFound } from "../main";
import { ProjectNav } from "./projectnav";
import { health, percent, shortVersion, when } from "./releasefmt";

// A list the release screen loads beside the release itself: its deploys,
// commits, new issues or artifact bundles. null while loading.
type Part = { rows: any[] | null; error: unknown };

function usePart(path: string, missingIsEmpty = false): Part {
  const [part, setPart] = useState<Part>({ rows: null, error: null });
  useEffect(() => {
    setPart({ rows: null, error: null });
    api<any[]>("GET", path)
      .then((r) => setPart({ rows: Array.isArray(r.data) ? r.data : [], error: null }))
      .catch((e) => setPart(missingIsEmpty && e instanceof APIError && e.status === 404 ? { rows: [], error: null } : { rows: [], error: e }));
  }, [path]);
  return part;
}

function PartList(props: { part: Part; empty: string; children: (rows: any[]) => any }) {
  const { rows, error } = props.part;
  if (error) return <ErrorNote error={error} />;
  if (!rows) return <p class="muted">Loading…</p>;
  if (!rows.length) return <p class="muted">{props.empty}</p>;
  return props.children(rows);
}

// ReleaseDetail shows one release in a project: its health, deploys,
// commits, the issues it brought and the source maps uploaded for it.
export function ReleaseDetail(props: { org: string; project: string; version: string }) {
  const v = encodeURIComponent(props.version);
  const base = `/organizations/${props.org}/releases/${v}`;
  const [release, setRelease] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setRelease(null); setError(null);
    api("GET", `${base}/`).then((r) => setRelease(r.data)).catch(setError);
  }, [base]);
  const deploys = usePart(`${base}/deploys/`);
  const commits = usePart(`${base}/commits/`);
  const issues = usePart(`/projects/${props.org}/${props.project}/issues/?${new URLSearchParams({ query: `first-release:${props.version}`, limit: "10" })}`);
  // The artifact listing may not exist on every server: a 404 means none.
  const artifacts = usePart(`/projects/${props.org}/${props.project}/files/artifact-bundles/?${new URLSearchParams({ query: props.version })}`, true);
  const seenIn = `/${props.org}/${props.project}/issues?${new URLSearchParams({ query: `release:${props.version}` })}`;

  if (error instanceof APIError && error.status === 404) return <NotFound what="release" />;
  if (error) return <ErrorNote error={error} />;
  if (!release) return <p class="loading">Loading release…</p>;
  const h = health(release, props.project);
  return (
    <section class="detail release">
      <h1><Link href={`/${props.org}/${props.project}/releases`}>{props.project} / releases</Link> / <bdi class="version">{shortVersion(release)}</bdi></h1>
      <ProjectNav org={props.org} project={props.project} current="releases" />
      <p class="muted">
        <bdi>{release.version}</bdi> · created {when(release.dateCreated)}
        {release.dateReleased && <> · released {when(release.dateReleased)}</>}
        {release.firstEvent && <> · first event {when(release.firstEvent)}</>}
        {release.lastEvent && <> · last event {when(release.lastEvent)}</>}
        {release.ref && <> · ref <code><bdi>{release.ref}</bdi></code></>}
      </p>
      <dl class="figures">
        <div><dt>Adoption</dt><dd>{percent(h?.adoption)}</dd></div>
        <div><dt>Crash-free sessions</dt><dd>{percent(h?.crashFreeSessions)}</dd></div>
        <div><dt>Crash-free users</dt><dd>{percent(h?.crashFreeUsers)}</dd></div>
        <div><dt>Sessions</dt><dd>{h?.totalSessions ?? "–"}</dd></div>
        <div><dt>New issues</dt><dd>{release.newGroups ?? "–"}</dd></div>
        <div><dt>Commits</dt><dd>{release.commitCount ?? 0}</dd></div>
        <div><dt>Deploys</dt><dd>{release.deployCount ?? 0}</dd></div>
        <div><dt>Files</dt><dd>{release.fileCount ?? 0}</dd></div>
      </dl>
      {!h && <p class="muted small">No session data for this release in {props.project}: adoption and crash-free figures need an SDK sending sessions with this release.</p>}

      <div class="columns">
        <div class="release-issues">
          <h2>New issues</h2>
          <PartList part={issues} empty={release.newGroups > 0
            ? `This release brought ${release.newGroups} new issues, but the issue search here cannot list them by first release; the link below lists every issue with events in it.`
            : "No issues were first seen in this release."}>
            {(rows) => (
              <ul class="plain">{rows.map((is) => (
                <li><span class={"level " + is.level}>{is.level}</span> <Link href={`/${props.org}/issues/${is.id}`}><bdi>{is.title}</bdi></Link>
                  <span class="muted small"> {is.shortId} · {is.count} events</span></li>
              ))}</ul>
            )}
          </PartList>
          <p class="small"><Link href={seenIn}>All issues with events in this release</Link></p>
        </div>
        <div class="release-deploys">
          <h2>Deploys</h2>
          <PartList part={deploys} empty="No deploys recorded.">
            {(rows) => (
              <ul class="plain">{rows.map((d) => (
                <li><strong><bdi>{d.environment}</bdi></strong>{d.name && <> · <bdi>{d.name}</bdi></>} <span class="muted">{when(d.dateFinished || d.dateStarted)}</span>
                  {d.url && <> · <a href={d.url} rel="noopener noreferrer">link</a></>}</li>
              ))}</ul>
            )}
          </PartList>
        </div>
      </div>

      <h2>Commits</h2>
      <PartList part={commits} empty="No commits associated with this release.">
        {(rows) => (
          <ul class="plain commits">{rows.map((c) => (
            <li><code>{String(c.id).slice(0, 12)}</code> <bdi>{(c.message || "").split("\n")[0]}</bdi>
              <span class="muted small"> {c.author?.name || c.author?.email || "unknown author"}{c.repository?.name && <> · <bdi>{c.repository.name}</bdi></>} · {when(c.dateCreated)}</span></li>
          ))}</ul>
        )}
      </PartList>

      <h2>Artifacts</h2>
      <Artifacts part={artifacts} version={props.version} />
    </section>
  );
}

// Artifacts lists the bundles uploaded for this release. The listing may
// hold every bundle of the project: those of other releases are left out,
// and those without a release, which apply by debug ID, are only counted.
function Artifacts(props: { part: Part; version: string }) {
  const rows = props.part.rows || [];
  const ofRelease = rows.filter((b) => (b.associations || []).some((a: any) => a.release === props.version));
  const byDebugID = rows.filter((b) => !(b.associations || []).length).length;
  return (
    <>
      <PartList part={{ ...props.part, rows: props.part.rows && ofRelease }} empty="No artifacts uploaded for this release.">
        {(bundles) => (
          <ul class="plain artifacts">{bundles.map((b) => (
            <li><code><bdi>{b.bundleId || b.id}</bdi></code> <span class="muted small">{b.fileCount ?? "?"} files · {when(b.date || b.dateCreated)}
              {(b.associations || []).filter((a: any) => a.release === props.version && a.dist).map((a: any) => <> · dist <bdi>{a.dist}</bdi></>)}</span></li>
          ))}</ul>
        )}
      </PartList>
      {byDebugID > 0 && <p class="muted small">{byDebugID} bundle{byDebugID > 1 ? "s" : ""} uploaded without a release map events of any release by debug ID.</p>}
      <p class="muted small">Source maps apply to events received after their upload; events that came before keep their minified frames.</p>
    </>
  );
}
