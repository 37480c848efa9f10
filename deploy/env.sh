# shellcheck shell=bash disable=SC2034
# deploy/env.sh - shared settings and helpers for the Fusion Lead Dispatcher
# local infrastructure scripts (Kafka broker in KRaft mode + Redis).
#
# This file is SOURCED by the other deploy/*.sh scripts; it is not meant to be
# executed. Every setting below can be overridden from the environment, e.g.
#
#   FUSION_KAFKA_PORT=29092 deploy/kafka-start.sh
#
# Run `bash deploy/env.sh --help` to print the effective values.

# --- locations -------------------------------------------------------------
FUSION_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FUSION_REPO_DIR="$(cd "${FUSION_DEPLOY_DIR}/.." && pwd)"

: "${KAFKA_VERSION:=4.4.0}"
# slf4j binding shipped next to the broker jars (the Kafka POM has none).
# Kafka 4.1-4.4 use slf4j 1.7 -> log4j-slf4j-impl. For slf4j 2.x use
# log4j-slf4j2-impl. Keep the version equal to the log4j-core Kafka pulls in.
: "${FUSION_LOG4J_SLF4J_ARTIFACT:=log4j-slf4j-impl}"
: "${FUSION_LOG4J_VERSION:=2.24.3}"

: "${FUSION_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/fusion-lead-dispatcher}"
: "${FUSION_RUN_DIR:=${FUSION_REPO_DIR}/.run}"
# Generated passwords, one <principal>.json each (mode 0600); never committed.
: "${FUSION_CREDENTIALS_DIR:=${FUSION_RUN_DIR}/credentials}"

# --- network ---------------------------------------------------------------
: "${FUSION_KAFKA_HOST:=127.0.0.1}"
: "${FUSION_KAFKA_PORT:=19092}"
: "${FUSION_KAFKA_CONTROLLER_PORT:=19093}"
: "${FUSION_REDIS_PORT:=16379}"

# --- tuning ----------------------------------------------------------------
: "${FUSION_KAFKA_HEAP_OPTS:=-Xms256m -Xmx512m}"
: "${FUSION_KAFKA_START_TIMEOUT:=90}"   # seconds until the broker must be ready
: "${FUSION_REDIS_START_TIMEOUT:=20}"   # seconds until redis must answer PING
: "${FUSION_STOP_TIMEOUT:=30}"          # seconds between SIGTERM and SIGKILL

# Connection settings for the Python apps; derived from the above unless set.
: "${FUSION_KAFKA_BOOTSTRAP:=${FUSION_KAFKA_HOST}:${FUSION_KAFKA_PORT}}"
: "${FUSION_REDIS_URL:=redis://127.0.0.1:${FUSION_REDIS_PORT}/0}"

# --- derived paths (not meant to be overridden) -----------------------------
KAFKA_HOME_DIR="${FUSION_CACHE_DIR}/kafka-${KAFKA_VERSION}"
KAFKA_JARS_DIR="${KAFKA_HOME_DIR}/jars"
KAFKA_RUN_DIR="${FUSION_RUN_DIR}/kafka"
KAFKA_DATA_DIR="${KAFKA_RUN_DIR}/data"
KAFKA_LOGS_DIR="${KAFKA_RUN_DIR}/logs"
KAFKA_PID_FILE="${FUSION_RUN_DIR}/kafka.pid"
KAFKA_OUT_FILE="${KAFKA_RUN_DIR}/broker.out"
REDIS_RUN_DIR="${FUSION_RUN_DIR}/redis"
REDIS_PID_FILE="${FUSION_RUN_DIR}/redis.pid"
REDIS_OUT_FILE="${REDIS_RUN_DIR}/redis.out"

export KAFKA_VERSION FUSION_LOG4J_SLF4J_ARTIFACT FUSION_LOG4J_VERSION \
  FUSION_CACHE_DIR FUSION_RUN_DIR FUSION_KAFKA_HOST FUSION_KAFKA_PORT \
  FUSION_KAFKA_CONTROLLER_PORT FUSION_REDIS_PORT FUSION_KAFKA_HEAP_OPTS \
  FUSION_KAFKA_START_TIMEOUT FUSION_REDIS_START_TIMEOUT FUSION_STOP_TIMEOUT \
  FUSION_KAFKA_BOOTSTRAP FUSION_REDIS_URL FUSION_CREDENTIALS_DIR

# --- helpers -----------------------------------------------------------------

# die MESSAGE... : print to stderr and exit 1.
die() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

# info MESSAGE... : progress message (stderr, so stdout stays clean).
info() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# warn MESSAGE...
warn() {
  printf '%s: warning: %s\n' "${0##*/}" "$*" >&2
}

# port_in_use PORT [HOST] : true if something listens on the TCP port.
# Uses `ss` when available (sees listeners on any address), else bash /dev/tcp.
port_in_use() {
  local port="$1" host="${2:-127.0.0.1}"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :${port}" 2>/dev/null)" ]]
  else
    timeout 2 bash -c "exec 3<>/dev/tcp/${host}/${port}" 2>/dev/null
  fi
}

# port_owner PORT : best-effort description of the process listening on PORT.
port_owner() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :${port}" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1
  fi
}

# pid_alive PIDFILE [PATTERN] : true if PIDFILE holds the pid of a live process
# (whose command line contains PATTERN, if given - guards against pid reuse).
pid_alive() {
  local pidfile="$1" pattern="${2:-}" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(head -n1 "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "$pattern" && -r "/proc/${pid}/cmdline" ]]; then
    tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -qF -- "$pattern" || return 1
  fi
  return 0
}

# wait_for CMD TIMEOUT DESC [PIDFILE [PATTERN]]
# Polls the condition CMD (a command string, evaluated; may call functions)
# every 0.2s until it succeeds. Returns 1 with a clear message after TIMEOUT
# seconds, or as soon as the process in PIDFILE has died (if given).
wait_for() {
  local cmd="$1" timeout="$2" desc="$3" pidfile="${4:-}" pattern="${5:-}"
  local deadline=$((SECONDS + timeout))
  while true; do
    if eval "$cmd" >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n "$pidfile" ]] && ! pid_alive "$pidfile" "$pattern"; then
      printf '%s: error: process exited while waiting for %s\n' "${0##*/}" "$desc" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf '%s: error: timed out after %ss waiting for %s\n' "${0##*/}" "$timeout" "$desc" >&2
      return 1
    fi
    sleep 0.2
  done
}

# stop_pidfile PIDFILE NAME [PATTERN] : SIGTERM the process in PIDFILE, wait up
# to FUSION_STOP_TIMEOUT seconds, then SIGKILL. Removes PIDFILE. Never looks
# processes up by name; PATTERN only guards against a recycled pid.
stop_pidfile() {
  local pidfile="$1" name="$2" pattern="${3:-}" pid deadline
  if [[ ! -f "$pidfile" ]]; then
    info "${name} not running (no pid file ${pidfile})"
    return 0
  fi
  pid="$(head -n1 "$pidfile" 2>/dev/null || true)"
  if ! pid_alive "$pidfile" "$pattern"; then
    info "${name} not running (stale pid file, pid ${pid:-?}); removing it"
    rm -f "$pidfile"
    return 0
  fi
  info "stopping ${name} (pid ${pid}) ..."
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + FUSION_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      warn "${name} (pid ${pid}) did not exit within ${FUSION_STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  info "${name} stopped"
}

# show_log_tail FILE [LINES] : print the end of a log file to stderr.
show_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf '(log file %s is empty or missing)\n' "$file" >&2
  fi
}

# elapsed_since START_NS : seconds (1 decimal) since START_NS (from `date +%s%N`).
elapsed_since() {
  local now
  now="$(date +%s%N)"
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1fs", (b - a) / 1e9 }'
}

# ensure_credentials NAME : print NAME's password from $FUSION_CREDENTIALS_DIR/NAME.json,
# generating it first (32 random bytes, base64url) if the file is missing. The file
# is written mode 0600 in a 0700 folder, in the format `fusion` reads
# (adapters/kafka/access.py). The password goes to stdout only, for a $(...) capture.
ensure_credentials() {
  local name="$1" file password
  file="${FUSION_CREDENTIALS_DIR}/${name}.json"
  (umask 077 && mkdir -p "$FUSION_CREDENTIALS_DIR")
  chmod 700 "$FUSION_CREDENTIALS_DIR"
  if [[ ! -s "$file" ]]; then
    password="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$password" =~ ^[A-Za-z0-9_-]{40,}$ ]] || die "could not generate a password for ${name}"
    (umask 077 && printf '{"username": "%s", "password": "%s", "mechanism": "SCRAM-SHA-512"}\n' \
      "$name" "$password" >"${file}.tmp" && mv -f "${file}.tmp" "$file")
  fi
  password="$(sed -n 's/.*"password": *"\([A-Za-z0-9_-]*\)".*/\1/p' "$file")"
  [[ -n "$password" ]] || die "no password in ${file}: delete it (and run deploy/reset.sh) to start over"
  printf '%s' "$password"
}

# usage_from_header FILE : print the leading comment block of a script.
usage_from_header() {
  sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$1"
}

# When executed directly (not sourced): show help / effective settings.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  usage_from_header "${BASH_SOURCE[0]}"
  echo
  echo "Effective settings:"
  for v in KAFKA_VERSION FUSION_CACHE_DIR FUSION_RUN_DIR FUSION_KAFKA_HOST \
    FUSION_KAFKA_PORT FUSION_KAFKA_CONTROLLER_PORT FUSION_REDIS_PORT \
    FUSION_KAFKA_HEAP_OPTS FUSION_KAFKA_BOOTSTRAP FUSION_REDIS_URL \
    FUSION_LOG4J_SLF4J_ARTIFACT FUSION_LOG4J_VERSION KAFKA_JARS_DIR; do
    printf '  %-30s %s\n' "$v" "${!v}"
  done
fi
