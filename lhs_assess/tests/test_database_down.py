"""A database that stops answering is told to the person in plain words, never a bare 500."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from assessments.tests.factories import started
from lhs_assess.views import DATABASE_DOWN
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_an_autosave_during_an_outage_answers_503_in_json_saying_it_was_not_saved(
    client: Client, cast: Cast
) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    answer = assessment.answers.order_by("id").first()
    client.force_login(cast.lead_a)
    client.raise_request_exception = False
    url = reverse("assessments:answer_autosave", args=[assessment.pk, answer.pk])
    with mock.patch(
        "assessments.services.answers_save", side_effect=OperationalError("server closed")
    ):
        response = client.post(
            url, {"version": 0, "level": "2"}, content_type="application/json",
            headers={"accept": "application/json"},
        )  # fmt: skip
    assert response.status_code == 503
    assert response.json() == {"unavailable": DATABASE_DOWN}
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_a_page_during_an_outage_answers_503_with_a_page_that_needs_no_database(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)
    client.raise_request_exception = False
    with mock.patch("lhs_assess.views.home_page", side_effect=OperationalError("down")):
        response = client.get(reverse("home"))
    assert response.status_code == 503
    html = response.content.decode()
    assert DATABASE_DOWN in html
    assert "<h1>Not saved: the site cannot reach its database</h1>" in html


def test_any_other_failure_is_still_a_500(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    client.raise_request_exception = False
    with mock.patch("lhs_assess.views.home_page", side_effect=RuntimeError("bug")):
        assert client.get(reverse("home")).status_code == 500
