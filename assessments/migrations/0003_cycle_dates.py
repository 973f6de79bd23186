"""Cycles get a due day between opening and closing (existing cycles: due on their closing
day, so nothing already submitted turns late), and staff may extend one organization's time."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def due_on_closing_day(apps, schema_editor):
    apps.get_model("assessments", "Cycle").objects.update(due_on=F("closes_on"))


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_answer_was_response'),
        ('commitments', '0001_initial'),
        ('organizations', '0005_cycle_managers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='cycle',
            name='due_on',
            field=models.DateField(help_text='Submissions are due on this day; later ones are late.', null=True),
        ),
        migrations.RunPython(due_on_closing_day, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='cycle',
            name='due_on',
            field=models.DateField(help_text='Submissions are due on this day; later ones are late.'),
        ),
        migrations.CreateModel(
            name='Extension',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('until', models.DateField(help_text='The last day the assessment may change.')),
                ('reason', models.TextField()),
                ('granted_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['organization__name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalExtension',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('until', models.DateField(help_text='The last day the assessment may change.')),
                ('reason', models.TextField()),
                ('granted_at', models.DateTimeField()),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical extension',
                'verbose_name_plural': 'historical extensions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AlterField(
            model_name='cycle',
            name='closes_on',
            field=models.DateField(help_text='The last day an unsubmitted assessment may change, extensions aside.'),
        ),
        migrations.AddConstraint(
            model_name='cycle',
            constraint=models.CheckConstraint(condition=models.Q(('due_on__gte', models.F('opens_on'))), name='cycle_due_after_it_opens'),
        ),
        migrations.AddConstraint(
            model_name='cycle',
            constraint=models.CheckConstraint(condition=models.Q(('closes_on__gte', models.F('due_on'))), name='cycle_closes_after_it_is_due'),
        ),
        migrations.AddField(
            model_name='extension',
            name='cycle',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='assessments.cycle'),
        ),
        migrations.AddField(
            model_name='extension',
            name='granted_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='extension',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='organizations.organization'),
        ),
        migrations.AddField(
            model_name='historicalextension',
            name='cycle',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='assessments.cycle'),
        ),
        migrations.AddField(
            model_name='historicalextension',
            name='granted_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalextension',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalextension',
            name='organization',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organizations.organization'),
        ),
        migrations.AddConstraint(
            model_name='extension',
            constraint=models.UniqueConstraint(fields=('cycle', 'organization'), name='extension_one_per_organization_cycle'),
        ),
    ]
