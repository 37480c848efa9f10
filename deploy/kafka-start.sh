#!/usr/bin/env bash
# deploy/kafka-start.sh - start the local single-node Kafka broker (KRaft).
#
# Usage: deploy/kafka-start.sh [--help]
#
# Idempotent: if $FUSION_RUN_DIR/kafka.pid points to a live broker it just says
# so. Otherwise it
#   1. fetches the broker jars (deploy/kafka-fetch.sh) if they are missing,
#   2. renders deploy/kafka/server.properties.template into
#      $FUSION_RUN_DIR/kafka/server.properties,
#   3. formats the KRaft storage once (when data/meta.properties is missing),
#   4. starts the broker in the background in its own session/process group
#      (stdout+stderr -> $FUSION_RUN_DIR/kafka/broker.out, pid -> kafka.pid),
#   5. waits (FUSION_KAFKA_START_TIMEOUT, default 90s) until the port accepts
#      connections and `kcat -L` returns broker metadata.
# Listens on $FUSION_KAFKA_HOST:$FUSION_KAFKA_PORT (default 127.0.0.1:19092),
# controller on $FUSION_KAFKA_CONTROLLER_PORT (default 19093).
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

PID_PATTERN="kafka.Kafka"
BOOTSTRAP="${FUSION_KAFKA_HOST}:${FUSION_KAFKA_PORT}"

if pid_alive "$KAFKA_PID_FILE" "$PID_PATTERN"; then
  info "Kafka already running (pid $(head -n1 "$KAFKA_PID_FILE"), ${BOOTSTRAP})"
  exit 0
fi
if [[ -f "$KAFKA_PID_FILE" ]]; then
  info "removing stale pid file ${KAFKA_PID_FILE}"
  rm -f "$KAFKA_PID_FILE"
fi

# --- ports -----------------------------------------------------------------------
check_port() {
  local port="$1" var="$2" owner
  if port_in_use "$port" "$FUSION_KAFKA_HOST"; then
    owner="$(port_owner "$port")"
    die "port ${port} (${var}) is already in use${owner:+ by ${owner}}, and not by a broker started from ${FUSION_RUN_DIR}. Stop that process or choose another port, e.g. ${var}=$((port + 1000)) $0"
  fi
}
check_port "$FUSION_KAFKA_PORT" FUSION_KAFKA_PORT
check_port "$FUSION_KAFKA_CONTROLLER_PORT" FUSION_KAFKA_CONTROLLER_PORT
[[ "$FUSION_KAFKA_PORT" != "$FUSION_KAFKA_CONTROLLER_PORT" ]] ||
  die "FUSION_KAFKA_PORT and FUSION_KAFKA_CONTROLLER_PORT must differ (both ${FUSION_KAFKA_PORT})"

# --- prerequisites ------------------------------------------------------------------
command -v java >/dev/null 2>&1 || die "java not found on PATH. Run deploy/install-system.sh or install Java >= 17."
if [[ ! -f "${KAFKA_HOME_DIR}/.complete" ]]; then
  "${FUSION_DEPLOY_DIR}/kafka-fetch.sh"
fi
HAVE_KCAT=1
if ! command -v kcat >/dev/null 2>&1; then
  HAVE_KCAT=0
  warn "kcat not found (run deploy/install-system.sh); readiness check falls back to the TCP port only"
fi

# --- render config --------------------------------------------------------------------
mkdir -p "$KAFKA_DATA_DIR" "$KAFKA_LOGS_DIR"
CONFIG="${KAFKA_RUN_DIR}/server.properties"
tpl="$(<"${FUSION_DEPLOY_DIR}/kafka/server.properties.template")"
tpl="${tpl//@KAFKA_HOST@/${FUSION_KAFKA_HOST}}"
tpl="${tpl//@KAFKA_PORT@/${FUSION_KAFKA_PORT}}"
tpl="${tpl//@CONTROLLER_PORT@/${FUSION_KAFKA_CONTROLLER_PORT}}"
tpl="${tpl//@LOG_DIRS@/${KAFKA_DATA_DIR}}"
printf '%s\n' "$tpl" >"$CONFIG"
if grep -v '^[[:space:]]*#' "$CONFIG" | grep -q '@[A-Z_]*@'; then
  die "unreplaced placeholder in ${CONFIG}: $(grep -v '^[[:space:]]*#' "$CONFIG" | grep -o '@[A-Z_]*@' | head -n1)"
fi

read -r -a HEAP_OPTS <<<"$FUSION_KAFKA_HEAP_OPTS"
JAVA_OPTS=(
  "${HEAP_OPTS[@]}"
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true
  "-Dkafka.logs.dir=${KAFKA_LOGS_DIR}"
  "-Dlog4j2.configurationFile=${FUSION_DEPLOY_DIR}/kafka/log4j2.properties"
)
CLASSPATH_GLOB="${KAFKA_JARS_DIR}/*"

# --- format storage once ----------------------------------------------------------------
if [[ ! -f "${KAFKA_DATA_DIR}/meta.properties" ]]; then
  # Same format as `kafka.tools.StorageTool random-uuid` (16 random bytes,
  # base64url without padding, not starting with '-'), without a JVM start.
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a KRaft cluster id (got: '${cluster_id}')"
  info "formatting KRaft storage in ${KAFKA_DATA_DIR} (cluster id ${cluster_id})"
  if ! java -cp "$CLASSPATH_GLOB" "${JAVA_OPTS[@]}" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$CONFIG" >"${KAFKA_RUN_DIR}/format.out" 2>&1; then
    show_log_tail "${KAFKA_RUN_DIR}/format.out" 30
    die "formatting KRaft storage failed (see ${KAFKA_RUN_DIR}/format.out)"
  fi
  printf '%s\n' "$cluster_id" >"${KAFKA_RUN_DIR}/cluster.id"
fi

# --- start ------------------------------------------------------------------------------------
info "starting Kafka ${KAFKA_VERSION} on ${BOOTSTRAP} (log: ${KAFKA_OUT_FILE})"
start_ns="$(date +%s%N)"
# keep the previous run's output as *.prev, start each run with a fresh file
[[ -f "$KAFKA_OUT_FILE" ]] && mv -f "$KAFKA_OUT_FILE" "$KAFKA_OUT_FILE.prev"
{
  printf '===== %s starting Kafka %s =====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$KAFKA_VERSION"
} >>"$KAFKA_OUT_FILE"
# setsid: own session + process group, so a Ctrl-C in the parent terminal/make
# does not hit the broker; stop it with deploy/kafka-stop.sh. The inner shell
# writes its own pid and then execs java, so the pid file holds the JVM's pid.
# shellcheck disable=SC2016 # $$ and "$@" are expanded by the inner shell
setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID_FILE" \
  java -cp "$CLASSPATH_GLOB" "${JAVA_OPTS[@]}" kafka.Kafka "$CONFIG" \
  >>"$KAFKA_OUT_FILE" 2>&1 </dev/null &
disown || true

# wait for the pid file written by the child
if ! wait_for "test -s $(printf '%q' "$KAFKA_PID_FILE")" 10 "the broker pid file"; then
  show_log_tail "$KAFKA_OUT_FILE"
  die "Kafka did not start"
fi

kafka_ready() {
  port_in_use "$FUSION_KAFKA_PORT" "$FUSION_KAFKA_HOST" || return 1
  if ((HAVE_KCAT)); then
    # metadata must list our broker (node id 1) at the advertised address
    local md
    md="$(kcat -b "$BOOTSTRAP" -L -t __fusion_readiness_probe -m 2 2>/dev/null || true)"
    grep -q "broker 1 at ${BOOTSTRAP}" <<<"$md"
  fi
}

if ! wait_for kafka_ready "$FUSION_KAFKA_START_TIMEOUT" "Kafka on ${BOOTSTRAP}" "$KAFKA_PID_FILE" "$PID_PATTERN"; then
  show_log_tail "$KAFKA_OUT_FILE" 60
  if pid_alive "$KAFKA_PID_FILE" "$PID_PATTERN"; then
    "${FUSION_DEPLOY_DIR}/kafka-stop.sh" || true
  else
    rm -f "$KAFKA_PID_FILE"
  fi
  die "Kafka failed to become ready (full logs: ${KAFKA_OUT_FILE}, ${KAFKA_LOGS_DIR}/server.log)"
fi
info "Kafka ready on ${BOOTSTRAP} (pid $(head -n1 "$KAFKA_PID_FILE"), $(elapsed_since "$start_ns"))"
