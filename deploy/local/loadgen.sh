#!/usr/bin/env bash
# Load test against a Faultline started by `make run`: bootstraps projects
# (LOADGEN_PROJECTS, default 3; each project's records keep to one of the
# broker's partitions, so more projects spread the load over more of them)
# and posts realistic envelopes to them (flags: see faultline-loadgen -h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=${FAULTLINE_DATA_DIR:-$root/.data}
while IFS='=' read -r k v; do export "$k=$v"; done < <(bash deploy/local/services.sh env)
export FAULTLINE_SECRET_KEY=${FAULTLINE_SECRET_KEY:-$(cat "$data/secret-key")}
targets=()
projects=${LOADGEN_PROJECTS:-3}
[[ $projects =~ ^[1-9][0-9]*$ ]] || { echo "LOADGEN_PROJECTS: $projects is not a positive number of projects" >&2; exit 2; }
names=(load-a load-b load-c)
for i in $(seq 4 "$projects"); do names+=("load-$i"); done
for p in "${names[@]:0:$projects}"; do
	bin/faultline bootstrap --email loadgen@example.com --password loadgen-password --org loadtest --project "$p" >"$data/loadgen-$p.json" 2>/dev/null
	targets+=("$data/loadgen-$p.json")
done
# The local stores share the box: report their CPU per event too.
stores=()
for s in $(bash deploy/local/services.sh pids); do stores+=(-store-pid "$s"); done
exec bin/faultline-loadgen "${stores[@]}" ${LOADGEN_FLAGS:-} "${targets[@]}"
