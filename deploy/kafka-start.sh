#!/usr/bin/env bash
# deploy/kafka-start.sh - start the local single-node Kafka broker (KRaft).
#
# Usage: deploy/kafka-start.sh [--help]
#
# Idempotent: if $FUSION_RUN_DIR/kafka.pid points to a live broker it just says
# so. Otherwise it
#   1. fetches the broker jars (deploy/kafka-fetch.sh) if they are missing,
#   2. generates the broker's, the controller's and the admin's passwords once
#      ($FUSION_CREDENTIALS_DIR, default $FUSION_RUN_DIR/credentials: <name>.json,
#      mode 0600, folder 0700; never printed, never committed),
#   3. renders deploy/kafka/server.properties.template into
#      $FUSION_RUN_DIR/kafka/server.properties (mode 0600: it holds passwords),
#   4. formats the KRaft storage once (when data/meta.properties is missing), with
#      the SCRAM-SHA-512 credentials of `broker` and `admin` (--add-scram),
#   5. starts the broker in the background in its own session/process group
#      (stdout+stderr -> $FUSION_RUN_DIR/kafka/broker.out, pid -> kafka.pid),
#   6. waits (FUSION_KAFKA_START_TIMEOUT, default 90s) until the port accepts
#      connections and the broker logs that it started.
# Listens on $FUSION_KAFKA_HOST:$FUSION_KAFKA_PORT (default 127.0.0.1:19092; SASL
# SCRAM-SHA-512, ACLs), controller on $FUSION_KAFKA_CONTROLLER_PORT (default 19093;
# SASL PLAIN). The services' and agencies' principals and the ACLs are made after
# the start by `fusion principals sync` (make up, demo and deploy/with-stack.sh run it).
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
# --- credentials ----------------------------------------------------------------------
if [[ -f "${KAFKA_DATA_DIR}/meta.properties" && ! -f "${KAFKA_RUN_DIR}/secured" ]]; then
  die "the broker data in ${KAFKA_DATA_DIR} was made before authentication was on (no SCRAM users in it): run deploy/reset.sh (deletes the local Kafka and Redis data), then start again"
fi
BROKER_PASSWORD="$(ensure_credentials broker)"
CONTROLLER_PASSWORD="$(ensure_credentials controller)"
ADMIN_PASSWORD="$(ensure_credentials admin)"

# --- render config --------------------------------------------------------------------
mkdir -p "$KAFKA_DATA_DIR" "$KAFKA_LOGS_DIR"
CONFIG="${KAFKA_RUN_DIR}/server.properties"
tpl="$(<"${FUSION_DEPLOY_DIR}/kafka/server.properties.template")"
tpl="${tpl//@KAFKA_HOST@/${FUSION_KAFKA_HOST}}"
tpl="${tpl//@KAFKA_PORT@/${FUSION_KAFKA_PORT}}"
tpl="${tpl//@CONTROLLER_PORT@/${FUSION_KAFKA_CONTROLLER_PORT}}"
tpl="${tpl//@LOG_DIRS@/${KAFKA_DATA_DIR}}"
tpl="${tpl//@BROKER_PASSWORD@/${BROKER_PASSWORD}}"
tpl="${tpl//@CONTROLLER_PASSWORD@/${CONTROLLER_PASSWORD}}"
(umask 077 && printf '%s\n' "$tpl" >"$CONFIG")
chmod 600 "$CONFIG"
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
    -t "$cluster_id" -c "$CONFIG" \
    --add-scram "SCRAM-SHA-512=[name=broker,password=${BROKER_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${ADMIN_PASSWORD}]" \
    >"${KAFKA_RUN_DIR}/format.out" 2>&1; then
    show_log_tail "${KAFKA_RUN_DIR}/format.out" 30
    die "formatting KRaft storage failed (see ${KAFKA_RUN_DIR}/format.out)"
  fi
  printf '%s\n' "$cluster_id" >"${KAFKA_RUN_DIR}/cluster.id"
  touch "${KAFKA_RUN_DIR}/secured"
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
  # The broker logs this once every listener serves (its own SCRAM login included);
  # broker.out holds this run's output only (the last run's is broker.out.prev).
  grep -q "Kafka Server started" "$KAFKA_OUT_FILE" 2>/dev/null
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
