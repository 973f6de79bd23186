"""The scoring page's field markup: label, control, errors and help tied together."""

import re

from django import forms

from lhs_assess.templatetags.fields import bootstrap_field


class Sample(forms.Form):
    notes = forms.CharField(widget=forms.Textarea, help_text="Say what you saw.", required=False)
    level = forms.ChoiceField(
        choices=[("1", "One"), ("2", "Two <b>")], widget=forms.RadioSelect, required=False
    )
    confidence = forms.ChoiceField(choices=[("", "Not said"), ("high", "High")])
    file = forms.FileField(required=False)


def test_a_text_area_has_its_label_help_and_wrapper() -> None:
    html = bootstrap_field(Sample(prefix="e-1")["notes"])
    assert html.startswith('<div id="div_id_e-1-notes" class="mb-3">')
    assert '<label for="id_e-1-notes" class="form-label">Notes</label>' in html
    assert 'class="form-control"' in html
    assert 'aria-describedby="id_e-1-notes_helptext"' in html
    assert '<div id="id_e-1-notes_helptext" class="form-text">Say what you saw.</div>' in html
    assert "invalid" not in html


def test_an_error_is_beside_the_control_and_named_by_it() -> None:
    form = Sample(data={"e-1-notes": "x", "e-1-level": "9"}, prefix="e-1")
    form.is_valid()
    select = bootstrap_field(form["confidence"])
    assert 'class="form-select is-invalid"' in select
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_e-1-confidence_error"' in select
    assert re.search(
        r'<div id="id_e-1-confidence_error" class="invalid-feedback d-block">'
        r'<p id="error_1_id_e-1-confidence"><strong>This field is required.',
        select,
    )
    assert '<span class="asteriskField">*</span>' in select
    radios = bootstrap_field(form["level"])
    assert '<fieldset aria-describedby="id_e-1-level_error">' in radios
    assert radios.count('class="form-check-input is-invalid"') == 2


def test_radios_keep_the_choice_and_escape_labels() -> None:
    form = Sample(initial={"level": "2"}, prefix="e-1")
    html = bootstrap_field(form["level"])
    assert '<legend class="form-label fs-6">Level</legend>' in html
    assert 'value="2" id="id_e-1-level_1" checked>' in html
    assert 'value="1" id="id_e-1-level_0">' in html
    assert "Two &lt;b&gt;" in html
    assert "<b>" not in html


def test_a_file_input_is_a_form_control() -> None:
    html = bootstrap_field(Sample(prefix="e-1")["file"])
    assert '<input type="file" name="e-1-file" class="form-control" id="id_e-1-file">' in html
