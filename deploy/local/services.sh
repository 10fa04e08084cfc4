#!/usr/bin/env bash
# Installs (when missing), starts, stops and describes the private PostgreSQL and
# ClickHouse instances Faultline uses for local runs, tests and CI.
#
#   deploy/local/services.sh up      install if needed, start both, print FAULTLINE_* settings
#   deploy/local/services.sh down    stop both (data is kept under .data/)
#   deploy/local/services.sh env     print the FAULTLINE_* settings only
#   deploy/local/services.sh status  say which instance is running
#   deploy/local/services.sh pg-down|pg-up|ch-down|ch-up
#                                    stop or start one of them (the chaos tests'
#                                    store outages)
#
# Everything lives under $FAULTLINE_SERVICES_DIR (default: <repo>/.data/services) and
# listens on 127.0.0.1 only, on ports that do not clash with system instances:
# PostgreSQL on $FAULTLINE_PG_PORT (55432), ClickHouse native on $FAULTLINE_CH_PORT
# (59000) and HTTP on $FAULTLINE_CH_HTTP_PORT (58123). Running "up" twice is harmless.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${FAULTLINE_SERVICES_DIR:-$root/.data/services}
pg_port=${FAULTLINE_PG_PORT:-55432}
ch_port=${FAULTLINE_CH_PORT:-59000}
ch_http_port=${FAULTLINE_CH_HTTP_PORT:-58123}
pg_dir=$dir/postgres
ch_dir=$dir/clickhouse

log() { echo "services: $*" >&2; }
die() { echo "services: $*" >&2; exit 1; }

pg_bin() {
	local v
	for v in 15 16 17; do
		[ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && { echo "/usr/lib/postgresql/$v/bin"; return; }
	done
	return 1
}

# The servers refuse to run as root, so when we are root they run as an
# unprivileged account that owns the data directories.
run_user=""
if [ "$(id -u)" = 0 ]; then run_user=${FAULTLINE_SERVICES_USER:-faultline}; fi
as_user() {
	if [ -n "$run_user" ]; then runuser -u "$run_user" -- "$@"; else "$@"; fi
}

install_missing() {
	local pkgs=()
	pg_bin >/dev/null || pkgs+=(postgresql)
	command -v clickhouse-server >/dev/null || pkgs+=(clickhouse-server clickhouse-client)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}: run as root or install them with apt-get"
	log "installing ${pkgs[*]} from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# policy-rc.d stops the packages from starting system-wide instances we do not use.
	local policy=/usr/sbin/policy-rc.d created_policy=""
	if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy; chmod +x $policy; created_policy=1; fi
	apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	[ -n "$created_policy" ] && rm -f $policy
	pg_bin >/dev/null || die "postgresql installed but pg_ctl not found under /usr/lib/postgresql"
}

ensure_user() {
	[ -n "$run_user" ] || return 0
	id "$run_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
	mkdir -p "$dir"
	chown "$run_user" "$dir"
	# Every parent must be traversable by the service account.
	local p=$dir
	while [ "$p" != / ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
}

# reserve_ports keeps the stores' ports out of the range Linux picks
# outgoing connections' local ports from: under load one of them could take
# a store's port, and hold it in TIME_WAIT for a minute after it closed,
# when a restarted store could not listen on it (ClickHouse failed so for
# minutes in the outage scenarios of `make chaos`). Only where the setting
# is writable (root); elsewhere nothing changes.
reserve_ports() {
	local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
	[ -w "$f" ] || return 0
	cur=$(cat "$f")
	echo "${cur:+$cur,}$pg_port,$ch_port,$ch_http_port" >"$f" 2>/dev/null || true
}

# port_busy reports whether something already listens on 127.0.0.1:$1.
port_busy() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

pg_running() { as_user "$(pg_bin)/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; }

pg_up() {
	local bin; bin=$(pg_bin)
	if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
		log "initialising PostgreSQL in $pg_dir/data"
		mkdir -p "$pg_dir"; [ -n "$run_user" ] && chown "$run_user" "$pg_dir"
		as_user "$bin/initdb" -D "$pg_dir/data" -U faultline --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	if ! pg_running; then
		port_busy "$pg_port" && die "port $pg_port is taken by another process (another Faultline checkout's PostgreSQL?); stop it or set FAULTLINE_PG_PORT"
		log "starting PostgreSQL on 127.0.0.1:$pg_port"
		as_user "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
			-o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null ||
			die "PostgreSQL did not start; see $pg_dir/server.log"
	fi
	local db
	for db in faultline faultline_test; do
		as_user "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U faultline -d postgres -tAc \
			"SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
			as_user "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U faultline "$db"
	done
}

pg_down() {
	[ -f "$pg_dir/data/PG_VERSION" ] && pg_running && as_user "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
	return 0
}

ch_pid() {
	local pid
	[ -f "$ch_dir/server.pid" ] || return 1
	pid=$(cat "$ch_dir/server.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

ch_config() {
	mkdir -p "$ch_dir/data" "$ch_dir/tmp" "$ch_dir/user_files" "$ch_dir/log"
	cat >"$ch_dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$ch_dir/log/server.log</log>
        <errorlog>$ch_dir/log/error.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$ch_http_port</http_port>
    <tcp_port>$ch_port</tcp_port>
    <listen_reuse_port>1</listen_reuse_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>1073741824</mark_cache_size>
    <path>$ch_dir/data/</path>
    <tmp_path>$ch_dir/tmp/</tmp_path>
    <user_files_path>$ch_dir/user_files/</user_files_path>
    <users_config>$ch_dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
	cat >"$ch_dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
	[ -n "$run_user" ] && chown -R "$run_user" "$ch_dir"
	return 0
}

ch_query() { clickhouse-client --host 127.0.0.1 --port "$ch_port" --query "$1"; }

ch_up() {
	local attempt i
	# Connections ClickHouse closed when it stopped keep its port in TIME_WAIT
	# for up to a minute, during which a restart cannot listen: keep trying.
	for attempt in $(seq 1 30); do
		if ! ch_pid >/dev/null; then
			port_busy "$ch_port" && die "port $ch_port is taken by another process (another Faultline checkout's ClickHouse?); stop it or set FAULTLINE_CH_PORT"
			ch_config
			log "starting ClickHouse on 127.0.0.1:$ch_port"
			as_user clickhouse-server --config-file="$ch_dir/config.xml" --pid-file="$ch_dir/server.pid" --daemon ||
				die "ClickHouse did not start; see $ch_dir/log/error.log"
		fi
		for i in $(seq 1 120); do
			if ch_query "SELECT 1" >/dev/null 2>&1; then
				ch_query "CREATE DATABASE IF NOT EXISTS faultline" >/dev/null
				ch_query "CREATE DATABASE IF NOT EXISTS faultline_test" >/dev/null
				return 0
			fi
			# A daemon that exited at once (its port still held by an instance
			# that was just stopped) is started again.
			if [ "$i" -gt 4 ] && ! ch_pid >/dev/null; then break; fi
			sleep 0.5
		done
		[ "$attempt" = 30 ] && die "ClickHouse did not answer on port $ch_port; see $ch_dir/log/error.log"
		log "ClickHouse exited while starting; trying again"
		sleep 2
	done
}

ch_down() {
	local pid i
	pid=$(ch_pid) || return 0
	kill "$pid"
	for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { log "ClickHouse stopped"; return 0; }; sleep 0.5; done
	kill -9 "$pid" 2>/dev/null || true
	for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
	log "ClickHouse killed"
}

print_env() {
	local db=${1:-faultline}
	echo "FAULTLINE_DATABASE_URL=postgres://faultline@127.0.0.1:$pg_port/$db?sslmode=disable"
	echo "FAULTLINE_CLICKHOUSE_URL=clickhouse://127.0.0.1:$ch_port/$db"
}

case "${1:-up}" in
up)
	install_missing
	ensure_user
	reserve_ports
	pg_up
	ch_up
	print_env
	;;
down) ch_down; pg_down ;;
pg-down) pg_down ;;
pg-up) ensure_user; reserve_ports; pg_up ;;
ch-down) ch_down ;;
ch-up) ensure_user; reserve_ports; ch_up ;;
env) print_env "${2:-faultline}" ;;
status)
	if pg_bin >/dev/null && [ -f "$pg_dir/data/PG_VERSION" ] && pg_running; then echo "postgres: running on $pg_port"; else echo "postgres: stopped"; fi
	if ch_pid >/dev/null; then echo "clickhouse: running on $ch_port"; else echo "clickhouse: stopped"; fi
	;;
pids)
	# name=pid of each running store, for faultline-loadgen -store-pid.
	[ -f "$pg_dir/data/postmaster.pid" ] && pg_running && echo "postgres=$(head -1 "$pg_dir/data/postmaster.pid")"
	ch_pid >/dev/null && echo "clickhouse=$(ch_pid)"
	true
	;;
*) die "usage: $0 up|down|env [db]|status|pids|pg-down|pg-up|ch-down|ch-up" ;;
esac
