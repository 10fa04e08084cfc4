import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { DangerZone, OrgNav, useAction } from "./forms";

// Teams lists the organization's teams with their members and projects,
// and creates new ones.
export function Teams(props: { org: string }) {
  const [teams, setTeams] = useState<any[] | null>(null);
  const [projects, setProjects] = useState<any[]>([]);
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const a = useAction();
  const load = () => {
    api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => setTeams(r.data)).catch(setError);
    api<any[]>("GET", `/organizations/${props.org}/projects/`).then((r) => setProjects(r.data)).catch(() => setProjects([]));
  };
  useEffect(load, [props.org]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="organization" />;
  return (
    <section>
      <h1>Teams</h1>
      <OrgNav org={props.org} current="settings/teams" />
      {error ? <ErrorNote error={error} retry={load} /> : null}
      <form class="inline-form" onSubmit={a.run(async () => { await api("POST", `/organizations/${props.org}/teams/`, { name }); setName(""); load(); })}>
        <input aria-label="Team name" placeholder="Team name" required value={name} onInput={(e: any) => setName(e.currentTarget.value)} />
        <button type="submit" disabled={a.busy}>{a.busy ? "Creating…" : "Create team"}</button>
      </form>
      {a.note}
      {!teams ? (!error && <p class="loading">Loading teams…</p>) : !teams.length ? <p class="muted">No teams yet.</p> : (
        <ul class="member-list">{teams.map((t) => {
          const owned = projects.filter((p) => (p.teams || []).some((x: any) => x.slug === t.slug));
          return (
            <li>
              <span class="who-line"><Link href={`/${props.org}/settings/teams/${t.slug}`}><strong>#{t.slug}</strong></Link>{" "}
                <span class="muted">{t.name !== t.slug && <bdi>{t.name} · </bdi>}{t.memberCount} {t.memberCount === 1 ? "member" : "members"} · {owned.length} {owned.length === 1 ? "project" : "projects"}</span></span>
            </li>
          );
        })}</ul>
      )}
    </section>
  );
}

// TeamSettings is one team: rename it or change its slug, see and change
// its members and projects, delete it.
export function TeamSettings(props: { org: string; team: string }) {
  const [team, setTeam] = useState<any>(null);
  const [members, setMembers] = useState<any[]>([]);
  const [projects, setProjects] = useState<any[]>([]);
  const [form, setForm] = useState({ name: "", slug: "" });
  const [error, setError] = useState<unknown>(null);
  const save = useAction();
  const act = useAction();
  const base = `/teams/${props.org}/${props.team}/`;
  const load = () => {
    api("GET", base).then((r) => { setTeam(r.data); setForm({ name: r.data.name, slug: r.data.slug }); }).catch(setError);
    api<any[]>("GET", `/organizations/${props.org}/members/`).then((r) => setMembers(r.data.filter((m) => !m.pending))).catch(act.setError);
    api<any[]>("GET", `/organizations/${props.org}/projects/`).then((r) => setProjects(r.data)).catch(act.setError);
  };
  useEffect(load, [props.org, props.team]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="team" />;
  if (error) return <ErrorNote error={error} retry={load} />;
  if (!team) return <p class="loading">Loading team…</p>;
  const inTeam = members.filter((m) => (m.teams || []).includes(team.slug));
  const notInTeam = members.filter((m) => !(m.teams || []).includes(team.slug));
  const owned = projects.filter((p) => (p.teams || []).some((x: any) => x.slug === team.slug));
  const notOwned = projects.filter((p) => !(p.teams || []).some((x: any) => x.slug === team.slug));
  const doing = (f: () => Promise<unknown>, ok = "") => act.run(async () => { try { await f(); } finally { load(); } }, ok);
  return (
    <section>
      <h1>Team #{team.slug}</h1>
      <OrgNav org={props.org} current="settings/teams" />
      <form class="settings-form" onSubmit={save.run(async () => {
        const r = await api("PUT", base, form);
        if (r.data.slug !== props.team) navigate(`/${props.org}/settings/teams/${r.data.slug}`, true);
        else setTeam(r.data);
      }, "Saved.")}>
        <div class="row">
          <label>Name<input aria-label="Team name" required value={form.name} onInput={(e: any) => setForm({ ...form, name: e.currentTarget.value })} /></label>
          <label>Slug<input aria-label="Team slug" required value={form.slug} onInput={(e: any) => setForm({ ...form, slug: e.currentTarget.value })} /></label>
        </div>
        {save.note}
        <button type="submit" disabled={save.busy}>{save.busy ? "Saving…" : "Save"}</button>
      </form>
      {act.note}
      <h2>Members</h2>
      {inTeam.length ? <ul class="member-list team-members">{inTeam.map((m) => (
        <li><span class="who-line"><bdi>{m.email}</bdi> <span class="muted">{m.role}</span></span>
          <button class="small" disabled={act.busy} onClick={doing(() => api("DELETE", `/organizations/${props.org}/members/${m.id}/teams/${team.slug}/`), `${m.email} left #${team.slug}.`)}>Remove from team</button></li>
      ))}</ul> : <p class="muted">Nobody is in this team yet.</p>}
      {notInTeam.length > 0 && (
        <p><select aria-label="Add a member to the team" value="" disabled={act.busy}
          onChange={(e: any) => { const id = e.currentTarget.value; const m = members.find((x) => x.id === id); if (m) doing(() => api("POST", `/organizations/${props.org}/members/${id}/teams/${team.slug}/`), `${m.email} added to #${team.slug}.`)(); }}>
          <option value="">Add a member…</option>
          {notInTeam.map((m) => <option value={m.id}>{m.email}</option>)}
        </select></p>
      )}
      <h2>Projects</h2>
      {owned.length ? <ul class="member-list team-projects">{owned.map((p) => (
        <li><span class="who-line"><Link href={`/${props.org}/${p.slug}/settings`}><bdi>{p.name}</bdi></Link> <span class="muted">{p.slug}</span></span>
          <button class="small" disabled={act.busy} onClick={doing(() => api("DELETE", `/projects/${props.org}/${p.slug}/teams/${team.slug}/`), `#${team.slug} no longer has ${p.slug}.`)}>Remove from team</button></li>
      ))}</ul> : <p class="muted">This team has no projects.</p>}
      {notOwned.length > 0 && (
        <p><select aria-label="Give the team a project" value="" disabled={act.busy}
          onChange={(e: any) => { const s = e.currentTarget.value; if (s) doing(() => api("POST", `/projects/${props.org}/${s}/teams/${team.slug}/`), `#${team.slug} now has ${s}.`)(); }}>
          <option value="">Add a project…</option>
          {notOwned.map((p) => <option value={p.slug}>{p.slug}</option>)}
        </select></p>
      )}
      <DangerZone what="team" slug={team.slug} warning="Its projects and members stay in the organization; only the team goes."
        onDelete={async () => { await api("DELETE", base); navigate(`/${props.org}/settings/teams`); }} />
    </section>
  );
}
