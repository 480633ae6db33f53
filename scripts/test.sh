#!/usr/bin/env bash
# One command: set up and run the whole test suite (SQLite, PostgreSQL and Chromium).
# Needs PostgreSQL on 127.0.0.1:5432 (or KNACKA_TEST_POSTGRES_URL) and installs Debian's
# Chromium for the browser tests when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if ! command -v chromium >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium
fi
exec .venv/bin/pytest "$@"
