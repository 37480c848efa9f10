#!/usr/bin/env bash
# deploy/up.sh - bring up the whole local stack: packages, Kafka, Redis.
#
# Usage: deploy/up.sh [--help]
#
# Runs, in order: install-system.sh (skipped if FUSION_SKIP_INSTALL=1),
# kafka-start.sh (fetches jars on first use), redis-start.sh. Idempotent: safe
# to run again while things are up. Prints the connection settings at the end.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

if [[ "${FUSION_SKIP_INSTALL:-0}" != "1" ]]; then
  "${FUSION_DEPLOY_DIR}/install-system.sh"
fi
"${FUSION_DEPLOY_DIR}/kafka-start.sh"
"${FUSION_DEPLOY_DIR}/redis-start.sh"

info "stack is up:"
printf '  FUSION_KAFKA_BOOTSTRAP=%s\n  FUSION_REDIS_URL=%s\n' "$FUSION_KAFKA_BOOTSTRAP" "$FUSION_REDIS_URL" >&2
