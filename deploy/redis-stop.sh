#!/usr/bin/env bash
# deploy/redis-stop.sh - stop the local Redis started by redis-start.sh.
#
# Usage: deploy/redis-stop.sh [--help]
#
# SIGTERM to the pid in $FUSION_RUN_DIR/redis.pid, up to FUSION_STOP_TIMEOUT
# seconds (default 30), then SIGKILL; removes the pid file. Says "not running"
# (exit 0) if there is nothing to stop. Never looks processes up by name.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

stop_pidfile "$REDIS_PID_FILE" "Redis" "redis-server"
