import { useState } from "preact/hooks";
import { catalog } from "./discovercatalog";
import type { FunctionArg, FunctionSpec } from "./discovertypes";

// functionsOf are the catalog's functions that read a dataset.
export const functionsOf = (dataset: string) => catalog.functions.filter((f) => f.datasets.includes(dataset));

// columnsFor are the columns an argument may name.
const columnsFor = (dataset: string, arg: FunctionArg) => catalog.columns[dataset].filter((c) => arg.kind === "column" || c.numeric);

// shown is the argument a field holds: what was typed or picked, else
// what the field shows first (empty for an optional one).
function shown(dataset: string, arg: FunctionArg, value: string): string {
  if (value.trim()) return value.trim();
  if (arg.optional) return "";
  switch (arg.kind) {
    case "user": return "user";
    case "operator": return catalog.operators[0];
    case "column": case "numericColumn": return columnsFor(dataset, arg)[0]?.name ?? "";
  }
  return arg.default ?? "";
}

// callOf writes name(arg, …), leaving out optional arguments left empty
// at the end.
export function callOf(dataset: string, fn: FunctionSpec, values: string[]): string {
  const args = (fn.args || []).map((a, i) => shown(dataset, a, values[i] ?? ""));
  while (args.length && args[args.length - 1] === "" && fn.args![args.length - 1].optional) args.pop();
  return `${fn.name}(${args.join(", ")})`;
}

// FunctionBuilder picks one of Discover's functions and its arguments
// (a column, a number, an operator, a value) and adds the call.
export function FunctionBuilder(props: { dataset: string; onAdd: (call: string) => void }) {
  const fns = functionsOf(props.dataset);
  const [name, setName] = useState(fns[0]?.name ?? "count");
  const [values, setValues] = useState<string[]>([]);
  const fn = fns.find((f) => f.name === name) ?? fns[0];
  const pick = (n: string) => { setName(n); setValues([]); };
  const set = (i: number, v: string) => { const next = [...values]; next[i] = v; setValues(next); };
  return (
    <form class="function-builder" onSubmit={(e) => { e.preventDefault(); props.onAdd(callOf(props.dataset, fn, values)); }}>
      <select aria-label="Function" value={fn.name} onChange={(e: any) => pick(e.currentTarget.value)}>
        {fns.map((f) => <option value={f.name}>{f.name}()</option>)}
      </select>
      {(fn.args || []).map((a, i) => <ArgInput key={fn.name + i} dataset={props.dataset} arg={a} value={values[i] ?? ""} onInput={(v) => set(i, v)} />)}
      <button type="submit">Add {callOf(props.dataset, fn, values)}</button>
    </form>
  );
}

function ArgInput(props: { dataset: string; arg: FunctionArg; value: string; onInput: (v: string) => void }) {
  const { arg } = props;
  const label = `${arg.name}${arg.optional ? " (optional)" : ""}`;
  const onInput = (e: any) => props.onInput(e.currentTarget.value);
  switch (arg.kind) {
    case "column":
    case "numericColumn": {
      const cols = columnsFor(props.dataset, arg);
      return (
        <select aria-label={label} value={shown(props.dataset, arg, props.value)} onChange={onInput}>
          {arg.optional && <option value="">{arg.default ?? "(none)"}</option>}
          {cols.map((c) => <option value={c.name}>{c.name}</option>)}
        </select>
      );
    }
    case "operator":
      return <select aria-label={label} value={shown(props.dataset, arg, props.value)} onChange={onInput}>{catalog.operators.map((o) => <option value={o}>{o}</option>)}</select>;
    case "number":
      return <input type="number" step="any" aria-label={label} placeholder={arg.default} value={props.value} onInput={onInput} />;
    case "user":
      return <span class="arg-fixed">user</span>;
    default:
      return <input aria-label={label} placeholder={arg.name} value={props.value} onInput={onInput} />;
  }
}
