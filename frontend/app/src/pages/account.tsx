import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../main";
import { NotificationSettings } from "./notifications";
import { createKey, securityKeysSupported } from "../webauthn";
import { Copyable } from "../copy";
import { QRCode } from "../qr";
import "./manage.css";
import { dateTime } from "../format";

// The scopes a token can be given: the server's full list.
const scopes = ["org:read", "org:write", "org:admin", "project:read", "project:write", "project:admin", "project:releases",
  "event:read", "event:write", "event:admin", "member:read", "member:write", "team:read", "team:write", "team:admin"];

export function Account() {
  const [tokens, setTokens] = useState<any[]>([]);
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set(["project:read", "event:read"]));
  const [minted, setMinted] = useState("");
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[]>([]);
  const [pw, setPW] = useState({ current: "", next: "" });
  const [done, setDone] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [verified, setVerified] = useState(true);
  const [busy, setBusy] = useState(false);
  // where names the section whose request failed: its message shows there.
  const [where, setWhere] = useState("top");
  const load = () => api<any[]>("GET", "/api-tokens/").then((r) => setTokens(r.data)).catch(setError);
  const [keys, setKeys] = useState<any[]>([]);
  const [keyForm, setKeyForm] = useState({ name: "", password: "" });
  const [keyRecovery, setKeyRecovery] = useState<string[]>([]);
  const loadKeys = () => api<any[]>("GET", "/users/me/webauthn/").then((r) => setKeys(r.data)).catch(setError);
  useEffect(() => {
    load();
    loadKeys();
    api("GET", "/").then((r) => setVerified(r.data.user.emailVerified !== false)).catch(setError);
  }, []);
  // run sends one request at a time: buttons are disabled meanwhile.
  const run = (f: () => Promise<unknown>, at = "top") => async (e?: Event) => {
    e?.preventDefault();
    if (busy) return;
    setError(null); setDone(""); setBusy(true); setWhere(at);
    try { await f(); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return (
    <section class="account">
      <h1>Your account</h1>
      {error && where === "top" ? <ErrorNote error={error} /> : null}
      {done && <p class="ok" role="status">{done}</p>}

      {!verified && (
        <p>Your email address is not confirmed yet; invitations to organizations need a confirmed address.{" "}
          <button class="small" disabled={busy} onClick={run(async () => { const r = await api("POST", "/users/me/verify-email/"); setDone(r.data.detail); })}>Email me a confirmation link</button></p>
      )}

      <NotificationSettings />

      <h2>API tokens</h2>
      <p class="muted">For sentry-cli, scripts and Terraform. A token is shown once.</p>
      <form class="token" onSubmit={run(async () => {
        const r = await api("POST", "/api-tokens/", { name, scopes: [...picked] });
        setMinted(r.data.token); setName(""); load();
      }, "token")}>
        <input aria-label="Token name" placeholder="Name" required value={name} onInput={(e: any) => setName(e.currentTarget.value)} />
        <div class="scopes">{scopes.map((s) => (
          <label><input type="checkbox" checked={picked.has(s)} onChange={() => {
            const n = new Set(picked); if (n.has(s)) n.delete(s); else n.add(s); setPicked(n);
          }} /> {s}</label>
        ))}</div>
        {error && where === "token" ? <ErrorNote error={error} /> : null}
        <button type="submit" disabled={busy}>Create token</button>
      </form>
      {minted && <div class="minted"><p>New token (copy it now; it is not shown again):</p><Copyable value={minted} label="New API token" /></div>}
      <ul class="tokens">{tokens.map((t) => (
        <li><strong>{t.name}</strong> <span class="muted">…{t.tokenLastCharacters || ""} · {t.scopes.join(", ")} · {t.lastUsed ? "used " + dateTime(t.lastUsed) : "never used"}</span>
          <button class="small" disabled={busy} onClick={run(async () => { await api("DELETE", `/api-tokens/${t.id}/`); load(); })}>Revoke</button></li>
      ))}</ul>

      <h2>Two-factor login</h2>
      {/* One element whatever the step, so that the sections after it keep
          their own elements (a shifted input once inherited another's
          emptied maxlength, 0, and took no typing). */}
      <div class="two-factor">{recovery.length > 0 ? (
        <div><p>Two-factor login is on. Keep these recovery codes somewhere safe; each works once:</p><pre>{recovery.join("\n")}</pre></div>
      ) : setup ? (
        <form onSubmit={run(async () => { const r = await api("POST", "/users/me/2fa/confirm/", { code }); setRecovery(r.data.recoveryCodes); setSetup(null); }, "2fa")}>
          <p>Scan this code with your authenticator app (or type the key below into it), then type the code it shows.</p>
          <QRCode text={setup.otpauthUrl} label="QR code of your two-factor key" />
          <Copyable value={setup.secret} label="Two-factor key" />
          <p class="muted small"><a href={setup.otpauthUrl}>Open in an authenticator app on this device</a></p>
          <input aria-label="Code" inputMode="numeric" autocomplete="one-time-code" required value={code} onInput={(e: any) => setCode(e.currentTarget.value)} />
          {error && where === "2fa" ? <ErrorNote error={error} /> : null}
          <button type="submit" disabled={busy}>Turn on</button>
        </form>
      ) : (
        <><p><button disabled={busy} onClick={run(async () => { const r = await api("POST", "/users/me/2fa/"); setSetup(r.data); }, "2fa")}>Set up two-factor login</button></p>
          {error && where === "2fa" ? <ErrorNote error={error} /> : null}</>
      )}</div>

      <h2>Security keys</h2>
      <p class="muted">A security key (or this device's built-in authenticator) as the second step of your login. Adding or removing one takes your current password.</p>
      <ul class="tokens security-keys">{keys.map((k) => (
        <li><strong>{k.name}</strong> <span class="muted">added {dateTime(k.dateCreated)} · {k.lastUsed ? "used " + dateTime(k.lastUsed) : "never used"}</span>
          <button class="small" onClick={run(async () => {
            if (!keyForm.password) throw new Error("Enter your current password below to remove a security key.");
            await api("DELETE", `/users/me/webauthn/${k.id}/`, { password: keyForm.password });
            setKeyForm({ ...keyForm, password: "" }); setDone(`Security key "${k.name}" removed.`); loadKeys();
          })}>Remove</button></li>
      ))}</ul>
      {securityKeysSupported() ? (
        <form class="token security-key" onSubmit={run(async () => {
          const options = await api("POST", "/users/me/webauthn/register/begin/", { password: keyForm.password });
          const credential = await createKey(options.data);
          const r = await api("POST", "/users/me/webauthn/register/finish/", { name: keyForm.name, credential });
          setKeyForm({ name: "", password: "" }); setKeyRecovery(r.data.recoveryCodes || []);
          setDone(`Security key "${r.data.key.name}" added.`); loadKeys();
        })}>
          <input aria-label="Security key name" placeholder="Name (e.g. Desk key)" maxLength={64} value={keyForm.name} onInput={(e: any) => setKeyForm({ ...keyForm, name: e.currentTarget.value })} />
          <input type="password" aria-label="Current password for security keys" placeholder="Current password" autocomplete="current-password" required value={keyForm.password} onInput={(e: any) => setKeyForm({ ...keyForm, password: e.currentTarget.value })} />
          <button type="submit">Add security key</button>
        </form>
      ) : <p class="muted">This browser cannot use security keys.</p>}
      {keyRecovery.length > 0 && <div><p>Keep these recovery codes somewhere safe, for a login without your security key; each works once:</p><pre class="recovery-codes">{keyRecovery.join("\n")}</pre></div>}

      <h2>Password</h2>
      <p class="muted">Changing your password (or resetting it by email) logs you out everywhere else and revokes all your API tokens; create new tokens afterwards.</p>
      <form class="password" onSubmit={run(async () => {
        await api("PUT", "/users/me/password/", { current: pw.current, password: pw.next });
        setPW({ current: "", next: "" }); setDone("Password changed. Your other sessions have ended and your API tokens are revoked."); load();
      }, "password")}>
        <input type="password" aria-label="Current password" placeholder="Current password" autocomplete="current-password" required value={pw.current} onInput={(e: any) => setPW({ ...pw, current: e.currentTarget.value })} />
        <input type="password" aria-label="New password" placeholder="New password (8+ characters)" autocomplete="new-password" minLength={8} required value={pw.next} onInput={(e: any) => setPW({ ...pw, next: e.currentTarget.value })} />
        {error && where === "password" ? <ErrorNote error={error} /> : null}
        <button type="submit" disabled={busy}>Change password</button>
      </form>
    </section>
  );
}
