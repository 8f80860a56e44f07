"""Optimistic locking: a save based on an out-of-date form is refused, never merged.

The refusal shows the version now saved, under the message, in the form's own words: each
field's label with its value as a person reads it (choice labels, "30 September 2026",
"a, b and c"), and who saved it and when.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format

NOT_GIVEN = "Not given"


class StaleEdit(Exception):  # noqa: N818 - reads better at call sites
    """Someone else saved this record after the form was opened."""

    def __init__(self, current, message):
        super().__init__(message)
        self.current = current


def last_change(obj):
    """(who, when) of the latest save of `obj`: its own *_by/*_at columns, else its history."""
    who = getattr(obj, "updated_by", None) or getattr(obj, "completed_by", None)
    when = getattr(obj, "updated_at", None)
    history = getattr(obj, "history", None)
    if who is None and history is not None:
        last = history.order_by("-history_date", "-history_id").select_related("history_user")
        last = last.first()
        if last is not None:
            who = last.history_user
            when = when or last.history_date
    return who, when


def person(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def when_text(when):
    local = timezone.localtime(when)
    return f"{local:%H:%M} on {date_format(local, 'j F Y')}"


def stale_message(obj, what):
    who, when = last_change(obj)
    by = f" by {person(who)}" if who else ""
    at = f" at {when_text(when)}" if when else ""
    return (
        f"{what} was changed{by}{at} after you opened it. Your changes were not saved: "
        "the version now saved is shown below. Copy anything you need, then try again."
    )


def words(items):
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _choice_labels(field):
    labels = {}
    for key, label in getattr(field, "choices", ()):
        if isinstance(label, list | tuple):  # an optgroup
            for sub_key, sub_label in label:
                labels[str(sub_key)] = str(sub_label)
        else:
            labels[str(getattr(key, "value", key))] = str(label)
    return labels


def human_value(field, value):
    """A stored value as the form's reader knows it: never a raw key or a Python list."""
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if value in (None, "", [], ()):
        return NOT_GIVEN
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        labels = _choice_labels(field)
        many = value if isinstance(value, list | tuple | set) else [value]
        shown = [str(v) if hasattr(v, "pk") else labels.get(str(v), str(v)) for v in many]
        return words(shown)
    if isinstance(field, forms.DateField) or isinstance(value, datetime.date):
        day = value if isinstance(value, datetime.date) else parse_date(str(value))
        return date_format(day, "j F Y") if day else str(value)
    if isinstance(value, list | tuple):
        return words(value)
    return str(value)


@dataclass(frozen=True)
class SavedVersion:
    """What a conflict box shows: the saved values under the form's labels, who, when."""

    rows: list
    who: str
    when: str


def saved_version(form, values, obj=None):
    """The version now saved, for `form`'s visible fields present in `values` (a dict, or a
    model instance read attribute by attribute)."""
    rows = []
    for bound in form.visible_fields():
        name = bound.name
        if isinstance(values, dict):
            if name not in values:
                continue
            value = values[name]
        elif hasattr(values, name):
            value = getattr(values, name)
        else:
            continue
        rows.append((bound.label, human_value(bound.field, value)))
    who, when = last_change(obj if obj is not None else values)
    return SavedVersion(rows=rows, who=person(who), when=when_text(when) if when else "")
