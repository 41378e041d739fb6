#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1 for the storage tests and print the TEST_DATABASE_URL export line.
# Run as root after `apt-get install postgresql`; idempotent (reuses a cluster that is already running).
# Usage: eval "$(.ci/pg-setup.sh)"   (the line is also written to $PG_ENV_FILE, default /tmp/coach-pg/env)
set -euo pipefail

PG_ROOT=${PG_ROOT:-/tmp/coach-pg}
PG_PORT=${PG_PORT:-54329}
PG_USER=${PG_USER:-coach}
PG_DB=${PG_DB:-coach_test}
PG_PASSWORD=${PG_PASSWORD:-coach}
PG_ENV_FILE=${PG_ENV_FILE:-$PG_ROOT/env}

bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin_dir" ] || [ ! -x "$bin_dir/initdb" ]; then
  echo "pg-setup: PostgreSQL server binaries not found; apt-get install postgresql first" >&2
  exit 1
fi
if ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir "$PG_ROOT" --shell /bin/bash postgres
fi
as_postgres() { runuser -u postgres -- "$@"; }

data="$PG_ROOT/data"
mkdir -p "$PG_ROOT"
chown postgres: "$PG_ROOT"
if [ ! -s "$data/PG_VERSION" ]; then
  as_postgres "$bin_dir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >/dev/null
fi
if ! as_postgres "$bin_dir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  as_postgres "$bin_dir/pg_ctl" -D "$data" -l "$PG_ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_ROOT -c fsync=off -c synchronous_commit=off" start >/dev/null
fi

psql_admin() { as_postgres "$bin_dir/psql" -h "$PG_ROOT" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
  psql_admin -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

line="export TEST_DATABASE_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
# how a test restarts this server mid-session (the app must reconnect on its own)
restart="export TEST_PG_RESTART='runuser -u postgres -- $bin_dir/pg_ctl -D $data -l $PG_ROOT/server.log -w -t 60 restart -m fast'"
printf '%s\n%s\n' "$line" "$restart" >"$PG_ENV_FILE"
echo "$line"
echo "$restart"
