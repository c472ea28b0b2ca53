"""Test builders: a person in the pipeline, and a driver that takes them through the steps with dates that
satisfy the rules (all in the past: the rules check the dates users enter)."""

import datetime as dt

from grassroots.core.testing.factories import id_number_for
from grassroots.development import rules, services
from grassroots.development.choices import NoticeStage, VoteKind
from grassroots.development.models import Applicant

D = dt.date

# One consistent history: application in 2023, admission meeting 2024-12-05, confirmation in December 2025.
SCHEDULE = {
    "talk": D(2023, 9, 20), "activist": D(2023, 10, 16), "activist_notice": D(2023, 10, 17),
    "activist_filing": D(2023, 10, 30), "mentors": D(2023, 10, 30), "assessment": [D(2024, 4, 15), D(2024, 10, 10)],
    "candidate": D(2024, 10, 21), "candidate_notice": D(2024, 10, 22), "candidate_filing": D(2024, 11, 1),
    "sponsors": D(2024, 11, 2), "political_review": D(2024, 11, 5), "training": D(2024, 11, 10),
    "committee_review": D(2024, 11, 20), "prereview": D(2024, 11, 25), "admission_form": D(2024, 11, 28),
    "admission_meeting": D(2024, 12, 5), "admission_notice": D(2024, 12, 6), "committee_talk": D(2024, 12, 16),
    "approval": D(2024, 12, 20), "approval_filing": D(2024, 12, 25), "placement": D(2024, 12, 26),
    "oath": D(2025, 1, 5), "probation_education": [D(2025, 6, 1)], "confirmation_application": D(2025, 11, 20),
    "confirmation_meeting": D(2025, 12, 5), "confirmation_notice": D(2025, 12, 8),
    "confirmation_approval": D(2025, 12, 22), "archive": D(2026, 1, 10),
}
APPLIED_ON = D(2023, 9, 4)

EVIDENCE = {
    "talk": {"done_by": "张书记", "note": "了解基本情况"},
    "activist": {"method": "member", "done_by": "支委会"},
    "activist_filing": {"receipt": "备-001"},
    "assessment": {"note": "表现良好", "done_by": "支部"},
    "candidate": {"note": "意见一致同意", "done_by": "支委会"},
    "candidate_filing": {"receipt": "备-002"},
    "political_review": {"result": "qualified", "note": "政审合格", "done_by": "组织委员"},
    "training": {"days": 3, "hours": 24, "receipt": "结业-01", "done_by": "镇党校"},
    "committee_review": {"note": "同意"},
    "prereview": {"result": "qualified", "receipt": "预审-01"},
    "admission_form": {"receipt": "志愿书-01"},
    "committee_talk": {"done_by": "组织员李某", "note": "谈话"},
    "approval": {"done_by": "镇党委会"},
    "approval_filing": {"receipt": "备-003"},
    "placement": {"note": "第一党小组"},
    "oath": {"done_by": "张书记"},
    "probation_education": {"note": "表现良好", "done_by": "支部"},
    "confirmation_application": {"note": "本人申请"},
    "confirmation_approval": {"done_by": "镇党委会"},
    "archive": {"receipt": "档-01"},
}
NOTICE_AFTER = {"activist": NoticeStage.ACTIVIST, "candidate": NoticeStage.CANDIDATE,
                "admission_meeting": NoticeStage.ADMISSION, "confirmation_meeting": NoticeStage.CONFIRMATION}


def make_applicant(org, actor, **overrides) -> Applicant:
    birth = overrides.pop("birth_date", D(1995, 3, 8))
    data = {"name": "李发展", "id_number": id_number_for(birth, "M"), "gender": "M", "phone": "13900001111",
            "address": "甲镇甲一村3组", "education": "college", "occupation": "farmer", "applied_on": APPLIED_ON}
    data.update(overrides)
    return services.applicant_create(actor=actor, org=org, **data)


def drive(applicant: Applicant, *, actor, approver, until: str, people: dict | None = None, eligible: int = 5) -> Applicant:
    """Record every step before `until` (exclusive) with the schedule's dates, notices included."""
    people = people or {}
    for step in rules.STEPS[1:]:
        if step.code == until:
            break
        applicant.refresh_from_db()
        dates = SCHEDULE[step.code]
        for on in dates if isinstance(dates, list) else [dates]:
            if step.vote:
                services.vote_record(actor=actor, applicant=applicant, version=applicant.version, kind=step.vote,
                                     meeting_on=on, present=eligible, yes=eligible, no=0, abstain=0)
            else:
                services.step_record(actor=approver if step.approve else actor, applicant=applicant,
                                     version=applicant.version, code=step.code, occurred_on=on,
                                     evidence=EVIDENCE.get(step.code, {}), people=people.get(step.code))
            applicant.refresh_from_db()
        if step.code in NOTICE_AFTER:
            stage = NOTICE_AFTER[step.code]
            services.notice_publish(actor=actor, applicant=applicant, stage=stage,
                                    published_on=SCHEDULE[f"{stage}_notice"])
    applicant.refresh_from_db()
    return applicant


__all__ = ["SCHEDULE", "D", "VoteKind", "drive", "make_applicant"]
