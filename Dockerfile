# Rehab Portal production image: gunicorn (web), celery worker and beat share it.
# Build: docker build -t rehab-portal .   Run the topology: docker compose up -d
FROM python:3.11-slim

# settings/base.py finds templates/, static/ and locale/ next to the code in /app, so /app
# (not the copy `pip install .` puts in site-packages) comes first on the import path.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=rehab_portal.settings.prod \
    REHAB_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint (PDF export) needs Pango and HarfBuzz; fonts so PDFs have glyphs for æøå.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libharfbuzz0b \
        fonts-dejavu-core fonts-liberation shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, pinned by the lock, so code changes do not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && pip install -c constraints.txt polib

COPY . .
# Production settings refuse to load without a secret: the build gets a throwaway one.
RUN pip install --no-deps -c constraints.txt . \
    && export SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
        ALLOWED_HOSTS=build.invalid \
    && python manage.py compilemessages_py \
    && python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin rehab \
    && mkdir -p /app/var \
    && chown -R rehab:rehab /app/var

USER rehab
EXPOSE 8000

# docker-compose.yml sets the command of each service; alone, the image serves the web app.
CMD ["gunicorn", "rehab_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--timeout", "60"]
