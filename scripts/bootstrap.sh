#!/usr/bin/env bash
# Installs uv (pinned, in .uv/) and the locked dependencies into .venv. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .uv/bin/uv ]; then
  "$PYTHON" -m venv .uv
  .uv/bin/pip install --quiet uv==0.13.9
fi
export UV_PYTHON="$PYTHON"
.uv/bin/uv sync --frozen "$@"
