#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and ClickHouse (started,
# and installed when missing, by services.sh) and the in-process Kafka broker.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH

bash deploy/local/services.sh up >/dev/null
while IFS='=' read -r k v; do export "${k/FAULTLINE_/FAULTLINE_TEST_}=$v"; done < <(bash deploy/local/services.sh env faultline_test)
export FAULTLINE_REQUIRE_SERVICES=1

# The real Sentry SDKs the conformance tests drive, from the npm registry, and
# Debian's Chromium for the browser SDK's test.
if [ ! -x /usr/bin/chromium ]; then
	[ "$(id -u)" = 0 ] || { echo "test: chromium is missing; install Debian's chromium package or run as root" >&2; exit 1; }
	echo "test: installing chromium from Debian's packages" >&2
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
for harness in node browser; do
	npm ci --silent --no-audit --no-fund --prefix "cmd/faultline/testdata/$harness" >/dev/null
done

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
go test -count=1 -timeout 15m "$@" ./...
