// Security keys: the server sends WebAuthn options as JSON (binary fields
// base64url-encoded) and takes the browser's credential back the same way.

function fromB64(s: string): ArrayBuffer {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
}

function toB64(buf: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const descriptors = (list: any[] | undefined) => (list || []).map((c) => ({ ...c, id: fromB64(c.id) }));

export const securityKeysSupported = () => typeof window !== "undefined" && !!window.PublicKeyCredential && !!navigator.credentials;

// createKey asks the browser for a new credential from creation options.
export async function createKey(options: any) {
  const publicKey = { ...options, challenge: fromB64(options.challenge), user: { ...options.user, id: fromB64(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials) };
  const cred = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new Error("No security key answered.");
  const r = cred.response as AuthenticatorAttestationResponse;
  return { id: cred.id, rawId: toB64(cred.rawId), type: cred.type, clientExtensionResults: cred.getClientExtensionResults(),
    response: { clientDataJSON: toB64(r.clientDataJSON), attestationObject: toB64(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] } };
}

// getAssertion asks the browser to sign a login's challenge.
export async function getAssertion(options: any) {
  const publicKey = { ...options, challenge: fromB64(options.challenge), allowCredentials: descriptors(options.allowCredentials) };
  const cred = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new Error("No security key answered.");
  const r = cred.response as AuthenticatorAssertionResponse;
  return { id: cred.id, rawId: toB64(cred.rawId), type: cred.type, clientExtensionResults: cred.getClientExtensionResults(),
    response: { clientDataJSON: toB64(r.clientDataJSON), authenticatorData: toB64(r.authenticatorData), signature: toB64(r.signature),
      userHandle: r.userHandle ? toB64(r.userHandle) : null } };
}
