#!/usr/bin/env bash
# Start a local PostgreSQL for the store tests, idempotently, and print its URL on the last line.
#
#   url=$(scripts/start-postgres.sh | tail -n1) && export FLYWHEEL_TEST_PG_URL="$url"
#
# Uses the Debian cluster tools (apt-get install postgresql): creates the cluster if the package did not,
# starts it (no systemd needed), waits until it accepts connections on 127.0.0.1, then creates (or resets
# the password of) role `flywheel` and database `flywheel_test`. Everything but the URL goes to stderr.
# Must run as root (CI) or as a user who may `sudo -u postgres`.
# Env: PG_USER (flywheel), PG_PASSWORD (flywheel), PG_DB (flywheel_test).
set -euo pipefail

PG_USER=${PG_USER:-flywheel}
PG_PASSWORD=${PG_PASSWORD:-flywheel}
PG_DB=${PG_DB:-flywheel_test}
log() { echo "start-postgres: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null; then
  log "PostgreSQL is not installed (apt-get install postgresql)"
  exit 1
fi
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# The newest installed major version, and its `main` cluster (created if absent).
version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')
if [ "$status" != online ]; then
  log "starting cluster $version/main on port $port"
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2 || {
  log "server did not become ready on 127.0.0.1:$port"
  exit 1
}

# Role and database, idempotently (CREATE DATABASE cannot run inside a DO block, hence the check).
psql_admin() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"; }
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;" >&2
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
  log "creating database $PG_DB"
  psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" >&2
fi

echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
