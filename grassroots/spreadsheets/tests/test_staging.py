"""The commit replays the analysis' staged rows (services.staging) and takes the full path (reading and checking
the file again) whenever something the preview relied on has changed: both paths must write the same."""

import datetime as dt
import pickle
from decimal import Decimal

import pytest
from django.db import transaction

from grassroots.access.roles import Role
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_org, make_user
from grassroots.lifecycle.models import Transfer
from grassroots.members.models import Member
from grassroots.members.services import id_number_index, member_secrets, member_update
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import parsing, services
from grassroots.spreadsheets.choices import CommitMode, JobState
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.services import staging
from grassroots.spreadsheets.tests import files
from grassroots.spreadsheets.tests.test_services import analyze, commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_path_chunks(monkeypatch):
    """The chunks the commit read from the file again (empty when it replayed the staged rows)."""
    calls = []
    process = services.MemberImport.process

    def spy(self, chunk):
        if self.write:
            calls.append(len(chunk))
        return process(self, chunk)

    monkeypatch.setattr(services.MemberImport, "process", spy)
    return calls


def existing_row(member, branch, **overrides):
    return files.person(branch, 姓名=member.name, 身份证号=member_secrets(member)["id_number"], 出生日期=member.birth_date,
                        入党时间=member.joined_on, 转正时间=member.confirmed_on, 家庭住址=None, **overrides)


def mixed_file(tree, org_admin):
    """Three new members, one moved to another branch, one changed (education, phone), one unchanged."""
    moved = make_member(tree.village_a1, actor=org_admin, name="赵六")
    changed = make_member(tree.village_a1, actor=org_admin, name="钱七")
    same = make_member(tree.village_a1, actor=org_admin, name="孙八")
    rows = [files.person("甲一村党支部") for _ in range(3)] + [
        existing_row(moved, "甲二村党支部"),
        existing_row(changed, "甲一村党支部", 学历="硕士", 联系电话="13912345678"),
        existing_row(same, "甲一村党支部", 联系电话="13800138000"),
    ]
    return files.xlsx(rows), moved, changed, same


@pytest.mark.parametrize("path", ["replay", "full"])
def test_replay_and_full_path_write_the_same(tree, org_admin, path, full_path_chunks, spreadsheet_storage,
                                            django_capture_on_commit_callbacks):
    upload, moved, changed, same = mixed_file(tree, org_admin)
    job = analyze(org_admin, tree.town_a, upload)
    assert (job.count_new, job.count_changed, job.count_unchanged) == (3, 2, 1)
    staged = spreadsheet_storage / staging.staged_name(job)
    assert job.staged_sha256 and staged.exists() and staged.stat().st_mode & 0o077 == 0
    if path == "full":
        staged.unlink()
    services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)
    with django_capture_on_commit_callbacks(execute=True):  # the commit's own: the stored files are deleted
        job = services.import_commit_run(job.pk)
    assert job.state == JobState.COMMITTED
    assert (full_path_chunks == []) == (path == "replay")
    assert job.written == {"created": 3, "updated": 1, "moved": 1}
    assert (job.count_new, job.count_changed, job.count_unchanged, job.count_rejected) == (3, 2, 1, 0)
    assert not staged.exists() and not (spreadsheet_storage / job.stored_name).exists()
    assert Member.objects.count() == 6
    created = Member.objects.exclude(pk__in=[moved.pk, changed.pk, same.pk])
    assert {m.created_by_id for m in created} == {org_admin.pk}
    assert all(member_secrets(m)["phone"] == "13800138000" for m in created)
    changed.refresh_from_db()
    assert changed.education == "master" and member_secrets(changed)["phone"] == "13912345678"
    assert changed.version == 2
    event = AuditEvent.objects.filter(target_type="members.member", target_id=changed.pk).latest("id")
    assert event.changes["phone"] == ["138****8000", "139****5678"] and event.actor_id == org_admin.pk
    moved.refresh_from_db()
    assert moved.org == tree.village_a2
    assert Transfer.objects.get(member=moved).source == "import"
    same.refresh_from_db()
    assert same.version == 1


def test_the_replay_does_not_read_the_file_again(tree, org_admin, monkeypatch, full_path_chunks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部") for _ in range(4)]))

    def unread(job):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(services.commit, "_open", unread)
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 4 and full_path_chunks == []


def test_a_member_edited_after_the_preview_is_read_again_not_overwritten(tree, org_admin, full_path_chunks):
    member = make_member(tree.village_a1, actor=org_admin, name="钱七")
    job = analyze(org_admin, tree.town_a, files.xlsx([existing_row(member, "甲一村党支部", 学历="硕士")]))
    member_update(actor=org_admin, member=member, version=member.version, notes="预览后有人改了备注")
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == [1]
    member.refresh_from_db()
    assert (member.education, member.notes, member.version) == ("master", "预览后有人改了备注", 3)


def test_a_member_registered_after_the_preview_is_not_doubled(tree, org_admin, full_path_chunks):
    row = files.person("甲一村党支部")
    job = analyze(org_admin, tree.town_a, files.xlsx([row]))
    assert job.count_new == 1
    make_member(tree.village_a1, actor=org_admin, name=row["姓名"], id_number=row["身份证号"], birth_date=row["出生日期"])
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == [1]
    assert Member.objects.filter(id_number_hash=id_number_index(row["身份证号"])).count() == 1


def test_a_branch_renamed_after_the_preview_stops_the_commit(tree, org_admin, full_path_chunks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    Organization.objects.filter(pk=tree.village_a1.pk).update(name="甲一村第一党支部")
    job = commit(org_admin, job)
    assert job.state == JobState.PREVIEW and "未写入任何数据" in job.message
    assert Member.objects.count() == 0 and full_path_chunks == [1]


def test_a_permission_lost_after_the_preview_stops_the_commit(tree, org_admin, monkeypatch, full_path_chunks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    monkeypatch.setattr(services.MemberImport, "_can", lambda self, perm, path: False)
    job = commit(org_admin, job)
    assert job.state == JobState.PREVIEW and Member.objects.count() == 0 and full_path_chunks == [1]


def test_a_commit_on_another_day_reads_the_file_again(tree, org_admin, monkeypatch, full_path_chunks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    monkeypatch.setattr(services.rows.timezone, "localdate", lambda: tomorrow)
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == [1]


def test_an_altered_staging_file_is_not_replayed(tree, org_admin, full_path_chunks, spreadsheet_storage):
    row = files.person("甲一村党支部", 姓名="张三丰")
    job = analyze(org_admin, tree.town_a, files.xlsx([row]))
    path = spreadsheet_storage / staging.staged_name(job)
    content = path.read_bytes()
    assert content.count("张三丰".encode()) == 1
    path.write_bytes(content.replace("张三丰".encode(), "李四光".encode()))  # still a valid pickle
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == [1]  # caught at the end, undone, read again
    assert list(Member.objects.values_list("name", flat=True)) == ["张三丰"]


def test_the_staging_reader_builds_no_other_classes(tree, org_admin, spreadsheet_storage):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    path = spreadsheet_storage / staging.staged_name(job)
    path.write_bytes(path.read_bytes() + pickle.dumps([Decimal("1")]))
    job.staged_sha256 = parsing.file_digest(path)  # as if the digest had been forged too
    chunks = staging.open_staging(job, today=dt.date.today(),
                                  orgs=services.OrgIndex(job.org).fingerprint)
    assert len(next(chunks)) == 1
    with pytest.raises(staging.StagingUnusable):
        next(chunks)


def test_valid_only_replay_skips_rows_rejected_in_the_preview(tree, org_admin, full_path_chunks):
    twice = files.person("甲一村党支部")
    rows = [files.person("甲一村党支部"), twice, files.person("甲一村党支部", 身份证号="410102197503090001"),
            {**twice, "所在党支部": "甲二村党支部"}, files.person("甲二村党支部")]
    job = analyze(org_admin, tree.town_a, files.xlsx(rows))
    assert (job.count_new, job.count_rejected) == (2, 3)  # a bad check digit; one person in two branches
    job = commit(org_admin, job, mode=CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED and full_path_chunks == []
    assert job.written == {"created": 2}
    assert not Member.objects.filter(id_number_hash=id_number_index(twice["身份证号"])).exists()


def test_cancel_removes_the_staging_file(tree, org_admin, spreadsheet_storage, django_capture_on_commit_callbacks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    staged = spreadsheet_storage / staging.staged_name(job)
    assert staged.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_cancel(actor=org_admin, job=job)
    assert not staged.exists()


def snapshot():
    """Everything the commit writes, without ids and times (the two runs get their own)."""
    members = sorted(Member.objects.values_list(
        "id_number_hash", "org_id", "org_path", "tenant", "name", "name_initials", "gender", "ethnicity", "birth_date",
        "education", "occupation", "joined_on", "confirmed_on", "status", "state", "phone_hash", "phone_masked",
        "address_masked", "id_number_masked", "version", "created_by_id", "is_mobile", "notes"))
    events = sorted((e.verb, e.actor_id, e.target_label, e.org_path, str(e.changes), e.reason)
                    for e in AuditEvent.objects.filter(target_type="members.member"))
    transfers = sorted(Transfer.objects.values_list("member__name", "from_org_id", "to_org_id", "kind", "status", "source"))
    return members, events, transfers


def test_both_paths_write_the_same_records(tree, org_admin, spreadsheet_storage, full_path_chunks):
    """One preview, committed twice from the same state: by replay (then rolled back), and by the full path."""
    upload, *_members = mixed_file(tree, org_admin)
    job = analyze(org_admin, tree.town_a, upload)
    services.import_commit(actor=org_admin, job=job, mode=CommitMode.ALL)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert services.import_commit_run(job.pk).state == JobState.COMMITTED and full_path_chunks == []
        replayed = snapshot()
        raise Undo
    (spreadsheet_storage / staging.staged_name(job)).unlink()
    assert services.import_commit_run(job.pk).state == JobState.COMMITTED and full_path_chunks == [6]
    assert snapshot() == replayed
    assert len(replayed[0]) == 6 and len(replayed[1]) > 3 and len(replayed[2]) == 1


def test_a_change_in_a_later_chunk_undoes_the_replayed_ones(tree, org_admin, monkeypatch, full_path_chunks):
    monkeypatch.setattr(services.rows, "CHUNK_ROWS", 2)
    member = make_member(tree.village_a1, actor=org_admin, name="钱七")
    rows = [files.person("甲一村党支部") for _ in range(4)] + [existing_row(member, "甲一村党支部", 学历="硕士")]
    job = analyze(org_admin, tree.town_a, files.xlsx(rows))
    member_update(actor=org_admin, member=member, version=member.version, notes="预览后有人改了备注")
    job = commit(org_admin, job)  # chunks 1 and 2 replayed, chunk 3 stale: back to the savepoint, full path
    assert job.state == JobState.COMMITTED and full_path_chunks == [2, 2, 1]
    assert Member.objects.count() == 5 and job.written == {"created": 4, "updated": 1}
    member.refresh_from_db()
    assert (member.education, member.notes) == ("master", "预览后有人改了备注")


def test_another_user_may_commit_the_replay_under_their_own_name(tree, org_admin, full_path_chunks):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    town_admin = make_user("town_admin_a", Role.ORG_ADMIN, tree.town_a)
    job = commit(town_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == []
    assert Member.objects.get().created_by_id == town_admin.pk


def test_a_skipped_row_is_out_of_the_import_on_either_path(tree, org_admin, full_path_chunks):
    """Rows refused in the preview are left out of a "valid rows only" commit entirely, even if they would pass
    now (here: their branch was created after the preview); they never make a later row a duplicate."""
    twice = files.person("甲三村党支部")
    job = analyze(org_admin, tree.town_a, files.xlsx([twice, {**twice, "所在党支部": "甲二村党支部"}]))
    assert (job.count_new, job.count_rejected) == (1, 1)
    make_org(tree.town_a, "甲三村党支部")
    job = commit(org_admin, job, mode=CommitMode.VALID_ONLY)
    assert job.state == JobState.COMMITTED and full_path_chunks == [2]  # the organizations changed: full path
    assert Member.objects.get().org == tree.village_a2


def test_a_staging_that_cannot_be_written_leaves_the_preview_whole(tree, org_admin, monkeypatch, full_path_chunks,
                                                                   spreadsheet_storage):
    def full_disk(self, value):
        raise OSError(28, "No space left on device")

    dump = staging.StagingWriter._dump
    monkeypatch.setattr(staging.StagingWriter, "_dump", full_disk)
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部") for _ in range(3)]))
    assert job.state == JobState.PREVIEW and job.count_new == 3 and job.staged_sha256 == ""
    assert not (spreadsheet_storage / staging.staged_name(job)).exists()
    monkeypatch.setattr(staging.StagingWriter, "_dump", dump)
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 3 and full_path_chunks == [3]


def test_an_unreadable_staging_file_costs_speed_not_the_commit(tree, org_admin, full_path_chunks, spreadsheet_storage):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    path = spreadsheet_storage / staging.staged_name(job)
    path.unlink()
    path.mkdir()  # open() fails with IsADirectoryError
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and Member.objects.count() == 1 and full_path_chunks == [1]


def test_staged_entries_of_another_shape_are_not_replayed(tree, org_admin, full_path_chunks, spreadsheet_storage):
    job = analyze(org_admin, tree.town_a, files.xlsx([files.person("甲一村党支部")]))
    path = spreadsheet_storage / staging.staged_name(job)
    header = pickle.dumps((staging.STAGING_FORMAT, job.file_sha256, dt.date.today().isoformat(),
                           services.OrgIndex(job.org).fingerprint))
    path.write_bytes(header + pickle.dumps([(3, "x" * 64, None, "insert", {"名字": "没有所需的列"}, {})]))
    ImportJob.objects.filter(pk=job.pk).update(staged_sha256=parsing.file_digest(path))  # as if forged
    job = commit(org_admin, job)
    assert job.state == JobState.COMMITTED and full_path_chunks == [1]
    assert Member.objects.get().name != "没有所需的列"
