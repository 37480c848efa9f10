#!/usr/bin/env bash
# deploy/demo.sh - the whole system locally: Kafka, Redis, the stream worker, the
# agency-feed simulator and the watch officers' dashboard, until Ctrl-C.
#
# Usage: deploy/demo.sh            (make demo runs it after installing)
#
# Creates the topics, subscribes the demo agencies, starts `fusion worker`,
# `fusion simulate`, `fusion dashboard serve`, `fusion escalation serve`
# (acknowledgement deadlines, escalation notices, recalls) and `fusion webhooks run` (signed
# webhooks to the endpoints `fusion webhooks add` makes), prints where metrics, leads and
# the dashboard are (with a demo login: the account `demo`, an HSI supervisor, gets
# a new generated password at every start), then a status line (events, leads sent
# per agency, dead letters) every few seconds. Ctrl-C stops the worker, simulator
# and dashboard and whichever of Kafka and Redis this run started; `make down`
# stops anything left behind. Logs: .run/worker.log, .run/simulator.log,
# .run/dashboard.log, .run/escalation.log, .run/webhooks.log.
#
# Settings: FUSION_WEB_PORT (worker metrics, default 6066),
# FUSION_SIMULATOR_METRICS_PORT (default 9464), FUSION_DASHBOARD_PORT (default
# 8090), FUSION_DASHBOARD_METRICS_PORT (default 9466), FUSION_ESCALATION_PORT
# (escalation service metrics and HTTP acknowledgements, default 6068),
# FUSION_WEBHOOKS_METRICS_PORT (the webhook sender's metrics, default 9467), FUSION_DEMO_RATE
# (crossings/s, default 20), FUSION_DEMO_STATUS_EVERY (seconds between status
# lines, default 5), plus everything in deploy/env.sh.
set -euo pipefail

# shellcheck source=env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage_from_header "$0"
  exit 0
fi

FUSION="${FUSION_REPO_DIR}/.venv/bin/fusion"
[[ -x "$FUSION" ]] || die "no virtualenv at .venv: run 'make install' first"
: "${FUSION_WEB_PORT:=6066}"
: "${FUSION_SIMULATOR_METRICS_PORT:=9464}"
: "${FUSION_DASHBOARD_PORT:=8090}"
: "${FUSION_DASHBOARD_METRICS_PORT:=9466}"
: "${FUSION_ESCALATION_PORT:=6068}"
: "${FUSION_WEBHOOKS_METRICS_PORT:=9467}"
: "${FUSION_DEMO_RATE:=20}"
: "${FUSION_DEMO_STATUS_EVERY:=5}"
export FUSION_WEB_PORT FUSION_SIMULATOR_METRICS_PORT FUSION_DASHBOARD_PORT \
  FUSION_DASHBOARD_METRICS_PORT FUSION_ESCALATION_PORT FUSION_WEBHOOKS_METRICS_PORT
WORKER_PID_FILE="${FUSION_RUN_DIR}/worker.pid"
SIMULATOR_PID_FILE="${FUSION_RUN_DIR}/simulator.pid"
DASHBOARD_PID_FILE="${FUSION_RUN_DIR}/dashboard.pid"
ESCALATION_PID_FILE="${FUSION_RUN_DIR}/escalation.pid"
WEBHOOKS_PID_FILE="${FUSION_RUN_DIR}/webhooks.pid"

for port_var in FUSION_WEB_PORT FUSION_SIMULATOR_METRICS_PORT FUSION_DASHBOARD_PORT \
  FUSION_DASHBOARD_METRICS_PORT FUSION_ESCALATION_PORT FUSION_WEBHOOKS_METRICS_PORT; do
  if port_in_use "${!port_var}"; then
    die "port ${!port_var} (${port_var}) is in use by $(port_owner "${!port_var}"); is a demo already running? ('make down' stops it) or set ${port_var}"
  fi
done

started=()
status_pid=""
# shellcheck disable=SC2329  # invoked by the EXIT trap
stop_all() {
  trap - INT TERM EXIT
  echo
  [[ -z "$status_pid" ]] || kill "$status_pid" 2>/dev/null || true
  stop_pidfile "$SIMULATOR_PID_FILE" "simulator" "fusion simulate" || true
  stop_pidfile "$DASHBOARD_PID_FILE" "dashboard" "fusion dashboard serve" || true
  stop_pidfile "$ESCALATION_PID_FILE" "escalation service" "fusion escalation serve" || true
  stop_pidfile "$WEBHOOKS_PID_FILE" "webhook sender" "fusion webhooks run" || true
  stop_pidfile "$WORKER_PID_FILE" "worker" "fusion worker" || true
  local service
  for service in "${started[@]}"; do
    "${FUSION_DEPLOY_DIR}/${service}-stop.sh" || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

pid_alive "$KAFKA_PID_FILE" "kafka.Kafka" || { started+=(kafka); "${FUSION_DEPLOY_DIR}/kafka-start.sh"; }
pid_alive "$REDIS_PID_FILE" "redis-server" || { started+=(redis); "${FUSION_DEPLOY_DIR}/redis-start.sh"; }

cd "$FUSION_REPO_DIR"
"$FUSION" principals sync --all-agencies
"$FUSION" topics create
"$FUSION" subscriptions seed-demo >/dev/null

FUSION_DATA_DIR="${FUSION_RUN_DIR}/faust" "$FUSION" worker >"${FUSION_RUN_DIR}/worker.log" 2>&1 &
echo $! >"$WORKER_PID_FILE"
wait_for "curl -fsS http://127.0.0.1:${FUSION_WEB_PORT}/metrics" 60 "the worker's metrics endpoint" \
  "$WORKER_PID_FILE" "fusion worker" || { tail -n 30 "${FUSION_RUN_DIR}/worker.log" >&2; exit 1; }

"$FUSION" simulate --rate "$FUSION_DEMO_RATE" >"${FUSION_RUN_DIR}/simulator.log" 2>&1 &
echo $! >"$SIMULATOR_PID_FILE"

# The dashboard, with a demo login: a fresh generated password for `demo` at every start.
if "$FUSION" dashboard list-users | grep -q '^demo '; then
  demo_password="$("$FUSION" dashboard set-password demo)"
else
  demo_password="$("$FUSION" dashboard add-user demo --agency HSI --role supervisor 2>/dev/null)"
fi
"$FUSION" dashboard serve >"${FUSION_RUN_DIR}/dashboard.log" 2>&1 &
echo $! >"$DASHBOARD_PID_FILE"
wait_for "curl -fsS -o /dev/null http://127.0.0.1:${FUSION_DASHBOARD_PORT}/login" 120 "the dashboard" \
  "$DASHBOARD_PID_FILE" "fusion dashboard serve" || { tail -n 30 "${FUSION_RUN_DIR}/dashboard.log" >&2; exit 1; }
"$FUSION" escalation serve >"${FUSION_RUN_DIR}/escalation.log" 2>&1 &
echo $! >"$ESCALATION_PID_FILE"
wait_for "curl -fsS -o /dev/null http://127.0.0.1:${FUSION_ESCALATION_PORT}/healthz" 120 \
  "the escalation service" "$ESCALATION_PID_FILE" "fusion escalation serve" \
  || { tail -n 30 "${FUSION_RUN_DIR}/escalation.log" >&2; exit 1; }
"$FUSION" webhooks run >"${FUSION_RUN_DIR}/webhooks.log" 2>&1 &
echo $! >"$WEBHOOKS_PID_FILE"
wait_for "curl -fsS -o /dev/null http://127.0.0.1:${FUSION_WEBHOOKS_METRICS_PORT}/metrics" 120 \
  "the webhook sender" "$WEBHOOKS_PID_FILE" "fusion webhooks run" \
  || { tail -n 30 "${FUSION_RUN_DIR}/webhooks.log" >&2; exit 1; }
services=("$(cat "$WORKER_PID_FILE")" "$(cat "$SIMULATOR_PID_FILE")" "$(cat "$DASHBOARD_PID_FILE")"
  "$(cat "$ESCALATION_PID_FILE")" "$(cat "$WEBHOOKS_PID_FILE")")

cat <<MSG

Fusion Lead Dispatcher demo is running.
  Worker metrics:     http://127.0.0.1:${FUSION_WEB_PORT}/metrics
  Simulator metrics:  http://127.0.0.1:${FUSION_SIMULATOR_METRICS_PORT}/metrics
  Dashboard:          http://127.0.0.1:${FUSION_DASHBOARD_PORT}/   demo login: demo / ${demo_password}
                      (an HSI supervisor; 'fusion dashboard add-user' makes more accounts)
  Leads for HSI:      .venv/bin/fusion leads list HSI --since 10m   (follow: leads tail HSI)
  A partner connects: .venv/bin/fusion principals show HSI    (SASL SCRAM-SHA-512 as agency-hsi;
                      --reveal prints the password; each agency reads only leads.<its slug>)
  Subscriptions:      .venv/bin/fusion subscriptions list
  Escalation:         http://127.0.0.1:${FUSION_ESCALATION_PORT}/metrics   (.venv/bin/fusion escalation show HSI;
                      notices on notices.<slug>, e.g. after 10 min for an unacknowledged FLASH lead)
  Webhooks:           .venv/bin/fusion webhooks add HSI https://... (prints its secret once);
                      metrics http://127.0.0.1:${FUSION_WEBHOOKS_METRICS_PORT}/metrics
  Logs:               .run/worker.log  .run/simulator.log  .run/dashboard.log  .run/escalation.log
                      .run/webhooks.log
Ctrl-C stops it. Every ${FUSION_DEMO_STATUS_EVERY}s, what the worker has done so far:
MSG

# A live line from the worker's /metrics (fusion status); its own failures do not stop the demo.
"$FUSION" status --watch --interval "$FUSION_DEMO_STATUS_EVERY" &
status_pid=$!
# Returns when the worker or the simulator exits (Ctrl-C goes to the trap instead).
wait -n "${services[@]}"
warn "a service stopped unexpectedly; see .run/worker.log, .run/simulator.log, .run/dashboard.log, .run/escalation.log and .run/webhooks.log"
exit 1
