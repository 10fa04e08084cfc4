import { useRef, useState } from "preact/hooks";

// copyText puts text on the clipboard. navigator.clipboard exists only on
// secure origins (https, localhost); a dashboard served over plain http
// falls back to selecting a hidden textarea and the copy command. It says
// whether either worked.
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard?.writeText) {
    try { await navigator.clipboard.writeText(text); return true; } catch { /* refused: try the old way */ }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.setAttribute("aria-hidden", "true");
  area.style.cssText = "position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;";
  const had = document.activeElement as HTMLElement | null;
  document.body.appendChild(area);
  area.select();
  area.setSelectionRange(0, text.length);
  let ok = false;
  try { ok = document.execCommand("copy"); } catch { ok = false; }
  area.remove();
  had?.focus?.();
  return ok;
}

const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

// Copyable shows a value in a read-only field with a Copy button. Whatever
// happens the person is told: "Copied", or, where the browser refuses, the
// text is selected and they are asked to press Ctrl+C.
export function Copyable(props: { value: string; label: string; multiline?: boolean }) {
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [said, setSaid] = useState("");
  const copy = async () => {
    const ok = await copyText(props.value);
    const el = field.current;
    if (el) { el.focus(); el.select(); el.setSelectionRange(0, props.value.length); }
    setSaid(ok ? "Copied" : mac ? "Press ⌘C to copy" : "Press Ctrl+C to copy");
  };
  const common = { ref: field, readOnly: true, value: props.value, "aria-label": props.label, class: "copy-field", onFocus: (e: any) => e.currentTarget.select() };
  return (
    <span class="copyable">
      {props.multiline ? <textarea {...common} rows={3} /> : <input {...common} />}
      <button type="button" class="small" onClick={copy}>Copy</button>
      <span class="copy-said" role="status" aria-live="polite">{said}</span>
    </span>
  );
}
