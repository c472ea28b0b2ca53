"""Writing the audit log. Services call `record` inside their transaction, so a failed audit write
rolls the business change back (SECURITY.md C5: fails closed)."""

import contextvars

from grassroots.core.models import AuditEvent, AuditOutcome

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_ip", default=None)


def set_request_ip(ip: str | None):
    return _request_ip.set(ip)


def reset_request_ip(token) -> None:
    _request_ip.reset(token)


def _roles_label(actor) -> str:
    from grassroots.access.scoping import active_grants

    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return ",".join(sorted({g.role for g in active_grants(actor)}))[:200]


def record(
    *,
    actor,
    verb: str,
    target=None,
    org_path: str = "",
    changes: dict | None = None,
    reason: str = "",
    outcome: str = AuditOutcome.SUCCESS,
    target_label: str = "",
    actor_name: str = "",
) -> AuditEvent:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_name=actor_name or (actor.get_username() if authenticated else ""),
        actor_roles=_roles_label(actor),
        ip=_request_ip.get(),
        verb=verb,
        outcome=outcome,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        org_path=org_path,
        changes=changes or {},
        reason=reason[:500],
    )
