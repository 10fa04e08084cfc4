import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Copyable } from "../copy";
import { DangerZone, OrgNav, roles, useAction } from "./forms";

// OrgSettings is the organization's own page: its name and slug, its
// members and pending invitations, and, for owners, deleting it.
export function OrgSettings(props: { org: string }) {
  const [org, setOrg] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setOrg(null); setError(null);
    api("GET", `/organizations/${props.org}/`).then((r) => setOrg(r.data)).catch(setError);
  }, [props.org]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="organization" />;
  if (error) return <ErrorNote error={error} />;
  if (!org) return <p class="loading">Loading…</p>;
  return (
    <section>
      <h1>Organization settings</h1>
      <OrgNav org={props.org} current="settings" />
      <OrgGeneral org={org} />
      <Members org={props.org} myRole={org.role} />
      {org.role === "owner" && (
        <DangerZone what="organization" slug={org.slug}
          warning="Its projects, issues, events, members and teams go with it, at once and for good."
          onDelete={async () => { await api("DELETE", `/organizations/${org.slug}/`); location.assign("/app/"); }} />
      )}
    </section>
  );
}

function OrgGeneral(props: { org: any }) {
  const [name, setName] = useState(props.org.name);
  const [slug, setSlug] = useState(props.org.slug);
  const a = useAction();
  const save = a.run(async () => {
    const r = await api("PUT", `/organizations/${props.org.slug}/`, { name, slug });
    if (r.data.slug !== props.org.slug) {
      // The old address answers 404 now: the whole app moves to the new one.
      navigate(`/${r.data.slug}/settings`, true);
      location.reload();
    }
  }, "Saved.");
  return (
    <form class="settings-form" onSubmit={save}>
      <h2>General</h2>
      <div class="row">
        <label>Name<input aria-label="Organization name" required value={name} onInput={(e: any) => setName(e.currentTarget.value)} /></label>
        <label>Slug<input aria-label="Organization slug" required value={slug} onInput={(e: any) => setSlug(e.currentTarget.value)} /></label>
      </div>
      <span class="hint-text">Changing the slug changes every address of the organization, its API routes included.</span>
      {a.note}
      <button type="submit" disabled={a.busy}>{a.busy ? "Saving…" : "Save"}</button>
    </form>
  );
}

// Members lists members and pending invitations: invite, change roles,
// remove, resend or revoke invitations, and put members in teams.
function Members(props: { org: string; myRole: string }) {
  const [members, setMembers] = useState<any[] | null>(null);
  const [teams, setTeams] = useState<any[]>([]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const invite = useAction();
  const act = useAction();
  const load = () => {
    api<any[]>("GET", `/organizations/${props.org}/members/`).then((r) => setMembers(r.data)).catch(act.setError);
    api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => setTeams(r.data)).catch(() => setTeams([]));
  };
  useEffect(load, [props.org]);
  const members_ = `/organizations/${props.org}/members/`;
  const mine = roles.indexOf(props.myRole);
  const grantable = roles.filter((r) => roles.indexOf(r) <= mine);
  const doing = (f: () => Promise<unknown>, ok = "") => act.run(async () => { try { await f(); } finally { load(); } }, ok);
  return (
    <div class="members-section">
      <h2>Members</h2>
      <form class="inline-form" onSubmit={invite.run(async () => {
        const r = await api("POST", members_, { email, role });
        setLink({ email, url: r.data.inviteLink }); setEmail(""); load();
      })}>
        <input type="email" aria-label="Email to invite" placeholder="name@example.com" required value={email} onInput={(e: any) => setEmail(e.currentTarget.value)} />
        <select aria-label="Role" value={role} onChange={(e: any) => setRole(e.currentTarget.value)}>{grantable.map((r) => <option>{r}</option>)}</select>
        <button type="submit" disabled={invite.busy}>{invite.busy ? "Inviting…" : "Invite"}</button>
      </form>
      {invite.note}
      {link && <div class="invite-link"><p class="muted">Invitation link for <bdi>{link.email}</bdi> (also emailed when email is set up):</p><Copyable value={link.url} label="Invitation link" /></div>}
      {act.note}
      {!members ? <p class="loading">Loading members…</p> : (
        <ul class="member-list members">{members.map((m) => (
          <li data-member={m.id}>
            <span class="who-line"><strong><bdi>{m.email}</bdi></strong>{m.pending && <span class="muted"> · invited as {m.role}</span>}</span>
            {m.pending ? (
              <>
                <button class="small" disabled={act.busy} onClick={doing(async () => {
                  const r = await api("PUT", members_ + m.id + "/", { reinvite: true });
                  setLink({ email: m.email, url: r.data.inviteLink });
                }, `Invitation to ${m.email} sent again.`)}>Resend</button>
                <button class="small danger" disabled={act.busy} onClick={doing(() => api("DELETE", members_ + m.id + "/"), `Invitation to ${m.email} revoked.`)}>Revoke</button>
              </>
            ) : (
              <>
                <select aria-label={`Role of ${m.email}`} value={m.role} disabled={act.busy}
                  onChange={(e: any) => { const v = e.currentTarget.value; doing(() => api("PUT", members_ + m.id + "/", { role: v }), `${m.email} is now ${v}.`)(); }}>
                  {roles.map((r) => <option>{r}</option>)}
                </select>
                <button class="small danger" disabled={act.busy} onClick={doing(() => api("DELETE", members_ + m.id + "/"), `${m.email} removed.`)}>Remove</button>
                <span class="team-chips">
                  {(m.teams || []).map((t: string) => (
                    <span class="chip">#{t}<button class="link small" aria-label={`Remove ${m.email} from #${t}`} disabled={act.busy}
                      onClick={doing(() => api("DELETE", `${members_}${m.id}/teams/${t}/`))}>×</button></span>
                  ))}
                  {teams.some((t) => !(m.teams || []).includes(t.slug)) && (
                    <select aria-label={`Add ${m.email} to a team`} value="" disabled={act.busy}
                      onChange={(e: any) => { const t = e.currentTarget.value; if (t) doing(() => api("POST", `${members_}${m.id}/teams/${t}/`), `${m.email} added to #${t}.`)(); }}>
                      <option value="">Add to team…</option>
                      {teams.filter((t) => !(m.teams || []).includes(t.slug)).map((t) => <option value={t.slug}>#{t.slug}</option>)}
                    </select>
                  )}
                </span>
              </>
            )}
          </li>
        ))}</ul>
      )}
    </div>
  );
}
