import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import type { Me } from "../main";
import { getAssertion, securityKeysSupported } from "../webauthn";
import { prefetchScreen } from "./prefetch";

type Mode = "login" | "register" | "reset";
type Provider = { slug: string; name: string };

// A single sign-on whose email has an account already comes back here with
// #sso-link=<token>&provider=<name>&email=<address>: the account's password
// links the two (the fragment never reaches a server).
function pendingLink() {
  const h = new URLSearchParams(location.hash.slice(1));
  const token = h.get("sso-link");
  return token ? { token, provider: h.get("provider") || "single sign-on", email: h.get("email") || "" } : null;
}

export function Login(props: { onLogin: (me: Me) => void }) {
  const [mode, setMode] = useState<Mode>("login");
  const [sent, setSent] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOTP] = useState("");
  const [needOTP, setNeedOTP] = useState(false);
  // The pending login a security key may finish (the password step's answer).
  const [keyToken, setKeyToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Provider[]>([]);
  const [link] = useState(pendingLink);
  useEffect(() => {
    api<Provider[]>("GET", "/auth/providers/").then((r) => setProviders(r.data || [])).catch(() => setProviders([]));
    if (link) history.replaceState(null, "", location.pathname + location.search);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      if (link) {
        await api("POST", "/auth/sso/link/", needOTP ? { token: link.token, password, otp } : { token: link.token, password });
        const me = await api<Me>("GET", "/");
        props.onLogin(me.data);
        return;
      }
      if (mode === "reset") {
        const r = await api("POST", "/auth/password-reset/", { email });
        setSent(r.data.detail);
        return;
      }
      let user: Me["user"] | undefined;
      if (mode === "register") {
        const r = await api("POST", "/auth/register/", { email, password });
        if (!r.data?.user) {
          // The server sends email: the account is confirmed by a link, then used after logging in.
          setMode("login"); setPassword(""); setSent(r.data.detail);
          return;
        }
        user = r.data.user;
      } else user = (await api<Me>("POST", "/auth/login/", needOTP ? { email, password, otp } : { email, password })).data?.user;
      // Logged in: the deep link's data loads at once. The login's answer
      // says who logged in; "who am I" is asked only if it did not.
      prefetchScreen(location, !user);
      props.onLogin(user ? { user } : (await api<Me>("GET", "/")).data);
    } catch (err) {
      if (err instanceof APIError && err.body?.twoFactorRequired) {
        setNeedOTP(true);
        setKeyToken(err.body.loginToken || "");
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };
  const useKey = async () => {
    setBusy(true);
    setError("");
    try {
      const options = await api("POST", "/auth/webauthn/begin/", { loginToken: keyToken });
      const credential = await getAssertion(options.data);
      // Linking a single sign-on identity: the key's answer links it too.
      if (link) await api("POST", "/auth/sso/link/", { token: link.token, loginToken: keyToken, credential });
      else await api("POST", "/auth/webauthn/finish/", { loginToken: keyToken, credential });
      const me = await api<Me>("GET", "/");
      props.onLogin(me.data);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      // The server ends a pending login at its first answer: start over.
      if (err instanceof APIError) { setNeedOTP(false); setKeyToken(""); setOTP(""); }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Faultline</h1>
      {link && !needOTP && <p class="ok" role="status">An account with {link.email} exists already. Enter its password to link it to {link.provider}; after that, {link.provider} signs you in.</p>}
      {!needOTP ? (
        <>
          {!link && <label>Email<input name="email" type="email" autocomplete="username" required value={email} onInput={(e: any) => setEmail(e.currentTarget.value)} /></label>}
          {mode !== "reset" && <label>Password<input name="password" type="password" autocomplete={mode === "register" ? "new-password" : "current-password"} required minLength={mode === "register" ? 8 : undefined} value={password} onInput={(e: any) => setPassword(e.currentTarget.value)} /></label>}
        </>
      ) : (
        <>
          {keyToken && securityKeysSupported() && <button type="button" class="security-key" disabled={busy} onClick={useKey}>Use security key</button>}
          <label>{keyToken ? "Or a two-factor code (or a recovery code)" : "Two-factor code (or a recovery code)"}<input name="otp" autocomplete="one-time-code" required autofocus={!keyToken} value={otp} onInput={(e: any) => setOTP(e.currentTarget.value)} /></label>
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {sent && <p class="ok" role="status">{sent}</p>}
      <button type="submit" disabled={busy}>{busy ? "Working…" : link ? "Link and log in" : mode === "register" ? "Create account" : mode === "reset" ? "Email me a reset link" : "Log in"}</button>
      {mode === "login" && !link && !needOTP && providers.map((p) => (
        <a class="button sso" style={{ textAlign: "center" }} href={"/auth/sso/" + encodeURIComponent(p.slug) + "/login"}>Sign in with {p.name}</a>
      ))}
      <p class="small">
        {mode !== "login" && <button type="button" class="link" onClick={() => { setMode("login"); setError(""); setSent(""); }}>Log in</button>}
        {mode !== "register" && <button type="button" class="link" onClick={() => { setMode("register"); setError(""); setSent(""); }}>Create an account</button>}
        {mode !== "reset" && <button type="button" class="link" onClick={() => { setMode("reset"); setError(""); setSent(""); }}>Forgot your password?</button>}
      </p>
    </form>
  );
}
