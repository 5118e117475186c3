#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback for `make test-pg`, starting them when they do not.
# Usage: start-services.sh [POSTGRES_URL] [REDIS_URL]; the defaults are the Makefile's.
# As root it also lets the role "postgres" connect over TCP from 127.0.0.1 without a password (a line
# marked "buergerbuero-test" in pg_hba.conf) and creates the database of the URL.
set -euo pipefail
pg_url=${1:-postgres://postgres@127.0.0.1:5432/buergerbuero}
redis_url=${2:-redis://127.0.0.1:6379/0}
rest=${pg_url#*://}; rest=${rest#*@}            # host:port/name
pg_host=${rest%%[:/]*}
pg_port=5432; [[ $rest =~ :([0-9]+) ]] && pg_port=${BASH_REMATCH[1]}
pg_db=${rest##*/}; pg_db=${pg_db%%\?*}
rest=${redis_url#*://}; rest=${rest#*@}
redis_host=${rest%%[:/]*}
redis_port=6379; [[ $rest =~ :([0-9]+) ]] && redis_port=${BASH_REMATCH[1]}

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }
psql_tcp() { psql -w -h "$pg_host" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -tA "$@"; }

if ! pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    echo "Starting PostgreSQL $version ..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 60); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 0.5; done
  fi
fi
pg_isready -q -h "$pg_host" -p "$pg_port" || {
  echo "PostgreSQL does not answer on $pg_host:$pg_port (start it, or set PG_URL=...)" >&2; exit 1; }

if ! psql_tcp -c 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "Cannot connect as postgres to $pg_host:$pg_port without a password; allow it in pg_hba.conf" >&2
    exit 1
  fi
  hba=$(as_postgres "psql -tAc 'show hba_file'")
  grep -q "buergerbuero-test" "$hba" ||
    sed -i "1i host all postgres 127.0.0.1/32 trust # buergerbuero-test" "$hba"
  as_postgres "psql -tAc 'select pg_reload_conf()'" >/dev/null
  sleep 0.5
  psql_tcp -c 'select 1' >/dev/null
fi
if [ -n "$pg_db" ] && [ "$(psql_tcp -c "select 1 from pg_database where datname = '$pg_db'")" != 1 ]; then
  psql_tcp -c "create database \"$pg_db\"" >/dev/null
fi

if ! redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; then
  echo "Starting Redis ..."
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null || {
  echo "Redis does not answer on $redis_host:$redis_port" >&2; exit 1; }
