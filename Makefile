# Faultline's two everyday commands: `make run` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

.PHONY: all build run test chaos services services-down vet loadgen bench fmt dashboard bench-analytics pgo

all: build

build:
	$(GO) build -o bin/faultline ./cmd/faultline
	$(GO) build -o bin/faultline-loadgen ./cmd/faultline-loadgen

# Start PostgreSQL and ClickHouse (installing them if needed), bootstrap a
# demo organization and run the server on the embedded Kafka broker.
run: build
	bash deploy/local/run.sh

services:
	bash deploy/local/services.sh up

services-down:
	bash deploy/local/services.sh down

vet:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# Start the services, then run every test against them. FAULTLINE_REQUIRE_SERVICES
# turns the integration tests' "services not configured" skip into a failure.
test:
	bash deploy/local/test.sh

# Fault injection (kill -9, SIGTERM, store outages, a large-event backlog)
# with exact counts; it stops and starts the test databases (see README).
chaos:
	bash deploy/local/chaos.sh

# Refresh cmd/faultline/default.pgo, the profile go build optimises the
# server with, from a saturated load of errors and of transactions (see README).
pgo:
	bash deploy/local/pgo.sh

# Throughput and latency against a running `make run` (see README).
loadgen: build
	bash deploy/local/loadgen.sh

bench-analytics:
	bash deploy/local/bench-analytics.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./ingest/... ./actors/...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Rebuild the dashboard into frontend/static/app (committed; embedded by go build).
dashboard:
	cd frontend/app && npm install --no-audit --no-fund && npm run check && npm run build
