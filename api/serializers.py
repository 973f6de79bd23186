"""What the API answers and accepts: explicit fields, so the published schema is the contract."""

from typing import Any

from rest_framework import serializers

from assessments.models import (
    EVIDENCE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    ActionItem,
    Answer,
    Assessment,
)
from assessments.services import LINK_MAX_LENGTH, MAX_LINKS
from organizations.models import Organization

# --- The rubric ----------------------------------------------------------------------------------


class RubricVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    name = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()


class DescriptorSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    text = serializers.CharField()


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    prompt = serializers.CharField()
    guidance = serializers.CharField(allow_blank=True)
    evidence_hint = serializers.CharField(allow_blank=True)
    weight = serializers.DecimalField(max_digits=4, decimal_places=2)
    descriptors = DescriptorSerializer(many=True)


class CommitmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    definition = serializers.CharField()
    guidance = serializers.CharField(allow_blank=True)
    criteria = CriterionSerializer(many=True)


class RubricSerializer(RubricVersionSerializer):
    description = serializers.CharField(allow_blank=True)
    levels = LevelSerializer(many=True)
    commitments = CommitmentSerializer(many=True)


# --- Assessments ---------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CycleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    opens_on = serializers.DateField()
    due_on = serializers.DateField()
    closes_on = serializers.DateField()


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    cycle = CycleRefSerializer()
    rubric_version = serializers.CharField(source="cycle.rubric.version")
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    overall_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class AssessmentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = AssessmentSerializer(many=True)


class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    criterion = serializers.CharField(source="criterion.code")
    commitment = serializers.CharField(source="criterion.commitment.code")
    level = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    not_applicable = serializers.BooleanField()
    na_reason = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    evidence_links = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField(allow_blank=True)
    confidence = serializers.ChoiceField(choices=["", *Answer.Confidence.values])
    change_reason = serializers.CharField(allow_blank=True)
    carried_forward = serializers.BooleanField()
    version = serializers.IntegerField(help_text="Send it back when changing the answer.")
    updated_at = serializers.DateTimeField(allow_null=True)
    answered_by = serializers.EmailField(source="answered_by.email", allow_null=True)
    files = EvidenceFileSerializer(many=True, source="live_files")


class AnswerChangeSerializer(serializers.Serializer):
    """The fields to change; those left out keep their stored values. `version` is the one the
    client last read: if someone saved the answer since, nothing is saved and 409 answers."""

    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    level = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, required=False)
    not_applicable = serializers.BooleanField(required=False)
    na_reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, allow_blank=True, required=False, trim_whitespace=False
    )
    evidence = serializers.CharField(
        max_length=EVIDENCE_MAX_LENGTH, allow_blank=True, required=False, trim_whitespace=False
    )
    evidence_links = serializers.ListField(
        child=serializers.CharField(max_length=LINK_MAX_LENGTH),
        max_length=MAX_LINKS,
        required=False,
        help_text="Web addresses (https://…); the whole list replaces the stored one.",
    )
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False, trim_whitespace=False
    )
    confidence = serializers.ChoiceField(
        choices=["", *Answer.Confidence.values], allow_blank=True, required=False
    )
    change_reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, allow_blank=True, required=False, trim_whitespace=False
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    your_version = serializers.IntegerField()
    current_version = serializers.IntegerField()
    current = AnswerSerializer()


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    commitment = serializers.CharField(source="commitment.code")
    criterion = serializers.CharField(source="criterion.code", allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    owner = serializers.EmailField(source="owner.email", allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=ActionItem.Status.choices)
    target_level = serializers.IntegerField(allow_null=True)
    carried_forward = serializers.BooleanField()


# --- Reports -------------------------------------------------------------------------------------


class ReportFileSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["html", "pdf", "xlsx"])
    url = serializers.CharField(help_text="Download it with the same token.")


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    step = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    assessment = serializers.IntegerField(source="assessment_id", allow_null=True)
    files = ReportFileSerializer(many=True, source="api_files")


# --- The consortium dashboard (staff) ------------------------------------------------------------


class DashboardFilterSerializer(serializers.Serializer):
    """The dashboard page's filters, as its query string takes them; blank means all."""

    cycle = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    type = serializers.ChoiceField(choices=Organization.Type.choices, required=False)
    region = serializers.ChoiceField(choices=Organization.Region.choices, required=False)
    size_band = serializers.ChoiceField(choices=Organization.SizeBand.choices, required=False)
    status = serializers.ChoiceField(
        choices=["not_started", *Assessment.Status.values], required=False
    )


class BoxSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    min = serializers.FloatField()
    q1 = serializers.FloatField()
    median = serializers.FloatField()
    q3 = serializers.FloatField()
    max = serializers.FloatField()


class TrendSeriesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    medians = serializers.ListField(child=serializers.FloatField(allow_null=True))


class TrendSerializer(serializers.Serializer):
    cycles = serializers.ListField(child=serializers.CharField())
    series = TrendSeriesSerializer(many=True)


class HighlightSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    median = serializers.FloatField()
    change = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    cycle = CycleRefSerializer()
    filters = serializers.DictField(child=serializers.CharField(allow_blank=True))
    counts = serializers.DictField(child=serializers.IntegerField())
    boxes = BoxSerializer(many=True)
    trend = TrendSerializer()
    weakest = HighlightSerializer(many=True)
    improving = HighlightSerializer(many=True)


def as_data(serializer: type[serializers.Serializer], instance: Any, **kwargs: Any) -> Any:
    """The serialized form of `instance` (typed helper for the views)."""
    return serializer(instance, **kwargs).data
