#!/usr/bin/env bash
# deploy/kafka-stop.sh - stop the local Kafka broker started by kafka-start.sh.
#
# Usage: deploy/kafka-stop.sh [--help]
#
# Sends SIGTERM to the pid in $FUSION_RUN_DIR/kafka.pid (controlled shutdown),
# waits up to FUSION_STOP_TIMEOUT seconds (default 30), then SIGKILL. Removes the
# pid file. Says "not running" (exit 0) if there is no pid file or the process
# is gone. Never looks processes up by name. Data is kept (see reset.sh).
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

stop_pidfile "$KAFKA_PID_FILE" "Kafka" "kafka.Kafka"
