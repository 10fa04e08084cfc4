import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, APIError } from "./api";
import { navigate, useLocation, base, Link, setTitle } from "./router";
import { Login } from "./pages/login";
import { Projects } from "./pages/projects";
import { IssueList } from "./pages/issues";
import { IssueDetail } from "./pages/issue";
import { ResetPassword, AcceptInvite, VerifyEmail } from "./pages/links";
import { lazy } from "./lazy";
import { prefetchScreen } from "./pages/prefetch";
import "./style.css";

export type Me = { user: { id: string; email: string; emailVerified?: boolean } };

// Screens most visits never open load on first use.
const Performance = lazy(() => import("./pages/performance").then((m) => m.Performance));
const TransactionSummary = lazy(() => import("./pages/transaction").then((m) => m.TransactionSummary));
const Waterfall = lazy(() => import("./pages/waterfall").then((m) => m.Waterfall));
const Discover = lazy(() => import("./pages/discover").then((m) => m.Discover));
const Monitors = lazy(() => import("./pages/monitors").then((m) => m.Monitors));
const MonitorDetail = lazy(() => import("./pages/monitor").then((m) => m.MonitorDetail));
const PublicStatus = lazy(() => import("./pages/status").then((m) => m.PublicStatus));
const Alerts = lazy(() => import("./pages/alerts").then((m) => m.Alerts));
const Releases = lazy(() => import("./pages/releases").then((m) => m.Releases));
const ReleaseDetail = lazy(() => import("./pages/release").then((m) => m.ReleaseDetail));
const Settings = lazy(() => import("./pages/settings").then((m) => m.Settings));
const NewProject = lazy(() => import("./pages/newproject").then((m) => m.NewProject));
const Account = lazy(() => import("./pages/account").then((m) => m.Account));
const OrgSettings = lazy(() => import("./pages/org").then((m) => m.OrgSettings));
const Teams = lazy(() => import("./pages/teams").then((m) => m.Teams));
const TeamSettings = lazy(() => import("./pages/teams").then((m) => m.TeamSettings));
const Usage = lazy(() => import("./pages/usage").then((m) => m.Usage));
const AuditLog = lazy(() => import("./pages/audit").then((m) => m.AuditLog));

function App() {
  const url = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [orgs, setOrgs] = useState<any[]>([]);
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) || "/" : "/";

  const publicPage = path.startsWith("/status/");
  useHeadingFocus(url.pathname);
  useEffect(() => {
    if (!publicPage) api<Me>("GET", "/").then((r) => setMe(r.data)).catch(() => setMe(null));
  }, [publicPage]);
  useEffect(() => {
    if (me) api<any[]>("GET", "/organizations/").then((r) => setOrgs(r.data)).catch(() => setOrgs([]));
  }, [me]);

  if (publicPage) {
    const [, , org, slug] = path.split("/");
    return <PublicStatus org={org} slug={slug} />;
  }
  if (me === undefined) return <p class="boot">Loading…</p>;
  if (path.startsWith("/reset-password/")) { setTitle("New password"); return <ResetPassword token={path.split("/")[2]} />; }
  if (path.startsWith("/verify-email/")) { setTitle("Confirm your address"); return <VerifyEmail token={path.split("/")[2]} loggedIn={!!me} />; }
  if (me === null || path === "/login") {
    setTitle("Log in");
    // After logging in, stay on the page that was asked for (an invitation,
    // a deep link); the login page itself leads to the start.
    return <Login onLogin={(m) => { setMe(m); if (path === "/login") navigate("/", true); }} />;
  }
  const parts = path.split("/").filter(Boolean);
  const org = parts[0] || orgs[0]?.slug;
  if (!parts.length && org) {
    navigate("/" + org + "/", true);
  }
  // Each screen names the tab: what it shows, then where, then Faultline.
  let screen, title: string[];
  const project = parts[1] || "";
  if (parts[0] === "account" && parts.length === 1) { screen = <Account />; title = ["Account"]; }
  else if (parts[0] === "accept-invite" && parts.length === 2) { screen = <AcceptInvite token={parts[1]} />; title = ["Join an organization"]; }
  else if (!org) { screen = <Empty />; title = ["No organization"]; }
  else if (parts[1] === "settings" && parts[2] === "audit-log") { screen = <AuditLog org={org} />; title = ["Audit log", org]; }
  else if (parts[1] === "settings" && parts.length === 2) { screen = <OrgSettings org={org} />; title = ["Organization settings", org]; }
  else if (parts[1] === "settings" && parts[2] === "teams" && parts.length === 3) { screen = <Teams org={org} />; title = ["Teams", org]; }
  else if (parts[1] === "settings" && parts[2] === "teams" && parts.length === 4) { screen = <TeamSettings org={org} team={parts[3]} />; title = ["Team #" + parts[3], org]; }
  else if (parts[1] === "settings" && parts[2] === "usage" && parts.length === 3) { screen = <Usage org={org} />; title = ["Usage & quotas", org]; }
  else if (parts[1] === "projects" && parts[2] === "new" && parts.length === 3) { screen = <NewProject org={org} />; title = ["New project", org]; }
  else if (parts[1] === "issues" && parts[2]) { screen = <IssueDetail org={org} id={parts[2]} me={me.user.email} />; title = ["Issue", org]; }
  else if (parts[2] === "releases" && parts.length > 3) { const v = version(parts.slice(3)); screen = <ReleaseDetail org={org} project={project} version={v} />; title = ["Release " + v, project]; }
  else if (parts[2] === "releases") { screen = <Releases org={org} project={project} query={url.searchParams} />; title = ["Releases", project]; }
  else if (parts[2] === "alerts") { screen = <Alerts org={org} project={project} />; title = ["Alerts", project]; }
  else if (parts[2] === "settings") { screen = <Settings org={org} project={project} />; title = ["Settings", project]; }
  else if (parts[1] === "monitors" && parts[2]) { screen = <MonitorDetail org={org} id={parts[2]} />; title = ["Monitor", org]; }
  else if (parts[1] === "monitors") { screen = <Monitors org={org} />; title = ["Monitors", org]; }
  else if (parts[1] === "discover") { screen = <Discover org={org} query={url.searchParams} />; title = ["Discover", org]; }
  else if (parts[2] === "performance" && parts[3] === "summary") { screen = <TransactionSummary org={org} project={project} query={url.searchParams} />; title = [url.searchParams.get("transaction") || "Transaction", project]; }
  else if (parts[2] === "performance" && parts[3] === "trace" && parts[4]) { screen = <Waterfall org={org} project={project} eventId={parts[4]} />; title = ["Trace", project]; }
  else if (parts[2] === "performance" && parts.length === 3) { screen = <Performance org={org} project={project} query={url.searchParams} />; title = ["Performance", project]; }
  else if (parts[2] === "issues" && parts.length === 3) { screen = <IssueList org={org} project={project} query={url.searchParams} />; title = ["Issues", project]; }
  else if (parts.length === 2 && parts[1] !== "issues") { navigate(`/${org}/${project}/issues`, true); screen = null; title = ["Issues", project]; }
  else if (parts.length <= 1) { screen = <Projects org={org} />; title = ["Projects", org]; }
  else { screen = <NotFound what="page" />; title = ["Page not found"]; }
  setTitle(...title);

  const logout = async () => {
    try { await api("POST", "/auth/logout/"); } catch { /* the session may be gone already */ }
    setMe(null);
    navigate("/login", true);
  };
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); focusMain(); }}>Skip to content</a>
      <header class="top">
        <Link href={"/" + (org || "")} class="brand">Faultline</Link>
        {orgs.length > 1 ? (
          <select aria-label="Organization" value={org} onChange={(e: any) => navigate("/" + e.currentTarget.value + "/")}>
            {orgs.map((o) => <option value={o.slug}>{o.name}</option>)}
          </select>
        ) : <span class="org">{orgs[0]?.name}</span>}
        <span class="spacer" />
        {org && <Link href={`/${org}/monitors`}>Monitors</Link>}
        {org && <Link href={`/${org}/discover`}>Discover</Link>}
        {org && <Link href={`/${org}/settings`}>Organization</Link>}
        <Link href="/account" class="who">{me.user.email}</Link>
        <button class="link" onClick={logout}>Log out</button>
      </header>
      <main id="main" tabIndex={-1}>{screen}</main>
    </div>
  );
}

// focusMain moves focus to the screen's heading, or to the main region
// while the screen has none yet.
function focusMain() {
  const main = document.getElementById("main");
  const h1 = main?.querySelector("h1");
  if (h1) { h1.tabIndex = -1; h1.focus(); } else main?.focus();
}

// useHeadingFocus moves focus to the new screen's heading after every
// navigation inside the app (not on the first load), so a screen reader
// announces the screen and Tab continues from it. Screens load lazily and
// draw their heading when their data comes: focus follows it until the
// user moves it.
function useHeadingFocus(path: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    const main = document.getElementById("main");
    if (!main) return;
    const from = document.activeElement;
    const moved = () => document.activeElement !== from && document.activeElement !== document.body && !main.contains(document.activeElement);
    const tryFocus = () => {
      const h1 = main.querySelector("h1");
      if (!h1) return false;
      if (!moved()) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
      return true;
    };
    if (tryFocus()) return;
    const obs = new MutationObserver(() => { if (tryFocus()) obs.disconnect(); });
    obs.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => obs.disconnect(), 10000);
    return () => { obs.disconnect(); clearTimeout(stop); };
  }, [path]);
}

// version reads a release version from the address, where it is encoded
// (it may hold "+", "@", spaces and, encoded or not, "/").
function version(parts: string[]): string {
  try { return decodeURIComponent(parts.join("/")); } catch { return parts.join("/"); }
}

function Empty() {
  return <section class="empty"><h1>No organization yet</h1><p>Ask an administrator for an invitation, or run <code>faultline bootstrap</code>.</p></section>;
}

// NotFound is the answer to an address that leads nowhere: a path the
// dashboard does not know, or a project or issue that does not exist.
export function NotFound(props: { what: string }) {
  const what = props.what[0].toUpperCase() + props.what.slice(1);
  setTitle(what + " not found");
  return (
    <section class="empty not-found">
      <h1>{what} not found</h1>
      <p>There is nothing at <code><bdi>{location.pathname}</bdi></code>. It may have been deleted, or the address is mistyped.</p>
      <p><Link href="/">Go to your projects</Link></p>
    </section>
  );
}

// ErrorNote says what went wrong; with retry, it offers to try again
// (a failed load must never look like one still under way).
export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  const e = props.error;
  const msg = e instanceof APIError ? e.message : String(e);
  return <p class="error" role="alert"><bdi>{msg}</bdi>{props.retry && <> <button class="small retry" onClick={props.retry}>Try again</button></>}</p>;
}

prefetchScreen(location);
render(<App />, document.getElementById("app")!);
