import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.members.models import Member
from grassroots.members.services import member_exit
from grassroots.orgs.models import Organization
from grassroots.orgs.services import org_create, org_dissolve, org_move, org_update

pytestmark = pytest.mark.django_db


def test_create_child_gets_next_path_and_is_audited(tree, org_admin):
    org = org_create(actor=org_admin, parent=tree.town_a, name="甲三村党支部", kind="branch", sector="village")
    assert org.path == tree.town_a.path + "0003"
    assert org.depth == 3
    assert Organization.objects.get(pk=tree.town_a.pk).numchild == 3
    assert AuditEvent.objects.filter(verb="orgs.organization.create", target_id=org.pk, actor=org_admin).exists()


def test_secretary_cannot_create_organizations(tree, secretary_a1):
    with pytest.raises(PermissionRefused):
        org_create(actor=secretary_a1, parent=tree.village_a1, name="x")


def test_admin_of_one_township_cannot_create_in_another(tree):
    admin_a = make_user(role=Role.ORG_ADMIN, org=tree.town_a)
    with pytest.raises(PermissionRefused):
        org_create(actor=admin_a, parent=tree.town_b, name="x")


def test_joint_branch_needs_its_units(tree, org_admin):
    with pytest.raises(ValidationFailed) as info:
        org_create(actor=org_admin, parent=tree.town_a, name="联合支部", form="joint", covered_units="只有一家")
    assert "covered_units" in info.value.errors
    org = org_create(actor=org_admin, parent=tree.town_a, name="联合支部", form="joint", covered_units="甲厂、乙厂，丙厂")
    assert org.covered_units == ["甲厂", "乙厂", "丙厂"]


def test_update_records_old_and_new_values(tree, org_admin):
    org_update(actor=org_admin, org=tree.village_a1, version=1, name="甲一村党总支", contact_phone="13912345678")
    event = AuditEvent.objects.get(verb="orgs.organization.update", target_id=tree.village_a1.pk)
    assert event.changes["name"] == ["甲一村党支部", "甲一村党总支"]
    assert event.changes["contact_phone"] == ["", "139****5678"]


def test_second_save_on_a_stale_version_is_refused(tree, org_admin):
    first = Organization.objects.get(pk=tree.village_a1.pk)
    second = Organization.objects.get(pk=tree.village_a1.pk)
    org_update(actor=org_admin, org=first, version=first.version, name="第一次")
    with pytest.raises(ConcurrentEdit):
        org_update(actor=org_admin, org=second, version=second.version, name="第二次")
    assert Organization.objects.get(pk=tree.village_a1.pk).name == "第一次"


def test_move_subtree_carries_descendants_and_members(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    org_move(actor=org_admin, org=tree.town_a, new_parent=tree.town_b, version=tree.town_a.version)
    town_a = Organization.objects.get(pk=tree.town_a.pk)
    village = Organization.objects.get(pk=tree.village_a1.pk)
    assert town_a.path.startswith(tree.town_b.path) and town_a.depth == 3
    assert village.path.startswith(town_a.path) and village.depth == 4
    member.refresh_from_db()
    assert member.org_path == village.path
    assert Organization.objects.get(pk=tree.county.pk).numchild == 1
    assert Organization.objects.get(pk=tree.town_b.pk).numchild == 2


def test_cannot_move_into_own_subtree(tree, org_admin):
    with pytest.raises(DomainError) as info:
        org_move(actor=org_admin, org=tree.town_a, new_parent=tree.village_a1, version=tree.town_a.version)
    assert info.value.code == "org_move_into_own_subtree"


def test_dissolve_refused_while_members_remain_then_allowed(tree, org_admin):
    member = make_member(tree.village_a2, actor=org_admin)
    with pytest.raises(DomainError) as info:
        org_dissolve(actor=org_admin, org=tree.village_a2, version=tree.village_a2.version, on=dt.date(2026, 1, 1),
                     reason="合并")
    assert info.value.code == "org_dissolve_has_members"
    member_exit(actor=org_admin, member=member, version=member.version, kind="transfer_out",
                occurred_on=dt.date(2025, 12, 1), reason="转往外县")
    org_dissolve(actor=org_admin, org=tree.village_a2, version=tree.village_a2.version, on=dt.date(2026, 1, 1),
                 reason="合并")
    assert Organization.objects.get(pk=tree.village_a2.pk).status == "dissolved"
    assert Member.objects.get(pk=member.pk).state == "left"


def test_root_command_creates_a_top_level_committee(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("org_create_root", "中共某某县委员会", "--code", "X1", stdout=out)
    root = Organization.objects.get(code="X1")
    assert root.depth == 1 and root.parent is None and f"path {root.path}" in out.getvalue()


def test_dissolve_date_must_be_plausible(tree, org_admin):
    Organization.objects.filter(pk=tree.village_a2.pk).update(founded_on=dt.date(2010, 1, 1))
    org = Organization.objects.get(pk=tree.village_a2.pk)
    with pytest.raises(ValidationFailed) as info:
        org_dissolve(actor=org_admin, org=org, version=org.version, on=dt.date(2009, 1, 1), reason="撤并")
    assert "dissolved_on" in info.value.errors


def test_every_modules_records_follow_a_moved_subtree(tree, org_admin):
    """Meetings, assigned work, members … keep their scope after a move: no path column but the audit log's still
    names the old position, and the new parent's users see the records while the old parent's no longer do."""
    import datetime as dt

    from django.apps import apps

    from grassroots.access.roles import Role
    from grassroots.core.models import AuditEvent
    from grassroots.core.paths import PathField
    from grassroots.core.testing.factories import make_user
    from grassroots.lifecycle.models import WorkAssignment
    from grassroots.lifecycle.services import work_assign
    from grassroots.orglife.models import Meeting
    from grassroots.orglife.tests.factories import record

    member = make_member(tree.village_a1, actor=org_admin, joined_on=dt.date(2010, 7, 1),
                         confirmed_on=dt.date(2011, 7, 1))
    work = work_assign(actor=org_admin, member=member, title="联系农户", assigned_on=dt.date(2026, 3, 1))
    meeting = record(org_admin, tree.village_a1, today=dt.date.today())
    old_path = tree.village_a1.path
    audits_before = AuditEvent.objects.filter(org_path__startswith=old_path).count()
    org_move(actor=org_admin, org=tree.village_a1, new_parent=tree.town_b, version=tree.village_a1.version)
    new_path = Organization.objects.get(pk=tree.village_a1.pk).path
    assert WorkAssignment.objects.get(pk=work.pk).org_path == new_path
    assert Meeting.objects.get(pk=meeting.pk).org_path == new_path
    for model in apps.get_models():
        for field in (f for f in model._meta.concrete_fields if isinstance(f, PathField)):
            if model not in (Organization, AuditEvent):
                stale = model._base_manager.filter(**{f"{field.attname}__startswith": old_path})
                assert not stale.exists(), (model, field.attname)
    assert AuditEvent.objects.filter(org_path__startswith=old_path).count() == audits_before  # the log is kept
    town_b_admin = make_user("town_b_admin", Role.ORG_ADMIN, tree.town_b)
    town_a_admin = make_user("town_a_admin", Role.ORG_ADMIN, tree.town_a)
    assert WorkAssignment.objects.filter(pk=work.pk).visible_to(town_b_admin, "lifecycle.view").exists()
    assert not WorkAssignment.objects.filter(pk=work.pk).visible_to(town_a_admin, "lifecycle.view").exists()
