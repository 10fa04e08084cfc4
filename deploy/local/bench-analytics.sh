#!/usr/bin/env bash
# Runs the analytics benchmark at scale: 10 million transactions and 10
# million error events in the faultline_bench database of the local
# ClickHouse (loaded on the first run), queried as the performance screens do.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH

bash deploy/local/services.sh up >/dev/null
while IFS='=' read -r k v; do export "${k/FAULTLINE_/FAULTLINE_TEST_}=$v"; done < <(bash deploy/local/services.sh env faultline_test)
export FAULTLINE_REQUIRE_SERVICES=1
exec go test -run '^$' -bench AtScale -benchtime "${BENCHTIME:-10x}" -timeout 60m ./analytics/
