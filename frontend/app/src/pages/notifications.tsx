import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../main";

// NotificationSettings is the account page's switch for alert email.
export function NotificationSettings() {
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { api("GET", "/users/me/notifications/").then((r) => setOn(r.data.alertEmails)).catch(setError); }, []);
  const change = async (v: boolean) => {
    try { const r = await api("PUT", "/users/me/notifications/", { alertEmails: v }); setOn(r.data.alertEmails); } catch (err) { setError(err); }
  };
  return (
    <div class="notifications">
      <h2>Notifications</h2>
      {error ? <ErrorNote error={error} /> : null}
      {on !== null && <label><input type="checkbox" checked={on} onChange={(e: any) => change(e.currentTarget.checked)} /> Email me the alerts sent to my organizations' members</label>}
    </div>
  );
}
