"""Request and response shapes of the organization API. Text limits come from the model columns."""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, field_validator

from grassroots.api.schemas import Date, Id, InputSchema, PageOut, Version, text, text_for
from grassroots.orgs.choices import OrgForm, OrgKind, OrgSector
from grassroots.orgs.models import Organization

OrgName = text_for(Organization, "name", strip=True)
CoveredUnits = Annotated[list[text(100, strip=True)], Field(max_length=50)]


class OrgRefOut(Schema):
    id: int
    name: str


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    kind: str
    sector: str
    form: str
    status: str
    depth: int
    parent_id: int | None
    numchild: int
    version: int


class OrgWarningOut(Schema):
    code: str
    level: str = Field(description="danger | warning | info")
    message: str
    source: str


class OrgRecordOut(OrgOut):
    parent: OrgRefOut | None
    covered_units: list[str]
    founded_on: dt.date | None
    term_started_on: dt.date | None
    contact_name: str
    contact_phone: str
    address: str
    dissolved_on: dt.date | None
    dissolve_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime


class OrgDetailOut(OrgRecordOut):
    term_ends_on: dt.date | None = Field(description="本届任期届满日期（按组织类别和领域的任期年限计算）")
    warnings: list[OrgWarningOut] = Field(description="按党内法规检查出的提示，如正式党员不足3名、任期届满")


class OrgPageOut(PageOut):
    items: list[OrgOut]


class OrgChildrenQuery(Schema):
    include_dissolved: bool = False


class OrgSearchQuery(Schema):
    q: text(100) = Field("", description="组织名称的一部分，或完整的组织代码")


class OrgCreateIn(InputSchema):
    name: OrgName
    short_name: text_for(Organization, "short_name", strip=True) = ""
    code: text_for(Organization, "code", strip=True) = ""
    kind: OrgKind = OrgKind.BRANCH
    sector: OrgSector = OrgSector.OTHER
    form: OrgForm = OrgForm.REGULAR
    covered_units: CoveredUnits = Field(default_factory=list, description="联合党支部覆盖的单位")
    founded_on: Date | None = None
    term_started_on: Date | None = None
    contact_name: text_for(Organization, "contact_name", strip=True) = ""
    contact_phone: text_for(Organization, "contact_phone", strip=True) = ""
    address: text_for(Organization, "address", strip=True) = ""


class OrgUpdateIn(InputSchema):
    """Only the fields sent are changed. `version` is the one read with the record."""

    version: Version
    name: OrgName | None = None
    short_name: text_for(Organization, "short_name", strip=True) | None = None
    code: text_for(Organization, "code", strip=True) | None = None
    kind: OrgKind | None = None
    sector: OrgSector | None = None
    form: OrgForm | None = None
    covered_units: CoveredUnits | None = None
    founded_on: Date | None = None
    term_started_on: Date | None = None
    contact_name: text_for(Organization, "contact_name", strip=True) | None = None
    contact_phone: text_for(Organization, "contact_phone", strip=True) | None = None
    address: text_for(Organization, "address", strip=True) | None = None

    @field_validator(
        "name", "short_name", "code", "kind", "sector", "form", "covered_units", "contact_name", "contact_phone",
        "address",
    )
    @classmethod
    def not_null(cls, value):
        # Only the dates may be cleared with null; a text field is cleared with "".
        if value is None:
            raise ValueError("不能为空（清空文本请传空字符串）")
        return value


class OrgMoveIn(InputSchema):
    parent: Id = Field(description="新的上级组织ID")
    version: Version


class OrgDissolveIn(InputSchema):
    version: Version
    on: Date | None = Field(None, description="撤销日期，默认今天")
    reason: text_for(Organization, "dissolve_reason", strip=True)
