"""Pages end to end: upload → job page with progress → preview → commit → history; refusals; exports."""

import io

import openpyxl
import pytest
from django.urls import reverse

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_ID_RE, FULL_MOBILE_RE, session_client
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.members.models import Member
from grassroots.spreadsheets import services
from grassroots.spreadsheets.choices import JobState
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.tests import files

pytestmark = pytest.mark.django_db


def upload(client, org, upload_file, capture, kind="members"):
    with capture(execute=True):  # the analysis task runs on commit (ImmediateBackend in tests)
        return client.post(reverse("spreadsheets:import_upload"), {"org": org.pk, "kind": kind, "file": upload_file})


def test_upload_preview_commit_end_to_end(tree, org_admin, django_capture_on_commit_callbacks):
    client = session_client(org_admin)
    bad = files.person("甲一村党支部", 身份证号="410102197503091234")
    response = upload(client, tree.town_a, files.xlsx([files.person("甲一村党支部"), bad]),
                      django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("spreadsheets:import_detail", args=[job.pk])
    assert job.state == JobState.PREVIEW and (job.count_new, job.count_rejected) == (1, 1)
    page = client.get(response.url).content.decode()
    assert "第5行" in page and "公民身份号码" in page and "校验位" in page and "下载错误报告" in page
    assert not FULL_ID_RE.search(page.replace(job.file_sha256, ""))
    assert client.get(reverse("spreadsheets:import_progress", args=[job.pk])).status_code == 200
    report = client.get(reverse("spreadsheets:import_report", args=[job.pk]))
    assert report.status_code == 200 and b"".join(report.streaming_content)[:2] == b"PK"
    refused = client.post(reverse("spreadsheets:import_commit", args=[job.pk]), {"mode": "all"})
    assert refused.status_code == 400 and "只导入正确的行" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("spreadsheets:import_commit", args=[job.pk]), {"mode": "valid_only"})
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED and Member.objects.count() == 1
    history = client.get(reverse("spreadsheets:import_list") + f"?org={tree.town_a.pk}").content.decode()
    assert "roster.xlsx" in history and "已导入" in history


def test_progress_partial_asks_for_a_reload_when_the_job_finishes(tree, org_admin, django_capture_on_commit_callbacks):
    client = session_client(org_admin)
    upload(client, tree.town_a, files.xlsx([files.person("甲一村党支部")]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    response = client.get(reverse("spreadsheets:import_progress", args=[job.pk]) + "?was=running", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_running_job_page_polls(tree, org_admin):
    job = services.import_upload(actor=org_admin, org=tree.town_a, kind="members",
                                 upload=files.xlsx([files.person("甲一村党支部")]))
    page = session_client(org_admin).get(reverse("spreadsheets:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "排队中" in page


def test_renamed_pdf_gets_a_field_error(tree, org_admin, django_capture_on_commit_callbacks):
    response = upload(session_client(org_admin), tree.town_a, files.renamed_pdf(), django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_jobs_of_another_subtree_are_not_found(tree, org_admin):
    job = services.import_upload(actor=org_admin, org=tree.town_b, kind="members",
                                 upload=files.xlsx([files.person("乙一村党支部")]))
    client = session_client(make_user("sec_a", Role.SECRETARY, tree.town_a))
    for name in ("import_detail", "import_progress", "import_report"):
        assert client.get(reverse(f"spreadsheets:{name}", args=[job.pk])).status_code == 404
    for name in ("import_commit", "import_cancel", "import_requeue"):
        assert client.post(reverse(f"spreadsheets:{name}", args=[job.pk]), {"mode": "all"}).status_code == 404
    assert "乙一村" not in client.get(reverse("spreadsheets:import_list")).content.decode()


def test_cancel_removes_the_stored_upload(tree, org_admin, spreadsheet_storage):
    job = services.import_analyze(services.import_upload(
        actor=org_admin, org=tree.town_a, kind="members", upload=files.xlsx([files.person("甲一村党支部")])).pk)
    client = session_client(org_admin)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("spreadsheets:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and not (spreadsheet_storage / job.stored_name).exists()


def test_history_page_query_budget(tree, org_admin, django_assert_max_num_queries):
    for _ in range(5):
        services.import_upload(actor=org_admin, org=tree.town_a, kind="members",
                               upload=files.xlsx([files.person("甲一村党支部")]))
    client = session_client(org_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("spreadsheets:import_list")).status_code == 200


def test_org_list_export_is_masked_watermarked_and_audited(tree, org_admin):
    tree.village_a1.contact_phone = "13812345678"
    tree.village_a1.save()
    client = session_client(make_user("sec_a", Role.SECRETARY, tree.town_a))
    response = client.post(reverse("spreadsheets:export_orgs") + f"?org={tree.town_a.pk}", {"reason": ""})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
    assert "甲一村党支部" in text and "乙一村" not in text and "导出人：sec_a" in text
    assert not FULL_MOBILE_RE.search(text) and "138****5678" in text
    assert AuditEvent.objects.filter(verb="orgs.list.export").count() == 1


def test_reveal_needs_a_reason_and_clerks_cannot_export(tree, org_admin, clerk_a):
    client = session_client(org_admin)
    response = client.post(reverse("spreadsheets:export_orgs"), {"reveal": "on", "reason": ""})
    assert response.status_code == 400 and "事由" in response.content.decode()
    assert session_client(clerk_a).post(reverse("spreadsheets:export_orgs"), {}).status_code == 404


def test_large_roster_export_becomes_a_download_job(tree, org_admin, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("grassroots.spreadsheets.rules.EXPORT_INLINE_MAX_ROWS", 1)
    make_member(tree.village_a1, actor=org_admin)
    make_member(tree.village_a1, actor=org_admin)
    client = session_client(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:member_export"))
    assert response.status_code == 302 and "/spreadsheets/export/" in response.url
    page = client.get(response.url).content.decode()
    assert "可下载" in page
    job_id = int(response.url.rstrip("/").split("/")[-1])
    download = client.get(reverse("spreadsheets:export_download", args=[job_id]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.active.max_row == 5  # title, watermark, header, two members
    other = session_client(make_user("other_admin", Role.ORG_ADMIN, tree.county))
    assert other.get(reverse("spreadsheets:export_download", args=[job_id])).status_code == 404
    assert AuditEvent.objects.filter(verb="spreadsheets.export.download").count() == 1


def test_roster_export_neutralizes_formulas(tree, org_admin):
    make_member(tree.village_a1, actor=org_admin, notes="=1+2", name="@张三")
    response = session_client(org_admin).post(reverse("members:member_export"))
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert "'=1+2" in cells and "'@张三" in cells
