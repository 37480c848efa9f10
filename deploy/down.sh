#!/usr/bin/env bash
# deploy/down.sh - stop the local stack: a demo's simulator, dashboard, escalation service,
# webhook sender and worker, then Redis and Kafka. Keeps the data.
#
# Usage: deploy/down.sh [--help]
#
# Tolerates services that are not running. Both stops are attempted even if
# one fails; the exit status is non-zero if any stop failed.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

rc=0
stop_pidfile "${FUSION_RUN_DIR}/simulator.pid" "simulator" "fusion simulate" || rc=1
stop_pidfile "${FUSION_RUN_DIR}/dashboard.pid" "dashboard" "fusion dashboard serve" || rc=1
stop_pidfile "${FUSION_RUN_DIR}/escalation.pid" "escalation service" "fusion escalation serve" || rc=1
stop_pidfile "${FUSION_RUN_DIR}/webhooks.pid" "webhook sender" "fusion webhooks run" || rc=1
stop_pidfile "${FUSION_RUN_DIR}/worker.pid" "worker" "fusion worker" || rc=1
"${FUSION_DEPLOY_DIR}/redis-stop.sh" || rc=1
"${FUSION_DEPLOY_DIR}/kafka-stop.sh" || rc=1
exit "$rc"
