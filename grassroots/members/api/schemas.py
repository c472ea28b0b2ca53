"""Request and response shapes of the member API. Output carries only the masked identifiers
(id_number_masked, phone_masked, address_masked); full values come from the audited reveal endpoint alone."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field, field_validator

from grassroots.api.schemas import (
    Date,
    Id,
    InputSchema,
    PageOut,
    PageQuery,
    SearchText,
    Version,
    blank_to_none,
    text,
    text_for,
)
from grassroots.members.choices import (
    AgeBand,
    Education,
    Ethnicity,
    ExitKind,
    Gender,
    MemberStatus,
    Occupation,
    Post,
)
from grassroots.members.models import Member, MemberExit
from grassroots.members.selectors import FLAG_FIELDS
from grassroots.orgs.api.schemas import OrgRefOut

IdNumber = text(32, strip=True)
Phone = text(30, strip=True)
Address = text(200, strip=True)
Notes = text(2000)
Posts = Annotated[list[Post], Field(max_length=len(Post.values))]
Flag = Literal[FLAG_FIELDS]  # type: ignore[valid-type]


def _optional(kind):
    """A filter parameter that may be absent or blank (blank = no filter)."""
    return Annotated[kind | None, BeforeValidator(blank_to_none)]


class MemberListQuery(PageQuery):
    org: _optional(Id) = Field(
        None, description="党组织ID：列出该组织及其全部下级组织的党员"
    )
    q: SearchText = Field("", description="姓名（或其中一部分），或姓名拼音首字母")
    status: _optional(MemberStatus) = None
    gender: _optional(Gender) = None
    age_band: _optional(AgeBand) = None
    education: _optional(Education) = None
    occupation: _optional(Occupation) = None
    flag: _optional(Flag) = Field(None, description="流动党员、失联党员、共产党员户、党员中心户")
    state: Literal["active", "suspended", "left", "all"] = Field(
        "active", description="active 在册（默认），suspended 停止党籍，left 已出党/转出，all 全部"
    )

    @field_validator("state", mode="before")
    @classmethod
    def blank_state_means_all(cls, value):
        return "all" if value == "" else value


class MemberListItemOut(Schema):
    id: int
    org_id: int
    org_name: str
    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    education: str
    occupation: str
    joined_on: dt.date
    confirmed_on: dt.date | None
    status: str
    is_mobile: bool
    is_unreachable: bool
    household_plaque: bool
    household_hub: bool
    state: str
    version: int

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name


class MemberPageOut(PageOut):
    items: list[MemberListItemOut]


class PartyGroupRefOut(Schema):
    id: int
    name: str


class MemberDetailOut(Schema):
    id: int
    org: OrgRefOut
    party_group: PartyGroupRefOut | None
    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    address_masked: str
    education: str
    occupation: str
    joined_on: dt.date
    confirmed_on: dt.date | None
    status: str
    posts: list[str]
    is_mobile: bool
    is_unreachable: bool
    household_plaque: bool
    household_hub: bool
    notes: str
    state: str
    left_on: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class MemberSecretsOut(Schema):
    id: int
    id_number: str
    phone: str
    address: str


class MemberCreateIn(InputSchema):
    org: Id = Field(description="所在党支部ID")
    name: text_for(Member, "name", strip=True)
    gender: Gender
    ethnicity: Ethnicity = Field("汉族")
    birth_date: Date | None = Field(None, description="可省略，按身份证号推出")
    id_number: IdNumber
    phone: Phone = ""
    address: Address = ""
    education: Education
    occupation: Occupation
    joined_on: Date
    confirmed_on: Date | None = None
    status: MemberStatus
    party_group: Id | None = None
    posts: Posts = Field(default_factory=list)
    is_mobile: bool = False
    is_unreachable: bool = False
    household_plaque: bool = False
    household_hub: bool = False
    notes: Notes = ""


class MemberUpdateIn(InputSchema):
    """Only the fields sent are changed. `version` is the one read with the record. Changing `org` here corrects
    a data-entry mistake; a real move between branches is a transfer."""

    version: Version
    org: Id | None = None
    name: text_for(Member, "name", strip=True) | None = None
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    birth_date: Date | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None
    address: Address | None = None
    education: Education | None = None
    occupation: Occupation | None = None
    joined_on: Date | None = None
    confirmed_on: Date | None = None
    status: MemberStatus | None = None
    party_group: Id | None = None
    posts: Posts | None = None
    is_mobile: bool | None = None
    is_unreachable: bool | None = None
    household_plaque: bool | None = None
    household_hub: bool | None = None
    notes: Notes | None = None

    @field_validator(
        "org", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "address", "education",
        "occupation", "joined_on", "status", "posts", "is_mobile", "is_unreachable", "household_plaque",
        "household_hub", "notes",
    )
    @classmethod
    def not_null(cls, value):
        # Only confirmed_on and party_group may be cleared with null; a text field is cleared with "".
        if value is None:
            raise ValueError("不能为空")
        return value


class MemberRevealIn(InputSchema):
    reason: text(500, strip=True, min_length=1) = Field(description="查看完整信息的事由（记入审计日志）")


class MemberExitIn(InputSchema):
    version: Version
    kind: ExitKind
    occurred_on: Date
    reason: text_for(MemberExit, "reason", strip=True)
    decided_by: text_for(MemberExit, "decided_by", strip=True) = ""
    meeting_on: Date | None = None
