#!/usr/bin/env bash
# deploy/compose/kafka-entrypoint.sh - the broker of deploy/compose.yaml, secured exactly
# as deploy/kafka-start.sh secures the local one: the same server.properties template,
# passwords generated once into the shared credentials volume (FUSION_CREDENTIALS_DIR),
# storage formatted once with the SCRAM users of `broker` and `admin`.
# Runs inside the apache/kafka image with deploy/ mounted at /fusion/deploy.
set -euo pipefail

export FUSION_RUN_DIR=/var/lib/fusion FUSION_KAFKA_HOST=0.0.0.0
# shellcheck source=../env.sh source-path=SCRIPTDIR
source /fusion/deploy/env.sh

BROKER_PASSWORD="$(ensure_credentials broker)"
CONTROLLER_PASSWORD="$(ensure_credentials controller)"
ADMIN_PASSWORD="$(ensure_credentials admin)"
CONFIG="${FUSION_RUN_DIR}/server.properties"
mkdir -p "$KAFKA_DATA_DIR"
tpl="$(</fusion/deploy/kafka/server.properties.template)"
tpl="${tpl//@KAFKA_HOST@/0.0.0.0}"
tpl="${tpl//@KAFKA_PORT@/9092}"
tpl="${tpl//@CONTROLLER_PORT@/9093}"
tpl="${tpl//@LOG_DIRS@/${KAFKA_DATA_DIR}}"
tpl="${tpl//@BROKER_PASSWORD@/${BROKER_PASSWORD}}"
tpl="${tpl//@CONTROLLER_PASSWORD@/${CONTROLLER_PASSWORD}}"
# Inside the compose network the broker is kafka:9092; its controller stays on loopback.
tpl="${tpl//advertised.listeners=CLIENT:\/\/0.0.0.0:9092/advertised.listeners=CLIENT://kafka:9092}"
tpl="${tpl//controller.quorum.voters=1@0.0.0.0:9093/controller.quorum.voters=1@127.0.0.1:9093}"
tpl="${tpl//CONTROLLER:\/\/0.0.0.0:9093/CONTROLLER://127.0.0.1:9093}"
(umask 077 && printf '%s\n' "$tpl" >"$CONFIG")
# The admin's client settings, for the healthcheck's kafka-broker-api-versions.sh.
(umask 077 && printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-512" \
  "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"${ADMIN_PASSWORD}\";" \
  >"${FUSION_RUN_DIR}/admin-client.properties")
if [[ ! -f "${KAFKA_DATA_DIR}/meta.properties" ]]; then
  /opt/kafka/bin/kafka-storage.sh format -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" \
    -c "$CONFIG" \
    --add-scram "SCRAM-SHA-512=[name=broker,password=${BROKER_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${ADMIN_PASSWORD}]"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
