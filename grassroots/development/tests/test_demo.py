"""The demo pipeline: every person's recorded steps replay through the rule table without a refusal, admitted
people are the roster's own members, and a reset removes it all."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from grassroots.development import rules
from grassroots.development.choices import NoticeStage, Stage
from grassroots.development.models import Applicant, Notice, Step
from grassroots.members.models import Member

TODAY = dt.date(2026, 6, 30)


@pytest.mark.django_db
def test_demo_pipeline_replays_through_the_rules():
    call_command("demo", "--members", "600", "--seed", "7", "--today", TODAY.isoformat(), stdout=io.StringIO())
    people = list(Applicant.objects.all())
    assert len(people) >= 30
    assert {p.stage for p in people} >= {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE}
    steps: dict[int, list] = {}
    for row in Step.objects.order_by("occurred_on", "number", "id").values("applicant_id", "code", "occurred_on"):
        steps.setdefault(row["applicant_id"], []).append(row)
    notices: dict[int, dict] = {}
    for n in Notice.objects.values("applicant_id", "stage", "published_on", "ends_on"):
        notices.setdefault(n["applicant_id"], {})[n["stage"]] = rules.NoticeFacts(n["published_on"], n["ends_on"])
    for person in people:
        facts = rules.PipelineFacts(stage=Stage.APPLICANT, done={})
        for row in steps[person.pk]:
            code, on = row["code"], row["occurred_on"]
            if code != "application":
                facts.notices = {s: f for s, f in notices.get(person.pk, {}).items() if f.published_on <= on}
                check = rules.check_step(code, on, facts, TODAY)
                assert check.ok, (person.pk, code, on, check.refusals)
            facts.done.setdefault(code, []).append(on)
            facts.stage = rules.STAGE_AFTER.get(code, facts.stage)
            if code == "approval":
                facts.probation_ends_on = rules.probation_ends_on(facts.first("admission_meeting"))
        assert facts.stage == person.stage
        replay = rules.check_chain([rules.RecordedStep(i, r["code"], r["occurred_on"]) for i, r in enumerate(steps[person.pk])],
                                   notices.get(person.pk, {}), TODAY, person.probation_ends_on)
        assert replay.ok, (person.pk, replay.messages())  # what a correction re-validates holds for every file
        if person.member_id:
            member = Member.objects.get(pk=person.member_id)
            assert member.joined_on == person.admitted_on and member.id_number_hash == person.id_number_hash
    assert Notice.objects.filter(stage=NoticeStage.ADMISSION).exists()
    from grassroots.demo.loader import reset

    reset(log=lambda _message: None)
    assert not Applicant.objects.exists()
