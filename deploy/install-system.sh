#!/usr/bin/env bash
# deploy/install-system.sh - install the Debian packages the local stack needs.
#
# Usage: deploy/install-system.sh [--help]
#
# Installs (only what is missing, checked per package with dpkg):
#   redis-server, redis-tools  - Redis server and redis-cli
#   prometheus                 - only for `promtool` (rule/config checks)
#   chromium                   - the browser the dashboard's Playwright tests drive
#                                (/usr/bin/chromium; never `playwright install`)
#   npm                        - vendors the dashboard's htmx (deploy/frontend-fetch.sh)
#   openjdk-17-jre-headless    - only if no `java` is on PATH
#   maven                      - only if no `mvn` is on PATH
# `apt-get update` runs once, and only if something is missing. Uses sudo when
# not root. Packages are installed with --no-install-recommends.
#
# Debian starts the system services of redis-server/prometheus on install; those
# would occupy ports 6379/9090. After installing, this script stops the services
# of the packages it just installed (it never touches services of packages that
# were already present). Quiet and a no-op when everything is installed.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi
[[ $# -eq 0 ]] || die "unexpected argument: $1 (see --help)"

pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg not found: this script supports Debian/Ubuntu only. Install manually: redis-server redis-tools prometheus chromium npm, Java >= 17 and Maven."

missing=()
for pkg in redis-server redis-tools prometheus chromium; do
  pkg_installed "$pkg" || missing+=("$pkg")
done
need_java=0
command -v java >/dev/null 2>&1 || need_java=1
need_mvn=0
command -v mvn >/dev/null 2>&1 || need_mvn=1
((need_mvn)) && missing+=(maven)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]} == 0 && need_java == 0)); then
  exit 0 # everything present: stay quiet
fi

# --- privilege handling ------------------------------------------------------
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    want="${missing[*]}"
    ((need_java)) && want="${want} openjdk-17-jre-headless"
    die "not root and sudo is not available. As root, run:
  apt-get update && apt-get install -y --no-install-recommends ${want}"
  fi
fi
as_root() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
}

info "updating apt package lists ..."
as_root apt-get update -q >/dev/null || die "apt-get update failed"

if ((need_java)); then
  # Debian 12 has openjdk-17; newer releases may only ship a newer default.
  if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
    missing+=(openjdk-17-jre-headless)
  else
    missing+=(default-jre-headless)
  fi
fi

info "installing: ${missing[*]}"
as_root apt-get install -y -q --no-install-recommends "${missing[@]}" ||
  die "apt-get install failed for: ${missing[*]}"

# --- stop services the freshly installed packages may have started ------------
stop_service() {
  local svc="$1"
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl stop "$svc" >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1; then
    as_root service "$svc" stop >/dev/null 2>&1 || true
  elif [[ -x "/etc/init.d/${svc}" ]]; then
    as_root "/etc/init.d/${svc}" stop >/dev/null 2>&1 || true
  fi
}

for pkg in "${missing[@]}"; do
  case "$pkg" in
    redis-server)
      info "stopping the redis-server system service started by the package (if any)"
      stop_service redis-server
      ;;
    prometheus)
      info "stopping the prometheus system service started by the package (if any)"
      stop_service prometheus
      # only present if recommends were installed some other way; harmless otherwise
      stop_service prometheus-node-exporter
      ;;
  esac
done
# prometheus may also have been started some other way by the install
if port_in_use 9090 && [[ "$(port_owner 9090)" == *prometheus* ]]; then
  stop_service prometheus
fi
for port in 6379 9090 9100; do
  if port_in_use "$port"; then
    warn "port ${port} is still in use ($(port_owner "$port")); not fatal, the local stack uses other ports"
  fi
done

# sanity check
for cmd in redis-server redis-cli promtool java mvn npm chromium; do
  command -v "$cmd" >/dev/null 2>&1 || die "'${cmd}' still not found on PATH after installing packages"
done
info "system packages ready"
