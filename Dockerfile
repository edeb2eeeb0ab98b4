# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=8070
WORKDIR /app

# Dependencies first: this layer is reused until requirements.txt changes. Runtime packages only: the
# embedded PostgreSQL and the test tools are in requirements-dev.txt, so DATABASE_URL is required here.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 chime
# .dockerignore keeps .env (the JWT secret), .data (database files), .venv, .git, caches and tests out.
COPY --chown=chime:chime . .
USER chime

EXPOSE 8070
# Liveness only: it never touches the database, so a database outage does not restart the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8070\")}/healthz', timeout=2)"

# Same command as the README's "Run in production"; DATABASE_URL and JWT_SECRET come from the environment.
CMD ["python", "app.py", "serve"]
