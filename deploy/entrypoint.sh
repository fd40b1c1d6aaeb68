#!/usr/bin/env bash
# Starts one role of the image, chosen by ROLE: web | worker | beat | migrate.
# With arguments, runs them instead (e.g. `celery -A config flower`), after the same wait.
#
# Every role first waits (at most WAIT_FOR_SERVICES_TIMEOUT seconds, default 60) for
# PostgreSQL and Redis, then replaces this shell, so signals reach the server directly.
# Works outside the image too: paths are relative to the repository (APP_DIR overrides),
# and PYTHON picks the interpreter (default: `python` on PATH).
set -euo pipefail

APP_DIR="${APP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-python}"
ROLE="${ROLE:-web}"
cd "$APP_DIR"

case "$ROLE" in
  web | worker | beat | migrate) ;;
  *)
    echo "Unknown ROLE '${ROLE}': use web, worker, beat or migrate." >&2
    exit 64
    ;;
esac

"$PYTHON" manage.py wait_for_services --timeout "${WAIT_FOR_SERVICES_TIMEOUT:-60}"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

case "$ROLE" in
  web)
    # HTTP and WebSocket (config/asgi.py). The application itself believes X-Forwarded-*
    # only from the proxies in FORWARDED_ALLOW_IPS (default 127.0.0.1), so uvicorn must
    # not apply them first (it would turn a spoofed header into the peer address).
    # On SIGTERM each worker drains for WEB_DRAIN_SECONDS (health checks answer 503 so
    # the proxy stops sending; config/drain.py), then finishes what is in flight.
    # What is still open WEB_GRACEFUL_TIMEOUT seconds after that (a socket held open, a
    # request that never ends) is cancelled, so a restart always ends.
    export WEB_DRAIN_SECONDS="${WEB_DRAIN_SECONDS:-5}"
    exec "$PYTHON" -m uvicorn config.asgi:application \
      --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --timeout-graceful-shutdown "${WEB_GRACEFUL_TIMEOUT:-10}" \
      --no-proxy-headers \
      --no-server-header
    ;;
  worker)
    exec "$PYTHON" -m celery -A config worker -l "${LOG_LEVEL:-INFO}" \
      --concurrency "${WORKER_CONCURRENCY:-2}" ${WORKER_QUEUES:+--queues "$WORKER_QUEUES"}
    ;;
  beat)
    exec "$PYTHON" -m celery -A config beat -l "${LOG_LEVEL:-INFO}" \
      --schedule "${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
    ;;
  migrate)
    # Public schema, then every organization's, in parallel; waits for another deploy's
    # lock at most TENANT_MIGRATION_LOCK_WAIT_SECONDS. See docs/deploy.md.
    exec "$PYTHON" manage.py migrate_tenants --workers "${TENANT_MIGRATION_WORKERS:-2}"
    ;;
esac
