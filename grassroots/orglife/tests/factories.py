"""Builders for organizational-life tests."""

import datetime as dt

from grassroots.core.testing.factories import make_member
from grassroots.orglife import rules, selectors, services
from grassroots.orglife.choices import AttendanceStatus, MeetingKind


def branch_members(org, actor, n: int, **overrides):
    return [make_member(org, actor=actor, name=f"党员{org.pk}_{i}", **overrides) for i in range(n)]


def all_present(org, kind: str, day: dt.date, group=None, absent=(), excused=()):
    entries = []
    for person in selectors.roster_on(org, kind, day, group):
        if person.id in absent:
            entries.append(rules.AttendanceEntry(person.id, AttendanceStatus.ABSENT, "无故缺席"))
        elif person.id in excused:
            entries.append(rules.AttendanceEntry(person.id, AttendanceStatus.EXCUSED, "外出务工"))
        else:
            entries.append(rules.AttendanceEntry(person.id, AttendanceStatus.PRESENT))
    return entries


def record(actor, org, kind=MeetingKind.GENERAL_MEETING, day=dt.date(2026, 3, 10), group=None, absent=(),
           excused=(), **extra):
    return services.meeting_record(
        actor=actor, org=org, kind=kind, date=day, party_group=group, topic=extra.pop("topic", "学习会议精神"),
        attendance=extra.pop("attendance", None) or all_present(org, kind, day, group, absent, excused),
        today=extra.pop("today", dt.date(2026, 11, 22)), **extra)
