#!/usr/bin/env bash
# The production shape on one host: N API processes on one PostgreSQL behind nginx on loopback.
#   KNACKA_DATABASE_URL=postgresql+psycopg://user@host/db bash scripts/prod.sh [PORT] [PROCESSES]
# SIGTERM/SIGINT stop nginx first, then let every API process finish its in-flight requests.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-8080}
PROCESSES=${2:-2}
FIRST_API_PORT=${KNACKA_FIRST_API_PORT:-$((PORT + 1))}
: "${KNACKA_DATABASE_URL:?set KNACKA_DATABASE_URL to the PostgreSQL database}"
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/knacka-prod.XXXXXX")
VENV=${KNACKA_VENV:-.venv}

"$VENV/bin/knacka" seed   # migrates, then seeds an empty database, once for all processes

pids=()
upstreams=""
for i in $(seq 0 $((PROCESSES - 1))); do
  api_port=$((FIRST_API_PORT + i))
  "$VENV/bin/uvicorn" api.asgi:app --host 127.0.0.1 --port "$api_port" \
    --proxy-headers --forwarded-allow-ips 127.0.0.1 \
    --timeout-graceful-shutdown 20 --no-access-log &
  pids+=($!)
  upstreams+="        server 127.0.0.1:${api_port} max_fails=1 fail_timeout=2s;"$'\n'
done

mkdir -p "$RUN_DIR"/{client_body,proxy,fastcgi,uwsgi,scgi}
template=$(<deploy/nginx.conf.template)
template=${template//@RUN_DIR@/$RUN_DIR}
template=${template//@PORT@/$PORT}
printf '%s\n' "${template//@UPSTREAMS@/$upstreams}" > "$RUN_DIR/nginx.conf"
nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

stop() {
  kill -QUIT "$nginx_pid" 2>/dev/null || true   # graceful: finish what is in flight
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" "$nginx_pid" 2>/dev/null || true
  rm -rf "$RUN_DIR"
}
trap 'stop; exit 0' TERM INT
echo "Knacka (production shape) on http://127.0.0.1:${PORT}/ with ${PROCESSES} API processes"
wait -n "${pids[@]}" "$nginx_pid"
stop
exit 1
