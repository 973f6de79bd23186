"""Form helpers every app's views share."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

# The largest id a BigAutoField holds (PostgreSQL bigint, SQLite INTEGER): a posted id above it
# is refused by the form, before the database driver overflows on it.
ID_MAX = 2**63 - 1
# A PositiveIntegerField on PostgreSQL (integer): the largest value a version counter may hold.
POSITIVE_INTEGER_MAX = 2**31 - 1


def id_field(**kwargs: Any) -> forms.IntegerField:
    """An id posted by a page (a hidden field or a select): a positive integer a row can have."""
    return forms.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def max_length_of(model: type[models.Model], name: str) -> int:
    """The column's own bound, so that a form field and its column never disagree."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    if length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return int(length)


def form_add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: beside the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's choice field `name`, typed as one, to set its choices or queryset at runtime.

    A field declared as something else is a programming error, said at once (an assert would
    vanish under `python -O`); ModelChoiceField is a ChoiceField too."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> "forms.ModelChoiceField[Any]":
    """The form's model choice field `name`, typed as one, to set its queryset at runtime."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field
