#!/usr/bin/env bash
# Builds the tree the way the image runs it: the locked dependencies (with --sync), then
# the static files collected under config.settings.prod, whose manifest storage serves
# them. The Dockerfile and tests/deploy/test_static_build.py both run this script, so the
# image and the test cannot drift apart.
#
#   deploy/build.sh [--sync]      STATIC_ROOT=/some/dir deploy/build.sh
#
# collectstatic needs no database nor Redis: the URLs and key below only satisfy
# prod.py's required settings for this one command; nothing connects to them.
set -euo pipefail

APP_DIR="${APP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-python}"
cd "$APP_DIR"

if [ "${1:-}" = "--sync" ]; then
  uv sync --locked --no-dev --no-install-project
  PYTHON="$APP_DIR/.venv/bin/python"
  # The project's own bytecode too (uv compiles only site-packages): every role's start,
  # migrate_tenants in a deploy included, would otherwise compile ~900 modules first.
  "$PYTHON" -m compileall -q config shared_apps tenant_apps
fi

DJANGO_SETTINGS_MODULE=config.settings.prod \
  SECRET_KEY="build-only-key-used-by-collectstatic-and-never-by-a-running-server" \
  DATABASE_URL="postgres://build:build@build.invalid:5432/build" \
  REDIS_URL="redis://build.invalid:6379/0" \
  "$PYTHON" manage.py collectstatic --noinput
