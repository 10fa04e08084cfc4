#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and ClickHouse (started,
# and installed when missing, by services.sh) and the in-process Kafka broker.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH

bash deploy/local/services.sh up >/dev/null
while IFS='=' read -r k v; do export "${k/FAULTLINE_/FAULTLINE_TEST_}=$v"; done < <(bash deploy/local/services.sh env faultline_test)
export FAULTLINE_REQUIRE_SERVICES=1

# The real Sentry SDKs the conformance tests drive: Debian's Chromium (for the
# browser SDK), Python and Ruby SDKs from Debian's packages, and the npm ones.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c "import sentry_sdk" 2>/dev/null || missing+=(python3-sentry-sdk)
[ -x /usr/bin/ruby ] && /usr/bin/ruby -e 'require "sentry-ruby"' 2>/dev/null || missing+=(ruby ruby-sentry-ruby)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "test: missing ${missing[*]}; install these Debian packages or run as root" >&2; exit 1; }
	echo "test: installing ${missing[*]} from Debian's packages" >&2
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# @sentry/cli's binary comes in its per-platform optional package from the npm
# registry; its postinstall would otherwise fall back to a download elsewhere.
export SENTRYCLI_SKIP_DOWNLOAD=1
for dir in cmd/faultline/testdata/node cmd/faultline/testdata/browser cmd/faultline/testdata/sentrycli; do
	npm ci --silent --no-audit --no-fund --prefix "$dir" >/dev/null
done
# npm ci refuses this lock file (npm leaves rollup's other-platform packages
# out of it); npm install honours it as it is and leaves it unchanged.
npm install --silent --no-audit --no-fund --prefix frontend/app >/dev/null

# The tests build without the server's profile (cmd/faultline/default.pgo):
# it changes no behaviour, and building every dependency a second time,
# optimised by it, for the server's tests alone added ~4 minutes on 2 cores.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-pgo=off"

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
go test -count=1 -timeout 25m "$@" ./...
