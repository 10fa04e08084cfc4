import { useEffect, useState } from "preact/hooks";

// QRCode draws text as a QR code in SVG, one rect per run of dark modules.
// The encoder loads with the first code drawn: only two-factor setup
// needs it.
export function QRCode(props: { text: string; label: string }) {
  const [modules, setModules] = useState<boolean[][] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let gone = false;
    import("uqr").then(({ encode }) => {
      if (!gone) setModules(encode(props.text, { ecc: "M", border: 4 }).data);
    }).catch(() => setFailed(true));
    return () => { gone = true; };
  }, [props.text]);
  if (failed) return <p class="error">The QR code could not be drawn; type the key below into your app instead.</p>;
  if (!modules) return <p class="loading qr-loading">Drawing the QR code…</p>;
  const n = modules.length;
  const runs: preact.JSX.Element[] = [];
  modules.forEach((row, y) => {
    for (let x = 0; x < n; x++) {
      if (!row[x]) continue;
      let end = x;
      while (end + 1 < n && row[end + 1]) end++;
      runs.push(<rect x={x} y={y} width={end - x + 1} height={1} />);
      x = end;
    }
  });
  return (
    <svg class="qr" role="img" aria-label={props.label} viewBox={`0 0 ${n} ${n}`} shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
      <rect width={n} height={n} fill="#fff" />
      <g fill="#000">{runs}</g>
    </svg>
  );
}
