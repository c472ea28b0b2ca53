"""The corpus of nasty files, each with its expected outcome, through upload → analysis → commit."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.access.roles import Role
from grassroots.core.errors import DomainError
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.lifecycle.models import Transfer
from grassroots.members.models import Member
from grassroots.members.selectors import MemberFilters
from grassroots.members.services import id_number_index, member_roster_export, member_secrets
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import parsing, services
from grassroots.spreadsheets.choices import CommitMode, JobState, RowOutcome
from grassroots.spreadsheets.models import ImportRow
from grassroots.spreadsheets.tests import files

pytestmark = pytest.mark.django_db


def analyze(actor, org, upload, kind="members", **options):
    job = services.import_upload(actor=actor, org=org, kind=kind, upload=upload, **options)
    return services.import_analyze(job.pk)


def commit(actor, job, mode=CommitMode.ALL):
    services.import_commit(actor=actor, job=job, mode=mode)
    return services.import_commit_run(job.pk)


def rejected(job) -> dict[int, list[dict]]:
    return {r.row_number: r.errors for r in ImportRow.objects.filter(job=job, outcome=RowOutcome.REJECTED)}


def roster_state():
    return sorted(Member.objects.values_list("id_number_hash", "org_id", "name", "status", "joined_on", "phone_hash",
                                             "education", "version"))


def test_merged_title_rows_mixed_dates_full_width_text_import_cleanly(tree, org_admin):
    rows = [
        files.person("甲一村党支部", 入党时间="2001.07.01", 转正时间="2002年7月1日"),
        files.person("甲一村党支部", 入党时间="2001-7-1", 转正时间=20020701, 学历="大专"),
        files.person("甲二村党支部", 入党时间=37073, 转正时间="2002/07", 民族="汉", 学历="中技"),
        files.person("甲二村党支部", 姓名="李　 四", 联系电话="１３９００１３９０００", 所在党支部="甲二村党支部\n"),
    ]
    rows[3]["身份证号"] = " " + rows[3]["身份证号"].lower().replace("x", "ｘ") + "\n"
    job = analyze(org_admin, tree.town_a, files.xlsx(rows))
    assert job.state == JobState.PREVIEW, job.message
    assert job.header_row == 3 and (job.count_new, job.count_rejected) == (4, 0)
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and job.written == {"created": 4}
    members = {m.name: m for m in Member.objects.all()}
    assert members["李四"].org == tree.village_a2
    assert member_secrets(members["李四"])["phone"] == "13900139000"
    assert {m.joined_on for m in members.values()} == {dt.date(2001, 7, 1)}
    assert sorted(m.education for m in members.values()) == ["bachelor", "bachelor", "college", "secondary_vocational"]
    assert AuditEvent.objects.filter(verb="spreadsheets.import.commit", target_id=job.pk).count() == 1


def test_importing_the_same_file_twice_changes_nothing(tree, org_admin):
    content = files.xlsx([files.person("甲一村党支部") for _ in range(6)]).read()
    commit(org_admin, analyze(org_admin, tree.town_a, SimpleUploadedFile("roster.xlsx", content)))
    before = roster_state()
    again = analyze(org_admin, tree.town_a, SimpleUploadedFile("roster.xlsx", content))
    assert (again.count_new, again.count_changed, again.count_unchanged) == (0, 0, 6)
    assert list(services.same_file_imports(again))
    commit(org_admin, again)
    assert roster_state() == before


def test_wrong_check_digit_is_rejected_with_row_column_and_reason(tree, org_admin):
    good, bad = files.person("甲一村党支部"), files.person("甲一村党支部")
    bad["身份证号"] = bad["身份证号"][:17] + ("0" if bad["身份证号"][17] != "0" else "1")
    job = analyze(org_admin, tree.town_a, files.xlsx([good, bad]))
    assert (job.count_new, job.count_rejected) == (1, 1)
    errors = rejected(job)[5]  # title, note, header, good row, bad row
    assert errors == [{"column": "公民身份号码", "message": errors[0]["message"]}]
    assert "校验位" in errors[0]["message"]
    with pytest.raises(DomainError):
        services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)
    job = commit(org_admin, job, CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 1


def test_error_report_holds_the_original_rows_and_reasons(tree, org_admin, spreadsheet_storage):
    bad = files.person("甲一村党支部", 入党时间="去年")
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部"), bad]))
    path = services.import_report_download(actor=org_admin, job=job)
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][:2] == ("序号", "姓名") and values[2][-2:] == ("错误原因", "原行号")
    assert values[3][1] == bad["姓名"] and "入党日期" in values[3][-2] and values[3][-1] == 5
    reupload = analyze(org_admin, tree.town_a, _as_upload(path))
    assert reupload.count_rejected == 1  # the report imports again (after fixing) with the same header


def _as_upload(path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("errors.xlsx", path.read_bytes())


def test_duplicate_rows_in_one_branch_keep_the_first(tree, org_admin):
    row = files.person("甲一村党支部")
    job = analyze(org_admin, tree.town_a, files.xlsx([row, dict(row)]))
    assert (job.count_new, job.count_rejected) == (1, 1)
    assert "第4行" in rejected(job)[5][0]["message"]


def test_a_person_listed_twice_with_different_branches_is_rejected_twice(tree, org_admin):
    row = files.person("甲一村党支部")
    job = analyze(org_admin, tree.town_a, files.xlsx([row, {**row, "所在党支部": "甲二村党支部"}]))
    assert (job.count_new, job.count_rejected) == (0, 2)
    assert set(rejected(job)) == {4, 5}
    job = commit(org_admin, job, CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 0


def test_branch_outside_the_users_scope_is_rejected_not_created(tree, org_admin):
    secretary = make_user("sec_a", Role.SECRETARY, tree.town_a)
    job = analyze(secretary, tree.town_a, files.xlsx([files.person("乙一村党支部"), files.person("新村党支部")]))
    assert job.count_rejected == 2
    assert all("不在本次导入范围" in e[0]["message"] for e in rejected(job).values())
    assert not Organization.objects.filter(name="新村党支部").exists()


def test_a_member_known_outside_the_scope_gets_a_neutral_refusal(tree, org_admin):
    elsewhere = make_member(tree.village_b1, actor=org_admin)
    secretary = make_user("sec_a", Role.SECRETARY, tree.town_a)
    row = files.person("甲一村党支部", 身份证号=member_secrets(elsewhere)["id_number"], 出生日期=elsewhere.birth_date)
    job = analyze(secretary, tree.town_a, files.xlsx([row]))
    assert job.count_rejected == 1
    assert "联系上级组织部门" in rejected(job)[4][0]["message"]
    assert Member.objects.get(pk=elsewhere.pk).org == tree.village_b1


def test_a_member_placed_in_another_branch_is_moved_not_doubled(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin, name="赵六", birth_date=dt.date(1980, 5, 17))
    row = files.person("甲二村党支部", 姓名="赵六", 身份证号=member_secrets(member)["id_number"],
                       出生日期=member.birth_date, 入党时间=member.joined_on, 转正时间=member.confirmed_on)
    job = analyze(org_admin, tree.town_a, files.xlsx([row]))
    assert job.count_changed == 1
    change = ImportRow.objects.get(job=job, outcome=RowOutcome.CHANGED).changes
    assert change["org"] == ["甲一村党支部", "甲二村党支部"]
    job = commit(org_admin, job)
    assert Member.objects.filter(id_number_hash=member.id_number_hash).count() == 1
    member.refresh_from_db()
    assert member.org == tree.village_a2 and member.org_path == tree.village_a2.path
    assert job.written["moved"] == 1
    transfer = Transfer.objects.get(member=member)  # a transfer event, recorded by the lifecycle module
    assert (transfer.kind, transfer.status, transfer.source) == ("direct", "completed", "import")
    assert (transfer.from_org_id, transfer.to_org_id) == (tree.village_a1.pk, tree.village_a2.pk)


def test_changed_fields_are_written_with_masked_history(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin, name="钱七", birth_date=dt.date(1980, 5, 17))
    row = files.person("甲一村党支部", 姓名="钱七", 身份证号=member_secrets(member)["id_number"], 出生日期=member.birth_date,
                       入党时间=member.joined_on, 转正时间=member.confirmed_on, 联系电话="13912345678", 学历="硕士")
    job = commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx([row])))
    member.refresh_from_db()
    assert member.education == "master" and member_secrets(member)["phone"] == "13912345678"
    event = AuditEvent.objects.filter(target_type="members.member", target_id=member.pk).latest("id")
    assert event.changes["phone"] == ["138****8000", "139****5678"]
    assert "13912345678" not in str(event.changes)
    assert job.written["updated"] == 1


def test_empty_sheet_fails_with_a_message(tree, org_admin):
    job = analyze(org_admin, tree.town_a, files.empty_book())
    assert job.state == JobState.FAILED and "空" in job.message


@pytest.mark.parametrize(("upload", "words"), [
    (files.zip_bomb(), "压缩炸弹"),
    (files.renamed_pdf(), "PDF"),
])
def test_dangerous_files_are_refused_at_upload(tree, org_admin, upload, words, spreadsheet_storage):
    with pytest.raises(parsing.FileRejected, match=words):
        services.import_upload(actor=org_admin, org=tree.town_a, kind="members", upload=upload)
    assert not list((spreadsheet_storage / "imports").glob("*"))  # nothing left behind
    assert AuditEvent.objects.filter(verb="spreadsheets.import.upload", outcome="failure").count() == 1


def test_file_size_limit(tree, org_admin, monkeypatch):
    monkeypatch.setattr("grassroots.spreadsheets.rules.MAX_FILE_BYTES", 1000)
    with pytest.raises(parsing.FileRejected, match="太大"):
        services.import_upload(actor=org_admin, org=tree.town_a, kind="members",
                               upload=files.xlsx([files.person("甲一村党支部") for _ in range(20)]))


def test_row_limit(tree, org_admin, monkeypatch):
    monkeypatch.setitem(services.rules.MAX_DATA_ROWS, "members", 3)
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部") for _ in range(4)]))
    assert job.state == JobState.FAILED and "上限3行" in job.message


def test_hidden_sheets_are_ignored_unless_chosen(tree, org_admin):
    visible, hidden = files.person("甲一村党支部"), files.person("甲一村党支部")
    job = analyze(org_admin, tree.town_a, files.xlsx([visible], hidden=[hidden]))
    assert job.count_new == 1 and job.sheet_name == "花名册"
    with pytest.raises(parsing.FileRejected, match="隐藏"):
        analyze(org_admin, tree.town_a, files.xlsx([visible], hidden=[hidden]), sheet_name="隐藏")
    job = analyze(org_admin, tree.town_a, files.xlsx([visible], hidden=[hidden, hidden]), sheet_name="隐藏",
                  include_hidden=True)
    assert (job.count_new, job.count_rejected) == (1, 1)


def test_formulas_are_read_as_values_only(tree, org_admin):
    rows = [files.person("甲一村党支部", 备注="=HYPERLINK(\"http://x\")")]
    job = commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx(rows)))
    assert job.state == JobState.COMMITTED
    assert Member.objects.get().notes in ("", '=HYPERLINK("http://x")')  # openpyxl stores no cached value


def test_csv_in_gb18030_imports(tree, org_admin):
    job = analyze(org_admin, tree.town_a, files.csv_file([files.person("甲一村党支部")], encoding="gb18030"))
    assert job.state == JobState.PREVIEW and job.count_new == 1


def test_a_killed_commit_leaves_nothing_and_can_be_requeued(tree, org_admin, monkeypatch):
    rows = [files.person("甲一村党支部") for _ in range(5)]
    job = analyze(org_admin, tree.town_a, files.xlsx(rows))
    services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services.rows, "insert_rows", crash)  # looked up in services.rows (MemberImport._flush)
    job = services.import_commit_run(job.pk)
    assert job.state == JobState.FAILED and Member.objects.count() == 0
    monkeypatch.undo()
    services.import_requeue(actor=org_admin, job=job)
    job = services.import_commit_run(job.pk)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 5


def test_a_stalled_job_can_be_requeued_only_after_the_stale_limit(tree, org_admin):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)  # the worker never picks it up
    with pytest.raises(DomainError):
        services.import_requeue(actor=org_admin, job=job)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    job = services.import_requeue(actor=org_admin, job=job, now=later)
    assert job.state == JobState.COMMITTING
    assert services.import_commit_run(job.pk).state == JobState.COMMITTED


def test_commit_refused_outside_scope_and_for_wrong_state(tree, org_admin):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    outsider = make_user("sec_b", Role.SECRETARY, tree.town_b)
    with pytest.raises(DomainError):
        services.import_commit(actor=outsider, job=job, mode=CommitMode.ALL)
    commit(org_admin, job)
    with pytest.raises(DomainError):
        services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)


def test_import_export_import_is_a_no_op(tree, org_admin):
    rows = [files.person("甲一村党支部"), files.person("甲二村党支部", 党员类别="预备党员", 转正时间=None),
            files.person("甲二村党支部", 学历="初中", 民族="回族", 备注="+备注")]
    commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx(rows)))
    before = roster_state()
    content, count = member_roster_export(actor=org_admin, filters=MemberFilters(org_path=tree.town_a.path),
                                          reveal=True, reason="核对")
    assert count == 3
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = analyze(org_admin, tree.town_a, SimpleUploadedFile("export.xlsx", content))
    assert (job.count_new, job.count_changed, job.count_rejected, job.count_unchanged) == (0, 0, 0, 3)
    commit(org_admin, job)
    assert roster_state() == before


def test_a_masked_export_imported_back_changes_nothing(tree, org_admin):
    commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")])))
    before = roster_state()
    content, _count = member_roster_export(actor=org_admin, filters=MemberFilters())
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = analyze(org_admin, tree.town_a, SimpleUploadedFile("masked.xlsx", content))
    assert job.count_rejected == 1 and "脱敏" in rejected(job)[4][0]["message"]
    assert roster_state() == before


def test_fifty_thousand_rows(tree, org_admin):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(files.HEADERS)
    for index in range(50_000):
        birth = dt.date(1950 + index % 30, 1 + index % 12, 1 + index % 28)
        row = files.person("甲一村党支部", birth=birth, 性别="男" if index % 2 else "女")  # _id: odd sequence = male
        row["身份证号"] = _id(birth, index)
        sheet.append([row.get(h) for h in files.HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = analyze(org_admin, tree.village_a1, SimpleUploadedFile("big.xlsx", buffer.getvalue()))
    assert job.state == JobState.PREVIEW, job.message
    assert (job.total_rows, job.count_new, job.count_rejected) == (50_000, 50_000, 0)


def _id(birth, index):
    from grassroots.core.identity import make_id_number

    regions = ("410102", "410103", "410104", "410105", "410106", "410107", "410108", "410109", "410110", "410111")
    return make_id_number(regions[index // 10_000 % 10], birth, index % 1000)


def test_org_import_creates_children_matches_existing_and_refuses_outside(tree, org_admin):
    rows = [
        ["甲三村党支部", "甲镇党委", "党支部", "村", "2010.05.01", "王五", "13800000000"],
        ["甲三村第一党小组支部", "甲三村党支部", "党支部", "村", None, None, None],
        ["甲一村党支部", "甲镇党委", "党支部", "村", None, "新联系人", None],
        ["乙二村党支部", "乙镇党委", "党支部", "村", None, None, None],
    ]
    job = analyze(org_admin, tree.town_a, files.org_file(rows), kind="orgs")
    assert job.state == JobState.PREVIEW, job.message
    assert (job.count_new, job.count_changed, job.count_rejected) == (2, 1, 1)
    assert not Organization.objects.filter(name="甲三村党支部").exists()  # the preview was rolled back
    job = commit(org_admin, job, CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED, job.message
    new = Organization.objects.get(name="甲三村党支部")
    assert new.parent == tree.town_a and new.founded_on == dt.date(2010, 5, 1)
    assert Organization.objects.get(name="甲三村第一党小组支部").parent == new
    tree.village_a1.refresh_from_db()
    assert tree.village_a1.contact_name == "新联系人"
    assert not Organization.objects.filter(name="乙二村党支部").exists()


def test_clerk_may_import_but_not_export(tree, org_admin, clerk_a):
    job = commit(clerk_a, analyze(clerk_a, tree.town_a, files.xlsx([files.person("甲一村党支部")])))
    assert job.state == JobState.COMMITTED
    with pytest.raises(DomainError):
        member_roster_export(actor=clerk_a, filters=MemberFilters())


def test_members_keyed_on_the_blind_index(tree, org_admin):
    row = files.person("甲一村党支部")
    commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx([row])))
    assert Member.objects.filter(id_number_hash=id_number_index(row["身份证号"])).exists()


def test_over_long_text_is_a_cell_error_not_a_database_error(tree, org_admin):
    long_name = "欧阳" * 26  # 52 characters; the roster column holds 50
    rows = [files.person("甲一村党支部", 姓名=long_name), files.person("甲一村党支部")]
    job = analyze(org_admin, tree.town_a, files.xlsx(rows))
    errors = rejected(job)
    assert list(errors) == [4] and errors[4][0]["column"] == "姓名" and "50" in errors[4][0]["message"]
    job = commit(org_admin, job, CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 1

    org_rows = [["甲" * 121, "甲镇党委", "党支部", "村", None, None, None],
                ["甲四村党支部", "甲镇党委", "党支部", "村", None, "联" * 51, None]]
    job = analyze(org_admin, tree.town_a, files.org_file(org_rows), kind="orgs")
    assert job.count_rejected == 2, job.message
    messages = [e["message"] for errs in rejected(job).values() for e in errs]
    assert any("120" in m for m in messages) and any("50" in m for m in messages)


def test_text_typed_with_line_breaks_in_the_system_round_trips_unchanged(tree, org_admin):
    """Notes kept with line breaks and double spaces (typed on the member page) come back from an export as the
    same cleaned text: import → export → import reports them unchanged, not changed."""
    make_member(tree.village_a1, notes="第一行\n第二行  两个空格", name="李四")
    content, count = member_roster_export(actor=org_admin, filters=MemberFilters(org_path=tree.town_a.path),
                                          reveal=True, reason="核对")
    assert count == 1
    before = roster_state()
    job = analyze(org_admin, tree.town_a, SimpleUploadedFile("export.xlsx", content))
    assert (job.count_new, job.count_changed, job.count_unchanged) == (0, 0, 1), rejected(job)
    commit(org_admin, job)
    assert roster_state() == before


def test_an_import_runs_with_the_smaller_sqlite_cache_and_gives_it_back(tree, org_admin, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache is in the process; PostgreSQL's is the server's")

    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before, seen = cache_size(), []
    process, replay = services.MemberImport.process, services.MemberImport.replay
    monkeypatch.setattr(services.MemberImport, "process", lambda self, chunk: seen.append(cache_size())
                        or process(self, chunk))
    monkeypatch.setattr(services.MemberImport, "replay", lambda self, chunk: seen.append(cache_size())
                        or replay(self, chunk))
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    commit(org_admin, job)
    assert seen == [services.IMPORT_SQLITE_CACHE_KIB] * 2 and cache_size() == before != seen[0]


def test_an_import_runs_with_the_garbage_collector_paused_and_restores_it(tree, org_admin, monkeypatch):
    import gc

    seen = []
    process, replay = services.MemberImport.process, services.MemberImport.replay
    monkeypatch.setattr(services.MemberImport, "process", lambda self, chunk: seen.append(gc.isenabled())
                        or process(self, chunk))
    monkeypatch.setattr(services.MemberImport, "replay", lambda self, chunk: seen.append(gc.isenabled())
                        or replay(self, chunk))
    assert gc.isenabled()
    job = commit(org_admin, analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")])))
    assert job.state == JobState.COMMITTED and seen == [False, False] and gc.isenabled()
    gc.disable()  # a caller that had paused it itself gets it back paused
    try:
        analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
        assert not gc.isenabled()
    finally:
        gc.enable()
