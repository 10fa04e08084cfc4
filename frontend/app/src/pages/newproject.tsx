import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link } from "../router";
import { Copyable } from "../copy";
import { platforms, useAction } from "./forms";
import { FirstError } from "./settings";

// NewProject creates a project, for a team or for the whole organization,
// and then shows its DSN, ready to paste into an SDK's setup.
export function NewProject(props: { org: string }) {
  const [teams, setTeams] = useState<any[]>([]);
  const [name, setName] = useState("");
  const [platform, setPlatform] = useState("");
  const [team, setTeam] = useState("");
  const [made, setMade] = useState<{ project: any; dsn: string } | null>(null);
  const a = useAction();
  useEffect(() => {
    api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => {
      setTeams(r.data);
      const mine = r.data.find((t) => t.isMember);
      if (mine) setTeam(mine.slug);
    }).catch(() => setTeams([]));
  }, [props.org]);
  const create = a.run(async () => {
    const body = { name, platform };
    const r = team ? await api("POST", `/teams/${props.org}/${team}/projects/`, body) : await api("POST", `/organizations/${props.org}/projects/`, body);
    const keys = await api<any[]>("GET", `/projects/${props.org}/${r.data.slug}/keys/`);
    setMade({ project: r.data, dsn: keys.data.find((k) => k.isActive)?.dsn.public || "" });
  });
  if (made) {
    const p = made.project;
    return (
      <section>
        <h1>Project <bdi>{p.name}</bdi> created</h1>
        <div class="dsn-box">
          <p>Its DSN tells an SDK where to send events:</p>
          <Copyable value={made.dsn} label="DSN of the new project" />
        </div>
        <p><Link href={`/${props.org}/${p.slug}/issues`}>Go to its issues</Link> · <Link href={`/${props.org}/${p.slug}/settings`}>Its settings</Link> · <Link href={`/${props.org}/`}>All projects</Link></p>
        {made.dsn && <FirstError dsn={made.dsn} />}
      </section>
    );
  }
  return (
    <section>
      <h1>New project</h1>
      <form class="settings-form new-project" onSubmit={create}>
        <label>Name<input aria-label="Project name" required placeholder="shop-frontend" value={name} onInput={(e: any) => setName(e.currentTarget.value)} /></label>
        <div class="row">
          <label>Platform<select aria-label="Platform" value={platform} onChange={(e: any) => setPlatform(e.currentTarget.value)}>
            {platforms.map((x) => <option value={x}>{x || "not set"}</option>)}
          </select></label>
          <label>Team<select aria-label="Team" value={team} onChange={(e: any) => setTeam(e.currentTarget.value)}>
            <option value="">No team (the whole organization)</option>
            {teams.map((t) => <option value={t.slug}>#{t.slug}</option>)}
          </select></label>
        </div>
        {a.note}
        <button type="submit" disabled={a.busy}>{a.busy ? "Creating…" : "Create project"}</button>
      </form>
    </section>
  );
}
