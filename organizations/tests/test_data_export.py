"""An organization's lead takes everything the organization entered away: JSON and files."""

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from assessments.services import ActionInput, action_item_save, comment_add
from assessments.tests.factories import answer_all, evidence, started
from organizations.models import AuditEvent
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _zip(client: Client, slug: str) -> zipfile.ZipFile:
    response = client.get(reverse("organizations:data_export", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_lead_downloads_every_answer_plan_thread_and_file_of_the_organization(
    client: Client, cast: Cast
) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a, notes="Board minutes from March")
    first = a.answers.select_related("criterion").order_by("id").first()
    stored = evidence(answer=first, by=cast.lead_a, name="board-minutes.pdf")
    c1 = a.cycle.rubric.commitments.get(code="c1")
    plan = ActionInput("Write the charter", "", None, None, None, None, "planned")
    action_item_save(assessment=a, commitment=c1, by=cast.lead_a, data=plan)
    comment_add(assessment=a, criterion=first.criterion, body="Who signs?", by=cast.lead_a)
    theirs = started(organization=cast.org_b, by=cast.lead_b, cycle=a.cycle)
    evidence(answer=theirs.answers.first(), by=cast.lead_b, name="beta-secret.pdf")

    client.force_login(cast.lead_a)
    archive = _zip(client, "alpha")
    data = json.loads(archive.read("organization.json"))
    assert data["organization"]["slug"] == "alpha"
    assert {m["email"] for m in data["members"]} == {
        "lead@alpha.test", "contributor@alpha.test", "viewer@alpha.test"
    }  # fmt: skip
    (exported,) = data["assessments"]
    assert len(exported["answers"]) == a.answers.count()
    assert all(r["notes"] == "Board minutes from March" for r in exported["answers"])
    assert exported["improvement_plan"][0]["title"] == "Write the charter"
    assert exported["threads"][0]["comments"][0]["body"] == "Who signs?"
    (file_entry,) = [f for r in exported["answers"] for f in r["files"]]
    assert file_entry["name"] == "board-minutes.pdf"
    assert archive.read(file_entry["path"]) == stored.file.open("rb").read()
    names = archive.namelist()
    assert not any("beta" in n for n in names)
    assert "Beta" not in archive.read("organization.json").decode()
    event = AuditEvent.objects.get(action="download.organization_data")
    assert event.actor == cast.lead_a
    assert event.organization == cast.org_a


def test_the_organization_page_offers_the_download_to_its_lead_only(
    client: Client, cast: Cast
) -> None:
    url = reverse("organizations:detail", args=["alpha"])
    link = reverse("organizations:data_export", args=["alpha"])
    client.force_login(cast.lead_a)
    assert link in client.get(url).content.decode()
    client.force_login(cast.viewer_a)
    assert link not in client.get(url).content.decode()
