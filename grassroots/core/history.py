"""Field-level change sets for the history shown on each record's page. Personal fields are kept masked."""

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal


def plain(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return value


def snapshot(instance, fields) -> dict:
    return {name: plain(getattr(instance, name)) for name in fields}


def diff(before: Mapping, after: Mapping, masks: Mapping[str, Callable[[str], str]] | None = None) -> dict:
    """{field: [old, new]} for the fields that changed; masked fields store masked values only."""
    masks = masks or {}
    changes = {}
    for key in after:
        old, new = before.get(key), after[key]
        if old != new:
            if key in masks:
                old, new = masks[key](old or ""), masks[key](new or "")
            changes[key] = [old, new]
    return changes


def plain_values(fields: Mapping) -> dict:
    return {key: plain(value) for key, value in fields.items()}
