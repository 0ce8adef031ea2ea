# Cardbox: `make run` starts the embedded product, `make test` runs every test tier.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BULK_WORKERS ?= 2

.PHONY: run test unit integration e2e lint up down bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

## The whole product in one process on http://127.0.0.1:8000 (SQLite + memory bus under var/).
run: $(STAMP)
	$(BIN)/python -m gateway.embedded

## Every tier; RabbitMQ and PostgreSQL are installed if missing, started and stopped again.
test: $(STAMP)
	deploy/local/test.sh

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check shared services gateway tests deploy

## Distributed mode on this machine: RabbitMQ, PostgreSQL, gunicorn per service, consumers,
## BULK_WORKERS bulk workers; logs under var/stack/log/.
up: $(STAMP)
	$(BIN)/python deploy/local/stack.py up --bulk-workers $(BULK_WORKERS)

down: $(STAMP)
	$(BIN)/python deploy/local/stack.py down

bench: $(STAMP)
	deploy/local/bench.sh

clean: down
	rm -rf var
