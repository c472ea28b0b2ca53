"""Hypothesis: whatever people type into a cell, the importer answers with row errors, never a crash or a 500;
and whatever text the system holds, export → import is a no-op."""

import datetime as dt
import io
import string

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.api.tests.support import session_client
from grassroots.core.testing.factories import make_member
from grassroots.members.selectors import MemberFilters
from grassroots.members.services import member_roster_export
from grassroots.spreadsheets import rules, services
from grassroots.spreadsheets.choices import JobState
from grassroots.spreadsheets.models import ImportJob, ImportRow
from grassroots.spreadsheets.tests import files
from grassroots.spreadsheets.tests.test_services import roster_state

# Text openpyxl can store (XML 1.0 forbids most control characters; it refuses them itself).
CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t"), max_size=40)
TYPED = st.sampled_from(["2019.07.01", "2019年7月1日", "2019-7-1", "20190701", "2019/07", "19990231", "大专", "汉",
                         "是", "否", "ｘ", "４１０１０２", "'=1+1", "=SUM(A1)", "-1", "  ", "\n", "正式", "预备党员"])
CELL = st.one_of(st.none(), CELL_TEXT, TYPED, st.integers(-10**18, 10**18), st.booleans(),
                 st.floats(allow_nan=True, allow_infinity=True), st.dates(dt.date(1800, 1, 1), dt.date(2200, 1, 1)),
                 st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)))
MEMBER_FIELDS = [c.field for c in rules.MEMBER_COLUMNS]
ORG_FIELDS = [c.field for c in rules.ORG_COLUMNS]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


@given(st.fixed_dictionaries({f: CELL for f in MEMBER_FIELDS}), st.fixed_dictionaries({f: CELL for f in ORG_FIELDS}))
@settings(max_examples=300, deadline=None)
def test_any_cell_value_is_read_or_refused_with_a_message(member_cells, org_cells):
    for read, cells in ((rules.read_member_row, member_cells), (rules.read_org_row, org_cells)):
        values, errors = read(cells)
        assert set(values) <= set(cells) and set(errors) <= set(cells)
        assert all(isinstance(message, str) and message for message in errors.values())
        assert all(len(v) <= rules.MAX_CELL_CHARS for v in values.values() if isinstance(v, str))


@given(st.one_of(CELL, st.text()))
@settings(max_examples=300, deadline=None)
def test_clean_text_is_idempotent(value):
    once = rules.clean_text(value)
    assert rules.clean_text(once) == once


def _book(rows: list[list]) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某县党员花名册"])
    sheet.append(files.HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("fuzz.xlsx", buffer.getvalue())


@pytest.mark.django_db
@given(st.lists(st.lists(st.one_of(CELL, st.just("甲一村党支部")), min_size=len(files.HEADERS),
                         max_size=len(files.HEADERS)), min_size=1, max_size=4))
@FUZZ
def test_generated_rows_never_produce_a_500(tree, org_admin, django_capture_on_commit_callbacks, rows):
    client = session_client(org_admin)
    before = ImportJob.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("spreadsheets:import_upload"),
                               {"org": tree.town_a.pk, "kind": "members", "file": _book(rows)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused at upload (e.g. no header found): a form error, no job
        assert ImportJob.objects.count() == before
        return
    job = ImportJob.objects.latest("pk")
    assert job.state in (JobState.PREVIEW, JobState.FAILED), job.message
    assert job.count_new + job.count_changed + job.count_unchanged + job.count_rejected <= len(rows)
    for name in ("spreadsheets:import_detail", "spreadsheets:import_rows", "spreadsheets:import_progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 200
    if job.count_rejected:  # the error report exists only when rows were refused
        assert client.get(reverse("spreadsheets:import_report", args=[job.pk])).status_code == 200


NAME = st.text(st.sampled_from("张王李赵欧阳司马小明红 ·ABC"), min_size=1, max_size=12).filter(lambda s: s.strip())
NOTES = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t"), max_size=60)
ADDRESS = st.text(string.ascii_letters + "甲乙丙村组号 \n", max_size=30)


@pytest.mark.django_db
@given(NAME, NOTES, ADDRESS)
@FUZZ
def test_import_export_import_is_a_no_op_for_any_stored_text(tree, org_admin, name, notes, address):
    make_member(tree.village_a1, name=name, notes=notes, address=address)  # through the real member service
    before = roster_state()
    content, _count = member_roster_export(actor=org_admin, filters=MemberFilters(org_path=tree.town_a.path),
                                           reveal=True, reason="核对")
    job = services.import_upload(actor=org_admin, org=tree.town_a, kind="members",
                                 upload=SimpleUploadedFile("export.xlsx", content))
    job = services.import_analyze(job.pk)
    assert job.state == JobState.PREVIEW, job.message
    assert job.count_rejected == 0 and job.count_new == 0 and job.count_changed == 0, [
        (row.row_number, row.changes, row.errors) for row in ImportRow.objects.filter(job=job)]
    assert roster_state() == before
