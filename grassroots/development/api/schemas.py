"""Request and response shapes of the development API. Identifiers appear masked; full values come only from the
audited reveal endpoint."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field

from grassroots.api.schemas import Date, Id, InputSchema, PageOut, PageQuery, SearchText, Version, blank_to_none, text
from grassroots.development.choices import NoticeStage, Stage, SuspensionKind, VoteKind
from grassroots.development.rules import EXCLUSION_BY_CODE, STEP_BY_CODE
from grassroots.members.choices import Education, Ethnicity, Gender, Occupation

StepCode = Literal[tuple(STEP_BY_CODE)]  # type: ignore[valid-type]
ExclusionCode = Literal[tuple(EXCLUSION_BY_CODE)]  # type: ignore[valid-type]
Count = Annotated[int, Field(ge=0, le=100000)]
Reason = text(500, strip=True)


class ApplicantListQuery(PageQuery):
    org: Annotated[Id | None, BeforeValidator(blank_to_none)] = Field(None, description="党组织ID：该组织及下级")
    stage: Literal["", "open", "overdue", *Stage.values] = Field("", description="阶段；open 在培养，overdue 逾期")  # type: ignore[misc]
    q: SearchText = ""


class ApplicantListItemOut(Schema):
    id: int
    org_id: int
    org_name: str
    name: str
    gender: str
    stage: str
    applied_on: dt.date
    activist_on: dt.date | None
    candidate_on: dt.date | None
    admitted_on: dt.date | None
    probation_ends_on: dt.date | None
    next_step: str
    next_due_on: dt.date | None
    next_due_deadline: bool
    id_number_masked: str
    phone_masked: str
    version: int

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name


class ApplicantPageOut(PageOut):
    items: list[ApplicantListItemOut]


class StepOut(Schema):
    id: int
    code: str
    number: int
    occurred_on: dt.date
    done_by: str
    evidence: dict
    completed: bool
    late: bool
    late_note: str


class VoteOut(Schema):
    id: int
    kind: str
    meeting_on: dt.date
    roster_full: int
    exclusions: list
    eligible: int
    present: int
    yes: int
    no: int
    abstain: int
    written_yes: int
    written_no: int
    written_abstain: int
    outcome: str
    explanation: str


class ObjectionOut(Schema):
    id: int
    received_on: dt.date
    summary: str
    resolved_on: dt.date | None
    resolution: str
    version: int


class NoticeOut(Schema):
    id: int
    stage: str
    published_on: dt.date
    working_days: int
    ends_on: dt.date
    status: str
    public_url: str

    @staticmethod
    def resolve_public_url(obj) -> str:
        return f"/development/notices/{obj.pk}/"


class ApplicantDetailOut(ApplicantListItemOut):
    ethnicity: str
    birth_date: dt.date
    address_masked: str
    education: str
    occupation: str
    extensions: int
    confirmed_on: dt.date | None
    closed_reason: str
    closed_on: dt.date | None
    member_id: int | None
    notes: str
    steps: list[StepOut]
    votes: list[VoteOut]
    notices: list[NoticeOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.order_by("number", "occurred_on", "id"))

    @staticmethod
    def resolve_votes(obj):
        return list(obj.votes.order_by("meeting_on", "id"))

    @staticmethod
    def resolve_notices(obj):
        return list(obj.notices.order_by("published_on", "id"))


class ApplicantCreateIn(InputSchema):
    org: Id
    name: text(50, strip=True, min_length=1)
    id_number: text(32, strip=True)
    gender: Gender | None = None
    ethnicity: Ethnicity = "汉族"
    phone: text(30, strip=True) = ""
    address: text(200, strip=True) = ""
    education: Education
    occupation: Occupation
    applied_on: Date
    notes: text(2000) = ""


class ApplicantUpdateIn(InputSchema):
    version: Version
    name: text(50, strip=True, min_length=1) | None = None
    id_number: text(32, strip=True) | None = None
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    phone: text(30, strip=True) | None = None
    address: text(200, strip=True) | None = None
    education: Education | None = None
    occupation: Occupation | None = None
    notes: text(2000) | None = None


class RevealIn(InputSchema):
    reason: text(200, strip=True, min_length=1)


class SecretsOut(Schema):
    id: int
    id_number: str
    phone: str
    address: str


class StepIn(InputSchema):
    version: Version
    code: StepCode
    occurred_on: Date
    evidence: dict[str, Annotated[str, Field(max_length=2000)] | int | Decimal | None] = Field(
        default_factory=dict, description="该步骤的材料（字段见 rules.STEPS 的 evidence）")
    people: list[Id] = Field(default_factory=list, max_length=10, description="培养联系人或入党介绍人（党员ID）")


class StepCorrectIn(InputSchema):
    version: Version
    reason: text(300, strip=True, min_length=1)
    occurred_on: Date | None = Field(None, description="更正后的日期；不改可省略")
    evidence: dict[str, Annotated[str, Field(max_length=2000)] | int | Decimal | None] | None = Field(
        None, description="更正后的全部材料；不改可省略")
    people: list[Id] | None = Field(None, max_length=10, description="更正后的培养联系人或入党介绍人；不改可省略")


class ExclusionIn(InputSchema):
    member_id: Id
    reason: ExclusionCode
    note: text(300, strip=True) = ""


class VoteIn(InputSchema):
    version: Version
    kind: VoteKind
    meeting_on: Date
    present: Count
    yes: Count
    no: Count = 0
    abstain: Count = 0
    written_yes: Count = 0
    written_no: Count = 0
    written_abstain: Count = 0
    exclusions: list[ExclusionIn] = Field(default_factory=list, max_length=1000)


class NoticeIn(InputSchema):
    stage: NoticeStage
    published_on: Date
    working_days: Annotated[int, Field(ge=1, le=60)] | None = None
    contact: text(200, strip=True) = ""


class WithdrawIn(InputSchema):
    reason: text(300, strip=True, min_length=1)


class ObjectionIn(InputSchema):
    received_on: Date
    summary: text(4000, strip=True, min_length=1)


class ResolveIn(InputSchema):
    version: Version
    resolved_on: Date
    resolution: text(4000, strip=True, min_length=1)


class ExtendIn(InputSchema):
    version: Version
    months: Annotated[int, Field(ge=1, le=24)]
    decided_on: Date
    reason: Reason


class DecisionIn(InputSchema):
    version: Version
    decided_on: Date
    reason: Reason


class CloseIn(InputSchema):
    version: Version
    closed_on: Date
    reason: Reason


class PlanIn(InputSchema):
    org: Id
    year: Annotated[int, Field(ge=2000, le=2100)]
    planned: Annotated[int, Field(ge=0, le=100000)]


class PlanOut(Schema):
    id: int
    org_id: int
    year: int
    planned: int


class SuspensionIn(InputSchema):
    kind: SuspensionKind
    starts_on: Date
    ends_on: Date | None = None
    reason: text(300, strip=True, min_length=1)


class SuspensionOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    org_id: int = Field(alias="member.org_id")
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    reason: str
    end_ref: str
    version: int


class SuspensionPageOut(PageOut):
    items: list[SuspensionOut]


class SuspensionListQuery(PageQuery):
    org: Annotated[Id | None, BeforeValidator(blank_to_none)] = Field(None, description="党组织ID：该组织及下级")
    all: bool = Field(False, description="包括已恢复权利的记录")


class SuspensionEndIn(InputSchema):
    version: Version
    ends_on: Date
    decision_ref: text(300, strip=True)


class BoardRowOut(Schema):
    org_id: int
    org_name: str
    counts: dict[str, int]
    overdue: int
    admitted: int
    planned: int | None


class BoardOut(Schema):
    year: int
    total: BoardRowOut
    children: list[BoardRowOut]
    due: list[ApplicantListItemOut]
