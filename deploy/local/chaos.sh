#!/usr/bin/env bash
# Fault injection: Faultline as real processes under load while they are
# killed (-9 and SIGTERM), ClickHouse and PostgreSQL are stopped for 30 s and
# a backlog of large events piles up; the stores are then counted exactly.
# It stops and starts the test databases, so it runs alone, not in `make test`
# (which runs the short scenarios: kill -9 and SIGTERM under load).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH

bash deploy/local/services.sh up >/dev/null
while IFS='=' read -r k v; do export "${k/FAULTLINE_/FAULTLINE_TEST_}=$v"; done < <(bash deploy/local/services.sh env faultline_test)
export FAULTLINE_REQUIRE_SERVICES=1 FAULTLINE_CHAOS=1
go test -count=1 -p 1 -timeout 30m -v \
	-run 'TestKill9UnderLoad|TestSIGTERMUnderLoad|TestClickHouseOutage|TestPostgresOutage|TestLargeEventBacklog' \
	"$@" ./cmd/faultline/ | grep -E '^(=== RUN|--- |PASS|FAIL|ok)|_test.go:'
