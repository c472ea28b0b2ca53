"""The 三会一课 record book as xlsx through the one export service (spreadsheets/exports.py): constant-memory
xlsxwriter, one row per meeting in date order, the watermark row, formula injection neutralized, audited."""

from grassroots.orglife.permissions import OrgLifePerm
from grassroots.spreadsheets.exports import ExportColumn, ExportSpec

BOOK_COLUMNS = ("序号", "日期", "会议类型", "党小组", "主题", "地点", "主持人", "记录人", "应到", "实到",
                "出席人员", "缺席人员（原因）", "请假人员（原因）", "列席流动党员", "议程", "会议记录", "决议事项",
                "表决事项", "赞成", "反对", "弃权", "表决结果")


def book_rows(entries):
    for index, entry in enumerate(entries, 1):
        m = entry["meeting"]
        adopted = "" if m.vote_adopted is None else ("通过" if m.vote_adopted else "未通过")
        yield [index, m.date, m.get_kind_display(), m.party_group.name if m.party_group else "", m.topic, m.place,
               m.host.name if m.host else "", m.recorder.name if m.recorder else "", m.expected_count,
               m.present_count, "、".join(entry["present"]), "、".join(entry["absent"]), "、".join(entry["excused"]),
               "、".join(entry["guests"]), m.agenda, m.minutes, m.resolutions, m.vote_subject, m.vote_yes, m.vote_no,
               m.vote_abstain, adopted]


def book_spec(entries) -> ExportSpec:
    return ExportSpec(
        verb="orglife.book.export", sheet_name="三会一课记录",
        columns=tuple(ExportColumn(h, 5 if i == 0 else (11 if i < 10 else 24), wrap=i >= 10)
                      for i, h in enumerate(BOOK_COLUMNS)),
        rows=lambda _reveal: book_rows(entries), export_perm=OrgLifePerm.EXPORT, note="仅限党内工作使用",
    )
