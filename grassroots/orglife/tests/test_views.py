import datetime as dt
import io
import json

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.core.testing.factories import TEST_PASSWORD, make_member, make_user
from grassroots.orglife.models import Attachment, Meeting
from grassroots.orglife.tests.factories import branch_members, record

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def people(tree, org_admin):
    return branch_members(tree.village_a1, org_admin, 5)


def test_secretary_records_a_meeting_through_the_two_step_form(tree, secretary_a1, people):
    client = client_for(secretary_a1)
    day = timezone.localdate().isoformat()
    page = client.get(f"/orglife/org/{tree.village_a1.pk}/record/?kind=general_meeting&date={day}")
    assert page.status_code == 200 and people[0].name in page.content.decode()
    body = {"kind": "general_meeting", "date": day, "party_group": "", "topic": "学习党章", "host": people[0].pk,
            "recorder": people[1].pk, "expected_count": "6"}
    for person in people:
        body[f"att_{person.pk}"] = "present"
    body[f"att_{people[4].pk}"] = "absent"
    response = client.post(f"/orglife/org/{tree.village_a1.pk}/record/", body)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-field-error="expected_count"' in text and 'data-field-error="attendance"' in text  # no reason
    body.update({"expected_count": "5", f"reason_{people[4].pk}": "住院"})
    response = client.post(f"/orglife/org/{tree.village_a1.pk}/record/", body)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.expected_count, meeting.present_count, meeting.host_id) == (5, 4, people[0].pk)
    detail = client.get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    assert "应到 5 人，实到 4 人" in detail and "住院" in detail


def test_calendar_board_year_and_book_render_within_a_query_budget(tree, secretary_a1, org_admin, people,
                                                                   django_assert_max_num_queries):
    for month in (1, 2, 3):
        record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, month, 8))
    client = client_for(org_admin)
    with django_assert_max_num_queries(20):
        assert client.get(f"/orglife/org/{tree.village_a1.pk}/calendar/?month=2026-03").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/orglife/board/{tree.county.pk}/?month=2026-03").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/orglife/org/{tree.village_a1.pk}/year/?year=2026").status_code == 200
    with django_assert_max_num_queries(20):
        book = client.get(f"/orglife/org/{tree.village_a1.pk}/book/?year=2026")
    assert book.status_code == 200 and "三会一课" in book.content.decode()
    export = client.post(f"/orglife/org/{tree.village_a1.pk}/book/export/?year=2026")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sum(1 for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] and isinstance(row[0], int)) == 3


def test_plan_appears_on_the_dashboard_panel(tree, secretary_a1):
    client = client_for(secretary_a1)
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"/orglife/org/{tree.village_a1.pk}/plan/",
                           {"kind": "theme_day", "date": day, "topic": "重温入党誓词", "place": "村部"})
    assert response.status_code == 302
    dashboard = client.get(f"/dashboard/{tree.village_a1.pk}/").content.decode()
    assert f"/orglife/panel/{tree.village_a1.pk}/" in dashboard  # loaded by HTMX
    panel = client.get(f"/orglife/panel/{tree.village_a1.pk}/").content.decode()
    assert "近期计划召开" in panel and "主题党日" in panel


def test_attachment_download_is_scoped(tree, secretary_a1, org_admin, people):
    meeting = record(secretary_a1, tree.village_a1)
    client = client_for(secretary_a1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"x" * 50, content_type="application/pdf")
    assert client.post(f"/orglife/meetings/{meeting.pk}/attachments/", {"file": upload}).status_code == 302
    item = Attachment.objects.get()
    response = client.get(f"/orglife/attachments/{item.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    outsider = make_user("sec_b1", Role.SECRETARY, tree.village_b1)
    assert client_for(outsider).get(f"/orglife/attachments/{item.pk}/").status_code == 404
    assert client_for(outsider).get(f"/orglife/meetings/{meeting.pk}/").status_code == 404
    assert client_for(outsider).post(f"/orglife/attachments/{item.pk}/delete/").status_code == 404
    assert Client().get(f"/orglife/attachments/{item.pk}/").status_code == 302  # to login


def test_api_records_a_meeting_and_refuses_counts_that_disagree(tree, secretary_a1, people):
    client = client_for(secretary_a1)
    day = timezone.localdate().isoformat()
    roster = client.get(f"/api/orglife/orgs/{tree.village_a1.pk}/roster?kind=general_meeting&date={day}").json()
    assert {r["id"] for r in roster} == {p.pk for p in people}
    body = {"kind": "general_meeting", "date": day, "topic": "表决", "expected_count": 7,
            "attendance": [{"member": r["id"], "status": "present"} for r in roster],
            "vote_subject": "村级重大事项", "vote_yes": 3, "vote_no": 2, "vote_abstain": 0}
    response = client.post(f"/api/orglife/orgs/{tree.village_a1.pk}/meetings", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 400 and "expected_count" in response.json()["errors"]
    body["expected_count"] = 5
    response = client.post(f"/api/orglife/orgs/{tree.village_a1.pk}/meetings", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["expected_count"], data["present_count"], data["vote_adopted"]) == (5, 5, True)
    detail = client.get(f"/api/orglife/meetings/{data['id']}").json()
    assert len(detail["attendance"]) == 5
    board = client.get(f"/api/orglife/orgs/{tree.village_a1.pk}/compliance?month={day[:7]}-01")
    assert board.status_code == 200


def test_api_meeting_of_a_sibling_branch_is_not_found(tree, org_admin, secretary_a1):
    make_member(tree.village_b1, actor=org_admin)
    meeting = record(org_admin, tree.village_b1, kind="theme_day")
    client = client_for(secretary_a1)
    assert client.get(f"/api/orglife/meetings/{meeting.pk}").status_code == 404
    assert client.post(f"/api/orglife/meetings/{meeting.pk}/cancel", json.dumps({"version": 1, "reason": "x"}),
                       content_type="application/json").status_code == 404
    assert client.post(f"/orglife/meetings/{meeting.pk}/cancel/", {"version": 1, "reason": "x"}).status_code == 404
    assert client.get(f"/orglife/meetings/{meeting.pk}/record/").status_code == 404
    clerk = make_user("clerk_b", Role.CLERK, tree.village_b1)
    assert client_for(clerk).post(f"/orglife/org/{tree.village_b1.pk}/book/export/").status_code in (403, 404)
