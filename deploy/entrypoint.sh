#!/usr/bin/env bash
# Starts one role of the image: web | worker | beat | migrate.
set -euo pipefail

case "${ROLE:-web}" in
  web)
    exec uvicorn config.asgi:application --host 0.0.0.0 --port "${PORT:-8000}" \
      --proxy-headers --forwarded-allow-ips '*' --workers "${WEB_CONCURRENCY:-2}"
    ;;
  worker)
    exec celery -A config worker -l INFO --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A config beat -l INFO -s /tmp/celerybeat-schedule
    ;;
  migrate)
    exec python manage.py migrate_schemas --noinput
    ;;
  *)
    echo "Unknown ROLE '${ROLE}': use web, worker, beat or migrate." >&2
    exit 64
    ;;
esac
