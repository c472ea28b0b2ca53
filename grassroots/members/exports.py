"""The roster (花名册) register for the export service in grassroots/spreadsheets/exports.py: columns in the order
of the official roster (the same headers the importer reads, so an exported file imports back unchanged), rows
from an iterator over values_list, personal fields masked unless revealed.

`safe_cell`, `roster_rows`, `write_roster` and `ROSTER_COLUMNS` stay importable from here for other modules."""

import os
import tempfile
from pathlib import Path

from grassroots.core import crypto
from grassroots.members.choices import Education, Gender, MemberStatus, Occupation
from grassroots.members.permissions import MemberPerm
from grassroots.spreadsheets.exports import ExportColumn, ExportSpec, safe_cell, write_xlsx  # noqa: F401 (re-export)
from grassroots.spreadsheets.rules import MEMBER_COLUMNS

ROSTER_COLUMNS = tuple(column.header for column in MEMBER_COLUMNS)
ROSTER_WIDTHS = {"序号": 6, "公民身份号码": 20, "所在党支部": 24, "家庭住址": 24, "备注": 24}
_LABELS = {
    name: {code: str(label) for code, label in choices.choices}
    for name, choices in (("gender", Gender), ("education", Education), ("occupation", Occupation),
                          ("status", MemberStatus))
}
_FIELDS = ["name", "gender", "ethnicity", "birth_date", "id_number_masked", "education", "occupation", "joined_on",
           "confirmed_on", "status", "org_id", "phone_masked", "address_masked", "is_mobile",
           "is_unreachable", "household_plaque", "household_hub", "notes"]


def roster_rows(queryset, *, reveal: bool):
    """The roster in (org_path, id) order: one index range scan of members, no join (the organizations' names and
    codes come from one query of their own), streamed in chunks."""
    from grassroots.orgs.models import Organization

    fields = list(_FIELDS)
    if reveal:
        fields += ["id_number_enc", "phone_enc", "address_enc"]
    orgs = {pk: (name, code) for pk, name, code in Organization.objects.filter(
        pk__in=queryset.order_by().values("org_id")).values_list("id", "name", "code")}
    rows = queryset.order_by("org_path", "id").values_list(*fields).iterator(chunk_size=5000)
    for index, row in enumerate(rows, 1):
        r = dict(zip(fields, row, strict=True))
        r["org__name"], r["org__code"] = orgs.get(r["org_id"], ("", ""))
        yield [
            index, r["name"], _LABELS["gender"].get(r["gender"], ""), r["ethnicity"], r["birth_date"],
            crypto.decrypt(r["id_number_enc"]) if reveal else r["id_number_masked"],
            _LABELS["education"].get(r["education"], ""), _LABELS["occupation"].get(r["occupation"], ""),
            r["joined_on"], r["confirmed_on"], _LABELS["status"].get(r["status"], ""), r["org__name"], r["org__code"],
            crypto.decrypt(r["phone_enc"]) if reveal else r["phone_masked"],
            crypto.decrypt(r["address_enc"]) if reveal else r["address_masked"],
            r["is_mobile"], r["is_unreachable"], r["household_plaque"], r["household_hub"], r["notes"],
        ]


def roster_spec(queryset) -> ExportSpec:
    return ExportSpec(
        verb="members.roster.export", sheet_name="党员花名册",
        columns=tuple(ExportColumn(h, ROSTER_WIDTHS.get(h, 12)) for h in ROSTER_COLUMNS),
        rows=lambda reveal: roster_rows(queryset, reveal=reveal),
        export_perm=MemberPerm.EXPORT, reveal_perm=MemberPerm.REVEAL,
    )


def write_roster(rows, *, title: str, watermark: str) -> tuple[bytes, int]:
    """Compatibility: rows → xlsx bytes through the constant-memory writer (via a temporary file, removed)."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="gr-roster-")
    os.close(handle)
    try:
        columns = tuple(ExportColumn(h, ROSTER_WIDTHS.get(h, 12)) for h in ROSTER_COLUMNS)
        count = write_xlsx(name, rows, columns=columns, sheet_name="党员花名册", title=title, watermark=watermark)
        return Path(name).read_bytes(), count
    finally:
        Path(name).unlink(missing_ok=True)
