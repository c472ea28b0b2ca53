"""Request and response shapes of the organizational-life API. Counts (应到/实到) are output only; a request may
send them for checking, and they are refused when they disagree with the roster."""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from grassroots.api.schemas import Date, Id, InputSchema, Version, text, text_for
from grassroots.orglife.choices import AppraisalGrade, AttendanceStatus, MeetingKind
from grassroots.orglife.models import Meeting

Count = Annotated[int, Field(ge=0, le=100_000)]
LongText = text(20_000)


class AttendanceIn(InputSchema):
    member: Id
    status: AttendanceStatus
    reason: text(200, strip=True) = ""


class MeetingPlanIn(InputSchema):
    kind: MeetingKind
    date: Date
    topic: text_for(Meeting, "topic", strip=True)
    place: text_for(Meeting, "place", strip=True) = ""
    party_group: Id | None = None
    agenda: LongText = ""


class MeetingRecordIn(InputSchema):
    kind: MeetingKind
    date: Date
    topic: text_for(Meeting, "topic", strip=True)
    place: text_for(Meeting, "place", strip=True) = ""
    party_group: Id | None = None
    host: Id | None = None
    recorder: Id | None = None
    agenda: LongText = ""
    minutes: LongText = ""
    resolutions: LongText = ""
    attendance: Annotated[list[AttendanceIn], Field(max_length=5000)]
    guests: Annotated[list[Id], Field(max_length=500, description="列席的外支部流动党员（无表决权）")] = []
    expected_count: Count | None = Field(None, description="核对用：与花名册计算的应到人数不一致时拒绝")
    present_count: Count | None = Field(None, description="核对用：与出席登记计算的实到人数不一致时拒绝")
    vote_subject: text_for(Meeting, "vote_subject", strip=True) = ""
    vote_yes: Count | None = None
    vote_no: Count | None = None
    vote_abstain: Count | None = None


class MeetingUpdateIn(MeetingRecordIn):
    version: Version


class MeetingCancelIn(InputSchema):
    version: Version
    reason: text(200, strip=True)


class GradeIn(InputSchema):
    member: Id
    grade: AppraisalGrade


class AppraisalIn(InputSchema):
    grades: Annotated[list[GradeIn], Field(max_length=5000)]


class AttendanceOut(Schema):
    member_id: int
    name: str
    status: str
    reason: str
    is_guest: bool
    has_vote: bool


class MeetingOut(Schema):
    id: int
    org_id: int
    kind: str
    status: str
    date: dt.date
    place: str
    party_group_id: int | None
    host_id: int | None
    recorder_id: int | None
    topic: str
    expected_count: int
    present_count: int
    voting_expected: int
    voting_present: int
    guest_count: int
    vote_subject: str
    vote_yes: int | None
    vote_no: int | None
    vote_abstain: int | None
    vote_adopted: bool | None
    version: int


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    resolutions: str
    attendance: list[AttendanceOut]


class RosterOut(Schema):
    id: int
    name: str
    has_vote: bool
    is_mobile: bool


class ComplianceRuleOut(Schema):
    code: str
    label: str
    source: str
    met: int
    open: int
    missed: int
    missed_this_year: int


class ComplianceBranchOut(Schema):
    org_id: int
    name: str
    missing: list[dict]


class ComplianceOut(Schema):
    org_id: int
    month: dt.date
    branches: int
    rules: list[ComplianceRuleOut]
    missing: list[ComplianceBranchOut]
    has_more: bool
