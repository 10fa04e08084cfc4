import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../main";
import { Link } from "../router";

const roles = ["member", "admin", "manager", "owner"];

export function OrgSettings(props: { org: string }) {
  const [members, setMembers] = useState<any[]>([]);
  const [teams, setTeams] = useState<any[]>([]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [team, setTeam] = useState("");
  const [link, setLink] = useState("");
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    api<any[]>("GET", `/organizations/${props.org}/members/`).then((r) => setMembers(r.data)).catch(setError);
    api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => setTeams(r.data)).catch(() => setTeams([]));
  };
  useEffect(load, [props.org]);
  const run = (f: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    try { await f(); load(); } catch (err) { setError(err); }
  };
  return (
    <section>
      <h1>Organization settings</h1>
      <p><Link href={`/${props.org}/settings/audit-log`}>Audit log</Link> <span class="muted">(owners and managers)</span></p>
      {error ? <ErrorNote error={error} /> : null}
      <h2>Members</h2>
      <form class="invite" onSubmit={run(async () => {
        const r = await api("POST", `/organizations/${props.org}/members/`, { email, role });
        setLink(r.data.inviteLink); setEmail("");
      })}>
        <input type="email" aria-label="Email to invite" placeholder="name@example.com" required value={email} onInput={(e: any) => setEmail(e.currentTarget.value)} />
        <select aria-label="Role" value={role} onChange={(e: any) => setRole(e.currentTarget.value)}>{roles.map((r) => <option>{r}</option>)}</select>
        <button type="submit">Invite</button>
      </form>
      {link && <p class="muted">Invitation link (also emailed when email is set up): <code class="secret">{link}</code></p>}
      <ul class="members">{members.map((m) => (
        <li><strong>{m.email}</strong> <span class="muted">{m.pending ? "invited" : ""}</span>
          {m.pending ? <span class="muted"> as {m.role}</span> : (
            <>
              <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e: any) => run(() => api("PUT", `/organizations/${props.org}/members/${m.id}/`, { role: e.currentTarget.value }))()}>
                {roles.map((r) => <option>{r}</option>)}
              </select>
              <button class="small" onClick={run(() => api("DELETE", `/organizations/${props.org}/members/${m.id}/`))}>Remove</button>
            </>
          )}
        </li>
      ))}</ul>
      <h2>Teams</h2>
      <form class="invite" onSubmit={run(async () => { await api("POST", `/organizations/${props.org}/teams/`, { name: team }); setTeam(""); })}>
        <input aria-label="Team name" placeholder="Team name" required value={team} onInput={(e: any) => setTeam(e.currentTarget.value)} />
        <button type="submit">Create team</button>
      </form>
      <ul class="members">{teams.map((t) => <li><strong>#{t.slug}</strong> <span class="muted">{t.memberCount} members</span></li>)}</ul>
    </section>
  );
}
