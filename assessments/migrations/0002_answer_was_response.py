"""`Response` becomes `Answer`, the word every page uses: renamed in place, no row is copied."""

from django.db import migrations, models

OLD_CONSTRAINTS = [
    "response_one_per_criterion",
    "response_level_1_to_5",
    "response_level_or_na_not_both",
    "response_na_needs_reason",
    "response_confidence_valid",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("commitments", "0001_initial"),
    ]

    operations = [
        *[
            migrations.RemoveConstraint(model_name="response", name=name)
            for name in OLD_CONSTRAINTS
        ],
        migrations.RenameModel("Response", "Answer"),
        migrations.RenameModel("HistoricalResponse", "HistoricalAnswer"),
        migrations.AlterModelOptions(
            name="historicalanswer",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical answer",
                "verbose_name_plural": "historical answers",
            },
        ),
        migrations.AlterField(
            model_name="answer",
            name="assessment",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="answers",
                to="assessments.assessment",
            ),
        ),
        migrations.RenameField(model_name="evidencefile", old_name="response", new_name="answer"),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.UniqueConstraint(
                fields=("assessment", "criterion"), name="answer_one_per_criterion"
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("level__isnull", True),
                    models.Q(("level__gte", 1), ("level__lte", 5)),
                    _connector="OR",
                ),
                name="answer_level_1_to_5",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(("not_applicable", True), ("level__isnull", False), _negated=True),
                name="answer_level_or_na_not_both",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("not_applicable", False), models.Q(("na_reason", ""), _negated=True), _connector="OR"
                ),
                name="answer_na_needs_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(("confidence__in", ["", "low", "medium", "high"])),
                name="answer_confidence_valid",
            ),
        ),
    ]
