"""Request and response shapes of the committees API. Members appear by id and name only."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from grassroots.api.schemas import Date, Id, InputSchema, PageOut, Version, text
from grassroots.committees.choices import (
    CadreStatus,
    ElectionMethod,
    ElectionStage,
    ExclusionReason,
    MajorityBase,
    PostEndReason,
    TermChangeKind,
)
from grassroots.members.choices import Education, Gender, Post

CommitteePostCode = Literal[tuple(p.value for p in Post if p != Post.GROUP_LEADER)]  # type: ignore[valid-type]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class MemberRefOut(Schema):
    id: int
    name: str


class CommitteePostOut(Schema):
    id: int
    org_id: int
    member: MemberRefOut
    post: str
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    election_id: int | None
    version: int


class WarningOut(Schema):
    code: str
    level: str
    message: str
    source: str


class TermOut(Schema):
    years: int
    source: str
    started_on: dt.date | None
    statutory_ends_on: dt.date | None
    ends_on: dt.date | None
    overdue: bool
    ending_soon: bool


class CommitteeOut(Schema):
    org_id: int
    org_name: str
    full_members: int
    committee_size: int
    size_range: list[int] = Field(description="[最少, 一般最多, 最多] 委员人数（支部工作条例第二十条）")
    current: list[CommitteePostOut]
    warnings: list[WarningOut]
    term: TermOut


class PostCreateIn(InputSchema):
    member: int = Field(description="本组织党员ID（不在本组织时返回字段错误）")
    post: CommitteePostCode
    started_on: Date


class PostEndIn(InputSchema):
    version: Version
    ended_on: Date
    reason: PostEndReason


class TermChangeIn(InputSchema):
    kind: TermChangeKind
    new_ends_on: Date
    reason: text(500, strip=True, min_length=1)
    decision_ref: text(100, strip=True) = ""


class TermChangeOut(Schema):
    id: int
    org_id: int
    kind: str
    term_started_on: dt.date
    original_ends_on: dt.date
    new_ends_on: dt.date
    reason: str
    decision_ref: str
    approver_org_id: int
    approved_on: dt.date


class TermDueOut(Schema):
    id: int
    name: str
    kind: str
    sector: str
    term_started_on: dt.date
    ends_on: dt.date
    statutory_ends_on: dt.date
    days_left: int


class TermDuePageOut(PageOut):
    items: list[TermDueOut]


class ElectionIn(InputSchema):
    title: text(120, strip=True, min_length=1)
    method: ElectionMethod = ElectionMethod.TWO_RECOMMEND
    seats: Annotated[int, Field(ge=1, le=99)]
    planned_on: Date
    margin_percent: Percent = Decimal("20")
    majority_base: MajorityBase = MajorityBase.EXPECTED
    plan: text(20000) = ""


class ElectionOut(Schema):
    id: int
    org_id: int
    title: str
    stage: ElectionStage
    method: str
    seats: int
    margin_percent: Decimal
    majority_base: str
    planned_on: dt.date
    plan_approved_on: dt.date | None
    plan_approver_org_id: int | None
    meeting_on: dt.date | None
    eligible_count: int | None
    present_count: int | None
    result_approved_on: dt.date | None
    result_approver_org_id: int | None
    filed_on: dt.date | None
    published_at: dt.datetime | None
    return_reason: str
    version: int


class ElectionPageOut(PageOut):
    items: list[ElectionOut]


class CandidateOut(Schema):
    id: int
    member: MemberRefOut
    pledge: str
    elected_in_round: int | None
    post: str
    score: Decimal | None = None


class VoteOut(Schema):
    candidate_id: int
    yes: int


class RoundOut(Schema):
    id: int
    number: int
    seats: int
    ballots_issued: int
    ballots_returned: int
    void: bool
    votes: list[VoteOut]


class ExclusionOut(Schema):
    id: int
    member: MemberRefOut
    reason: str
    detail: str
    approved_on: dt.date | None


class ElectionDetailOut(ElectionOut):
    candidates_needed: int
    candidates: list[CandidateOut]
    rounds: list[RoundOut]
    exclusions: list[ExclusionOut]


class TransitionIn(InputSchema):
    version: Version
    to: ElectionStage
    reason: text(500, strip=True) = ""
    decision_ref: text(100, strip=True) = ""
    filed_on: Date | None = None


class CandidateIn(InputSchema):
    member: Id
    pledge: text(2000, strip=True) = ""


class NominationIn(InputSchema):
    name: text(60, strip=True, min_length=1)
    weight: Percent
    participants: Annotated[int, Field(ge=1, le=1_000_000)]
    held_on: Date
    votes: dict[int, Count] = Field(description="{党员ID: 推荐票数}")


class ExclusionIn(InputSchema):
    member: Id
    reason: ExclusionReason
    detail: text(300, strip=True, min_length=1)


class MeetingIn(InputSchema):
    version: Version
    meeting_on: Date
    present_count: Count


class RoundIn(InputSchema):
    version: Version
    ballots_issued: Count
    ballots_returned: Count
    votes: dict[int, Count] = Field(description="{候选人ID: 赞成票}")


class PostsIn(InputSchema):
    version: Version
    posts: dict[int, CommitteePostCode] = Field(description="{候选人ID: 职务}")


class VersionIn(InputSchema):
    version: Version


class FirstSecretaryIn(InputSchema):
    name: text(50, strip=True, min_length=1)
    unit: text(120, strip=True, min_length=1)
    started_on: Date
    notes: text(2000) = ""


class FirstSecretaryOut(Schema):
    id: int
    org_id: int
    name: str
    unit: str
    started_on: dt.date
    ended_on: dt.date | None
    version: int


class FirstSecretaryPageOut(PageOut):
    items: list[FirstSecretaryOut]


class WorkLogIn(InputSchema):
    occurred_on: Date
    content: text(4000, strip=True, min_length=1)


class WorkLogOut(Schema):
    id: int
    occurred_on: dt.date
    content: str


class FirstSecretaryDetailOut(FirstSecretaryOut):
    log: list[WorkLogOut]


class CadreIn(InputSchema):
    name: text(50, strip=True, min_length=1)
    gender: Gender
    birth_date: Date
    education: Education
    position: text(100, strip=True) = ""
    status: CadreStatus = CadreStatus.CANDIDATE
    notes: text(2000) = ""


class CadreUpdateIn(InputSchema):
    version: Version
    name: text(50, strip=True, min_length=1) | None = None
    gender: Gender | None = None
    birth_date: Date | None = None
    education: Education | None = None
    position: text(100, strip=True) | None = None
    status: CadreStatus | None = None
    notes: text(2000) | None = None


class CadreOut(Schema):
    id: int
    org_id: int
    name: str
    gender: str
    birth_date: dt.date
    age: int | None = None
    education: str
    position: str
    status: str
    version: int


class CadrePageOut(PageOut):
    items: list[CadreOut]


class TrainingIn(InputSchema):
    occurred_on: Date
    title: text(200, strip=True, min_length=1)
    hours: Annotated[Decimal, Field(ge=0, le=1000, max_digits=5, decimal_places=1)] = Decimal("0")
    organizer: text(120, strip=True) = ""


class TrainingOut(Schema):
    id: int
    occurred_on: dt.date
    title: str
    hours: Decimal
    organizer: str
