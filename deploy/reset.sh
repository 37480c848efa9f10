#!/usr/bin/env bash
# deploy/reset.sh - stop everything and DELETE all local data.
#
# Usage: deploy/reset.sh [--purge-cache] [--help]
#
# DESTRUCTIVE, asks nothing: runs down.sh, then removes $FUSION_RUN_DIR
# (default <repo>/.run: Kafka topics/offsets, KRaft metadata, logs, pid files).
# The next up.sh formats a fresh, empty cluster.
#   --purge-cache   also delete the downloaded Kafka jars
#                   ($FUSION_CACHE_DIR/kafka-$KAFKA_VERSION)
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

purge_cache=0
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage_from_header "$0"
      exit 0
      ;;
    --purge-cache) purge_cache=1 ;;
    *) die "unexpected argument: $arg (see --help)" ;;
  esac
done

# refuse obviously dangerous targets
safe_to_delete() {
  local d="$1" real
  [[ -n "$d" ]] || return 1
  real="$(realpath -m -- "$d")"
  case "$real" in
    / | /root | /home | /usr | /etc | /var | /tmp | "$(realpath -m -- "$HOME")" | "$FUSION_REPO_DIR") return 1 ;;
  esac
  return 0
}

"${FUSION_DEPLOY_DIR}/down.sh" || die "could not stop the stack; not deleting data"

safe_to_delete "$FUSION_RUN_DIR" || die "refusing to delete FUSION_RUN_DIR='${FUSION_RUN_DIR}'"
if [[ -e "$FUSION_RUN_DIR" ]]; then
  rm -rf -- "$FUSION_RUN_DIR"
  info "deleted ${FUSION_RUN_DIR}"
else
  info "nothing to delete (${FUSION_RUN_DIR} does not exist)"
fi

if ((purge_cache)); then
  safe_to_delete "$KAFKA_HOME_DIR" || die "refusing to delete '${KAFKA_HOME_DIR}'"
  rm -rf -- "$KAFKA_HOME_DIR"
  info "deleted ${KAFKA_HOME_DIR}"
fi
