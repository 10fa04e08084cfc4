import { useState } from "preact/hooks";
import { api, APIError } from "../api";
import type { Me } from "../main";

export function Login(props: { onLogin: (me: Me) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOTP] = useState("");
  const [needOTP, setNeedOTP] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await api("POST", "/auth/login/", needOTP ? { email, password, otp } : { email, password });
      const me = await api<Me>("GET", "/");
      props.onLogin(me.data);
    } catch (err) {
      if (err instanceof APIError && err.body?.twoFactorRequired) {
        setNeedOTP(true);
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Faultline</h1>
      {!needOTP ? (
        <>
          <label>Email<input name="email" type="email" autocomplete="username" required value={email} onInput={(e: any) => setEmail(e.currentTarget.value)} /></label>
          <label>Password<input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e: any) => setPassword(e.currentTarget.value)} /></label>
        </>
      ) : (
        <label>Two-factor code (or a recovery code)<input name="otp" autocomplete="one-time-code" required autofocus value={otp} onInput={(e: any) => setOTP(e.currentTarget.value)} /></label>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? "Logging in…" : "Log in"}</button>
    </form>
  );
}
