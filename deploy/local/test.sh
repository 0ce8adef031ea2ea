#!/usr/bin/env bash
# `make test`: every tier, against the local RabbitMQ and PostgreSQL this script starts (and
# installs if missing). It stops only the servers it started itself.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
BIN=.venv/bin
started=()

stop_started() {
    local server
    for server in "${started[@]}"; do
        "deploy/local/$server.sh" stop || true
    done
}
trap stop_started EXIT

for server in rabbitmq postgres; do
    if ! "deploy/local/$server.sh" status >/dev/null 2>&1; then
        "deploy/local/$server.sh" start
        started+=("$server")
    fi
done

t0=$SECONDS
echo "== import contracts and lint"
$BIN/lint-imports
$BIN/ruff check shared services gateway tests deploy
echo "== unit, integration and end-to-end tiers"
# One pytest run so the closing summary line counts every tier.
$BIN/pytest -q -p no:cacheprovider tests/unit tests/integration tests/e2e
echo "== make test took $((SECONDS - t0)) s"
