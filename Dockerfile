# One image for every role in docker-compose.yml: gunicorn (HTTP), daphne (WebSockets), Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=valuepartner.settings.production

WORKDIR /app

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/app app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Production settings refuse to load without a secret; this throwaway one lives only in this RUN step,
# never in the image's environment, and signs nothing.
RUN SECRET_KEY="build-time-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

EXPOSE 8000 8001
CMD ["gunicorn", "valuepartner.wsgi", "-w", "2", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
