"""Correcting a recorded step (a wrong date or evidence typed in): a recorded correction, old → new in the history
with its reason, refused naming the rule when the chain of later steps would no longer hold."""

import datetime as dt
import json

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client, token_client
from grassroots.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.development import rules, services
from grassroots.development.models import Applicant, Step
from grassroots.development.tests.factories import APPLIED_ON, SCHEDULE, D, drive, make_applicant

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


# --- the chain, without a database -------------------------------------------------------------------------

def chain(**moved):
    records, key = [rules.RecordedStep(1, "application", moved.get("application", APPLIED_ON))], 1
    for code in ("talk", "activist", "activist_filing", "mentors", "assessment"):
        dates = SCHEDULE[code] if isinstance(SCHEDULE[code], list) else [SCHEDULE[code]]
        for on in dates:
            key += 1
            records.append(rules.RecordedStep(key, code, moved.get(code, on)))
    notice = rules.NoticeFacts(SCHEDULE["activist_notice"], rules.notice_ends_on(SCHEDULE["activist_notice"], 5))
    return rules.check_chain(records, {"activist": notice}, TODAY)


@pytest.mark.django_db(databases=[])
def test_the_recorded_chain_replays_cleanly():
    result = chain()
    assert result.ok and result.late[2] == (False, "")


@pytest.mark.django_db(databases=[])
def test_a_date_moved_past_a_later_step_is_refused_naming_that_step_and_its_rule():
    result = chain(activist=D(2023, 11, 1))
    messages = result.messages()
    assert not result.ok
    assert any("第4步「报上级党委备案（入党积极分子）」" in m and "第八条" in m for m in messages), messages
    assert any("入党积极分子公示" in m for m in messages)  # the notice was published before the new date


@pytest.mark.django_db(databases=[])
def test_a_corrected_application_date_makes_the_talk_late_on_replay():
    result = chain(application=D(2023, 8, 1))
    assert result.ok and result.late[2][0] is True and "一个月" in result.late[2][1]


# --- the service ---------------------------------------------------------------------------------------------

@pytest.fixture
def cast(tree):
    roster = [make_member(tree.village_a1, name=f"正式{i}") for i in range(5)]
    sec = make_user("dev_sec", Role.SECRETARY, tree.village_a1)
    town = make_user("dev_town", Role.SECRETARY, tree.town_a)
    people = {"mentors": [roster[0].pk], "sponsors": [roster[0].pk, roster[1].pk]}
    applicant = drive(make_applicant(tree.village_a1, sec), actor=sec, approver=town, until="committee_talk",
                      people=people)
    return {"tree": tree, "sec": sec, "town": town, "roster": roster, "applicant": applicant,
            "other": make_user("dev_sec_b1", Role.SECRETARY, tree.village_b1)}


def record(applicant, code) -> Step:
    return Step.objects.get(applicant=applicant, code=code)


def test_a_corrected_date_is_saved_with_old_new_and_reason_in_the_history(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    corrected = services.step_correct(actor=cast["sec"], step=talk, version=applicant.version,
                                      occurred_on=D(2023, 9, 22), reason="谈话记录本上的日期为9月22日")
    assert corrected.occurred_on == D(2023, 9, 22) and not corrected.late
    event = AuditEvent.objects.get(verb="development.step.correct")
    assert event.changes["occurred_on"] == ["2023-09-20", "2023-09-22"]
    assert event.changes["step"][0].startswith("2.") and event.reason == "谈话记录本上的日期为9月22日"
    assert Applicant.objects.get(pk=applicant.pk).version == applicant.version + 1 == talk.applicant.version


def test_corrected_evidence_is_recorded_field_by_field(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    services.step_correct(actor=cast["sec"], step=talk, version=applicant.version, reason="谈话人写错",
                          evidence={"done_by": "王组织委员", "note": "了解基本情况"})
    saved = record(applicant, "talk")
    assert saved.done_by == "王组织委员" and saved.occurred_on == SCHEDULE["talk"]
    assert AuditEvent.objects.get(verb="development.step.correct").changes["evidence.done_by"] == ["张书记", "王组织委员"]


def test_the_application_date_follows_into_the_file(cast):
    applicant = cast["applicant"]
    services.step_correct(actor=cast["sec"], step=record(applicant, "application"), version=applicant.version,
                          occurred_on=D(2023, 9, 1), reason="申请书落款日期")
    assert Applicant.objects.get(pk=applicant.pk).applied_on == D(2023, 9, 1)


def test_a_correction_breaking_a_later_step_is_refused_naming_the_rule_and_nothing_changes(cast):
    applicant = cast["applicant"]
    activist = record(applicant, "activist")
    with pytest.raises(ValidationFailed) as caught:
        services.step_correct(actor=cast["sec"], step=activist, version=applicant.version,
                              occurred_on=D(2024, 5, 1), reason="日期填错")
    messages = caught.value.errors["occurred_on"]
    assert any("第4步" in m and "《中国共产党发展党员工作细则》第八条" in m for m in messages), messages
    assert any("一年以上" in m for m in messages)  # the candidate step (7) would come too early after it
    assert record(applicant, "activist").occurred_on == SCHEDULE["activist"]
    assert not AuditEvent.objects.filter(verb="development.step.correct").exists()


def test_reason_version_and_sameness_are_checked(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    with pytest.raises(ValidationFailed) as caught:
        services.step_correct(actor=cast["sec"], step=talk, version=applicant.version, reason=" ",
                              occurred_on=D(2023, 9, 22))
    assert "reason" in caught.value.errors
    with pytest.raises(ConcurrentEdit):
        services.step_correct(actor=cast["sec"], step=talk, version=applicant.version - 1, reason="x",
                              occurred_on=D(2023, 9, 22))
    with pytest.raises(ValidationFailed) as caught:
        services.step_correct(actor=cast["sec"], step=talk, version=applicant.version, reason="x")
    assert "相同" in caught.value.errors["occurred_on"][0]


def test_sponsors_are_checked_again(cast):
    applicant = cast["applicant"]
    services.suspension_record(actor=cast["sec"], member=cast["roster"][2], kind="probation_discipline",
                               starts_on=D(2024, 6, 1), reason="镇纪委决定")
    with pytest.raises(ValidationFailed) as caught:
        services.step_correct(actor=cast["sec"], step=record(applicant, "sponsors"), version=applicant.version,
                              reason="介绍人写错", people=[cast["roster"][0].pk, cast["roster"][2].pk])
    assert "留党察看" in caught.value.errors["people"][0]


def test_a_vote_step_cannot_be_corrected_here(cast):
    applicant = cast["applicant"]
    with pytest.raises(ValidationFailed) as caught:
        services.step_correct(actor=cast["sec"], step=record(applicant, "admission_meeting"),
                              version=applicant.version, reason="x", occurred_on=D(2024, 12, 6))
    assert "花名册" in caught.value.errors["occurred_on"][0]


def test_another_branch_is_refused_everywhere(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    with pytest.raises(PermissionRefused):
        services.step_correct(actor=cast["other"], step=talk, version=applicant.version, reason="x",
                              occurred_on=D(2023, 9, 22))
    url = f"/development/people/{applicant.pk}/records/{talk.pk}/correct/"
    client = session_client(cast["other"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": applicant.version, "occurred_on": "2023-09-22", "reason": "x",
                             "done_by": "x", "note": "y"}).status_code == 404
    api = token_client(cast["other"])
    body = json.dumps({"version": applicant.version, "reason": "x", "occurred_on": "2023-09-22"})
    assert api.post(f"/api/development/{applicant.pk}/steps/{talk.pk}/correct", body,
                    content_type="application/json").status_code == 404
    assert record(applicant, "talk").occurred_on == SCHEDULE["talk"]


def test_the_page_corrects_and_shows_the_refusal(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    client = session_client(cast["sec"])
    detail = client.get(f"/development/people/{applicant.pk}/").content.decode()
    assert f"/records/{talk.pk}/correct/" in detail
    url = f"/development/people/{applicant.pk}/records/{talk.pk}/correct/"
    form = client.get(url).content.decode()
    assert 'value="2023-09-20"' in form and "张书记" in form
    refused = client.post(url, {"version": applicant.version, "occurred_on": "2023-10-20", "reason": "日期",
                                "done_by": "张书记", "note": "了解基本情况"})
    assert refused.status_code == 400 and "第3步" in refused.content.decode()
    done = client.post(url, {"version": applicant.version, "occurred_on": "2023-09-21", "reason": "日期填错",
                             "done_by": "张书记", "note": "了解基本情况"})
    assert done.status_code == 302
    assert "日期填错" in client.get(f"/development/people/{applicant.pk}/").content.decode()


def test_the_api_corrects(cast):
    applicant, talk = cast["applicant"], record(cast["applicant"], "talk")
    api = token_client(cast["sec"])
    url = f"/api/development/{applicant.pk}/steps/{talk.pk}/correct"
    response = api.post(url, json.dumps({"version": applicant.version, "reason": "日期填错", "occurred_on": "2023-09-21"}),
                        content_type="application/json")
    assert response.status_code == 200 and response.json()["occurred_on"] == "2023-09-21"
    stale = api.post(url, json.dumps({"version": applicant.version, "reason": "x", "occurred_on": "2023-09-22"}),
                     content_type="application/json")
    assert stale.status_code == 409
