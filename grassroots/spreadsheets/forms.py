from django import forms

from grassroots.access.scoping import orgs_for
from grassroots.core.forms import TablerFormMixin
from grassroots.core.paths import subtree_q
from grassroots.orgs.choices import OrgStatus
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import rules
from grassroots.spreadsheets.choices import CommitMode, ImportKind
from grassroots.spreadsheets.permissions import SpreadsheetPerm

ORG_CHOICES_LIMIT = 500


def import_orgs(actor):
    """Organizations the actor may import into (their import scope, active, in tree order)."""
    query = None
    for prefix in orgs_for(actor, SpreadsheetPerm.IMPORT):
        part = subtree_q("path", prefix)
        query = part if query is None else query | part
    if query is None:
        return Organization.objects.none()
    return Organization.objects.filter(query, status=OrgStatus.ACTIVE).order_by("path")


class UploadForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportKind.choices, initial=ImportKind.MEMBERS)
    org = forms.IntegerField(label="导入到（党组织）", widget=forms.Select)
    file = forms.FileField(label="Excel 文件（.xlsx、.xls 或 .csv）",
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(rules.KNOWN_EXTENSIONS)}))
    sheet_name = forms.CharField(label="工作表名称（可不填，默认第一个可见工作表）", max_length=100, required=False)
    include_hidden = forms.BooleanField(label="允许导入隐藏的工作表（须填写其名称）", required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = import_orgs(actor).values_list("pk", "name", "depth")[:ORG_CHOICES_LIMIT] if actor else []
        self.fields["org"].widget.choices = [(pk, "　" * (depth - 1) + name) for pk, name, depth in orgs]



class CommitForm(TablerFormMixin, forms.Form):
    mode = forms.ChoiceField(label="导入方式", choices=CommitMode.choices, widget=forms.RadioSelect)


class ExportForm(TablerFormMixin, forms.Form):
    reveal = forms.BooleanField(label="包含完整个人信息（默认脱敏）", required=False)
    reason = forms.CharField(label="事由（包含完整信息时必填）", max_length=200, required=False)
