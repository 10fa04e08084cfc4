import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { navigate } from "../router";
import { ErrorNote } from "../main";

// ResetPassword is where a reset email's link lands.
export function ResetPassword(props: { token: string }) {
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try { await api("POST", "/auth/password-reset/confirm/", { token: props.token, password }); setDone(true); } catch (err) { setError(err); }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>New password</h1>
      {done ? <p class="ok">Your password is changed. <a href="/app/login">Log in</a>.</p> : (
        <>
          <label>New password<input type="password" autocomplete="new-password" minLength={8} required value={password} onInput={(e: any) => setPassword(e.currentTarget.value)} /></label>
          {error ? <ErrorNote error={error} /> : null}
          <button type="submit">Set password</button>
        </>
      )}
    </form>
  );
}

// AcceptInvite is where an invitation's link lands, once logged in as its
// addressee.
export function AcceptInvite(props: { token: string }) {
  const [error, setError] = useState<unknown>(null);
  const accept = async () => {
    try { const r = await api("POST", `/accept-invite/${props.token}/`); navigate("/" + r.data.organization + "/"); location.reload(); } catch (err) { setError(err); }
  };
  return (
    <section class="empty">
      <h1>Join an organization</h1>
      <p>You were invited to an organization on Faultline.</p>
      {error ? <ErrorNote error={error} /> : null}
      <button onClick={accept}>Accept the invitation</button>
    </section>
  );
}

// VerifyEmail is where a confirmation email's link lands.
export function VerifyEmail(props: { token: string; loggedIn: boolean }) {
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api("POST", "/auth/verify-email/", { token: props.token }).then(() => setDone(true)).catch(setError);
  }, [props.token]);
  return (
    <section class="login">
      <h1>Confirm your address</h1>
      {error ? <ErrorNote error={error} /> : done ? (
        <p class="ok">Your email address is confirmed. <a href={props.loggedIn ? "/app/" : "/app/login"}>{props.loggedIn ? "Continue" : "Log in"}</a>.</p>
      ) : <p>Confirming…</p>}
    </section>
  );
}
