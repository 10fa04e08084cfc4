import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

// Chart draws [[unix seconds, count], ...] as bars; a sparkline is the
// same without axes.
export function Chart(props: { stats: [number, number][]; height?: number; sparkline?: boolean; label?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || !props.stats.length) return;
    const xs = props.stats.map((s) => s[0]);
    const ys = props.stats.map((s) => s[1]);
    const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#6e40c9";
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#888";
    const plot = new uPlot({
      width: el.current.clientWidth || 300,
      height: props.height || (props.sparkline ? 36 : 160),
      legend: { show: false },
      cursor: { show: !props.sparkline },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: props.sparkline ? [{ show: false }, { show: false }] : [{ stroke: muted }, { stroke: muted, size: 40 }],
      series: [{}, { label: props.label || "events", stroke: accent, fill: accent + "55", paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } }],
    }, [xs, ys], el.current);
    const resize = () => plot.setSize({ width: el.current?.clientWidth || 300, height: plot.height });
    window.addEventListener("resize", resize);
    return () => { window.removeEventListener("resize", resize); plot.destroy(); };
  }, [props.stats]);
  const height = props.height || (props.sparkline ? 36 : 160);
  // The box keeps its height while data loads, so nothing below it jumps.
  return <div class={props.sparkline ? "chart spark" : "chart"} style={{ minHeight: height + "px" }} ref={el} aria-label={props.label || "events over time"} />;
}
