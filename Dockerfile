# One image for every role of the service: web, worker, scheduler (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY syncer ./syncer
COPY workers ./workers
RUN pip install . && useradd --system --uid 10001 syncer

USER syncer
# The admin's config and secrets are mounted at run time, never baked into the image.
ENTRYPOINT ["syncer", "--log-json"]
CMD ["--help"]
