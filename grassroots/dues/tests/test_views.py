"""Dues pages end to end: board, member page (masked, reveal audited), declare, pay (double submit), receipt,
arrears, run with progress, register (printable and xlsx, audited), statement, remittance, self-service."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dues.models import Assessment, Payment
from grassroots.dues.tests.factories import assess, declare

pytestmark = pytest.mark.django_db
THIS_MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def member(tree):
    m = make_member(tree.village_a1, name="王交费", joined_on=dt.date(2020, 1, 1), confirmed_on=dt.date(2021, 1, 1))
    declare(m, base="4321.00", month=dt.date(2020, 1, 1))  # 43.21 a month
    assess(tree.county.path, THIS_MONTH)
    return m


def test_board_shows_collection_and_masks_member_amounts(tree, secretary_a1, member, django_assert_max_num_queries):
    for _ in range(5):
        declare(make_member(tree.village_a1), base="3000")
    assess(tree.county.path, THIS_MONTH)
    client = session_client(secretary_a1)
    with django_assert_max_num_queries(25):
        response = client.get(f"/dues/?org={tree.village_a1.pk}")
    body = response.content.decode()
    assert response.status_code == 200 and "王交费" in body and "43.21" not in body and "***" in body
    assert "0.0%" in body  # nothing paid yet


def test_county_board_breaks_down_by_child_within_budget(tree, org_admin, member, django_assert_max_num_queries):
    client = session_client(org_admin)
    with django_assert_max_num_queries(25):
        response = client.get(f"/dues/?org={tree.county.pk}&period=year&year={THIS_MONTH.year}")
    assert response.status_code == 200 and "甲镇党委" in response.content.decode()


def test_member_page_masks_until_revealed_with_a_reason(secretary_a1, member):
    client = session_client(secretary_a1)
    page = client.get(f"/dues/members/{member.pk}/").content.decode()
    assert "43.21" not in page and "4321" not in page
    assert client.post(f"/dues/members/{member.pk}/reveal/", {"reason": ""}).status_code == 400
    revealed = client.post(f"/dues/members/{member.pk}/reveal/", {"reason": "核对收缴"}).content.decode()
    assert "43.21" in revealed and "4321.00" in revealed
    assert AuditEvent.objects.filter(verb="dues.amounts.reveal", reason="核对收缴", target_id=member.pk).exists()


def test_clerk_cannot_reveal(clerk_a, member):
    response = session_client(clerk_a).post(f"/dues/members/{member.pk}/reveal/", {"reason": "x"})
    assert response.status_code == 403


def test_declare_page_field_errors_in_chinese(secretary_a1, member):
    client = session_client(secretary_a1)
    response = client.post(f"/dues/members/{member.pk}/declare/", {"category": "on_job", "effective_month": "2026-03"})
    assert response.status_code == 400 and "计算基数" in response.content.decode()
    ok = client.post(f"/dues/members/{member.pk}/declare/",
                     {"category": "farmer", "effective_month": THIS_MONTH.strftime("%Y-%m"), "fixed_amount": "0.5"})
    assert ok.status_code == 302
    assert Assessment.objects.get(member=member, month=THIS_MONTH).amount == 0.5


def test_pay_twice_with_one_form_records_one_payment_and_prints_a_receipt(secretary_a1, member):
    client = session_client(secretary_a1)
    form = client.get(f"/dues/members/{member.pk}/pay/").content.decode()
    assert THIS_MONTH.strftime("%Y-%m") in form
    data = {"idempotency_key": "double-click-key-1", "months": [THIS_MONTH.strftime("%Y-%m")],
            "paid_on": timezone.localdate().isoformat(), "method": "cash", "payer_kind": "self"}
    first = client.post(f"/dues/members/{member.pk}/pay/", data)
    second = client.post(f"/dues/members/{member.pk}/pay/", data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Payment.objects.count() == 1
    receipt = client.get(first.url).content.decode()
    assert "党费收据" in receipt and "43.21" in receipt and member.id_number_masked not in receipt


def test_arrears_and_run_pages(tree, secretary_a1, member, django_capture_on_commit_callbacks):
    client = session_client(secretary_a1)
    assert client.get(f"/dues/arrears/?org={tree.village_a1.pk}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dues/run/?org={tree.village_a1.pk}", {"month": THIS_MONTH.strftime("%Y-%m")})
    assert response.status_code == 302
    progress = client.get(response.url).content.decode()
    assert "已完成" in progress and "此前已核定 1 人" in progress
    future = (THIS_MONTH + dt.timedelta(days=40)).strftime("%Y-%m")
    assert client.post(f"/dues/run/?org={tree.village_a1.pk}", {"month": future}).status_code == 400


def test_register_printable_and_xlsx_are_audited(tree, secretary_a1, member):
    client = session_client(secretary_a1)
    year = THIS_MONTH.year
    page = client.get(f"/dues/register/?org={tree.village_a1.pk}&year={year}")
    assert page.status_code == 200 and "王交费" in page.content.decode()
    xlsx = client.get(f"/dues/register/?org={tree.village_a1.pk}&year={year}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None)
    assert "王交费" in text and "导出人" in text and member.id_number_masked not in text
    assert AuditEvent.objects.filter(verb="dues.register.export").count() == 2
    clerk = make_user("clerk_x", Role.CLERK, tree.town_a)
    assert session_client(clerk).get(f"/dues/register/?org={tree.village_a1.pk}&year={year}").status_code in (403, 404)


def test_register_neutralizes_formulas(tree, secretary_a1):
    evil = make_member(tree.village_a1, name="=HYPERLINK(1)")
    declare(evil)
    assess(tree.county.path, THIS_MONTH)
    xlsx = session_client(secretary_a1).get(f"/dues/register/?org={tree.village_a1.pk}&year={THIS_MONTH.year}&format=xlsx")
    if xlsx.status_code == 200:
        book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        names = [row[1] for row in book.active.iter_rows(values_only=True)]
        assert "'=HYPERLINK(1)" in names


def test_statement_lists_names_and_amounts_without_identifiers(tree, secretary_a1, member):
    page = session_client(secretary_a1).get(f"/dues/statement/?org={tree.village_a1.pk}&year={THIS_MONTH.year}")
    body = page.content.decode()
    assert page.status_code == 200 and "王交费" in body and "43.21" in body and member.id_number_masked not in body


def test_remittance_page(tree, secretary_a1, member):
    response = session_client(secretary_a1).get(f"/dues/remittance/?org={tree.village_a1.pk}&year={THIS_MONTH.year - 1}")
    assert response.status_code == 200 and "5%" in response.content.decode()


def test_member_sees_own_dues(tree, member):
    user = make_user("wang", Role.MEMBER, tree.village_a1)
    type(member).objects.filter(pk=member.pk).update(user=user)
    client = session_client(user)
    page = client.get("/dues/me/").content.decode()
    assert "43.21" in page and "4321.00" in page
    other = make_member(tree.village_a1)
    assert client.get(f"/dues/members/{other.pk}/").status_code == 404
    assert client.get(f"/dues/members/{member.pk}/").status_code == 200


def test_dashboard_panel_loads_collection(tree, org_admin, member, django_assert_max_num_queries):
    client = session_client(org_admin)
    response = client.get(f"/dashboard/{tree.county.pk}/")
    assert response.status_code == 200 and f"/dues/panel/{tree.county.pk}/" in response.content.decode()
    with django_assert_max_num_queries(15):  # session and grants, the org, four sums, the arrears groups
        figures = client.get(f"/dues/panel/{tree.county.pk}/")
    assert figures.status_code == 200 and "0.0%" in figures.content.decode()
    other = make_user("sec_b_panel", Role.SECRETARY, tree.village_b1)
    assert session_client(other).get(f"/dues/panel/{tree.county.pk}/").status_code == 404


# ---- rate schedules ----------------------------------------------------------------------------------------------

def _schedule_post(org, month: dt.date, bands) -> dict:
    data = {"org": org.pk, "name": "本县标准", "effective_from": month.strftime("%Y-%m"), "decision_ref": "县委文件",
            "approved_by": "县委", "bands-TOTAL_FORMS": len(bands), "bands-INITIAL_FORMS": len(bands),
            "bands-MIN_NUM_FORMS": 0, "bands-MAX_NUM_FORMS": 1000}
    for i, band in enumerate(bands):
        for name, value in vars(band).items():
            data[f"bands-{i}-{name}"] = "" if value is None else str(value)
    return data


def test_schedule_list_shows_bands_dates_and_scope(tree, secretary_a1, django_assert_max_num_queries):
    client = session_client(secretary_a1)
    with django_assert_max_num_queries(12):
        response = client.get("/dues/schedules/")
    body = response.content.decode()
    assert response.status_code == 200 and "中组发〔2008〕3号" in body and "全国" in body and "现行" in body
    assert "第二条" in body and "2008年4月1日" in body
    assert "/dues/schedules/new/" not in body  # a branch secretary cannot set a schedule


def test_county_admin_creates_a_schedule_from_the_form(tree, org_admin, django_assert_max_num_queries):
    from grassroots.dues.models import RateSchedule
    from grassroots.dues.rules import SEED_BANDS, Band

    client = session_client(org_admin)
    page = client.get(f"/dues/schedules/new/?org={tree.county.pk}")
    assert page.status_code == 200 and "第二条" in page.content.decode()  # prefilled with the bands in force
    next_month = (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)
    bands = [Band("student", "fixed", "县委文件", fixed="0.50"), *[b for b in SEED_BANDS if b.category != "student"]]
    response = client.post("/dues/schedules/new/", _schedule_post(tree.county, next_month, bands))
    assert response.status_code == 302
    schedule = RateSchedule.objects.get(scope_path=tree.county.path)
    assert schedule.effective_from == next_month and schedule.bands.count() == len(bands)
    assert AuditEvent.objects.filter(verb="dues.schedule.create", org_path=tree.county.path).count() == 1
    with django_assert_max_num_queries(12):
        listed = client.get("/dues/schedules/").content.decode()
    assert "本县标准" in listed and "待执行" in listed and tree.county.name in listed


def test_schedule_form_refuses_bad_bands_and_the_wrong_people(tree, org_admin, secretary_a1, clerk_a):
    from grassroots.dues.models import RateSchedule
    from grassroots.dues.rules import SEED_BANDS, Band

    next_month = (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)
    bands = [b for b in SEED_BANDS if b.category != "retired"]
    bands += [Band("retired", "rate", "x", None, "5000", "1.5"), Band("retired", "rate", "x", "6000", None, "0.01")]
    response = session_client(org_admin).post("/dues/schedules/new/", _schedule_post(tree.county, next_month, bands))
    body = response.content.decode()
    assert response.status_code == 400 and "比例应大于0且不超过1" in body and "首尾相接" in body
    assert 'data-field-error="rate"' in body and 'data-field-error="lower"' in body
    good = _schedule_post(tree.village_a1, next_month, SEED_BANDS)
    assert session_client(secretary_a1).post("/dues/schedules/new/", good).status_code == 403  # a branch
    assert session_client(secretary_a1).get(f"/dues/schedules/new/?org={tree.village_a1.pk}").status_code == 403
    assert session_client(clerk_a).get(f"/dues/schedules/new/?org={tree.town_a.pk}").status_code == 404  # no approve
    town_b = make_user("town_b_admin", Role.ORG_ADMIN, tree.town_b)
    assert session_client(town_b).get(f"/dues/schedules/new/?org={tree.town_a.pk}").status_code == 404  # out of scope
    assert not RateSchedule.objects.exclude(scope_path="").exists()
