#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 on loopback for tests and benchmarks.
#   source scripts/pg-throwaway.sh; pg_throwaway_start; ...; pg_throwaway_stop
# Exports MINK_TEST_PG (a libpq connection string) while it runs.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

# Prints the first port from $1 on where nothing listens on 127.0.0.1, so a
# server left over from an earlier run (or another checkout's) is no obstacle.
pg_free_port() {
  local port=$1
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

pg_throwaway_start() {
  MINK_PG_PORT=$(pg_free_port "${MINK_PG_PORT:-55432}")
  MINK_PG_DIR=$(mktemp -d /tmp/mink-pg.XXXXXX)
  chown postgres: "$MINK_PG_DIR"
  # initdb refuses to run as root, hence runuser.
  runuser -u postgres -- "$PGBIN/initdb" -D "$MINK_PG_DIR/data" -U postgres \
    --auth=trust -E UTF8 --locale=C.UTF-8 >"$MINK_PG_DIR/initdb.log" 2>&1 \
    || { cat "$MINK_PG_DIR/initdb.log"; return 1; }
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$MINK_PG_DIR/data" \
    -l "$MINK_PG_DIR/log" -w -o "-p $MINK_PG_PORT -k $MINK_PG_DIR \
    -c listen_addresses=127.0.0.1 -c max_connections=200 \
    -c shared_buffers=256MB" start >/dev/null \
    || { cat "$MINK_PG_DIR/log"; return 1; }
  export MINK_TEST_PG="host=127.0.0.1 port=$MINK_PG_PORT user=postgres dbname=postgres"
  export MINK_TEST_PG_URL="postgresql://postgres@127.0.0.1:$MINK_PG_PORT/postgres"
  echo "PostgreSQL running on 127.0.0.1:$MINK_PG_PORT (data in $MINK_PG_DIR)"
}

pg_throwaway_stop() {
  [[ -n ${MINK_PG_DIR:-} && -d $MINK_PG_DIR ]] || return 0
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$MINK_PG_DIR/data" -m fast \
    stop >/dev/null 2>&1 || true
  rm -rf "$MINK_PG_DIR"
  unset MINK_PG_DIR
}
