"""Optimistic locking: a save names the version it was based on; a stale version is refused."""

from django.db.models import F

from grassroots.core.errors import ConcurrentEdit


def update_versioned(instance, expected_version: int, fields: dict) -> None:
    """UPDATE … WHERE pk AND version = expected; zero rows means someone saved first."""
    model = type(instance)
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(
        **fields, version=F("version") + 1
    )
    if updated != 1:
        raise ConcurrentEdit()
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = expected_version + 1
