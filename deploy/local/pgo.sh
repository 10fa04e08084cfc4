#!/usr/bin/env bash
# Refreshes cmd/faultline/default.pgo, the CPU profile `go build` uses to
# optimise the server (profile-guided optimisation): runs the server on the
# local services, loads it to saturation with errors, then with transactions
# of 50 spans, profiles each load for 10 s and merges the two profiles.
# Takes about three minutes; run it after changes to the hot paths.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/faultline" ./cmd/faultline
go build -o "$work/faultline-loadgen" ./cmd/faultline-loadgen
while IFS='=' read -r k v; do export "$k=$v"; done < <(bash deploy/local/services.sh up)
listen=127.0.0.1:${FAULTLINE_PGO_PORT:-8190}
pprof=127.0.0.1:${FAULTLINE_PGO_PPROF_PORT:-6190}
export FAULTLINE_SECRET_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FAULTLINE_DATA_DIR=$work/data FAULTLINE_LISTEN=$listen FAULTLINE_PPROF_LISTEN=$pprof FAULTLINE_URL=http://$listen

targets=()
for p in pgo-a pgo-b pgo-c; do
	"$work/faultline" bootstrap --email pgo@example.com --password pgo-password --org pgo --project "$p" >"$work/$p.json" 2>/dev/null
	targets+=("$work/$p.json")
done
"$work/faultline" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://$listen/_health" >/dev/null && break; sleep 0.2; done
curl -sf "http://$listen/_health" >/dev/null || { echo "pgo: the server did not start:" >&2; tail -20 "$work/server.log" >&2; exit 1; }

# profile NAME LOADGEN-FLAGS...: loads the server and profiles it for 10 s
# once the generator has built its bodies and sends.
profile() {
	local name=$1; shift
	"$work/faultline-loadgen" -rate 10000 -concurrency 64 -duration 16s -probe-every 0 -settle 10s "$@" "${targets[@]}" \
		>"$work/$name.out" 2>"$work/$name.err" &
	local gen=$!
	until grep -q sending "$work/$name.err" 2>/dev/null; do
		kill -0 "$gen" 2>/dev/null || { echo "pgo: the load generator stopped:" >&2; cat "$work/$name.err" >&2; exit 1; }
		sleep 0.5
	done
	sleep 3
	curl -sf -o "$work/$name.pprof" "http://$pprof/debug/pprof/profile?seconds=10"
	wait "$gen"
	echo "pgo: $name: $(grep 'accepted events/s' "$work/$name.out")" >&2
}
profile errors -frames 20
profile transactions -kind transaction -spans 50

go tool pprof -proto "$work/errors.pprof" "$work/transactions.pprof" >"$work/merged.pgo" 2>/dev/null
mv "$work/merged.pgo" cmd/faultline/default.pgo
echo "pgo: wrote cmd/faultline/default.pgo ($(wc -c <cmd/faultline/default.pgo) bytes); go build uses it from now on" >&2
