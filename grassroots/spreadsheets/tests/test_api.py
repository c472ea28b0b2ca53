"""The JSON API: upload, status, preview rows, commit, error report, exports; scoped like the pages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client, token_client
from grassroots.core.testing.factories import make_user
from grassroots.members.models import Member
from grassroots.spreadsheets import services
from grassroots.spreadsheets.choices import JobState
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.tests import files

pytestmark = pytest.mark.django_db


def test_api_upload_status_preview_commit(tree, org_admin, django_capture_on_commit_callbacks):
    client = token_client(org_admin)
    bad = files.person("甲一村党支部", 入党时间="明年")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/spreadsheets/imports", {
            "kind": "members", "org": tree.town_a.pk, "file": files.xlsx([files.person("甲一村党支部"), bad])})
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/spreadsheets/imports/{job_id}").json()
    assert status["state"] == "preview" and status["count_rejected"] == 1 and status["percent"] == 100
    assert status["has_error_report"] is True
    rows = client.get(f"/api/spreadsheets/imports/{job_id}/rows?outcome=rejected").json()
    assert rows["items"][0]["row_number"] == 5 and rows["items"][0]["errors"][0]["column"] == "入党日期"
    refused = client.post(f"/api/spreadsheets/imports/{job_id}/commit", {"mode": "all"}, content_type="application/json")
    assert refused.status_code == 400 and "mode" in refused.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"/api/spreadsheets/imports/{job_id}/commit", {"mode": "valid_only"},
                               content_type="application/json")
    assert accepted.status_code == 202
    assert client.get(f"/api/spreadsheets/imports/{job_id}").json()["state"] == "committed"
    assert Member.objects.count() == 1
    report = client.get(f"/api/spreadsheets/imports/{job_id}/report")
    assert report.status_code == 200


def test_api_refuses_other_subtrees(tree, org_admin):
    job = services.import_upload(actor=org_admin, org=tree.town_b, kind="members",
                                 upload=files.xlsx([files.person("乙一村党支部")]))
    client = token_client(make_user("sec_a", Role.SECRETARY, tree.town_a))
    assert client.get(f"/api/spreadsheets/imports/{job.pk}").status_code == 404
    assert client.get(f"/api/spreadsheets/imports/{job.pk}/rows").status_code == 404
    assert client.post(f"/api/spreadsheets/imports/{job.pk}/commit", {"mode": "all"},
                       content_type="application/json").status_code == 404
    response = client.post("/api/spreadsheets/imports", {"kind": "members", "org": tree.town_b.pk,
                                                          "file": files.xlsx([files.person("乙一村党支部")])})
    assert response.status_code == 404
    assert client.get("/api/spreadsheets/imports").json() == []


def test_api_export_job(tree, org_admin, django_capture_on_commit_callbacks):
    client = token_client(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/spreadsheets/exports", {"kind": "orgs", "org": tree.town_a.pk},
                               content_type="application/json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert client.get(f"/api/spreadsheets/exports/{job_id}").json()["state"] == "ready"
    download = client.get(f"/api/spreadsheets/exports/{job_id}/download")
    assert download.status_code == 200
    no_reason = client.post("/api/spreadsheets/exports", {"kind": "roster", "reveal": True},
                            content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]


CELL = st.one_of(
    st.none(), st.text(max_size=40), st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(), st.sampled_from(["=1+1", "@x", "２０１９．０７．０１", "x", "汉", "大专", "410102197503091234", " \n "]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=15, max_size=15), min_size=1, max_size=4))
def test_hypothesis_cell_values_never_produce_a_500(tree, org_admin, rows):
    """Whatever the cells hold, the upload and the preview answer with a state and messages, never a 500."""
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(files.HEADERS)
    for row in rows:
        sheet.append([c if not (isinstance(c, str) and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in c)) else "?"
                      for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    client = session_client(org_admin)
    response = client.post("/spreadsheets/import/", {"org": tree.town_a.pk, "kind": "members",
                                                     "file": SimpleUploadedFile("h.xlsx", buffer.getvalue())})
    assert response.status_code in (302, 400)
    job = ImportJob.objects.order_by("-id").first()
    if response.status_code == 302:
        job = services.import_analyze(job.pk)
        assert job.state in (JobState.PREVIEW, JobState.FAILED)
        assert "处理文件时出错" not in job.message
        assert client.get(f"/spreadsheets/import/{job.pk}/").status_code == 200
