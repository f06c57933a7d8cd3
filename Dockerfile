# followup: worker and web in one process on SQLite (GET /healthz, /readyz on port 8000).
# Mirrors the README's install: a virtual environment with the package installed.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FOLLOWUP_DATABASE_URL=sqlite:////data/followup.db \
    FOLLOWUP_PROTOCOL_FILE=/app/config/protocol.toml \
    FOLLOWUP_TEMPLATES_DIR=/app/templates \
    FOLLOWUP_SPOOL_DIR=/data/spool

RUN useradd --create-home --uid 10001 followup \
 && mkdir -p /data && chown followup:followup /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY followup ./followup
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .
COPY config ./config
COPY templates ./templates
ENV PATH=/opt/venv/bin:$PATH

# No session key is baked in: set FOLLOWUP_SECRET_KEY (or FOLLOWUP_SECRET_KEY_FILE to a
# mounted secret) when running it; compose.yaml refuses to start without one.
USER followup
VOLUME ["/data"]
EXPOSE 8000
# Inside a container the web part must listen on all interfaces to be reachable.
# The fallback web process for Twilio's fallback URL listens on 8001.
EXPOSE 8001
CMD ["followup", "run", "--host", "0.0.0.0", "--fallback-port", "8001"]
