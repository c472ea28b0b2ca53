from grassroots.core.models import AuditEvent


def history_for(instance, limit: int = 50) -> list[AuditEvent]:
    """The change history of one record (the caller has already checked access to the record)."""
    return list(
        AuditEvent.objects.filter(target_type=instance._meta.label_lower, target_id=instance.pk)
        .exclude(verb__endswith=".reveal")
        .order_by("-id")[:limit]
    )
