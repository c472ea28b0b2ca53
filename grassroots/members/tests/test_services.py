import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection

from grassroots.access.roles import Role
from grassroots.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import id_number_for, make_member, make_user
from grassroots.members.models import Member
from grassroots.members.selectors import MemberFilters
from grassroots.members.services import (
    member_create,
    member_exit,
    member_reveal,
    member_roster_export,
    member_secrets,
    member_update,
)

pytestmark = pytest.mark.django_db


def test_identifiers_are_encrypted_at_rest(tree, org_admin):
    number = id_number_for(dt.date(1980, 5, 17))
    member = make_member(tree.village_a1, actor=org_admin, id_number=number, phone="13912345678", address="甲镇甲一村3组12号")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_member WHERE id = %s", [member.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert number not in raw and "13912345678" not in raw and "3组12号" not in raw
    assert member_secrets(Member.objects.get(pk=member.pk)) == {
        "id_number": number, "phone": "13912345678", "address": "甲镇甲一村3组12号"}
    assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]


def test_duplicate_id_number_refused_on_id_field(tree, org_admin):
    number = id_number_for(dt.date(1980, 5, 17))
    make_member(tree.village_a1, actor=org_admin, id_number=number)
    with pytest.raises(ValidationFailed) as info:
        make_member(tree.village_b1, actor=org_admin, id_number=number)
    assert "id_number" in info.value.errors


def test_members_belong_to_branches_only(tree, org_admin):
    with pytest.raises(ValidationFailed) as info:
        make_member(tree.town_a, actor=org_admin)
    assert "org" in info.value.errors


def test_secretary_cannot_add_members_to_another_branch(tree, secretary_a1):
    with pytest.raises(PermissionRefused):
        make_member(tree.village_b1, actor=secretary_a1)


def test_invalid_input_writes_nothing(tree, org_admin):
    before = Member.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as info:
        member_create(actor=org_admin, org=tree.village_a1, name="", gender="M", birth_date=dt.date(1980, 1, 1),
                      id_number="123", phone="12", education="bachelor", occupation="farmer",
                      joined_on=dt.date(2005, 1, 1), confirmed_on=None, status="full")
    assert {"name", "id_number", "phone", "confirmed_on"} <= set(info.value.errors)
    assert (Member.objects.count(), AuditEvent.objects.count()) == before


def test_update_history_masks_personal_fields(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin, phone="13800138000")
    member_update(actor=org_admin, member=member, version=member.version, phone="13912345678", education="master")
    event = AuditEvent.objects.filter(verb="members.member.update", target_id=member.pk).get()
    assert event.changes["phone"] == ["138****8000", "139****5678"]
    assert event.changes["education"] == ["bachelor", "master"]
    assert "13912345678" not in str(event.changes)


def test_concurrent_edit_is_detected(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    a, b = Member.objects.get(pk=member.pk), Member.objects.get(pk=member.pk)
    member_update(actor=org_admin, member=a, version=a.version, notes="first")
    with pytest.raises(ConcurrentEdit):
        member_update(actor=org_admin, member=b, version=b.version, notes="second")
    assert Member.objects.get(pk=member.pk).notes == "first"


def test_exit_keeps_the_record_and_blocks_edits(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    member_exit(actor=org_admin, member=member, version=member.version, kind="death", occurred_on=dt.date(2026, 3, 1),
                reason="病故")
    member.refresh_from_db()
    assert member.state == "left" and member.left_on == dt.date(2026, 3, 1)
    assert member.exits.get().kind == "death"
    with pytest.raises(Exception, match="不在册"):
        member_update(actor=org_admin, member=member, version=member.version, notes="x")


def test_reveal_requires_permission_and_is_audited(tree, org_admin, clerk_a):
    member = make_member(tree.village_a1, actor=org_admin)
    with pytest.raises(PermissionRefused):
        member_reveal(actor=clerk_a, member=member, reason="核对")
    secrets = member_reveal(actor=org_admin, member=member, reason="核对身份")
    assert len(secrets["id_number"]) == 18
    event = AuditEvent.objects.get(verb="members.member.reveal", target_id=member.pk)
    assert event.reason == "核对身份" and event.actor == org_admin


def _sheet_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None)


def test_roster_export_is_scoped_masked_and_audited(tree, org_admin, secretary_a1):
    inside = make_member(tree.village_a1, actor=org_admin, name="支部内", notes="=HYPERLINK(\"x\")")
    make_member(tree.village_b1, actor=org_admin, name="支部外")
    content, count = member_roster_export(actor=secretary_a1, filters=MemberFilters())
    text = _sheet_text(content)
    assert count == 1 and "支部内" in text and "支部外" not in text
    assert inside.id_number_masked in text and member_secrets(inside)["id_number"] not in text
    assert "'=HYPERLINK" in text
    assert "sec_a1" in text  # watermark
    assert AuditEvent.objects.filter(verb="members.roster.export", actor=secretary_a1).count() == 1


def test_revealed_export_needs_a_reason(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    with pytest.raises(ValidationFailed):
        member_roster_export(actor=org_admin, filters=MemberFilters(), reveal=True)
    content, _ = member_roster_export(actor=org_admin, filters=MemberFilters(), reveal=True, reason="上报")
    assert member_secrets(member)["id_number"] in _sheet_text(content)


def test_clerk_cannot_export(tree, clerk_a):
    with pytest.raises(PermissionRefused):
        member_roster_export(actor=clerk_a, filters=MemberFilters())


def test_member_role_sees_only_own_record(tree, org_admin):
    from grassroots.members.permissions import MemberPerm

    own = make_member(tree.village_a1, actor=org_admin)
    make_member(tree.village_a1, actor=org_admin)
    user = make_user(role=Role.MEMBER, org=tree.village_a1)
    Member.objects.filter(pk=own.pk).update(user=user)
    assert list(Member.objects.visible_to(user, MemberPerm.VIEW)) == [own]


def test_duplicate_id_outside_scope_gets_a_neutral_refusal_and_is_audited(tree, org_admin, secretary_a1):
    number = id_number_for(dt.date(1980, 5, 17))
    make_member(tree.village_b1, actor=org_admin, id_number=number)
    with pytest.raises(ValidationFailed) as info:
        make_member(tree.village_a1, actor=secretary_a1, id_number=number)
    message = info.value.errors["id_number"][0]
    assert "已登记" not in message and "联系上级" in message
    assert AuditEvent.objects.filter(verb="members.member.duplicate_id", actor=secretary_a1, outcome="failure").exists()
