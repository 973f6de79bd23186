"""Every input is bounded, and the form's bound is the column's.

The forms and models are found by walking our apps, so a new text field without a limit, or a
form field that allows more than its column holds, fails here rather than on PostgreSQL.
"""

import importlib
import inspect
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client
from django.urls import reverse

from api.models import AccessToken
from assessments.models import ActionItem, Answer, Comment, Cycle, Extension
from assessments.tests.factories import started
from commitments.models import Criterion
from consortium.forms import CycleDatesForm, ExtensionForm, ReturnForm
from organizations.models import Invitation, Organization
from tests.cast import Cast

OUR_APPS = ("lhs_assess", "commitments", "organizations", "assessments", "reports", "consortium",
            "notifications", "api")  # fmt: skip

# Text columns written only by code, never typed by a person: bounded by what writes them.
WRITTEN_BY_CODE = {
    "notifications.Mail.body": "rendered from our own mail templates",
    "reports.Report.error": "the reason a build failed, written by the pipeline",
}

# Form fields whose column has another name: (form, field) -> (model, column).
COLUMN_OF = {
    ("ReturnForm", "message"): (Comment, "body"),
    ("CommentForm", "criterion"): (Criterion, "code"),
}


def _our_forms() -> list[type[forms.BaseForm]]:
    found: list[type[forms.BaseForm]] = []
    for app in OUR_APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _model_of(form: type[forms.BaseForm]) -> type[models.Model] | None:
    meta = getattr(form, "_meta", None)
    if meta is not None and getattr(meta, "model", None) is not None:
        model: type[models.Model] = meta.model
        return model
    return {
        "AnswerFields": Answer,
        "AnswerForm": Answer,
        "ActionItemForm": ActionItem,
        "InvitationForm": Invitation,
        "CycleDatesForm": Cycle,
        "CycleForm": Cycle,
        "ExtensionForm": Extension,
        "CommentForm": Comment,
        "OrganizationForm": Organization,
        "TokenForm": AccessToken,
    }.get(form.__name__)


FORMS = _our_forms()


def _column(model: type[models.Model], name: str) -> Any:
    """The model's field `name`, or None when the form field has no column of that name."""
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def test_the_walk_finds_the_forms_people_type_into() -> None:
    names = {f.__name__ for f in FORMS}
    assert {"AnswerFields", "ActionItemForm", "InvitationForm", "OrganizationForm"} <= names
    assert {CycleDatesForm, ExtensionForm, ReturnForm} <= set(FORMS)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_every_text_field_of_every_form_is_bounded_like_its_column(
    form: type[forms.BaseForm],
) -> None:
    model = _model_of(form)
    for name, field in form.base_fields.items():
        if not isinstance(field, forms.CharField):
            continue
        assert field.max_length is not None, f"{form.__name__}.{name} has no max_length"
        column_model, column = COLUMN_OF.get((form.__name__, name), (model, name))
        if column_model is None:
            continue
        model_field = _column(column_model, column)
        if getattr(model_field, "max_length", None) is not None:
            assert field.max_length == model_field.max_length, (
                f"{form.__name__}.{name}: form {field.max_length}, column "
                f"{column_model.__name__}.{column} {model_field.max_length}"
            )


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.__name__)
def test_every_integer_field_of_every_form_is_bounded_within_its_column(
    form: type[forms.BaseForm],
) -> None:
    model = _model_of(form)
    for name, field in form.base_fields.items():
        if not isinstance(field, forms.IntegerField):
            continue
        assert field.min_value is not None, f"{form.__name__}.{name} has no min_value"
        assert field.max_value is not None, f"{form.__name__}.{name} has no max_value"
        model_field = _column(model, name) if model is not None else None
        if model_field is None:
            continue
        low, high = BaseDatabaseOperations.integer_field_ranges[model_field.get_internal_type()]
        assert low <= field.min_value, f"{form.__name__}.{name}"
        assert field.max_value <= high, f"{form.__name__}.{name}"


def _typed_text_fields() -> list[str]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and field.editable:
                found.append((f"{model._meta.label}.{field.name}", field))
    return found


@pytest.mark.parametrize(("label", "field"), _typed_text_fields(), ids=lambda v: str(v))
def test_every_text_column_people_fill_has_a_max_length(label: str, field: models.Field) -> None:
    if label in WRITTEN_BY_CODE:
        return
    assert field.max_length is not None, f"{label} is unbounded: give it a max_length"


# --- What the pages answer -----------------------------------------------------------------------

HUGE = str(2**64)


@pytest.mark.django_db
def test_switching_to_an_id_beyond_any_row_is_404(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    response = client.post(reverse("organizations:switch"), {"organization": HUGE})
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_invitation_to_an_address_longer_than_the_column_is_refused_beside_the_field(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"  # 313 characters
    url = reverse("organizations:invite", args=[cast.org_a.slug])
    response = client.post(url, {"email": email, "role": "viewer"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert "at most 254 characters" in response.content.decode()


@pytest.mark.django_db
def test_a_megabyte_of_notes_is_refused_and_nothing_is_saved(client: Client, cast: Cast) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    answer = assessment.answers.select_related("criterion").order_by("id").first()
    client.force_login(cast.lead_a)
    url = reverse("assessments:answer_autosave", args=[assessment.pk, answer.pk])
    response = client.post(
        url, {"version": answer.version, "notes": "x" * 1_000_000}, content_type="application/json"
    )
    assert response.status_code == 400
    answer.refresh_from_db()
    assert answer.notes == ""


@pytest.mark.django_db
def test_a_plan_description_beyond_its_limit_is_refused_beside_the_field(
    client: Client, cast: Cast
) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    url = reverse("assessments:plan", args=[assessment.pk, "c1"])
    limit = ActionItem._meta.get_field("description").max_length
    response = client.post(
        url, {"title": "Charter", "status": "planned", "description": "x" * (limit + 1)}
    )
    assert response.status_code == 400
    assert f"at most {limit} characters" in response.content.decode()
    assert not ActionItem.objects.exists()


@pytest.mark.django_db
def test_the_staff_organization_form_answers_400_with_the_message_beside_the_field(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.staff)
    response = client.post(reverse("organizations:staff_create"), {"name": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    response = client.post(reverse("organizations:staff_edit", args=["alpha"]), {"slug": ""})
    assert response.status_code == 400


@pytest.mark.django_db
def test_ids_beyond_any_row_in_posted_forms_are_refused_not_500(client: Client, cast: Cast) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    answer = assessment.answers.order_by("id").first()
    client.force_login(cast.lead_a)
    client.raise_request_exception = False
    posts: list[tuple[str, dict[str, Any], str | None]] = [
        (reverse("assessments:start"), {"cycle": HUGE}, None),
        (reverse("assessments:keep", args=[assessment.pk]), {"expected": HUGE}, None),
        (
            reverse("assessments:answer_autosave", args=[assessment.pk, answer.pk]),
            {"version": HUGE, "level": "2"},
            "application/json",
        ),
        (
            reverse("assessments:plan", args=[assessment.pk, "c1"]),
            {"title": "x", "status": "planned", "owner": HUGE},
            None,
        ),
        (reverse("assessments:assignments", args=[assessment.pk]), {"c1": HUGE}, None),
    ]
    for url, data, content_type in posts:
        if content_type:
            response = client.post(url, data, content_type=content_type)
        else:
            response = client.post(url, data)
        assert response.status_code in (302, 400, 404), (url, response.status_code)
    client.force_login(cast.staff)
    url = reverse("consortium:extension_grant", args=[assessment.cycle.pk])
    response = client.post(url, {"organization": HUGE, "until": "2030-01-01", "reason": "x"})
    assert response.status_code == 400
    for view in ("consortium:review_queue", "consortium:dashboard"):
        assert client.get(reverse(view), {"cycle": HUGE}).status_code == 200


@pytest.mark.django_db
def test_a_nul_byte_in_a_comment_s_criterion_is_404_not_a_database_error(
    client: Client, cast: Cast
) -> None:
    """PostgreSQL refuses NUL in text: the form catches it before any query sees it."""
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    url = reverse("assessments:comment", args=[assessment.pk])
    assert client.post(url, {"criterion": "\x00", "body": "Who?"}).status_code == 404
    assert client.post(url, {"criterion": "c" * 41, "body": "Who?"}).status_code == 404
