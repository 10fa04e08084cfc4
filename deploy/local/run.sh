#!/usr/bin/env bash
# Starts everything Faultline needs on this machine and runs it:
# PostgreSQL and ClickHouse (services.sh), a demo organization, project and
# user (faultline bootstrap), then `faultline serve` on the embedded Kafka broker.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=${FAULTLINE_DATA_DIR:-$root/.data}
mkdir -p "$data"

while IFS='=' read -r k v; do export "$k=$v"; done < <(bash deploy/local/services.sh up)
export FAULTLINE_DATA_DIR=$data
export FAULTLINE_LISTEN=${FAULTLINE_LISTEN:-127.0.0.1:8000}

# A stable secret and admin password, made once and kept under the data dir.
[ -s "$data/secret-key" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$data/secret-key"
[ -s "$data/admin-password" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$data/admin-password"
chmod 600 "$data/secret-key" "$data/admin-password"
export FAULTLINE_SECRET_KEY=${FAULTLINE_SECRET_KEY:-$(cat "$data/secret-key")}
email=${FAULTLINE_ADMIN_EMAIL:-admin@example.com}
password=$(cat "$data/admin-password")

bin/faultline bootstrap --email "$email" --password "$password" --org demo --project demo >"$data/bootstrap.json"
json() { sed -E "s/.*\"$1\":\"?([^\",}]*)\"?.*/\1/" "$data/bootstrap.json"; }
url=${FAULTLINE_URL:-http://$FAULTLINE_LISTEN}

cat <<MSG

  Faultline dashboard:  $url/app/
  Login:                $email / $password
  DSN (project demo):   $(json dsn)
  API token:            $(json token)

  Try it:
    curl -H "Authorization: Bearer $(json token)" $url/api/0/projects/demo/demo/issues/

MSG
exec bin/faultline serve
