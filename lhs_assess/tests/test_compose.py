"""docker-compose.yml serves the site as the bench measured it (README, Running at scale)."""

import shlex
from pathlib import Path

import yaml
from django.conf import settings
from gunicorn.config import Config

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"


def _web() -> dict[str, object]:
    services: dict[str, dict[str, object]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services["web"]


def test_the_web_command_is_one_shell_line_of_gthread_workers_gunicorn_accepts() -> None:
    argv = shlex.split(str(_web()["command"]))
    assert argv[:2] == ["sh", "-c"]
    script = argv[2]
    assert "\n" not in script, "a line break inside sh -c would end the gunicorn command early"
    migrate, serve = script.split(" && ")
    assert migrate == "python manage.py migrate --noinput"
    # Compose puts the .env value (or 2) in place of ${WEB_WORKERS:-2} before the shell runs.
    args = shlex.split(serve.replace("${WEB_WORKERS:-2}", "2"))
    assert args[0] == "gunicorn"
    parsed = Config().parser().parse_args(args[1:])
    assert (parsed.workers, parsed.threads, parsed.worker_class) == (2, 4, "gthread")
    assert parsed.bind == ["0.0.0.0:8000"]


def test_each_web_process_pools_a_connection_per_thread() -> None:
    environment = _web()["environment"]
    assert isinstance(environment, dict)
    assert environment["DJANGO_DB_POOL"] == "4"
    # The pool comes on top of the shared settings, not instead of them.
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
