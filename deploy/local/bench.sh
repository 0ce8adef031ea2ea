#!/usr/bin/env bash
# `make bench`: figures, not pass/fail. Starts RabbitMQ and PostgreSQL if they are not running,
# runs each benchmark (each starts and drops its own products), and stops only what it started.
#   usage: deploy/local/bench.sh [ARGS for tests.bench.lag, e.g. --writes 200 --mode embedded]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"

started=()
stop_started() {
    local server
    for server in "${started[@]}"; do
        deploy/local/"$server".sh stop || true
    done
}
trap stop_started EXIT

for server in rabbitmq postgres; do
    if ! deploy/local/"$server".sh status >/dev/null 2>&1; then
        deploy/local/"$server".sh start
        started+=("$server")
    fi
done

"$PYTHON" -m tests.bench.lag "$@"
"$PYTHON" -m tests.bench.duplicates
"$PYTHON" -m tests.bench.chunk_apply --relations 100000 --relations 1000000
"$PYTHON" -m tests.bench.search --relations 100000 --relations 1000000
"$PYTHON" -m tests.bench.selections --relations 100000 --relations 1000000
"$PYTHON" -m tests.bench.bulk --relations 100000 --relations 1000000
