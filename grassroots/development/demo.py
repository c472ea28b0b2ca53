"""Demo records: a development pipeline in every township of the demo county (a few dozen people each, at every
stage), with the 25 steps dated as the rules require, notices, votes computed from the branch roster, admitted
people on the roster as probationary or full members, and this year's plans. Bulk inserts, no per-row services."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from grassroots.core.identity import make_id_number
from grassroots.core.modules import DemoContext
from grassroots.core.paths import subtree_q
from grassroots.development import rules
from grassroots.development.choices import NoticeStage, Stage, VoteKind
from grassroots.development.models import (
    AdmissionPlan,
    Applicant,
    Notice,
    Objection,
    RightsSuspension,
    Step,
    Vote,
)
from grassroots.orgs.rules import add_months, add_years

PER_TOWNSHIP = 30
REGION = "411098"  # not used by the member generator, so ID numbers never collide with the roster
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志鹏宇浩然欣怡子涵佳琪晨阳思远"
EVIDENCE = {
    "talk": {"done_by": "支部书记", "note": "了解入党动机和基本情况"},
    "activist": {"method": "member", "done_by": "支委会"},
    "activist_filing": {"receipt": "积备"},
    "assessment": {"note": "思想积极，表现良好", "done_by": "党支部"},
    "candidate": {"note": "党小组、培养联系人、党员和群众意见一致", "done_by": "支委会"},
    "candidate_filing": {"receipt": "发备"},
    "political_review": {"result": "qualified", "note": "本人及直系亲属政治历史清楚", "done_by": "组织委员"},
    "training": {"days": 3, "hours": 24, "receipt": "结业", "done_by": "乡镇党校"},
    "committee_review": {"note": "条件具备，手续完备"},
    "prereview": {"result": "qualified", "receipt": "预审"},
    "admission_form": {"receipt": "志愿书"},
    "committee_talk": {"done_by": "乡镇党委组织员", "note": "谈话了解入党动机"},
    "approval": {"done_by": "乡镇党委会"},
    "approval_filing": {"receipt": "组备"},
    "placement": {"note": "编入第一党小组"},
    "oath": {"done_by": "支部书记"},
    "probation_education": {"note": "表现良好", "done_by": "党支部"},
    "confirmation_application": {"note": "本人书面申请"},
    "confirmation_approval": {"done_by": "乡镇党委会"},
    "archive": {"receipt": "档"},
}
NOTICE_AFTER = {"activist": NoticeStage.ACTIVIST, "candidate": NoticeStage.CANDIDATE,
                "admission_meeting": NoticeStage.ADMISSION, "confirmation_meeting": NoticeStage.CONFIRMATION}


def _timeline(applied: dt.date, rng, meeting_on: dt.date | None = None):
    """One person's complete history from the application on, every date within the rules; with meeting_on, the
    admission meeting falls on that date (a member on the roster, whose history is written backwards)."""
    days = dt.timedelta
    steps: list[tuple[str, dt.date]] = [("application", applied)]
    notices: dict[str, tuple[dt.date, dt.date]] = {}

    def add(code, on):
        steps.append((code, on))
        if code in NOTICE_AFTER:
            published = on + days(1)
            notices[NOTICE_AFTER[code]] = (published, rules.notice_ends_on(published, 5))
        return on

    talk_late = rng.random() < 0.08
    on = add("talk", applied + days(rng.randint(36, 50) if talk_late else rng.randint(5, 25)))
    activist = add("activist", on + days(rng.randint(60, 200)))
    on = add("activist_filing", notices[NoticeStage.ACTIVIST][1] + days(rng.randint(2, 10)))
    on = add("mentors", on + days(rng.randint(0, 5)))
    on = add("assessment", add_months(activist, 6) - days(rng.randint(0, 20)))
    on = add("assessment", add_months(activist, 12) - days(rng.randint(0, 20)))
    candidate = add("candidate", add_years(activist, 1) + days(rng.randint(5, 90)))
    on = add("candidate_filing", notices[NoticeStage.CANDIDATE][1] + days(rng.randint(2, 10)))
    for code, low, high in (("sponsors", 1, 7), ("political_review", 5, 30), ("training", 5, 40),
                            ("committee_review", 3, 20), ("prereview", 5, 20), ("admission_form", 2, 10),
                            ("admission_meeting", 5, 20)):
        if code == "admission_meeting" and meeting_on is not None:
            if meeting_on <= on:
                return None
            on = add(code, meeting_on)
            continue
        on = add(code, on + days(rng.randint(low, high)))
    meeting = on
    on = add("committee_talk", notices[NoticeStage.ADMISSION][1] + days(rng.randint(2, 10)))
    on = add("approval", on + days(rng.randint(3, 40)))
    for code, low, high in (("approval_filing", 3, 15), ("placement", 0, 5), ("oath", 3, 30)):
        on = add(code, on + days(rng.randint(low, high)))
    add("probation_education", add_months(meeting, 6))
    ends = rules.probation_ends_on(meeting)
    add("confirmation_application", ends - days(rng.randint(5, 20)))
    on = add("confirmation_meeting", ends + days(rng.randint(0, 20)))
    on = add("confirmation_approval", notices[NoticeStage.CONFIRMATION][1] + days(rng.randint(3, 30)))
    add("archive", on + days(rng.randint(5, 30)))
    del candidate
    return steps, notices


ADMITTED_PER_TOWNSHIP = 10


def extend(ctx: DemoContext) -> None:
    from grassroots.core.bulk import bulk_insert
    from grassroots.members.models import Member
    from grassroots.members.services import secret_columns
    from grassroots.orgs.models import Organization

    rng, today = ctx.rng, ctx.today
    orgs = Organization.objects.filter(subtree_q("path", ctx.root_path), status="active")
    townships = list(orgs.filter(sector="township", kind="committee").order_by("path").values_list("id", "path"))
    branches = list(orgs.filter(kind="branch", sector__in=("village", "community")).order_by("path")
                    .values_list("id", "path", "name"))
    full_counts = dict(Member.objects.filter(subtree_q("org_path", ctx.root_path), state="active", status="full")
                       .values("org_id").annotate(n=Count("id")).values_list("org_id", "n"))
    seen: set[str] = set()
    people = []  # (branch, name, gender, birth, number or member, kept steps, notices)
    branch_by_id = {b[0]: b for b in branches}
    recent = list(Member.objects.filter(subtree_q("org_path", ctx.root_path), state="active", org_id__in=branch_by_id,
                                        joined_on__gte=today - dt.timedelta(days=365 * 3), joined_on__lte=today - dt.timedelta(days=10))
                  .filter(Q(status="probationary") | Q(confirmed_on__lte=today - dt.timedelta(days=90)))
                  .order_by("org_path", "id").values("id", "org_id", "org_path", "name", "gender", "birth_date", "joined_on",
                                                     "status", "confirmed_on", "education", "occupation",
                                                     "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
                                                     "phone_masked", "address_enc", "address_masked"))
    for _town_id, town_path in townships:
        town_branches = [b for b in branches if b[1].startswith(town_path) and full_counts.get(b[0], 0) >= 3]
        if not town_branches:
            continue
        admitted = [m for m in recent if m["org_path"].startswith(town_path)]
        rng.shuffle(admitted)
        for member in admitted[:ADMITTED_PER_TOWNSHIP]:
            applied = member["joined_on"] - dt.timedelta(days=rng.randint(880, 1000))
            if add_years(member["birth_date"], 18) > applied:
                continue
            timeline = _timeline(applied, rng, meeting_on=member["joined_on"])
            if timeline is None:
                continue
            steps, notices = timeline
            cut = "archive" if member["status"] == "full" else "confirmation_approval"
            cut_index = next(i for i, (c, _d) in enumerate(steps) if c == cut)
            kept = [(c, d) for i, (c, d) in enumerate(steps) if d <= today and (member["status"] == "full" or i < cut_index)]
            people.append((branch_by_id[member["org_id"]], member["name"], member["gender"], member["birth_date"], member,
                           kept, notices))
        for _ in range(PER_TOWNSHIP):
            branch = rng.choice(town_branches)
            applied = today - dt.timedelta(days=rng.randint(10, 365 * 3))
            birth = applied - dt.timedelta(days=rng.randint(365 * 19, 365 * 40))
            gender = "M" if rng.random() < 0.62 else "F"
            number = make_id_number(REGION, birth, rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0))
            if number in seen:
                continue
            seen.add(number)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            steps, notices = _timeline(applied, rng)
            cut_index = next(i for i, (c, _d) in enumerate(steps) if c == "approval")  # admitted ones are members above
            stop = cut_index if rng.random() < 0.85 else rng.randint(2, cut_index)  # some files stall (overdue)
            kept = [(c, d) for i, (c, d) in enumerate(steps) if d <= today and i < stop]
            people.append((branch, name, gender, birth, number, kept, notices))

    applicant_rows = []
    for branch, name, gender, birth, who, kept, notices in people:
        done = {}
        for code, on in kept:
            done.setdefault(code, []).append(on)
        stage = Stage.APPLICANT
        for code in done:
            stage = rules.STAGE_AFTER.get(code, stage)
        meeting = min(done["admission_meeting"]) if "approval" in done else None
        ends = rules.probation_ends_on(meeting) if meeting else None
        facts = rules.PipelineFacts(
            stage=stage, done=done, probation_ends_on=ends,
            notices={s: rules.NoticeFacts(p, e) for s, (p, e) in notices.items()
                     if rules.NOTICE_AFTER_STEP[s] in done and p <= today})
        due = rules.next_due(facts)
        if isinstance(who, dict):  # a member on the roster
            secrets = {k: who[k] for k in ("id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
                                           "phone_masked", "address_enc", "address_masked")}
            education, occupation, member_id = who["education"], who["occupation"], who["id"]
        else:
            secrets = secret_columns({"id_number": who, "phone": f"13{rng.randint(100000000, 999999999)}", "address": ""})
            secrets.pop("phone_hash", None)
            education = rng.choice(("high_school", "college", "bachelor", "secondary_vocational"))
            occupation = rng.choice(("farmer", "worker", "other", "professional"))
            member_id = None
        applicant_rows.append({
            "org_id": branch[0], "org_path": branch[1], "tenant": ctx.tenant, "name": name, "gender": gender,
            "birth_date": birth, "education": education, "occupation": occupation, "stage": stage,
            "applied_on": done["application"][0], "activist_on": (done.get("activist") or [None])[0],
            "candidate_on": (done.get("candidate") or [None])[0], "admitted_on": meeting, "probation_ends_on": ends,
            "confirmed_on": who["confirmed_on"] if isinstance(who, dict) and stage == Stage.FULL else None,
            "member_id": member_id, "next_step": due.code if due else "", "next_due_on": due.on if due else None,
            "next_due_deadline": due.deadline if due else False, **secrets,
        })
    bulk_insert(Applicant, applicant_rows, use_copy=False)
    ids = dict(Applicant.objects.filter(subtree_q("org_path", ctx.root_path)).values_list("id_number_hash", "id"))
    step_rows, notice_rows, vote_rows = [], [], []
    for (branch, name, _g, _b, _n, kept, notices), row in zip(people, applicant_rows, strict=True):
        pk = ids[row["id_number_hash"]]
        number_of = {s.code: s.number for s in rules.STEPS}
        for code, on in kept:
            step = rules.STEP_BY_CODE[code]
            evidence = dict(EVIDENCE.get(code, {}))
            late, late_note = False, ""
            if code == "talk" and on > add_months(row["applied_on"], 1):
                late, late_note = True, "谈话晚于收到入党申请书后一个月"
            if step.vote:
                roster = full_counts.get(branch[0], 3)
                present = max(roster // 2 + 1, roster - rng.randint(0, 2))
                yes = max(roster // 2 + 1, present - rng.randint(0, 1))
                result = rules.tally(rules.VoteCount(eligible=roster, present=present, yes=yes, no=present - yes, abstain=0))
                evidence = {"outcome": result.outcome, "explanation": result.explanation}
                vote_rows.append({"applicant_id": pk, "org_path": branch[1], "kind": VoteKind.ADMISSION if code ==
                                  "admission_meeting" else VoteKind.CONFIRMATION, "meeting_on": on, "roster_full": roster,
                                  "exclusions": [], "eligible": roster, "present": present, "yes": yes, "no": present - yes,
                                  "abstain": 0, "written_yes": 0, "written_no": 0, "written_abstain": 0,
                                  "outcome": result.outcome, "explanation": result.explanation})
            step_rows.append({"applicant_id": pk, "org_path": branch[1], "code": code, "number": number_of[code],
                              "occurred_on": on, "done_by": str(evidence.get("done_by", "支部大会" if step.vote else ""))[:200],
                              "evidence": evidence, "completed": True, "late": late, "late_note": late_note})
        for stage, (published, ends) in notices.items():
            if rules.NOTICE_AFTER_STEP[stage] in dict(kept) and published <= ctx.today:
                notice_rows.append({"applicant_id": pk, "org_path": branch[1], "stage": stage, "public_name": name,
                                    "public_org": branch[2], "published_on": published, "working_days": 5,
                                    "ends_on": ends, "contact": "乡镇党委组织办"})
    bulk_insert(Step, step_rows, use_copy=False)
    bulk_insert(Notice, notice_rows, use_copy=False)
    bulk_insert(Vote, vote_rows, use_copy=False)
    plans = [{"org_id": town_id, "org_path": town_path, "year": today.year, "planned": rng.randint(4, 9)}
             for town_id, town_path in townships]
    bulk_insert(AdmissionPlan, plans, use_copy=False)
    ctx.counts["development"] = len(applicant_rows) + len(step_rows) + len(notice_rows) + len(vote_rows) + len(plans)
    admitted = sum(1 for row in applicant_rows if row["member_id"])
    ctx.log(f"  发展党员：{len(applicant_rows)} 人，{len(step_rows)} 个步骤，其中已接收（在花名册上）{admitted} 人")


def reset(prefix: str) -> None:
    where = Q(org_path__gte=prefix, org_path__lt=prefix + "~")
    Objection.objects.filter(where).delete()
    Vote.objects.filter(where).delete()
    Notice.objects.filter(where).delete()
    Step.objects.filter(where).delete()
    RightsSuspension.objects.filter(where).delete()
    AdmissionPlan.objects.filter(where).delete()
    Applicant.objects.filter(where).delete()
