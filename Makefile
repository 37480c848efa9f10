# Fusion Lead Dispatcher - `make help` lists the targets.
# Every target installs what it needs first, so a fresh clone needs only `make demo` or `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Tests run on their own throw-away broker and Redis (own ports, own data under .run/test),
# so they never touch a running demo and a demo never replays what the tests published.
TEST_STACK = FUSION_RUN_DIR=$(CURDIR)/.run/test FUSION_KAFKA_PORT=29092 \
	FUSION_KAFKA_CONTROLLER_PORT=29093 FUSION_REDIS_PORT=26379
BENCH_ARGS ?=
RULES_BENCH_ARGS ?=
# make bench: each bench that needs a broker gets a fresh one (own data under .run/bench) on
# these ports; override them to run beside another stack (BENCH_KAFKA_PORT=34092 ...).
BENCH_KAFKA_PORT ?= 39092
BENCH_CONTROLLER_PORT ?= 39093
BENCH_REDIS_PORT ?= 36379
BENCH_SINCE := $(shell date -u +%Y-%m-%dT%H:%M:%S)
BENCH_ON_STACK = rm -rf .run/bench && FUSION_RUN_DIR=$(CURDIR)/.run/bench \
	FUSION_KAFKA_PORT=$(BENCH_KAFKA_PORT) FUSION_KAFKA_CONTROLLER_PORT=$(BENCH_CONTROLLER_PORT) \
	FUSION_REDIS_PORT=$(BENCH_REDIS_PORT) deploy/with-stack.sh $(BIN)/python -m

.PHONY: help install up down demo test unit integration lint schemas translations bench clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## Install Debian packages, the virtualenv, the Kafka jars and the dashboard's htmx (idempotent)
	deploy/install-system.sh
	deploy/kafka-fetch.sh
	deploy/frontend-fetch.sh

up: install ## Start Kafka and Redis on loopback and create the topics
	FUSION_SKIP_INSTALL=1 deploy/up.sh
	$(BIN)/fusion principals sync --all-agencies
	$(BIN)/fusion topics create

down: ## Stop everything started here (demo services, Redis, Kafka); keeps data
	deploy/down.sh

demo: install ## Run the whole system with simulated agency feeds until Ctrl-C
	deploy/demo.sh || [ $$? -eq 130 ]  # Ctrl-C is the normal way to stop it

test: install lint ## Lint, run the rule catalogue's tests, unit and integration tests
	$(BIN)/fusion rules test
	rm -rf .run/test
	$(TEST_STACK) deploy/with-stack.sh $(BIN)/pytest $(PYTEST_ARGS)
	rm -rf .run/test

unit: $(STAMP) ## Run only the fast unit tests (no broker needed)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: install ## Run only the integration tests (starts what they need)
	rm -rf .run/test
	$(TEST_STACK) deploy/with-stack.sh $(BIN)/pytest -m integration $(PYTEST_ARGS)
	rm -rf .run/test

lint: $(STAMP) ## ruff, mypy --strict, import-linter (layers), shellcheck, the JSON Schema check, rule lint
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/shellcheck -x deploy/*.sh deploy/compose/*.sh .ci/run
	$(BIN)/fusion schemas check
	$(BIN)/fusion rules lint

bench: install ## The issue-13 targets and rule scaling, each bench on a fresh broker (bench/results/)
	$(BIN)/python -m bench.rules_scaling $(RULES_BENCH_ARGS)
	$(BENCH_ON_STACK) bench.stage_scaling $(STAGE_BENCH_ARGS)
	$(BENCH_ON_STACK) bench.intake $(BENCH_ARGS)
	$(BENCH_ON_STACK) bench.latency $(LATENCY_BENCH_ARGS)
	$(BENCH_ON_STACK) bench.backlog_drain $(BACKLOG_BENCH_ARGS)
	$(BENCH_ON_STACK) bench.memory $(MEMORY_BENCH_ARGS)
	$(BENCH_ON_STACK) bench.recovery $(RECOVERY_BENCH_ARGS)
	rm -rf .run/bench
	$(BIN)/python -m bench.summary --since $(BENCH_SINCE)

schemas: $(STAMP) ## Regenerate docs/schemas/ from the contract models
	$(BIN)/fusion schemas write

translations: $(STAMP) ## Extract the dashboard's strings and update its Spanish catalogue (then translate the new entries)
	$(BIN)/pybabel extract -F dashboard/babel.cfg --no-location --sort-output \
		-o dashboard/translations/messages.pot .
	$(BIN)/pybabel update -i dashboard/translations/messages.pot -d dashboard/translations \
		-l es --width 100 --ignore-obsolete

clean: down ## Stop everything and delete local data (.run/) and the virtualenv
	deploy/reset.sh
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
