import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Chart } from "../chart";

function Sparkline(props: { org: string; project: string }) {
  const [stats, setStats] = useState<[number, number][]>([]);
  useEffect(() => {
    api<{ stats: [number, number][] }>("GET", `/projects/${props.org}/${props.project}/stats/?statsPeriod=24h`)
      .then((r) => setStats(r.data.stats)).catch(() => setStats([]));
  }, [props.org, props.project]);
  const total = stats.reduce((n, s) => n + s[1], 0);
  return <div class="sparkline"><Chart stats={stats} sparkline label={`${props.project} events, last 24 hours`} /><span class="muted small">{total} events in 24 h</span></div>;
}

export function Projects(props: { org: string }) {
  const [projects, setProjects] = useState<any[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setProjects(null); setError(null);
    api<any[]>("GET", `/organizations/${props.org}/projects/`).then((r) => setProjects(r.data)).catch(setError);
  };
  useEffect(load, [props.org]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="organization" />;
  if (error) return <ErrorNote error={error} retry={load} />;
  if (!projects) return <p class="loading">Loading projects…</p>;
  if (!projects.length) return <section class="empty"><h1>No projects yet</h1><p><Link href={`/${props.org}/projects/new`} class="button">Create a project</Link> to get its DSN, or use the API: <code>POST /api/0/organizations/{props.org}/projects/</code>.</p></section>;
  return (
    <section>
      <h1>Projects</h1>
      <p class="table-head"><Link href={`/${props.org}/projects/new`} class="button">New project</Link></p>
      <ul class="cards">
        {projects.map((p) => (
          <li class="card">
            <Link href={`/${props.org}/${p.slug}/issues`}><strong>{p.name}</strong></Link>
            <span class="muted">{p.platform || "no platform set"}</span>
            <Sparkline org={props.org} project={p.slug} />
            <span class="small"><Link href={`/${props.org}/${p.slug}/releases`}>Releases</Link> · <Link href={`/${props.org}/${p.slug}/performance`}>Performance</Link> · <Link href={`/${props.org}/${p.slug}/alerts`}>Alerts</Link> · <Link href={`/${props.org}/${p.slug}/settings`}>Settings &amp; DSN</Link></span>
          </li>
        ))}
      </ul>
    </section>
  );
}
