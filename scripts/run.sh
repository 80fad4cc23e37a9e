#!/usr/bin/env bash
# Serves the product on http://127.0.0.1:8000 (HTTP and WebSockets through daphne) with a Celery
# worker and beat beside it; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$BIN/celery -A valuepartner worker --loglevel=WARNING --concurrency=2 --pool=threads &
pids+=($!)
$BIN/celery -A valuepartner beat --loglevel=WARNING --pidfile= &
pids+=($!)
echo "Value Partner on http://$HOST:$PORT/ (Ctrl-C to stop)"
$BIN/daphne -b "$HOST" -p "$PORT" valuepartner.asgi:application &
pids+=($!)
wait -n "${pids[@]}"
