from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField, subtree_q
from grassroots.orgs.choices import OrgForm, OrgKind, OrgSector, OrgStatus

PATH_STEP = 4
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def encode_segment(number: int) -> str:
    """Fixed-width base-36 segment: 36**4 = 1,679,616 children per parent."""
    if not 0 < number < len(PATH_ALPHABET) ** PATH_STEP:
        raise ValueError("path segment out of range")
    digits = []
    for _position in range(PATH_STEP):
        number, rem = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rem])
    return "".join(reversed(digits))


def decode_segment(segment: str) -> int:
    value = 0
    for char in segment:
        value = value * len(PATH_ALPHABET) + PATH_ALPHABET.index(char)
    return value


class OrganizationQuerySet(ScopedQuerySet):
    def subtree(self, path: str):
        return self.filter(subtree_q("path", path))

    def active(self):
        return self.filter(status=OrgStatus.ACTIVE)


class Organization(BaseModel):
    """A node of the Party organization tree, stored with a fixed-width materialized path."""

    scope_field = "path"

    path = PathField(_("路径"), max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级组织")
    )
    numchild = models.PositiveIntegerField(_("下级组织数"), default=0)
    name = models.CharField(_("组织名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(_("组织代码"), max_length=40, blank=True)
    kind = models.CharField(_("组织类别"), max_length=20, choices=OrgKind.choices, default=OrgKind.BRANCH)
    sector = models.CharField(_("所在领域"), max_length=30, choices=OrgSector.choices, default=OrgSector.OTHER)
    form = models.CharField(_("组建形式"), max_length=20, choices=OrgForm.choices, default=OrgForm.REGULAR)
    covered_units = models.JSONField(_("联合覆盖单位"), default=list, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_started_on = models.DateField(_("本届委员会选举日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolve_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "path"], name="org_children_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="org_code_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == OrgKind.BRANCH

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(PATH_STEP, len(self.path), PATH_STEP)]


class PartyGroup(BaseModel):
    """党小组: a subdivision of a branch (not a node of the tree)."""

    scope_field = "org__path"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="party_groups", verbose_name=_("党支部"))
    name = models.CharField(_("党小组名称"), max_length=60)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党小组")
        verbose_name_plural = _("党小组")
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="party_group_unique_name")]

    def __str__(self) -> str:
        return self.name
