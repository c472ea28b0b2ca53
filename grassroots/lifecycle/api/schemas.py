"""Request and response shapes of the lifecycle API. A transfer carries the person's name and both sides'
organizations, never the member's personal data; whereabouts carry the masked contact only."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from grassroots.api.schemas import Date, Id, InputSchema, PageOut, PageQuery, Version, text, text_for
from grassroots.lifecycle.choices import ContactMethod, DecisionKind, ReviewOutcomeKind, TransferSource
from grassroots.lifecycle.models import (
    ContactAttempt,
    Decision,
    ReviewOutcome,
    Transfer,
    Whereabouts,
    WorkAssignment,
    WorkReport,
)


class OrgFilterQuery(PageQuery):
    org: Id | None = Field(None, description="党组织ID：只看该组织及其下级")


class TransferListQuery(OrgFilterQuery):
    dir: Literal["", "in", "out"] = Field("", description="in 转入，out 转出，空为两者")
    status: Literal["", "pending", "accepted", "returned", "cancelled", "closed", "completed"] = "pending"
    kind: Literal["", "internal", "outbound", "inbound", "direct"] = ""


class TransferOut(Schema):
    id: int
    kind: str
    status: str
    source: str
    person_name: str
    member_id: int | None
    from_org_id: int | None
    from_label: str
    to_org_id: int | None
    to_label: str
    issued_on: dt.date
    age_days: int = 0
    reason: str
    dues_paid_through: str
    facts: dict
    letter_no: str
    valid_until: dt.date | None
    expired: bool = False
    certificate_ref: str
    renewed_on: dt.date | None
    receipt_on: dt.date | None
    receipt_ref: str
    decided_on: dt.date | None
    return_reason: str
    version: int


class TransferPageOut(PageOut):
    items: list[TransferOut]


class TransferIssueIn(InputSchema):
    version: Version
    to_org: Id
    on: Date | None = None
    reason: text_for(Transfer, "reason", strip=True)
    dues_paid_through: text(7, strip=True) | None = Field(None, description="党费交至（YYYY-MM）；缺省取党费模块的记录")


class TransferDirectIn(InputSchema):
    to_org: Id
    on: Date
    reason: text_for(Transfer, "reason", strip=True)
    source: TransferSource = TransferSource.MANUAL


class LetterIssueIn(InputSchema):
    version: Version
    destination: text_for(Transfer, "to_name", strip=True)
    letter_no: text_for(Transfer, "letter_no", strip=True)
    on: Date | None = None
    valid_until: Date | None = Field(None, description="缺省按配置的有效期（默认3个月）")
    reason: text_for(Transfer, "reason", strip=True)
    dues_paid_through: text(7, strip=True) | None = None


class LetterInboundIn(InputSchema):
    to_org: Id
    person_name: text_for(Transfer, "person_name", strip=True)
    origin: text_for(Transfer, "from_name", strip=True)
    letter_no: text_for(Transfer, "letter_no", strip=True)
    issued_on: Date
    valid_until: Date | None = None
    reason: text_for(Transfer, "reason", strip=True) = ""


class AcceptIn(InputSchema):
    version: Version
    on: Date | None = None


class ReasonIn(InputSchema):
    version: Version
    reason: text(300, strip=True)


class RenewIn(InputSchema):
    version: Version
    certificate_ref: text_for(Transfer, "certificate_ref", strip=True)
    valid_until: Date | None = None


class ReceiptIn(InputSchema):
    version: Version
    receipt_on: Date
    receipt_ref: text_for(Transfer, "receipt_ref", strip=True) = ""


class WhereaboutsOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    place: str
    employer: str
    left_on: dt.date
    returned_on: dt.date | None
    fixed_place: bool
    contact_masked: str
    host_org_id: int | None
    host_label: str
    card_no: str
    card_issued_on: dt.date | None
    version: int


class WhereaboutsPageOut(PageOut):
    items: list[WhereaboutsOut]


class MobileQuery(OrgFilterQuery):
    show: Literal["", "due", "hosted"] = Field("", description="due 满6个月应转接；hosted 在本组织参加活动的流入党员")


class WhereaboutsIn(InputSchema):
    place: text_for(Whereabouts, "place", strip=True)
    employer: text_for(Whereabouts, "employer", strip=True) = ""
    left_on: Date
    fixed_place: bool = True
    contact: text(40, strip=True) = ""
    host_org: Id | None = None
    host_name: text_for(Whereabouts, "host_name", strip=True) = ""
    card_no: text_for(Whereabouts, "card_no", strip=True) = ""
    card_issued_on: Date | None = None
    notes: text_for(Whereabouts, "notes", strip=True) = ""


class ReturnedIn(InputSchema):
    version: Version
    returned_on: Date


class GatheringOut(Schema):
    origin_id: int
    origin_name: str
    place: str
    count: int


class ContactIn(InputSchema):
    on: Date
    method: ContactMethod
    reached: bool = False
    mark_unreachable: bool = False
    note: text_for(ContactAttempt, "note", strip=True) = ""


class ContactOut(Schema):
    id: int
    member_id: int
    on: dt.date
    method: str
    reached: bool
    note: str


class UnreachableQuery(OrgFilterQuery):
    show: Literal["suspend", "remove", "attempts"] = "suspend"


class CandidateOut(Schema):
    id: int
    name: str
    org_id: int
    org_name: str = Field(alias="org.name")
    state: str
    unreachable_since: dt.date | None


class CandidatePageOut(PageOut):
    items: list[CandidateOut]


class DecisionIn(InputSchema):
    kind: DecisionKind
    occurred_on: Date
    reason: text_for(Decision, "reason", strip=True)
    meeting: text_for(Decision, "meeting", strip=True) = ""
    meeting_on: Date | None = None


class ApproveIn(InputSchema):
    version: Version
    approve: bool
    approved_on: Date
    note: text_for(Decision, "approval_note", strip=True) = ""


class DecisionOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    kind: str
    status: str
    occurred_on: dt.date
    reason: str
    meeting: str
    meeting_on: dt.date | None
    org_id: int
    approved_by_org_id: int | None
    approved_on: dt.date | None
    approval_note: str
    version: int


class DecisionPageOut(PageOut):
    items: list[DecisionOut]


class DecisionQuery(OrgFilterQuery):
    status: Literal["", "proposed", "approved", "rejected"] = ""
    to_approve: bool = Field(False, description="只看待本级批准的")


class ReviewCaseOut(Schema):
    ground: str
    months: list[str]
    evidence: str
    amount: str | None = None


class ReviewRowOut(Schema):
    member_id: int
    member_name: str
    org_id: int
    cases: list[ReviewCaseOut]
    last_outcome: str | None = None


class ReviewOutcomeIn(InputSchema):
    outcome: ReviewOutcomeKind
    decided_on: Date
    meeting: text_for(ReviewOutcome, "meeting", strip=True) = ""
    meeting_on: Date | None = None
    note: text_for(ReviewOutcome, "note", strip=True) = ""


class ReviewOutcomeOut(Schema):
    id: int
    member_id: int
    outcome: str
    grounds: list[str]
    decided_on: dt.date
    decision_id: int | None


class MemberLifecycleOut(Schema):
    member_id: int
    state: str
    is_mobile: bool
    is_unreachable: bool
    unreachable_since: dt.date | None
    whereabouts: list[WhereaboutsOut]
    contacts: list[ContactOut]
    decisions: list[DecisionOut]
    transfers: list[TransferOut]


class SummaryOut(Schema):
    pending_in: int
    pending_out: int
    expired_letters: int
    mobile: int
    mobile_transfer_due: int
    suspension_candidates: int
    removal_candidates: int
    to_approve: int
    suspended: int


class WorkListQuery(OrgFilterQuery):
    status: Literal["", "open", "done"] = Field("open", description="open 进行中，done 已结束，空为全部")
    member: Id | None = Field(None, description="党员ID：只看该党员的任务")


class WorkOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    org_id: int
    title: str
    description: str
    assigned_on: dt.date
    ends_on: dt.date | None
    done_on: dt.date | None
    closing_note: str
    last_report: dt.date | None = None
    idle_months: list[str] = Field(default_factory=list, description="自最近一次工作记录（或分配日期）起无工作记录的月份")
    idle_due: bool = Field(False, description="已连续6个月无工作记录（党章第九条，列入自行脱党审查）")
    version: int


class WorkPageOut(PageOut):
    items: list[WorkOut]


class WorkReportOut(Schema):
    id: int
    on: dt.date
    note: str


class WorkDetailOut(WorkOut):
    reports: list[WorkReportOut] = Field(alias="report_rows")


class WorkAssignIn(InputSchema):
    title: text_for(WorkAssignment, "title", strip=True)
    description: text(4000, strip=True) = ""
    assigned_on: Date
    ends_on: Date | None = None


class WorkReportIn(InputSchema):
    on: Date
    note: text_for(WorkReport, "note", strip=True)


class WorkCloseIn(InputSchema):
    version: Version
    done_on: Date
    note: text_for(WorkAssignment, "closing_note", strip=True)
