#!/usr/bin/env bash
# deploy/frontend-fetch.sh - vendor the dashboard's front-end files from npm.
#
# Usage: deploy/frontend-fetch.sh [--help]
#
# Installs the packages pinned in deploy/frontend/package-lock.json (htmx.org, with
# its integrity hash) with `npm ci --ignore-scripts` into the user cache
# ($FUSION_CACHE_DIR/frontend, outside the repository) and copies the files the
# dashboard serves into dashboard/static/vendor/ (ignored by git). The dashboard
# serves them itself: nothing is fetched from a CDN at run time. `make install`
# runs it; a no-op when the vendored files are there and match the lock.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

SOURCE_DIR="${FUSION_DEPLOY_DIR}/frontend"
WORK_DIR="${FUSION_CACHE_DIR}/frontend"
VENDOR_DIR="${FUSION_REPO_DIR}/dashboard/static/vendor"
STAMP="${VENDOR_DIR}/.lock-sha256"
lock_sum="$(sha256sum "${SOURCE_DIR}/package-lock.json" | cut -d' ' -f1)"

if [[ -s "${VENDOR_DIR}/htmx.min.js" && -f "$STAMP" && "$(cat "$STAMP")" == "$lock_sum" ]]; then
  exit 0 # vendored files match the lock: stay quiet
fi
command -v npm >/dev/null 2>&1 || die "npm not found: run deploy/install-system.sh (Debian package npm)"

mkdir -p "$WORK_DIR" "$VENDOR_DIR"
cp "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json" "$WORK_DIR/"
info "installing the dashboard's front-end packages (npm ci) ..."
(cd "$WORK_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) ||
  die "npm ci failed in ${WORK_DIR}"
cp "${WORK_DIR}/node_modules/htmx.org/dist/htmx.min.js" "${VENDOR_DIR}/htmx.min.js"
cp "${WORK_DIR}/node_modules/htmx.org/LICENSE" "${VENDOR_DIR}/htmx.LICENSE.txt"
printf '%s\n' "$lock_sum" >"$STAMP"
info "vendored htmx $(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "${WORK_DIR}/node_modules/htmx.org/package.json" | head -n1) into dashboard/static/vendor/"
