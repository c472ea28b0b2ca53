import pytest
from django.db import DatabaseError, transaction

from grassroots.core import audit
from grassroots.core.models import AuditEvent


@pytest.mark.django_db
def test_audit_log_refuses_update_and_delete():
    event = audit.record(actor=None, verb="test.thing.do")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "test.thing.do"


@pytest.mark.django_db
def test_failed_audit_write_rolls_back_the_business_change(tree, org_admin, monkeypatch):
    from grassroots.orgs.models import Organization
    from grassroots.orgs.services import org_update

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        org_update(actor=org_admin, org=tree.village_a1, version=tree.village_a1.version, name="改名")
    assert Organization.objects.get(pk=tree.village_a1.pk).name == "甲一村党支部"
