#!/usr/bin/env bash
# deploy/redis-start.sh - start the local Redis (a cache: Kafka is the system of record).
#
# Usage: deploy/redis-start.sh [--help]
#
# Runs redis-server on 127.0.0.1:$FUSION_REDIS_PORT (default 16379) in the
# background, in its own session, with a generated password (requirepass, from
# $FUSION_CREDENTIALS_DIR/redis.json) and append-only persistence (appendonly yes,
# fsync every second) in $FUSION_RUN_DIR/redis, output to $FUSION_RUN_DIR/redis/redis.out,
# pid in $FUSION_RUN_DIR/redis.pid. Waits until `redis-cli ping` answers PONG.
# When it comes back empty anyway, the worker rebuilds what it needs from Kafka.
# Idempotent: does nothing if the pid file points to a live redis-server.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

PID_PATTERN="redis-server"

if pid_alive "$REDIS_PID_FILE" "$PID_PATTERN"; then
  info "Redis already running (pid $(head -n1 "$REDIS_PID_FILE"), 127.0.0.1:${FUSION_REDIS_PORT})"
  exit 0
fi
if [[ -f "$REDIS_PID_FILE" ]]; then
  info "removing stale pid file ${REDIS_PID_FILE}"
  rm -f "$REDIS_PID_FILE"
fi

command -v redis-server >/dev/null 2>&1 || die "redis-server not found on PATH. Run deploy/install-system.sh (or: apt-get install redis-server)"
command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found on PATH. Run deploy/install-system.sh (or: apt-get install redis-tools)"

if port_in_use "$FUSION_REDIS_PORT"; then
  owner="$(port_owner "$FUSION_REDIS_PORT")"
  die "port ${FUSION_REDIS_PORT} (FUSION_REDIS_PORT) is already in use${owner:+ by ${owner}}, and not by a redis started from ${FUSION_RUN_DIR}. Stop that process or choose another port, e.g. FUSION_REDIS_PORT=$((FUSION_REDIS_PORT + 1000)) $0"
fi

mkdir -p "$REDIS_RUN_DIR"
# The password is generated once ($FUSION_CREDENTIALS_DIR/redis.json) and handed to
# redis-server in a 0600 config file, never on its command line (ps would show it).
REDIS_PASSWORD="$(ensure_credentials redis)"
REDIS_CONF="${REDIS_RUN_DIR}/redis.conf"
(umask 077 && cat >"$REDIS_CONF" <<CONF
bind 127.0.0.1
port ${FUSION_REDIS_PORT}
protected-mode yes
requirepass ${REDIS_PASSWORD}
dir ${REDIS_RUN_DIR}
# A cache that survives a restart: append-only file, fsync every second; no RDB snapshots.
appendonly yes
appendfsync everysec
save ""
daemonize no
logfile ""
CONF
)
chmod 600 "$REDIS_CONF"
info "starting Redis on 127.0.0.1:${FUSION_REDIS_PORT} (log: ${REDIS_OUT_FILE})"
start_ns="$(date +%s%N)"
# keep the previous run's output as *.prev, start each run with a fresh file
[[ -f "$REDIS_OUT_FILE" ]] && mv -f "$REDIS_OUT_FILE" "$REDIS_OUT_FILE.prev"
printf '===== %s starting redis-server =====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$REDIS_OUT_FILE"
# shellcheck disable=SC2016 # $$ and "$@" are expanded by the inner shell
setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$REDIS_PID_FILE" \
  redis-server "$REDIS_CONF" >>"$REDIS_OUT_FILE" 2>&1 </dev/null &
disown || true

redis_ready() {
  [[ "$(REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$FUSION_REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}
if ! wait_for "test -s $(printf '%q' "$REDIS_PID_FILE")" 10 "the redis pid file" ||
  ! wait_for redis_ready "$FUSION_REDIS_START_TIMEOUT" "Redis PONG on 127.0.0.1:${FUSION_REDIS_PORT}" "$REDIS_PID_FILE" "$PID_PATTERN"; then
  show_log_tail "$REDIS_OUT_FILE" 30
  if pid_alive "$REDIS_PID_FILE" "$PID_PATTERN"; then
    "${FUSION_DEPLOY_DIR}/redis-stop.sh" || true
  else
    rm -f "$REDIS_PID_FILE"
  fi
  die "Redis failed to start (log: ${REDIS_OUT_FILE})"
fi
info "Redis ready on 127.0.0.1:${FUSION_REDIS_PORT} (pid $(head -n1 "$REDIS_PID_FILE"), $(elapsed_since "$start_ns"))"
