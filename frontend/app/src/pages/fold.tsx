import { useState } from "preact/hooks";

// Fold shows the start of a long value and the rest on request, so one
// huge field does not make the page thousands of pixels tall.
export function Fold(props: { text: string; limit?: number }) {
  const limit = props.limit ?? 200;
  const [open, setOpen] = useState(false);
  if (props.text.length <= limit || open) return <bdi class="value-text">{props.text}</bdi>;
  return (
    <>
      <bdi class="value-text">{props.text.slice(0, limit)}…</bdi>{" "}
      <button class="link more" onClick={() => setOpen(true)}>show more ({props.text.length - limit} more characters)</button>
    </>
  );
}
