#!/usr/bin/env bash
# deploy/with-stack.sh - run a command with Kafka and Redis up, then stop what it started.
#
# Usage: deploy/with-stack.sh COMMAND [ARGS...]
#
# Starts the broker and/or Redis only if they are not already running (from this
# checkout's .run/ pid files), runs COMMAND, then stops exactly the services it
# started - also on failure or Ctrl-C - and exits with COMMAND's exit code.
# `make test` runs the test suite through this script.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ $# -eq 0 || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi

started=()
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  local service
  for service in "${started[@]}"; do
    "${FUSION_DEPLOY_DIR}/${service}-stop.sh" || warn "could not stop ${service}"
  done
}
trap cleanup EXIT

if ! pid_alive "$KAFKA_PID_FILE" "kafka.Kafka"; then
  started+=(kafka)
  "${FUSION_DEPLOY_DIR}/kafka-start.sh"
fi
if ! pid_alive "$REDIS_PID_FILE" "redis-server"; then
  started+=(redis)
  "${FUSION_DEPLOY_DIR}/redis-start.sh"
fi
# Every service's and agency's credentials, and the ACLs (idempotent).
"${FUSION_REPO_DIR}/.venv/bin/fusion" principals sync --all-agencies >&2

set +e
"$@"
status=$?
set -e
exit "$status"
