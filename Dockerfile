# Knacka API + PWA. Build: docker build -t knacka .
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY pwa ./pwa
COPY migrations ./migrations
COPY seeds ./seeds
COPY alembic.ini ./
RUN uv sync --frozen --no-dev && useradd --system --uid 10001 knacka && mkdir -p /data && chown knacka /data
USER knacka
ENV PATH="/app/.venv/bin:$PATH" KNACKA_DATA_DIR=/data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health').status != 200)"
CMD ["knacka", "serve", "--host", "0.0.0.0", "--port", "8000"]
