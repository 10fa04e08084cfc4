// The shape of Discover's catalog (analytics.DiscoverCatalog).
export type ArgKind = "column" | "numericColumn" | "number" | "operator" | "value" | "user";
export type FunctionArg = { name: string; kind: ArgKind; optional?: boolean; default?: string };
export type FunctionSpec = { name: string; args: FunctionArg[] | null; datasets: string[]; date?: boolean };
export type CatalogColumn = { name: string; type: string; numeric?: boolean };
export type Catalog = { columns: Record<string, CatalogColumn[]>; functions: FunctionSpec[]; operators: string[] };
