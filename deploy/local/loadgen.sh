#!/usr/bin/env bash
# Load test against a Faultline started by `make run`: bootstraps three
# projects and posts realistic envelopes to them (flags: see faultline-loadgen -h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=${FAULTLINE_DATA_DIR:-$root/.data}
while IFS='=' read -r k v; do export "$k=$v"; done < <(bash deploy/local/services.sh env)
export FAULTLINE_SECRET_KEY=${FAULTLINE_SECRET_KEY:-$(cat "$data/secret-key")}
targets=()
for p in load-a load-b load-c; do
	bin/faultline bootstrap --email loadgen@example.com --password loadgen-password --org loadtest --project "$p" >"$data/loadgen-$p.json" 2>/dev/null
	targets+=("$data/loadgen-$p.json")
done
# The local stores share the box: report their CPU per event too.
stores=()
for s in $(bash deploy/local/services.sh pids); do stores+=(-store-pid "$s"); done
exec bin/faultline-loadgen "${stores[@]}" ${LOADGEN_FLAGS:-} "${targets[@]}"
