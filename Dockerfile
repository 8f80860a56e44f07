FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango and fonts for WeasyPrint's PDF rendering.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Locked runtime dependencies first (their own layer, cached until the lock changes), then
# the project itself without resolving anything again.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY assurance assurance
COPY domains domains
COPY evidence evidence
COPY reports reports
RUN pip install --no-deps .
COPY . .
RUN DEBUG=1 SECRET_KEY=build-only DATA_DIR=/tmp/build STATIC_ROOT=/app/var/staticfiles python manage.py collectstatic --noinput \
 && useradd --create-home app && mkdir -p /data && chown app /data
USER app
ENV DATA_DIR=/data STATIC_ROOT=/app/var/staticfiles
EXPOSE 8000
CMD ["gunicorn", "assurance.config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
