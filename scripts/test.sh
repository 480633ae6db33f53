#!/usr/bin/env bash
# One command: set up and run the whole test suite (SQLite, PostgreSQL and Chromium).
# Needs PostgreSQL on 127.0.0.1:5432 (or KNACKA_TEST_POSTGRES_URL) and installs Debian's
# Chromium (browser tests) and nginx (deployment and production-shape tests) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO apt-get install -y -q "${missing[@]}"
fi
exec .venv/bin/pytest "$@"
