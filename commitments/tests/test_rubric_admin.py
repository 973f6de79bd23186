"""The rubric in the Django admin: only admins reach it; published structure is locked."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from commitments.models import Criterion, Rubric
from organizations.tests.factories import UserFactory, with_totp

from .factories import make_rubric

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client: Client) -> Client:
    client.force_login(with_totp(UserFactory(is_staff=True, is_superuser=True)))
    return client


def test_staff_without_the_rubric_permissions_cannot_reach_the_rubric_admin(client: Client) -> None:
    make_rubric()
    client.force_login(with_totp(UserFactory(is_staff=True)))
    assert client.get(reverse("admin:commitments_rubric_changelist")).status_code == 403
    criterion = Criterion.objects.first()
    assert criterion is not None
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    assert client.get(url).status_code in (302, 403)


def test_a_member_who_is_not_staff_is_sent_to_the_admin_sign_in(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.get(reverse("admin:commitments_rubric_changelist"))
    assert response.status_code == 302


def test_staff_with_view_permission_can_read_but_not_change(client: Client) -> None:
    make_rubric()
    user = with_totp(UserFactory(is_staff=True))
    user.user_permissions.add(Permission.objects.get(codename="view_rubric"))
    client.force_login(user)
    assert client.get(reverse("admin:commitments_rubric_changelist")).status_code == 200


def _criterion_form(criterion: Criterion, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "prompt": criterion.prompt,
        "guidance": criterion.guidance,
        "evidence_hint": criterion.evidence_hint,
        "descriptors-TOTAL_FORMS": 5,
        "descriptors-INITIAL_FORMS": 5,
        "descriptors-MIN_NUM_FORMS": 0,
        "descriptors-MAX_NUM_FORMS": 1000,
    }
    for i, d in enumerate(criterion.descriptors.order_by("level")):
        data[f"descriptors-{i}-id"] = d.pk
        data[f"descriptors-{i}-criterion"] = criterion.pk
        data[f"descriptors-{i}-text"] = d.text
    data.update(changes)
    return data


def test_admin_text_edit_on_a_published_rubric_is_saved_with_its_author(
    admin_client_: Client,
) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    response = admin_client_.post(url, _criterion_form(criterion, prompt="Clearer prompt."))
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.prompt == "Clearer prompt."
    latest = criterion.history.first()
    assert latest.history_user is not None


def test_admin_weight_field_is_read_only_on_a_published_rubric(admin_client_: Client) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    html = admin_client_.get(url).content.decode()
    assert 'name="weight"' not in html
    assert "This rubric is published" in html
    admin_client_.post(url, _criterion_form(criterion, weight="9.00"))
    criterion.refresh_from_db()
    assert str(criterion.weight) == "1.50"


def test_admin_clone_and_publish_actions(admin_client_: Client) -> None:
    old = make_rubric()
    changelist = reverse("admin:commitments_rubric_changelist")
    admin_client_.post(changelist, {"action": "clone_action", "_selected_action": [old.pk]})
    draft = Rubric.objects.get(version="2026.2")
    assert draft.status == Rubric.Status.DRAFT
    admin_client_.post(changelist, {"action": "publish_action", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Rubric.Status.PUBLISHED


def test_admin_publish_action_reports_why_an_incomplete_draft_cannot_be_published(
    admin_client_: Client,
) -> None:
    draft = make_rubric(publish=False, criteria=2)
    response = admin_client_.post(
        reverse("admin:commitments_rubric_changelist"),
        {"action": "publish_action", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "has 2 criteria; it needs 3 to 5" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Rubric.Status.DRAFT


def test_admin_history_page_lists_edits(admin_client_: Client) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    criterion.prompt = "Edited."
    criterion.save()
    url = reverse("admin:commitments_criterion_history", args=[criterion.pk])
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert "Changed" in response.content.decode() or "Edited." in response.content.decode()


def test_a_descriptor_edit_shows_its_text_before_and_after_on_the_criterions_history(
    admin_client_: Client,
) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    before = criterion.descriptors.get(level=3).text
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    data = _criterion_form(criterion, **{"descriptors-2-text": "- Level three, reworded."})
    assert admin_client_.post(url, data).status_code == 302
    # Only the inline changed: the criterion gets no empty "Changed" row of its own.
    assert criterion.history.count() == 1
    html = admin_client_.get(
        reverse("admin:commitments_criterion_history", args=[criterion.pk])
    ).content.decode()
    table = html[html.index('id="descriptor-history"') :]
    assert "Changed" in table
    assert before in table
    assert "- Level three, reworded." in table


def test_a_criterion_edit_shows_the_prompt_before_and_after(admin_client_: Client) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    old_prompt = criterion.prompt
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    admin_client_.post(url, _criterion_form(criterion, prompt="Clearer prompt."))
    html = admin_client_.get(
        reverse("admin:commitments_criterion_history", args=[criterion.pk])
    ).content.decode()
    assert old_prompt in html
    assert "Clearer prompt." in html


def test_an_old_version_of_a_criterion_shows_its_descriptors_as_they_were(
    admin_client_: Client,
) -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    first = criterion.history.earliest("history_date")
    old_text = criterion.descriptors.get(level=2).text
    url = reverse("admin:commitments_criterion_change", args=[criterion.pk])
    data = _criterion_form(
        criterion, prompt="Clearer prompt.", **{"descriptors-1-text": "Level two, now."}
    )
    admin_client_.post(url, data)
    version_url = reverse(
        "admin:commitments_criterion_simple_history", args=[criterion.pk, first.history_id]
    )
    html = admin_client_.get(version_url).content.decode()
    then = html[html.index('id="descriptors-then"') :]
    assert old_text in then
    assert "Level two, now." not in then
