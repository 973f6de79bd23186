"""The published rubric as people read it: every page a fixed number of queries."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Rubric
from organizations.tests.factories import UserFactory

from .factories import make_rubric

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client: Client) -> Client:
    client.force_login(UserFactory())
    return client


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    make_rubric()
    for url in (reverse("commitments:index"), reverse("commitments:commitment", args=["c1"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_index_lists_the_commitments_and_levels_of_the_newest_published_rubric(
    reader: Client,
) -> None:
    make_rubric(version="2026.1")
    make_rubric(version="2027.1", publish=False)  # a draft is not shown
    html = reader.get(reverse("commitments:index")).content.decode()
    assert "version 2026.1" in html
    assert "2027.1" not in html
    assert html.index("Commitment 1") < html.index("Commitment 2")
    assert "Optimizing" in html


def test_index_says_when_nothing_is_published(reader: Client) -> None:
    make_rubric(publish=False)
    html = reader.get(reverse("commitments:index")).content.decode()
    assert "No rubric has been published yet" in html


def test_commitment_page_shows_criteria_and_a_descriptor_table_with_headers(reader: Client) -> None:
    make_rubric()
    html = reader.get(reverse("commitments:commitment", args=["c2"])).content.decode()
    assert "Practice 2.3 is in place." in html
    assert "<caption>What each level looks like for C2-1</caption>" in html
    assert len(re.findall(r'<th scope="col">', html)) == 3 * 2
    assert len(re.findall(r'<th scope="row"', html)) == 3 * 5
    assert "c2-3 at level 5" in html


def test_an_unknown_commitment_is_404(reader: Client) -> None:
    make_rubric()
    assert reader.get(reverse("commitments:commitment", args=["nope"])).status_code == 404


def test_a_draft_rubric_commitment_is_not_readable(reader: Client) -> None:
    make_rubric(name="Draft only", publish=False)
    assert reader.get(reverse("commitments:commitment", args=["c1"])).status_code == 404


@pytest.mark.parametrize("url_name", ["commitments:index", "commitments:commitment"])
def test_rubric_pages_make_the_same_queries_whatever_the_rubrics_size(
    client: Client,
    django_assert_num_queries,
    url_name: str,
) -> None:
    args = ["c1"] if url_name == "commitments:commitment" else []
    counts = []
    for size, (commitments, criteria) in enumerate([(2, 3), (10, 5)]):
        Rubric.objects.all().delete()
        make_rubric(commitments=commitments, criteria=criteria, version=f"v{size}")
        client.force_login(UserFactory())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name, args=args)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # every signed-in page: session, user, current membership, two permission lookups (nav);
    # index: + rubric, commitments, levels, the crosswalk into it, the published versions
    # commitment: + rubric, commitment, its criteria, their descriptors, levels
    expected = 10
    with django_assert_num_queries(expected):
        client.get(reverse(url_name, args=args))


def _shipped() -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())


def test_the_index_shows_the_scoring_rule_evidence_glossary_weights_and_changes(
    reader: Client,
) -> None:
    _shipped()
    html = reader.get(reverse("commitments:index")).content.decode()
    assert "version 2026.2" in html
    for heading in ("How to score", "Minimum evidence that counts", "Glossary", "Weights",
                    "Changes from 2026.1"):  # fmt: skip
        assert heading in html
    assert 'id="term-set-schedule"' in html
    assert "Merged: safety processes for digital tools" in html
    assert '<a href="/rubric/?version=2026.1">2026.1</a>' in html


def test_an_older_version_stays_readable_as_it_was(reader: Client) -> None:
    _shipped()
    html = reader.get(reverse("commitments:index") + "?version=2026.1").content.decode()
    assert "version 2026.1" in html
    assert "Glossary" not in html
    page = reader.get(reverse("commitments:commitment", args=["safe"]) + "?version=2026.1")
    assert "SAFE-4" in page.content.decode()
    assert reader.get(reverse("commitments:index") + "?version=1999.1").status_code == 404


def test_descriptors_read_as_checklists_with_glossary_terms_linked(reader: Client) -> None:
    _shipped()
    html = reader.get(reverse("commitments:commitment", args=["accountable"])).content.decode()
    assert '<ul class="checklist mb-0">' in html
    assert (
        '<a href="/rubric/?version=2026.2#term-set-schedule" class="glossary-term">set schedule</a>'
    ) in html
    assert "Minimum evidence: Records of the practice" in html
