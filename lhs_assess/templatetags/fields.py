"""One form field in Bootstrap 5 markup, written in Python for pages with many fields.

crispy-forms renders each field through a dozen nested templates; on the scoring page (forty
fields a commitment) that was 43% of the page's time. `{{ form.field|bootstrap_field }}` gives
the same markup crispy-bootstrap5 does for the widgets we use there (text areas, text inputs,
selects, radio buttons, file inputs): the `div_<id>` wrapper the scoring script looks for, a
label (a legend for radio buttons), the error block and the help text, both named by the
control's aria-describedby. Other pages keep crispy.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField, CheckboxInput, RadioSelect, Select
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _described_by(field: BoundField, *, with_help: bool = True) -> str:
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    if with_help and field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    return " ".join(ids)


def _label_text(field: BoundField) -> SafeString:
    star = SafeString('<span class="asteriskField">*</span>') if field.field.required else ""
    return format_html("{}{}", field.label, star)


def _errors(field: BoundField) -> SafeString:
    if not field.errors:
        return SafeString("")
    items = format_html_join(
        "",
        '<p id="error_{}_{}"><strong>{}</strong></p>',
        ((n, field.auto_id, e) for n, e in enumerate(field.errors, start=1)),
    )
    return format_html(
        '<div id="{}_error" class="invalid-feedback d-block">{}</div>', field.auto_id, items
    )


def _help(field: BoundField) -> SafeString:
    if not field.help_text:
        return SafeString("")
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
    )


def _radios(field: BoundField) -> SafeString:
    invalid = " is-invalid" if field.errors else ""
    disabled = " disabled" if field.field.disabled else ""
    rows = format_html_join(
        "",
        '<div class="form-check"><input type="radio" class="form-check-input{}" name="{}" '
        'value="{}" id="{}"{}{}><label for="{}" class="form-check-label">{}</label></div>',
        (
            (
                invalid,
                field.html_name,
                choice.data["value"],
                choice.id_for_label,
                SafeString(" checked") if choice.data["selected"] else "",
                SafeString(disabled),
                choice.id_for_label,
                choice.choice_label,
            )
            for choice in field.subwidgets
        ),
    )
    described = _described_by(field)
    return format_html(
        '<div id="div_{}" class="mb-3"><fieldset{}><legend class="form-label fs-6">{}</legend>'
        "<div>{}</div>{}{}</fieldset></div>",
        field.auto_id,
        format_html(' aria-describedby="{}"', described) if described else "",
        _label_text(field),
        rows,
        _errors(field),
        _help(field),
    )


@register.filter
def bootstrap_field(field: BoundField) -> SafeString:
    """The field with its label, errors and help, as crispy-bootstrap5 would write it."""
    widget = field.field.widget
    if widget.is_hidden:
        return field.as_widget()
    if isinstance(widget, RadioSelect):
        return _radios(field)
    if isinstance(widget, CheckboxInput):  # not used where this filter is; crispy's markup differs
        raise TypeError("bootstrap_field does not draw check boxes; use crispy there")
    css = "form-select" if isinstance(widget, Select) else "form-control"
    attrs: dict[str, str | bool] = {"class": f"{css} is-invalid" if field.errors else css}
    described = _described_by(field)
    if described:
        attrs["aria-describedby"] = described
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        _label_text(field),
        field.as_widget(attrs=attrs),
        _errors(field),
        _help(field),
    )
