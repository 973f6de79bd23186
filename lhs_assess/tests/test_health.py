"""/healthz tells a load balancer whether the database and the broker answer."""

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from lhs_assess.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the app at a broker URL for one test, with eager mode off."""
    url: str = request.param if hasattr(request, "param") else ""
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved


def test_healthz_is_200_when_database_and_in_process_tasks_answer(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["failed"] == []


@pytest.mark.services
def test_healthz_is_200_with_a_real_redis_broker(client: Client, redis_url: str) -> None:
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, redis_url
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "detail": "redis"}


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:1/0"], indirect=True)
@pytest.mark.usefixtures("broker")
def test_healthz_is_503_and_names_the_broker_when_it_is_down(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False


def test_healthz_is_never_cached(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
