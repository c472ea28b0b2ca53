import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.access.roles import Role
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dashboards.services import rollups_rebuild
from grassroots.lifecycle.review import review_cases
from grassroots.orglife import rules, selectors, services
from grassroots.orglife.choices import AttendanceStatus, MeetingKind, MeetingStatus
from grassroots.orglife.models import Attachment, Attendance, ComplianceStatus
from grassroots.orglife.tests.factories import all_present, branch_members, record
from grassroots.orgs.models import PartyGroup

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)
MARCH = dt.date(2026, 3, 10)


@pytest.fixture
def branch(tree, org_admin):
    full = branch_members(tree.village_a1, org_admin, 8)
    probationary = make_member(tree.village_a1, actor=org_admin, name="预备甲", status="probationary",
                               confirmed_on=None, joined_on=dt.date(2026, 1, 5))
    return {"full": full, "probationary": probationary}


def test_counts_come_from_the_roster_and_probationary_members_have_no_vote(tree, secretary_a1, branch):
    meeting = record(secretary_a1, tree.village_a1, absent={branch["full"][0].pk})
    assert (meeting.expected_count, meeting.present_count) == (9, 8)
    assert (meeting.voting_expected, meeting.voting_present) == (8, 7)
    assert meeting.status == MeetingStatus.HELD
    assert Attendance.objects.filter(meeting=meeting).count() == 9
    assert AuditEvent.objects.filter(verb="orglife.meeting.record", target_id=meeting.pk).exists()


def test_a_member_who_joined_after_the_day_is_not_expected(tree, secretary_a1, branch):
    meeting = record(secretary_a1, tree.village_a1, day=dt.date(2026, 1, 4))
    assert meeting.expected_count == 8  # 预备甲 joined on 5 January


def test_typed_counts_that_disagree_with_the_roster_are_refused(tree, secretary_a1, branch):
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, typed_counts={"expected_count": 12, "present_count": 9})
    assert "expected_count" in exc.value.errors and "12" in exc.value.errors["expected_count"][0]
    assert record(secretary_a1, tree.village_a1, typed_counts={"expected_count": 9, "present_count": 9})


def test_a_vote_with_exactly_half_present_is_refused(tree, secretary_a1, branch):
    absent = {m.pk for m in branch["full"][:4]}  # 4 of 8 with a vote present: exactly half
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, absent=absent, vote_subject="接收预备党员", vote_yes=4, vote_no=0,
               vote_abstain=0)
    assert "不能进行表决" in " ".join(exc.value.errors["vote_yes"])
    meeting = record(secretary_a1, tree.village_a1, absent=absent - {branch["full"][0].pk},
                     vote_subject="接收预备党员", vote_yes=4, vote_no=1, vote_abstain=0)
    assert meeting.vote_adopted is False  # 4 yes is not more than half of 8 expected
    meeting = record(secretary_a1, tree.village_a1, vote_subject="接收预备党员", vote_yes=5, vote_no=3,
                     vote_abstain=0)
    assert meeting.vote_adopted is True


def test_missing_attendance_and_absence_without_reason_are_refused(tree, secretary_a1, branch):
    entries = all_present(tree.village_a1, MeetingKind.GENERAL_MEETING, MARCH)
    entries[0] = rules.AttendanceEntry(entries[0].member_id, AttendanceStatus.ABSENT, "")
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, attendance=entries[:-1])
    text = " ".join(exc.value.errors["attendance"])
    assert "原因" in text and "未登记" in text


def test_a_held_meeting_cannot_be_in_the_future(tree, secretary_a1, branch):
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, day=TODAY + dt.timedelta(days=1))
    assert "date" in exc.value.errors


def test_outside_scope_is_refused(tree, secretary_a1, org_admin):
    make_member(tree.village_b1, actor=org_admin)
    with pytest.raises(PermissionRefused):
        record(secretary_a1, tree.village_b1)
    with pytest.raises(PermissionRefused):
        services.meeting_plan(actor=secretary_a1, org=tree.village_b1, kind="theme_day", date=TODAY, topic="x")


def test_mobile_guest_has_no_vote_and_is_credited_at_home(tree, secretary_a1, org_admin, branch):
    guest = make_member(tree.village_a2, actor=org_admin, name="流动乙", is_mobile=True)
    entries = all_present(tree.village_a1, MeetingKind.GENERAL_MEETING, MARCH)
    entries.append(rules.AttendanceEntry(guest.pk, AttendanceStatus.PRESENT))
    meeting = record(secretary_a1, tree.village_a1, attendance=entries, guests={guest.pk})
    assert (meeting.expected_count, meeting.present_count, meeting.guest_count) == (9, 9, 1)
    row = Attendance.objects.get(meeting=meeting, member=guest)
    assert row.is_guest and not row.has_vote and row.member_org_path == tree.village_a2.path
    rates = {r.member_id: r for r in selectors.member_attendance(org_admin, tree.village_a2, 2026)}
    assert rates[guest.pk].guest_present == 1
    stay_home = make_member(tree.village_a2, actor=org_admin, name="不流动")
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, guests={stay_home.pk},
               attendance=[*entries[:-1], rules.AttendanceEntry(stay_home.pk, "present")])
    assert "guests" in exc.value.errors


def test_group_and_committee_meetings_use_their_own_rosters(tree, secretary_a1, org_admin, branch):
    group = PartyGroup.objects.create(org=tree.village_a1, name="第一党小组")
    in_group = make_member(tree.village_a1, actor=org_admin, party_group=group)
    make_member(tree.village_a1, actor=org_admin, name="书记", posts=["secretary"])
    assert [p.id for p in selectors.roster_on(tree.village_a1, "group_meeting", MARCH, group)] == [in_group.pk]
    assert [p.name for p in selectors.roster_on(tree.village_a1, "committee_meeting", MARCH)] == ["书记"]
    meeting = record(secretary_a1, tree.village_a1, kind="group_meeting", group=group)
    assert meeting.expected_count == 1
    with pytest.raises(ValidationFailed) as exc:
        record(secretary_a1, tree.village_a1, kind="group_meeting", attendance=[])
    assert "party_group" in exc.value.errors


def test_plan_then_record_and_concurrent_edit_is_detected(tree, secretary_a1, branch):
    planned = services.meeting_plan(actor=secretary_a1, org=tree.village_a1, kind="theme_day", date=MARCH,
                                    topic="主题党日", today=dt.date(2026, 3, 1))
    assert planned.status == MeetingStatus.PLANNED
    held = record(secretary_a1, tree.village_a1, kind="theme_day", meeting=planned, version=planned.version)
    assert held.pk == planned.pk and held.status == MeetingStatus.HELD and held.version == 2
    with pytest.raises(ConcurrentEdit):
        record(secretary_a1, tree.village_a1, kind="theme_day", meeting=held, version=1)
    with pytest.raises(DomainError):  # a held meeting cannot be cancelled
        services.meeting_cancel(actor=secretary_a1, meeting=held, version=held.version, reason="x")


def test_cancel_needs_a_reason(tree, secretary_a1):
    planned = services.meeting_plan(actor=secretary_a1, org=tree.village_a1, kind="theme_day", date=TODAY,
                                    topic="主题党日", today=TODAY)
    with pytest.raises(ValidationFailed):
        services.meeting_cancel(actor=secretary_a1, meeting=planned, version=planned.version, reason=" ")
    services.meeting_cancel(actor=secretary_a1, meeting=planned, version=planned.version, reason="暴雨")
    planned.refresh_from_db()
    assert planned.status == MeetingStatus.CANCELLED


def test_compliance_rebuild_marks_met_open_and_missed(tree, secretary_a1, org_admin, branch):
    make_member(tree.village_a2, actor=org_admin)
    rollups_rebuild(tree.county.path[:4])
    record(secretary_a1, tree.village_a1, kind="theme_day", day=MARCH)
    record(secretary_a1, tree.village_a1, kind="general_meeting", day=dt.date(2026, 2, 10))
    tenant = tree.county.path[:4]
    services.compliance_rebuild(tenant, dt.date(2026, 3, 1), today=TODAY)
    states = {code: cells[3][0] for code, cells in selectors.branch_year(org_admin, tree.village_a1, 2026).items()}
    assert states["theme_day_monthly"] == "met"
    assert states["general_quarterly"] == "met"
    assert states["committee_monthly"] == "missed"  # 8 full members: a committee is due
    assert "group_monthly" not in states  # no party groups
    assert states["org_life_yearly"] == "open"  # the year is not over
    a2 = {code: cells[3][0] for code, cells in selectors.branch_year(org_admin, tree.village_a2, 2026).items()}
    assert a2["theme_day_monthly"] == "missed" and "committee_monthly" not in a2
    board = selectors.compliance_board(org_admin, tree.county, dt.date(2026, 3, 1))
    assert board.month_counts["theme_day_monthly"]["met"] == 1
    assert board.month_counts["theme_day_monthly"]["missed"] >= 2
    names = [row.name for row in board.rows]
    assert "甲二村党支部" in names
    # a secretary of a1 sees only a1 on the board
    mine = selectors.compliance_board(secretary_a1, tree.county, dt.date(2026, 3, 1))
    assert {row.org_id for row in mine.rows} <= {tree.village_a1.pk}


def test_recording_a_meeting_rebuilds_the_year_through_the_task(tree, secretary_a1, branch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(secretary_a1, tree.village_a1, kind="theme_day", day=MARCH)
    row = ComplianceStatus.objects.get(org=tree.village_a1, month=dt.date(2026, 3, 1))
    assert rules.decode_status(row.states, row.held, row.required)["theme_day_monthly"] == ("met", 1, 1)


def test_six_months_without_organizational_life_feeds_the_review(tree, secretary_a1, org_admin, branch):
    absentee = branch["full"][0]
    for month in range(5, 11):
        record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, month, 10),
               absent={absentee.pk}, excused={branch["full"][1].pk} if month == 7 else ())
    cases = [c for c in review_cases(tree.county.path, TODAY) if c.ground == "org_life"]
    assert [c.member_id for c in cases] == [absentee.pk]
    assert cases[0].months == ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")
    assert "连续6个月" in cases[0].evidence
    # one attended meeting in the window clears the member
    record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, 11, 10))
    assert not [c for c in review_cases(tree.county.path, dt.date(2026, 12, 1)) if c.ground == "org_life"]


def test_attachments_checked_by_content_and_size(tree, secretary_a1, branch, tmp_path):
    meeting = record(secretary_a1, tree.village_a1)
    with pytest.raises(ValidationFailed) as exc:
        services.attachment_add(actor=secretary_a1, meeting=meeting,
                                upload=SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>"))
    assert "file" in exc.value.errors
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * rules.MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationFailed):
        services.attachment_add(actor=secretary_a1, meeting=meeting, upload=big)
    item = services.attachment_add(actor=secretary_a1, meeting=meeting,
                                   upload=SimpleUploadedFile("会议照片.exe", b"\xff\xd8\xff\xe0" + b"x" * 100))
    assert item.content_type == "image/jpeg" and item.name == "会议照片.jpg"
    assert (tmp_path / "orglife" / item.file.name).exists()
    assert Attachment.objects.count() == 1


def test_appraisal_grades_and_configured_share(tree, secretary_a1, branch, settings):
    meeting = record(secretary_a1, tree.village_a1, kind="appraisal", day=dt.date(2026, 10, 10))
    ids = [m.pk for m in branch["full"]] + [branch["probationary"].pk]
    grades = dict.fromkeys(ids, "qualified")
    for pk in ids[:4]:
        grades[pk] = "excellent"
    settings.ORGLIFE_APPRAISAL_QUOTA = "excellent_one_third"
    with pytest.raises(ValidationFailed) as exc:
        services.appraisal_record(actor=secretary_a1, meeting=meeting, grades=grades)
    assert "1/3" in exc.value.errors["grades"][0]
    grades[ids[3]] = "qualified"
    assert services.appraisal_record(actor=secretary_a1, meeting=meeting, grades=grades) == 9
    theme = record(secretary_a1, tree.village_a1, kind="theme_day")
    with pytest.raises(DomainError):  # grades only on an appraisal meeting
        services.appraisal_record(actor=secretary_a1, meeting=theme, grades=grades)


def test_book_export_needs_export_and_is_audited(tree, secretary_a1, branch):
    record(secretary_a1, tree.village_a1, topic="=HYPERLINK(\"x\")")
    clerk = make_user("clerk_x", Role.CLERK, tree.village_a1)
    with pytest.raises(PermissionRefused):
        services.book_export(actor=clerk, org=tree.village_a1, year=2026)
    content = services.book_export(actor=secretary_a1, org=tree.village_a1, year=2026)
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "'=HYPERLINK(\"x\")" in values
    assert any("仅限党内工作使用" in str(v) for v in values)
    assert AuditEvent.objects.filter(verb="orglife.book.export").exists()


def test_demo_adds_a_year_of_meetings_and_resets(tree, org_admin, branch):
    import random

    from grassroots.core.modules import DemoContext
    from grassroots.orglife import demo
    from grassroots.orglife.models import Meeting

    ctx = DemoContext(root_path=tree.county.path, tenant=tree.county.path[:4], today=TODAY, rng=random.Random(7),
                      log=lambda _msg: None)
    demo.extend(ctx)
    assert ctx.counts["orglife"] > 0
    held = Meeting.objects.filter(org=tree.village_a1, status="held")
    assert held.filter(kind="theme_day").exists()
    assert Attendance.objects.filter(meeting__org=tree.village_a1).exists()
    assert ComplianceStatus.objects.filter(org=tree.village_a1, month=dt.date(2026, 11, 1)).exists()
    demo.reset(tree.county.path)
    assert not Meeting.objects.filter(org_path__startswith=tree.county.path).exists()
    assert not ComplianceStatus.objects.exists()


def test_a_past_meetings_roster_is_the_branch_of_that_day(tree, org_admin):
    """A member transferred after the meeting day is on the old branch's roster for that day, not the new one's."""
    from grassroots.lifecycle.services import transfer_direct

    moved = make_member(tree.village_a1, actor=org_admin, name="已转走", joined_on=dt.date(2010, 7, 1),
                        confirmed_on=dt.date(2011, 7, 1))
    stayed = make_member(tree.village_a1, actor=org_admin, name="未转走", joined_on=dt.date(2010, 7, 1),
                         confirmed_on=dt.date(2011, 7, 1))
    transfer_direct(actor=org_admin, member=moved, to_org=tree.village_a2, on=dt.date(2026, 4, 1), reason="工作调动")
    march_a1 = {p.id for p in selectors.roster_on(tree.village_a1, "general_meeting", MARCH)}
    march_a2 = {p.id for p in selectors.roster_on(tree.village_a2, "general_meeting", MARCH)}
    assert {moved.pk, stayed.pk} <= march_a1 and moved.pk not in march_a2
    may = dt.date(2026, 5, 10)
    assert moved.pk not in {p.id for p in selectors.roster_on(tree.village_a1, "general_meeting", may)}
    assert moved.pk in {p.id for p in selectors.roster_on(tree.village_a2, "general_meeting", may)}
    secretary = make_user("sec_a1_past", Role.SECRETARY, tree.village_a1)
    meeting = record(secretary, tree.village_a1, day=MARCH, host=moved)  # host then, moved away since
    assert meeting.host_id == moved.pk and moved.pk in {a.member_id for a in meeting.attendance.all()}
