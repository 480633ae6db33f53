#!/usr/bin/env bash
# One command: set up and run Knacka on SQLite (data in ./data), at http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --no-dev
exec .venv/bin/knacka serve "$@"
