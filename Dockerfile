# One image for web and worker; docker-compose.yml chooses the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=lhs_assess.settings.production \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl chromium fonts-dejavu-core libmagic1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY lhs_assess ./lhs_assess
COPY commitments ./commitments
COPY organizations ./organizations
COPY assessments ./assessments
COPY reports ./reports
RUN pip install .
COPY . .
# collectstatic needs settings that import; these throwaway values exist only at build time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DJANGO_ALLOW_SQLITE=1 \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
# A process per core (2 here), 4 threads each; docker-compose.yml sets the same and the pool.
ENV DJANGO_DB_POOL=4
CMD ["gunicorn", "lhs_assess.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]
